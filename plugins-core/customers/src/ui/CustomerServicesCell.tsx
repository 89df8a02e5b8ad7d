// What a customer's services are, in one table cell of the reseller's list: asked of
// dotmac.subscriptions (which scopes a reseller to their own customers); a dash when the user
// may not read them or the module is off.
import { type Page, useApi, useCan, useQuery } from '@dotmac/ui';
import type { ReactNode } from 'react';

/** A subscription as dotmac.subscriptions answers it, in the part this cell shows. */
interface Service {
  readonly id: string;
  readonly status: string;
  readonly plan: { readonly name?: string; readonly code?: string };
}

function ServiceList(props: { readonly accountId: string }): ReactNode {
  const api = useApi('dotmac.subscriptions');
  const services = useQuery(
    (signal) => api.get<Page<Service>>('/subscriptions', { query: { accountId: props.accountId, limit: 20 }, signal }),
    [props.accountId],
  );
  if (services.error) return '—';
  if (!services.data) return '…';
  const live = services.data.items.filter((s) => s.status !== 'cancelled');
  if (live.length === 0) return 'None';
  return live.map((s) => `${s.plan.name ?? s.plan.code ?? 'Service'} (${s.status})`).join(', ');
}

export function CustomerServicesCell(props: { readonly accountId: string }): ReactNode {
  return useCan('dotmac.subscriptions.read') ? <ServiceList accountId={props.accountId} /> : '—';
}

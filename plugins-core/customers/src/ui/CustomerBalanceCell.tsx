// What a customer owes, in one table cell of the reseller's list: the balance dotmac.billing
// keeps (GET /accounts/:accountId, scoped to the reseller's customers); a dash when the user may
// not read it, the module is off, or billing has no account for the customer yet.
import { Money, useApi, useCan, useQuery } from '@dotmac/ui';
import type { ReactNode } from 'react';

/** dotmac.billing's account, in the part this cell shows. */
interface BillingAccount {
  readonly balance: string;
  readonly currency: string;
}

function Balance(props: { readonly accountId: string }): ReactNode {
  const api = useApi('dotmac.billing');
  const account = useQuery(
    (signal) => api.get<BillingAccount>(`/accounts/${encodeURIComponent(props.accountId)}`, { signal }),
    [props.accountId],
  );
  if (account.error) return '—';
  if (!account.data) return '…';
  return <Money amount={account.data.balance} currency={account.data.currency} />;
}

export function CustomerBalanceCell(props: { readonly accountId: string }): ReactNode {
  return useCan('dotmac.billing.read') ? <Balance accountId={props.accountId} /> : '—';
}

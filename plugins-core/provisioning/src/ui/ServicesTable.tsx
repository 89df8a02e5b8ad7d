// The services of the Provisioning page, newest first: who they are for, where provisioning has
// them, what went wrong last; a failed one can be applied again.
import { type Column, DataTable, DateText, Link, type Page, StatusBadge, useApi, useCan } from '@dotmac/ui';
import { type CustomerBrief, customerBriefs } from './customer-accounts.ts';
import { RetryButton } from './RetryButton.tsx';
import type { Service, ServiceState } from './service-types.ts';
import { accessWord } from './words.ts';

/** A service with the customer it is for, when dotmac.customers says. */
interface ServiceRow extends Service {
  readonly customer: CustomerBrief | undefined;
}

export function ServicesTable(props: {
  readonly state: ServiceState | '';
  readonly reloadKey: number;
  readonly onChange: () => void;
}) {
  const api = useApi();
  const customers = useApi('dotmac.customers');
  const canWrite = useCan('dotmac.provisioning.write');

  const load = async (cursor: string | null, pageSize: number, signal: AbortSignal): Promise<Page<ServiceRow>> => {
    const page = await api.get<Page<Service>>('/services', {
      query: { state: props.state || undefined, limit: pageSize, cursor },
      signal,
    });
    const briefs = await customerBriefs(
      customers,
      page.items.map((service) => service.accountId),
      signal,
    );
    return {
      items: page.items.map((service) => ({ ...service, customer: briefs.get(service.accountId) })),
      nextCursor: page.nextCursor,
    };
  };

  const columns: Column<ServiceRow>[] = [
    {
      key: 'customer',
      header: 'Customer',
      render: (row) => (
        <Link to={`/customers/${encodeURIComponent(row.accountId)}`}>
          {row.customer?.name ?? `Account ${row.accountId.slice(0, 8)}`}
        </Link>
      ),
    },
    {
      key: 'access',
      header: 'Access',
      render: (row) => (row.access ? `${accessWord(row.access.access)} ${row.access.username}` : 'No credentials'),
    },
    { key: 'state', header: 'State', render: (row) => <StatusBadge status={row.state} /> },
    { key: 'desired', header: 'Target', render: (row) => row.desired },
    { key: 'ipv4', header: 'IPv4', render: (row) => <code>{row.addresses.ipv4 ?? '—'}</code> },
    { key: 'since', header: 'Since', render: (row) => <DateText value={row.stateSince} time /> },
    { key: 'attempts', header: 'Attempts', align: 'end', render: (row) => String(row.attempts) },
    { key: 'lastError', header: 'Last error', render: (row) => row.lastError ?? '—' },
  ];
  if (canWrite) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      render: (row) =>
        row.state === 'failed' ? <RetryButton subscriptionId={row.subscriptionId} onRetried={props.onChange} /> : null,
    });
  }

  return (
    <DataTable<ServiceRow>
      caption="Services and their provisioning state"
      columns={columns}
      load={load}
      rowKey={(row) => row.subscriptionId}
      reloadKey={`${props.state}:${props.reloadKey}`}
      empty={props.state ? 'No service in this state.' : 'No service yet.'}
    />
  );
}

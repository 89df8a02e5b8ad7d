// A table of payments and refunds, newest first, a page at a time: when, who (for staff and
// resellers), how much, how, and which invoices each paid.
import { type Column, DataTable, DateText, Link, Money, type Page, StatusBadge, useApi } from '@dotmac/ui';
import type { ListedPayment } from './resources.ts';

export function PaymentsTable(props: {
  readonly caption: string;
  /** Only this account's payments. */
  readonly accountId?: string;
  /** The customer column, linked to their page. */
  readonly customer?: boolean;
  /** The portal path invoices are at (their numbers link there). */
  readonly invoicesPath: string;
  readonly pageSize?: number;
  /** Change to load again from the first page (after a payment is recorded). */
  readonly reloadKey?: unknown;
}) {
  const api = useApi();
  const columns: Column<ListedPayment>[] = [
    { key: 'receivedAt', header: 'Received', render: (p) => <DateText value={p.receivedAt} /> },
    ...(props.customer
      ? [
          {
            key: 'customer',
            header: 'Customer',
            render: (p: ListedPayment) => <Link to={`/customers/${p.accountId}`}>{p.customer.name}</Link>,
          },
        ]
      : []),
    { key: 'kind', header: 'Kind', render: (p) => <StatusBadge status={p.kind} /> },
    {
      key: 'amount',
      header: 'Amount',
      align: 'end',
      render: (p) => <Money amount={p.amount} currency={p.currency} />,
    },
    { key: 'method', header: 'Method', render: (p) => p.method.replace('-', ' ') },
    { key: 'reference', header: 'Reference', render: (p) => p.reference ?? '' },
    {
      key: 'allocations',
      header: 'Paid invoices',
      render: (p) =>
        p.allocations.length === 0
          ? '—'
          : p.allocations.map((a, i) => (
              <span key={a.invoiceId}>
                {i > 0 ? ', ' : ''}
                <Link to={`${props.invoicesPath}/${a.invoiceId}`}>{a.number ?? 'invoice'}</Link> (
                <Money amount={a.amount} currency={p.currency} />)
              </span>
            )),
    },
    {
      key: 'unallocated',
      header: 'Kept as credit',
      align: 'end',
      render: (p) => <Money amount={p.unallocated} currency={p.currency} />,
    },
  ];
  const load = (cursor: string | null, limit: number, signal: AbortSignal) =>
    api.get<Page<ListedPayment>>('/payments', { query: { accountId: props.accountId, cursor, limit }, signal });
  return (
    <DataTable
      caption={props.caption}
      columns={columns}
      load={load}
      rowKey={(p) => p.id}
      pageSize={props.pageSize ?? 25}
      reloadKey={`${props.accountId ?? ''}:${String(props.reloadKey ?? '')}`}
      empty="No payments yet."
    />
  );
}

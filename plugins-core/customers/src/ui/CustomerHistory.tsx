// The "Status history" tab of a customer's page: every status change, newest first, with who
// made it and why.
import { type Column, type ContributionProps, DataTable, DateText, StatusBadge, useApi } from '@dotmac/ui';
import type { ReactNode } from 'react';

/** schemas/history-page.json items. */
interface StatusChangeRecord {
  readonly id: string;
  readonly from: string | null;
  readonly to: string;
  readonly reason: string | null;
  readonly changedAt: string;
  readonly changedBy: string;
}

const COLUMNS: readonly Column<StatusChangeRecord>[] = [
  { key: 'changedAt', header: 'When', render: (c) => <DateText value={c.changedAt} time /> },
  { key: 'from', header: 'From', render: (c) => (c.from ? <StatusBadge status={c.from} /> : 'New account') },
  { key: 'to', header: 'To', render: (c) => <StatusBadge status={c.to} /> },
  { key: 'reason', header: 'Reason', render: (c) => c.reason ?? '' },
  { key: 'changedBy', header: 'By' },
];

export default function CustomerHistory(props: ContributionProps): ReactNode {
  const api = useApi();
  const accountId = props.params.id ?? '';
  return (
    <section aria-labelledby="customer-history-heading">
      <h2 id="customer-history-heading">Status history</h2>
      <DataTable
        caption="Status changes, newest first"
        columns={COLUMNS}
        rowKey={(c) => c.id}
        reloadKey={accountId}
        load={(cursor, pageSize, signal) =>
          api.get(`/accounts/${encodeURIComponent(accountId)}/history`, {
            query: { limit: pageSize, ...(cursor && { cursor }) },
            signal,
          })
        }
      />
    </section>
  );
}

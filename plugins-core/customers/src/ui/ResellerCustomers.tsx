// The reseller portal's customer list (/customers): the reseller's own customers (the API shows
// them no others), with their services and what they owe.
import { type Column, Link, PageFrame, StatusBadge } from '@dotmac/ui';
import type { AccountSummary } from './account.ts';
import { CustomerBalanceCell } from './CustomerBalanceCell.tsx';
import { CustomerServicesCell } from './CustomerServicesCell.tsx';
import { SearchableAccounts } from './SearchableAccounts.tsx';

const COLUMNS: readonly Column<AccountSummary>[] = [
  { key: 'number', header: 'Number' },
  { key: 'name', header: 'Name', render: (a) => <Link to={`/customers/${a.id}`}>{a.name}</Link> },
  { key: 'status', header: 'Status', render: (a) => <StatusBadge status={a.status} /> },
  { key: 'services', header: 'Services', render: (a) => <CustomerServicesCell accountId={a.id} /> },
  { key: 'balance', header: 'Balance', align: 'end', render: (a) => <CustomerBalanceCell accountId={a.id} /> },
];

export default function ResellerCustomers() {
  return (
    <PageFrame title="My customers">
      <SearchableAccounts caption="My customers" columns={COLUMNS} />
    </PageFrame>
  );
}

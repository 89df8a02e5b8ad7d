// The admin portal's customer list (/customers): search, a status filter, pages from the server.
import { type Column, DateText, Link, PageFrame, StatusBadge, useCan } from '@dotmac/ui';
import { type AccountSummary, CAN_WRITE } from './account.ts';
import { SearchableAccounts } from './SearchableAccounts.tsx';

const COLUMNS: readonly Column<AccountSummary>[] = [
  { key: 'number', header: 'Number', render: (a) => <Link to={`/customers/${a.id}`}>{a.number}</Link> },
  { key: 'name', header: 'Name', render: (a) => <Link to={`/customers/${a.id}`}>{a.name}</Link> },
  { key: 'status', header: 'Status', render: (a) => <StatusBadge status={a.status} /> },
  { key: 'email', header: 'Email', render: (a) => a.primaryContact?.email ?? '' },
  { key: 'phone', header: 'Phone', render: (a) => a.primaryContact?.phone ?? '' },
  { key: 'createdAt', header: 'Customer since', render: (a) => <DateText value={a.createdAt} /> },
];

export default function Customers() {
  const canCreate = useCan(CAN_WRITE);
  return (
    <PageFrame title="Customers" actions={canCreate ? <Link to="/customers/new">New customer</Link> : undefined}>
      <SearchableAccounts caption="Customers" columns={COLUMNS} />
    </PageFrame>
  );
}

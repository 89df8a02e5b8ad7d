// The admin portal's customer list (/customers): search, a status filter, pages from the server.
import { type Column, DataTable, DateText, Link, PageFrame, StatusBadge, useApi, useCan } from '@dotmac/ui';
import { useState } from 'react';
import { type AccountSummary, CAN_WRITE } from './account.ts';
import { type CustomerFilter, CustomerSearch, filterQuery, NO_FILTER } from './CustomerSearch.tsx';

const COLUMNS: readonly Column<AccountSummary>[] = [
  { key: 'number', header: 'Number', render: (a) => <Link to={`/customers/${a.id}`}>{a.number}</Link> },
  { key: 'name', header: 'Name', render: (a) => <Link to={`/customers/${a.id}`}>{a.name}</Link> },
  { key: 'status', header: 'Status', render: (a) => <StatusBadge status={a.status} /> },
  { key: 'email', header: 'Email', render: (a) => a.primaryContact?.email ?? '' },
  { key: 'phone', header: 'Phone', render: (a) => a.primaryContact?.phone ?? '' },
  { key: 'createdAt', header: 'Customer since', render: (a) => <DateText value={a.createdAt} /> },
];

export default function Customers() {
  const api = useApi();
  const canCreate = useCan(CAN_WRITE);
  const [filter, setFilter] = useState<CustomerFilter>(NO_FILTER);
  return (
    <PageFrame title="Customers" actions={canCreate ? <Link to="/customers/new">New customer</Link> : undefined}>
      <CustomerSearch filter={filter} onChange={setFilter} />
      <DataTable
        caption="Customers"
        columns={COLUMNS}
        rowKey={(a) => a.id}
        reloadKey={`${filter.q}|${filter.status}`}
        empty="No customer matches."
        load={(cursor, pageSize, signal) =>
          api.get('/accounts', {
            query: { ...filterQuery(filter), sort: 'name', limit: pageSize, ...(cursor && { cursor }) },
            signal,
          })
        }
      />
    </PageFrame>
  );
}

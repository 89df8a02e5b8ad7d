// The reseller portal's customer list (/customers): the reseller's own customers (the API shows
// them no others), with their services and what they owe.
import { type Column, DataTable, Link, PageFrame, StatusBadge, useApi } from '@dotmac/ui';
import { useState } from 'react';
import type { AccountSummary } from './account.ts';
import { CustomerBalanceCell } from './CustomerBalanceCell.tsx';
import { type CustomerFilter, CustomerSearch, filterQuery, NO_FILTER } from './CustomerSearch.tsx';
import { CustomerServicesCell } from './CustomerServicesCell.tsx';

const COLUMNS: readonly Column<AccountSummary>[] = [
  { key: 'number', header: 'Number' },
  { key: 'name', header: 'Name', render: (a) => <Link to={`/customers/${a.id}`}>{a.name}</Link> },
  { key: 'status', header: 'Status', render: (a) => <StatusBadge status={a.status} /> },
  { key: 'services', header: 'Services', render: (a) => <CustomerServicesCell accountId={a.id} /> },
  { key: 'balance', header: 'Balance', align: 'end', render: (a) => <CustomerBalanceCell accountId={a.id} /> },
];

export default function ResellerCustomers() {
  const api = useApi();
  const [filter, setFilter] = useState<CustomerFilter>(NO_FILTER);
  return (
    <PageFrame title="My customers">
      <CustomerSearch filter={filter} onChange={setFilter} />
      <DataTable
        caption="My customers"
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

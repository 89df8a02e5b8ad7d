// The searchable, server-paged table of accounts every portal's customer list is: the search
// and status filter above, GET /accounts by name below, in the caller's scope.
import { type Column, DataTable, useApi } from '@dotmac/ui';
import { useState } from 'react';
import type { AccountSummary } from './account.ts';
import { type CustomerFilter, CustomerSearch, filterQuery, NO_FILTER } from './CustomerSearch.tsx';

export function SearchableAccounts({
  caption,
  columns,
}: {
  readonly caption: string;
  readonly columns: readonly Column<AccountSummary>[];
}) {
  const api = useApi();
  const [filter, setFilter] = useState<CustomerFilter>(NO_FILTER);
  return (
    <>
      <CustomerSearch filter={filter} onChange={setFilter} />
      <DataTable
        caption={caption}
        columns={columns}
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
    </>
  );
}

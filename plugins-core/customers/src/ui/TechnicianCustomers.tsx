// The technician portal's customer search (/customers), for a phone: a search box and a list of
// customers to tap, more loaded on demand.
import { Button, ErrorNotice, Link, Loading, type Page, PageFrame, StatusBadge, useApi, useQuery } from '@dotmac/ui';
import { type ReactNode, useState } from 'react';
import type { AccountSummary } from './account.ts';
import { type CustomerFilter, CustomerSearch, filterQuery, NO_FILTER } from './CustomerSearch.tsx';
import { Card, CardList } from './layout.tsx';

const PAGE_SIZE = 20;

/** The results of one search: its first page, then each page "Load more" asks for. */
function Results(props: { readonly filter: CustomerFilter }): ReactNode {
  const api = useApi();
  const [more, setMore] = useState<readonly AccountSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const query = { ...filterQuery(props.filter), sort: 'name', limit: PAGE_SIZE };
  const first = useQuery(
    async (signal) => {
      const page = await api.get<Page<AccountSummary>>('/accounts', { query, signal });
      setMore([]);
      setCursor(page.nextCursor);
      return page;
    },
    [props.filter.q, props.filter.status],
  );
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await api.get<Page<AccountSummary>>('/accounts', { query: { ...query, cursor } });
      setMore((before) => [...before, ...page.items]);
      setCursor(page.nextCursor);
      setMoreError(undefined);
    } catch (error) {
      setMoreError(error);
    }
  };
  if (first.error) return <ErrorNotice error={first.error} />;
  if (!first.data) return <Loading label="Searching" />;
  const accounts = [...first.data.items, ...more];
  if (accounts.length === 0) return <p>No customer matches.</p>;
  return (
    <>
      <CardList aria-label="Customers found">
        {accounts.map((account) => (
          <Card key={account.id}>
            <Link to={`/customers/${account.id}`}>
              <strong>{account.name}</strong>
            </Link>{' '}
            <StatusBadge status={account.status} />
            <div>
              {account.number}
              {account.primaryContact?.phone ? ` · ${account.primaryContact.phone}` : ''}
            </div>
          </Card>
        ))}
      </CardList>
      {moreError ? <ErrorNotice error={moreError} /> : null}
      {cursor ? <Button onClick={loadMore}>Load more</Button> : null}
    </>
  );
}

export default function TechnicianCustomers(): ReactNode {
  const [filter, setFilter] = useState<CustomerFilter>(NO_FILTER);
  return (
    <PageFrame title="Customers">
      <CustomerSearch filter={filter} onChange={setFilter} withStatus={false} />
      <Results filter={filter} />
    </PageFrame>
  );
}

// The facts of an account at the top of its page: number, status, kind, currency, since when,
// who pays for it and which reseller it belongs to.
import { DateText, Link, StatusBadge } from '@dotmac/ui';
import type { ReactNode } from 'react';
import type { AccountSummary } from './account.ts';
import { Facts } from './layout.tsx';

export function AccountFacts(props: { readonly account: AccountSummary }): ReactNode {
  const { account } = props;
  return (
    <Facts>
      <dt>Account number</dt>
      <dd>{account.number}</dd>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={account.status} />
      </dd>
      <dt>Kind</dt>
      <dd>{account.kind === 'business' ? 'Business' : 'Residential'}</dd>
      <dt>Currency</dt>
      <dd>{account.currency}</dd>
      <dt>Customer since</dt>
      <dd>
        <DateText value={account.createdAt} />
      </dd>
      {account.parentId ? (
        <>
          <dt>Paid by</dt>
          <dd>
            <Link to={`/customers/${account.parentId}`}>the parent account</Link>
          </dd>
        </>
      ) : null}
      {account.resellerId ? (
        <>
          <dt>Reseller</dt>
          <dd>{account.resellerId}</dd>
        </>
      ) : null}
      {account.tags.length > 0 ? (
        <>
          <dt>Tags</dt>
          <dd>{account.tags.join(', ')}</dd>
        </>
      ) : null}
    </Facts>
  );
}

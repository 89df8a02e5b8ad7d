// The customer portal's "Balance" widget: what the signed-in customer owes (or their credit),
// with a link to their invoices.
import { type ContributionProps, ErrorNotice, Link, Loading, Money, Stat, useSession } from '@dotmac/ui';
import { absolute, isNegative, isPositive } from './amounts.ts';
import { useAccount } from './use-account.ts';

export default function MyBalance(_: ContributionProps) {
  const { subjectId } = useSession();
  const { data: account, error } = useAccount(subjectId ?? '');
  if (account === undefined) return error ? <ErrorNotice error={error} /> : <Loading label="Loading your balance" />;
  if (account === null) return <Stat label="Balance" value="Nothing owed" hint="You have no invoices yet." />;
  const inCredit = isNegative(account.balance);
  return (
    <Stat
      label={inCredit ? 'Credit' : 'Balance'}
      value={<Money amount={inCredit ? absolute(account.balance) : account.balance} currency={account.currency} />}
      hint={
        isPositive(account.balance) ? (
          <Link to="/invoices">See my invoices</Link>
        ) : inCredit ? (
          'It pays your next invoices.'
        ) : (
          'Nothing to pay.'
        )
      }
    />
  );
}

// The reseller dashboard's "Outstanding balances of my customers" widget: what the reseller's
// customers owe in all (and how much of it is overdue), and the first few who owe it.
import {
  type ContributionProps,
  ErrorNotice,
  Link,
  Loading,
  Money,
  type Page,
  Stat,
  useApi,
  useQuery,
} from '@dotmac/ui';
import type { AccountBalance } from './resources.ts';
import { StatRow } from './stat-row.tsx';
import { useFigures } from './use-figures.ts';

/** How many of those who owe the widget names. */
const NAMED = 5;

export default function CustomersOwing(_: ContributionProps) {
  const api = useApi();
  const figures = useFigures();
  const owing = useQuery(
    (signal) => api.get<Page<AccountBalance>>('/accounts', { query: { owing: true, limit: NAMED }, signal }),
    [],
  );
  const error = figures.error ?? owing.error;
  if (!figures.data || !owing.data) return error ? <ErrorNotice error={error} /> : <Loading label="Loading balances" />;
  const owed = figures.data.currencies.filter((c) => c.openInvoices > 0);
  const accounts = owing.data.items;
  return (
    <section aria-labelledby="billing-owing-title">
      <h2 id="billing-owing-title" style={{ fontSize: '1rem', margin: '0 0 0.5rem' }}>
        Outstanding balances of my customers
      </h2>
      {owed.length === 0 ? (
        <Stat label="Outstanding" value="Nothing" hint="None of your customers owes anything." />
      ) : (
        <StatRow>
          {owed.map((c) => (
            <Stat
              key={c.currency}
              label={owed.length > 1 ? `Outstanding (${c.currency})` : 'Outstanding'}
              value={<Money amount={c.outstanding} currency={c.currency} />}
              hint={
                <>
                  Overdue: <Money amount={c.overdue} currency={c.currency} />
                </>
              }
            />
          ))}
        </StatRow>
      )}
      {accounts.length > 0 ? (
        <ul aria-label="Customers who owe" style={{ margin: '0.75rem 0 0', paddingLeft: '1.25rem' }}>
          {accounts.map((a) => (
            <li key={a.id}>
              <Link to={`/customers/${a.id}`}>{a.name}</Link>: <Money amount={a.balance} currency={a.currency} />
            </li>
          ))}
          {owing.data.nextCursor ? <li>and more</li> : null}
        </ul>
      ) : null}
    </section>
  );
}

// The admin dashboard's "Overdue" widget: how many invoices are past their due date and what is
// open on them, per currency, with a link to the list of them.
import { type ContributionProps, ErrorNotice, Link, Loading, Money, Stat } from '@dotmac/ui';
import { StatRow } from './stat-row.tsx';
import { useFigures } from './use-figures.ts';

export default function OverdueWidget(_: ContributionProps) {
  const { data, error } = useFigures();
  if (!data) return error ? <ErrorNotice error={error} /> : <Loading label="Loading overdue invoices" />;
  const overdue = data.currencies.filter((c) => c.overdueInvoices > 0);
  if (overdue.length === 0) return <Stat label="Overdue" value="None" hint="No invoice is past its due date." />;
  return (
    <StatRow>
      {overdue.map((c) => (
        <Stat
          key={c.currency}
          label={overdue.length > 1 ? `Overdue (${c.currency})` : 'Overdue'}
          value={<Money amount={c.overdue} currency={c.currency} />}
          hint={
            <Link to="/billing/invoices?status=overdue">
              {c.overdueInvoices === 1 ? '1 invoice' : `${c.overdueInvoices} invoices`} past due
            </Link>
          }
        />
      ))}
    </StatRow>
  );
}

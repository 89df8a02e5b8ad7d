// The admin dashboard's "This month" widget: what was invoiced (less credit notes) and what was
// received since the first of the month, per currency.
import { type ContributionProps, ErrorNotice, Loading, Money, Stat } from '@dotmac/ui';
import { Fragment } from 'react';
import { StatRow } from './stat-row.tsx';
import { useFigures } from './use-figures.ts';

export default function ThisMonthWidget(_: ContributionProps) {
  const { data, error } = useFigures();
  if (!data) return error ? <ErrorNotice error={error} /> : <Loading label="Loading this month's figures" />;
  if (data.currencies.length === 0) {
    return <Stat label="Invoiced this month" value="Nothing yet" hint="No invoice has been issued." />;
  }
  const several = data.currencies.length > 1;
  return (
    <StatRow>
      {data.currencies.map((c) => (
        <Fragment key={c.currency}>
          <Stat
            label={several ? `Invoiced this month (${c.currency})` : 'Invoiced this month'}
            value={<Money amount={c.invoicedThisMonth} currency={c.currency} />}
            hint="Less credit notes."
          />
          <Stat
            label={several ? `Received this month (${c.currency})` : 'Received this month'}
            value={<Money amount={c.receivedThisMonth} currency={c.currency} />}
            hint={
              <>
                Outstanding: <Money amount={c.outstanding} currency={c.currency} />
              </>
            }
          />
        </Fragment>
      ))}
    </StatRow>
  );
}

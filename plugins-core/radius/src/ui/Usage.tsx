// The customer portal's usage page (/usage): what they downloaded and uploaded each day of the
// current billing cycle, as a chart with its figures, and their monthly allowance.
import {
  type ContributionProps,
  ErrorNotice,
  formatDate,
  Loading,
  PageFrame,
  Stat,
  useApi,
  useQuery,
  useTenant,
} from '@dotmac/ui';
import { useId, useState } from 'react';
import { calendarMonth, currentCycle, type DaySpan } from './billing-cycle.ts';
import { formatBytes } from './bytes.ts';
import { allowanceOf, runningSubscriptions, type Subscription, usageDays } from './customer-usage.ts';
import { FILTER } from './layout.ts';
import { UsageChart } from './UsageChart.tsx';
import { dayBars, totalsOf } from './usage-days.ts';

const spanOf = (subscription: Subscription | undefined, now: Date): DaySpan =>
  subscription ? currentCycle(subscription.activatedAt, subscription.plan.billingCycle, now) : calendarMonth(now);

export default function Usage(_props: ContributionProps) {
  const subscriptionsApi = useApi('dotmac.subscriptions');
  const subscriptions = useQuery((signal) => runningSubscriptions(subscriptionsApi, signal), [subscriptionsApi]);
  const [chosen, setChosen] = useState<string>('');
  const picker = useId();

  const list = subscriptions.data ?? [];
  const subscription = list.find((s) => s.id === chosen) ?? list[0];

  return (
    <PageFrame title="Usage">
      {subscriptions.loading ? <Loading label="Loading your services" /> : null}
      {list.length > 1 ? (
        <div className="dm-field" style={FILTER}>
          <label htmlFor={picker} className="dm-field__label">
            Service
          </label>
          <select id={picker} value={subscription?.id ?? ''} onChange={(event) => setChosen(event.target.value)}>
            {list.map((s, index) => (
              <option key={s.id} value={s.id}>
                {s.plan.name ?? `Service ${index + 1}`} ({s.plan.billingCycle}, {s.status})
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {subscriptions.loading ? null : <CycleUsage subscription={subscription} />}
    </PageFrame>
  );
}

function CycleUsage({ subscription }: { readonly subscription: Subscription | undefined }) {
  const radius = useApi();
  const locale = useTenant()?.locale;
  const span = spanOf(subscription, new Date());
  const usage = useQuery(
    (signal) => usageDays(radius, span, subscription?.id, signal),
    [radius, span.from, span.to, subscription?.id],
  );
  const allowance = useQuery(
    (signal) => (subscription ? allowanceOf(radius, subscription.id, signal) : Promise.resolve(undefined)),
    [radius, subscription?.id],
  );
  const period = `${formatDate(span.from)} to ${formatDate(span.to)}`;
  const bars = usage.data ? dayBars(usage.data, span) : [];
  const totals = totalsOf(bars);
  const bytes = (value: number) => formatBytes(value, locale);
  const cap = allowance.data?.dataCapGb;

  return (
    <section aria-labelledby="usage-cycle">
      <h2 id="usage-cycle">{subscription ? 'This billing cycle' : 'This month'}</h2>
      <p>{period}. Figures are updated every few minutes; days are counted in UTC.</p>
      {usage.error ? <ErrorNotice error={usage.error} /> : null}
      {usage.loading ? <Loading label="Loading your usage" /> : null}
      {usage.data ? (
        <>
          <div className="dm-slot-grid">
            <Stat label="Used this cycle" value={bytes(totals.total)} />
            <Stat label="Downloaded" value={bytes(totals.download)} />
            <Stat label="Uploaded" value={bytes(totals.upload)} />
            {allowance.data ? (
              <Stat
                label="Monthly allowance"
                value={cap ? `${cap} GB` : 'Unlimited'}
                hint={
                  cap
                    ? `${bytes(Number(allowance.data.usedThisMonthBytes ?? 0))} used this calendar month${allowance.data.throttled ? ': speed reduced until next month' : ''}`
                    : undefined
                }
              />
            ) : null}
          </div>
          <UsageChart bars={bars} period={period} />
        </>
      ) : null}
    </section>
  );
}

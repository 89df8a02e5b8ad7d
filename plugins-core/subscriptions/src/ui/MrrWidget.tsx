// The admin dashboard's monthly recurring revenue: the active subscriptions' prices per month,
// one figure per currency they are billed in (GET /stats/mrr).
import { ErrorNotice, Loading, Money, Stat, useApi, useQuery, useTenant } from '@dotmac/ui';
import type { ReactNode } from 'react';
import { StatRow } from './layout.tsx';

interface RecurringRevenue {
  readonly at: string;
  readonly items: readonly { readonly currency: string; readonly mrr: string; readonly subscriptions: number }[];
}

export default function MrrWidget(): ReactNode {
  const api = useApi();
  const tenant = useTenant();
  const revenue = useQuery((signal) => api.get<RecurringRevenue>('/stats/mrr', { signal }), []);
  if (revenue.error) return <ErrorNotice error={revenue.error} />;
  if (!revenue.data) return <Loading label="Summing the recurring revenue" />;
  const { items } = revenue.data;
  const count = (n: number) => new Intl.NumberFormat(tenant?.locale).format(n);
  if (items.length === 0) {
    return <Stat label="Monthly recurring revenue" value={<Money amount="0" />} hint="No active subscriptions" />;
  }
  return (
    <StatRow>
      {items.map((item) => (
        <Stat
          key={item.currency}
          label={items.length === 1 ? 'Monthly recurring revenue' : `Monthly recurring revenue (${item.currency})`}
          value={<Money amount={item.mrr} currency={item.currency} />}
          hint={`${count(item.subscriptions)} active subscription${item.subscriptions === 1 ? '' : 's'}`}
        />
      ))}
    </StatRow>
  );
}

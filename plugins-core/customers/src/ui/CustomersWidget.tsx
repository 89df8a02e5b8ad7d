// The dashboard widget (admin and reseller portals): active customers and this month's signups,
// the month as the viewer's calendar has it.
import { ErrorNotice, formatDate, Loading, Stat, useApi, useQuery, useTenant } from '@dotmac/ui';
import type { ReactNode } from 'react';
import type { AccountStats } from './account.ts';
import { StatRow } from './layout.tsx';

/** Midnight on the first of this month, in the browser's time zone. */
function startOfThisMonth(): string {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), 1).toISOString();
}

export default function CustomersWidget(): ReactNode {
  const api = useApi();
  const locale = useTenant()?.locale;
  const since = startOfThisMonth();
  const stats = useQuery((signal) => api.get<AccountStats>('/stats', { query: { since }, signal }), [since]);
  if (stats.error) return <ErrorNotice error={stats.error} />;
  if (!stats.data) return <Loading label="Counting customers" />;
  const count = (n: number) => new Intl.NumberFormat(locale).format(n);
  const { byStatus, total, createdSince } = stats.data;
  return (
    <StatRow>
      <Stat
        label="Active customers"
        value={count(byStatus.active)}
        hint={`${count(total)} accounts in all, ${count(byStatus.suspended)} suspended`}
      />
      <Stat label="New this month" value={count(createdSince)} hint={`since ${formatDate(stats.data.since)}`} />
    </StatRow>
  );
}

// The admin dashboard's "Online sessions" figure: sessions online now, and of how many subscribers.
import { type ContributionProps, ErrorNotice, Link, Stat, useApi, useQuery, useTenant } from '@dotmac/ui';
import type { SessionSummary } from './session-types.ts';

export default function OnlineSessionsWidget(_props: ContributionProps) {
  const api = useApi();
  const locale = useTenant()?.locale;
  const { data, error } = useQuery((signal) => api.get<SessionSummary>('/sessions/summary', { signal }), [api]);
  const count = new Intl.NumberFormat(locale);
  if (error) return <ErrorNotice error={error} />;
  return (
    <Stat
      label="Online sessions"
      value={data ? count.format(data.online) : '…'}
      hint={
        data ? (
          <>
            {count.format(data.subscribers)} subscriber{data.subscribers === 1 ? '' : 's'} ·{' '}
            <Link to="/radius/sessions">See sessions</Link>
          </>
        ) : undefined
      }
    />
  );
}

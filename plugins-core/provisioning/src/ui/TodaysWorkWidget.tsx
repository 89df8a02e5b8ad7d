// The technician portal's home widget: how much work waits today, and the way to it.
import { type ContributionProps, ErrorNotice, Link, Stat, useApi, useQuery } from '@dotmac/ui';
import { loadTodaysWork, WORK_KINDS } from './todays-work.ts';

export default function TodaysWorkWidget(_props: ContributionProps) {
  const provisioning = useApi();
  const { data, error } = useQuery((signal) => loadTodaysWork(provisioning, null, signal), [provisioning]);
  return (
    <section aria-labelledby="today-widget">
      <h2 id="today-widget">Today's work</h2>
      {error ? <ErrorNotice error={error} /> : null}
      {WORK_KINDS.map(({ state, title }) => (
        <Stat key={state} label={title} value={data ? data[state].length : '…'} />
      ))}
      <Link to="/today">See today's work</Link>
    </section>
  );
}

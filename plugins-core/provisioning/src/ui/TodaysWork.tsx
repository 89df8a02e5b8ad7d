// The technician portal's "Today" page (/today): the services to install, activate or fix,
// most urgent first, each linking to the customer's details. Built for a phone: one column of cards.
import { Button, type ContributionProps, ErrorNotice, Loading, PageFrame, useApi, useQuery } from '@dotmac/ui';
import { JobCard } from './JobCard.tsx';
import { SECTION } from './layout.ts';
import { loadTodaysWork, WORK_KINDS } from './todays-work.ts';

export default function TodaysWork(_props: ContributionProps) {
  const provisioning = useApi();
  const customers = useApi('dotmac.customers');
  const { data, error, loading, reload } = useQuery(
    (signal) => loadTodaysWork(provisioning, customers, signal),
    [provisioning, customers],
  );

  return (
    <PageFrame title="Today's work" actions={<Button onClick={reload}>Refresh</Button>}>
      {loading && !data ? <Loading label="Loading today's work" /> : null}
      {error ? <ErrorNotice error={error} /> : null}
      {data
        ? WORK_KINDS.map(({ state, title, empty }) => (
            <section key={state} aria-labelledby={`today-${state}`} style={SECTION}>
              <h2 id={`today-${state}`}>
                {title} ({data[state].length})
              </h2>
              {data[state].length === 0 ? (
                <p>{empty}</p>
              ) : (
                <ul style={{ listStyle: 'none', padding: 0 }}>
                  {data[state].map((job) => (
                    <JobCard key={job.service.subscriptionId} job={job} />
                  ))}
                </ul>
              )}
            </section>
          ))
        : null}
    </PageFrame>
  );
}

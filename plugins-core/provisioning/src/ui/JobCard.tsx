// One job of a technician's day, as a card a phone shows well: who, where, what is needed.
import { DateText, Link, StatusBadge } from '@dotmac/ui';
import type { Job } from './todays-work.ts';
import { accessWord } from './words.ts';

const CARD = {
  background: 'var(--dm-surface, #fff)',
  border: '1px solid var(--dm-border, #d0d7de)',
  borderRadius: 'var(--dm-radius, 6px)',
  padding: '0.75rem 1rem',
  marginBlockEnd: '0.75rem',
} as const;

/** What the technician has to do for a service in its state. */
function whatIsNeeded({ service }: Job): string {
  switch (service.state) {
    case 'failed':
      return `Activation failed after ${service.attempts} attempts: ${service.lastError ?? 'no reason given'}`;
    case 'awaiting-credentials':
      return 'Install the connection and set its access credentials.';
    default:
      return 'Being brought up on the network: check the customer is online.';
  }
}

export function JobCard({ job }: { readonly job: Job }) {
  const { service, customer } = job;
  const headingId = `job-${service.subscriptionId}`;
  return (
    <li style={CARD}>
      <article aria-labelledby={headingId}>
        <h3 id={headingId}>
          <Link to={`/customers/${encodeURIComponent(service.accountId)}`}>
            {customer?.name ?? `Customer ${service.accountId.slice(0, 8)}`}
          </Link>
        </h3>
        <p>{customer?.serviceAddress ?? 'No service address on file.'}</p>
        <p>
          <StatusBadge status={service.state} /> {whatIsNeeded(job)}
        </p>
        <p>
          {service.access ? `${accessWord(service.access.access)} ${service.access.username} · ` : ''}
          {Math.round(service.plan.downloadKbps / 1000)}/{Math.round(service.plan.uploadKbps / 1000)} Mbit/s · since{' '}
          <DateText value={service.stateSince} time />
        </p>
      </article>
    </li>
  );
}

// One reconciliation report: what was compared, the drift found by kind, and each item with
// the repair it calls for and, when fixed, what was done.
import { DateText, StatusBadge } from '@dotmac/ui';
import type { DriftKind, Reconciliation } from './service-types.ts';
import { driftWord, repairWord } from './words.ts';

export function ReconciliationReport({ report }: { readonly report: Reconciliation }) {
  const kinds = (Object.entries(report.byKind) as [DriftKind, number][]).filter(([, count]) => count > 0);
  return (
    <article aria-labelledby={`reconciliation-${report.id}`}>
      <h3 id={`reconciliation-${report.id}`}>
        Report of <DateText value={report.finishedAt} time /> {report.fix ? '(with repair)' : ''}
      </h3>
      <p>
        <StatusBadge status={report.status} /> Compared {report.checked.services} services with{' '}
        {report.checked.accounts} AAA accounts, {report.checked.sessions} online sessions and{' '}
        {report.checked.assignments} address assignments:{' '}
        <strong>
          {report.drift === 0 ? 'no drift' : `${report.drift} item${report.drift === 1 ? '' : 's'} of drift`}
        </strong>
        .
      </p>
      {report.error ? <p role="alert">{report.error}</p> : null}
      {kinds.length > 0 ? (
        <ul aria-label="Drift by kind">
          {kinds.map(([kind, count]) => (
            <li key={kind}>
              {driftWord(kind)}: {count}
            </li>
          ))}
        </ul>
      ) : null}
      {report.items && report.items.length > 0 ? (
        <div className="dm-table-wrap">
          <table className="dm-table">
            <caption className="dm-table__caption">Drift found</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Service</th>
                <th scope="col">Username</th>
                <th scope="col">What disagrees</th>
                <th scope="col">Repair</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {report.items.map((item) => (
                <tr key={`${item.kind} ${item.subscriptionId} ${item.username} ${item.detail}`}>
                  <td>{driftWord(item.kind)}</td>
                  <td>{item.subscriptionId ? <code>{item.subscriptionId.slice(0, 8)}</code> : '—'}</td>
                  <td>{item.username ?? '—'}</td>
                  <td>{item.detail}</td>
                  <td>{repairWord(item.repair)}</td>
                  <td>{item.fixed ? `${item.fixed.outcome}: ${item.fixed.detail}` : 'Not repaired'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </article>
  );
}

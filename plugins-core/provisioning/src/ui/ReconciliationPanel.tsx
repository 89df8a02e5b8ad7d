// Reconciliation on the Provisioning page: run one now and read its findings, repair the drift
// it found, and open the reports of earlier runs (the hourly job's among them).
import { Button, DateText, ErrorNotice, type Page, StatusBadge, useApi, useCan, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import { ACTIONS, SECTION } from './layout.ts';
import { ReconciliationReport } from './ReconciliationReport.tsx';
import type { Reconciliation } from './service-types.ts';

/** Earlier reports listed. */
const RECENT = 10;

export function ReconciliationPanel(props: { readonly onRepaired: () => void }) {
  const api = useApi();
  const canRun = useCan('dotmac.provisioning.write');
  const [report, setReport] = useState<Reconciliation | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const recent = useQuery(
    (signal) => api.get<Page<Reconciliation>>('/reconciliations', { query: { limit: RECENT }, signal }),
    [api],
  );

  const act = async (work: () => Promise<Reconciliation>) => {
    setError(undefined);
    try {
      setReport(await work());
    } catch (e) {
      setError(e);
    }
  };
  const run = (fix: boolean) =>
    act(async () => {
      const done = await api.post<Reconciliation>('/reconciliations', { fix });
      recent.reload();
      if (fix) props.onRepaired();
      return done;
    });
  const open = (id: string) => act(() => api.get<Reconciliation>(`/reconciliations/${encodeURIComponent(id)}`));

  return (
    <section aria-labelledby="provisioning-reconciliation" style={SECTION}>
      <h2 id="provisioning-reconciliation">Reconciliation</h2>
      <p>Compares what provisioning knows with the RADIUS accounts, online sessions and address assignments.</p>
      {canRun ? (
        <div style={ACTIONS}>
          <Button variant="primary" onClick={() => run(false)}>
            Run reconciliation
          </Button>
          {report && report.drift > 0 && !report.fix ? (
            <Button variant="danger" onClick={() => run(true)}>
              Repair drift
            </Button>
          ) : null}
        </div>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
      <div aria-live="polite">{report ? <ReconciliationReport report={report} /> : null}</div>
      <h3 id="provisioning-recent">Earlier reports</h3>
      {recent.error ? <ErrorNotice error={recent.error} /> : null}
      {recent.data && recent.data.items.length === 0 ? <p>No reconciliation has run yet.</p> : null}
      {recent.data && recent.data.items.length > 0 ? (
        <ul aria-labelledby="provisioning-recent">
          {recent.data.items.map((earlier) => (
            <li key={earlier.id}>
              <DateText value={earlier.finishedAt} time /> ({earlier.trigger === 'schedule' ? 'hourly' : 'on request'}
              {earlier.fix ? ', with repair' : ''}) <StatusBadge status={earlier.status} /> {earlier.drift} drift{' '}
              <Button onClick={() => open(earlier.id)}>View report</Button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

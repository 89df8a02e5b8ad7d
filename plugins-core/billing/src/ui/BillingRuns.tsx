// The staff's billing runs page (/billing/runs): start a run (or a dry run) for a day, follow its
// progress, and see the runs before it.
import {
  Button,
  type Column,
  type ContributionProps,
  DataTable,
  DateText,
  ErrorNotice,
  formatDate,
  type JsonSchema,
  Loading,
  Money,
  PageFrame,
  SchemaForm,
  StatusBadge,
  useApi,
} from '@dotmac/ui';
import { useState } from 'react';
import { todayUtc } from './dates.ts';
import type { Run } from './resources.ts';
import { bodyProperty } from './route-schemas.ts';
import { RunProgress } from './run-progress.tsx';
import { Section } from './section.tsx';
import { useRun } from './use-run.ts';

const ROUTE = 'POST /runs';

const START_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['day'],
  properties: {
    day: bodyProperty(ROUTE, 'day', {
      'x-label': 'Billing day',
      description: 'Every account with a service due on or before this day is invoiced.',
    }),
    dryRun: bodyProperty(ROUTE, 'dryRun', {
      'x-label': 'Dry run',
      description: 'Show what would be invoiced, and invoice nothing.',
    }),
  },
};

interface StartFields {
  readonly day: string;
  readonly dryRun: boolean;
}

export default function BillingRuns(_: ContributionProps) {
  const api = useApi();
  const [started, setStarted] = useState<Run | undefined>(undefined);
  const [shownId, setShownId] = useState<string | null>(null);
  const { run, error } = useRun(shownId, started);
  const [listed, setListed] = useState(0);
  const finished = run?.status === 'done' ? run.id : null;

  const start = async (fields: StartFields) => {
    const created = await api.post<Run>('/runs', { day: fields.day, dryRun: fields.dryRun });
    setStarted(created);
    setShownId(created.id);
    setListed((n) => n + 1);
  };

  const columns: Column<Run>[] = [
    { key: 'startedAt', header: 'Started', render: (r) => <DateText value={r.startedAt} time /> },
    { key: 'billingDay', header: 'Billing day', render: (r) => <DateText value={r.billingDay} /> },
    { key: 'dryRun', header: 'Kind', render: (r) => (r.dryRun ? 'Dry run' : 'Billing run') },
    { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} /> },
    { key: 'progress', header: 'Accounts', align: 'end', render: (r) => `${r.payersDone} of ${r.payersDue}` },
    { key: 'invoices', header: 'Invoices', align: 'end', render: (r) => (r.dryRun ? '—' : String(r.invoices)) },
    {
      key: 'totals',
      header: 'Total',
      align: 'end',
      render: (r) =>
        Object.entries(r.totals).map(([currency, amount], i) => (
          <span key={currency}>
            {i > 0 ? ', ' : ''}
            <Money amount={amount} currency={currency} />
          </span>
        )),
    },
    {
      key: 'show',
      header: 'Details',
      render: (r) => (
        <Button onClick={() => setShownId(r.id)}>
          Show
          <span className="dm-visually-hidden">{` the ${r.dryRun ? 'dry run' : 'run'} started ${formatDate(r.startedAt, { time: true })}`}</span>
        </Button>
      ),
    },
  ];
  const loadRuns = async (_cursor: string | null, _limit: number, signal: AbortSignal) => {
    const { items } = await api.get<{ items: Run[] }>('/runs', { signal });
    return { items, nextCursor: null };
  };

  return (
    <PageFrame title="Billing runs">
      <Section title="Start a billing run">
        <SchemaForm<StartFields>
          id="billing-run-start-form"
          schema={START_SCHEMA}
          initial={{ day: todayUtc(), dryRun: false }}
          submitLabel="Start billing run"
          onSubmit={start}
        />
      </Section>
      {shownId ? (
        <Section title={run?.dryRun ? 'Dry run' : 'Billing run'}>
          {run ? (
            <RunProgress run={run} />
          ) : error ? (
            <ErrorNotice error={error} />
          ) : (
            <Loading label="Loading the run" />
          )}
        </Section>
      ) : null}
      <Section title="Past runs">
        <DataTable
          caption="The latest 50 billing runs"
          columns={columns}
          load={loadRuns}
          rowKey={(r) => r.id}
          reloadKey={`${listed}:${finished ?? ''}`}
          empty="No billing run yet."
        />
      </Section>
    </PageFrame>
  );
}

// A billing run as the API answers it (schemas/run.json): its progress, totals and problems.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { Decimal, formatAmount } from './core/money.ts';

/** A billing run and how far it got. */
export interface RunResource {
  readonly id: string;
  readonly billingDay: string;
  readonly dryRun: boolean;
  readonly status: 'running' | 'done';
  /** Who asked: a user, an API key, the operator or the schedule. */
  readonly requestedBy: Readonly<Record<string, unknown>>;
  /** Accounts due when it started. */
  readonly payersDue: number;
  /** Accounts handled so far. */
  readonly payersDone: number;
  readonly invoices: number;
  readonly partitions: number;
  readonly partitionsDone: number;
  /** Invoiced (or, for a dry run, would be) by currency. */
  readonly totals: Readonly<Record<string, string>>;
  /** A dry run: the first invoices it would make. */
  readonly preview: readonly {
    readonly accountId: string;
    readonly currency: string;
    readonly total: string;
    readonly lines: readonly { readonly description: string; readonly total: string }[];
  }[];
  /** Accounts that could not be billed, and why. */
  readonly problems: readonly { readonly accountId: string; readonly detail: string }[];
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** The run with its totals by currency; 404 when there is none. */
export async function readRun(ctx: PluginContext, id: string): Promise<RunResource> {
  const [run] = await ctx.db.query<Record<string, unknown>>(
    `select id::text, billing_day::text, dry_run, status, requested_by, payers_due, payers_done, invoices, partitions,
            cardinality(finished_partitions) as partitions_done, preview, problems, started_at, finished_at,
            coalesce((select jsonb_object_agg(currency, amount::text) from run_totals where run_id = runs.id), '{}') as totals
       from runs where id = $1`,
    [id],
  );
  if (!run) throw new RouteError(404, `there is no billing run ${id}`);
  const totals = run.totals as Record<string, string>;
  return {
    id: run.id as string,
    billingDay: run.billing_day as string,
    dryRun: run.dry_run as boolean,
    status: run.status as RunResource['status'],
    requestedBy: run.requested_by as RunResource['requestedBy'],
    payersDue: run.payers_due as number,
    payersDone: run.payers_done as number,
    invoices: run.invoices as number,
    partitions: run.partitions as number,
    partitionsDone: run.partitions_done as number,
    totals: Object.fromEntries(Object.entries(totals).map(([c, a]) => [c, formatAmount(new Decimal(a), c)])),
    preview: run.preview as RunResource['preview'],
    problems: run.problems as RunResource['problems'],
    startedAt: new Date(run.started_at as string).toISOString(),
    finishedAt: run.finished_at ? new Date(run.finished_at as string).toISOString() : null,
  };
}

/** The latest 50 runs, newest first. */
export async function listRuns(ctx: PluginContext): Promise<{ items: RunResource[] }> {
  const rows = await ctx.db.query<{ id: string }>('select id::text from runs order by started_at desc limit 50');
  return { items: await Promise.all(rows.map((r) => readRun(ctx, r.id))) };
}

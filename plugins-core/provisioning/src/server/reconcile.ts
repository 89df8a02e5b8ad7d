// Reconciliation: what provisioning knows (the services, from the subscription and billing events)
// against what the network says (dotmac.radius' snapshot, dotmac.network's assignments). Reads
// both, finds the drift (drift.ts), repairs it when asked (the service's target applied again by
// apply-service; an orphan AAA account removed), and stores the report with its
// provisioning.drift-found event in one transaction.
import type { OutgoingEvent, PluginContext } from '@dotmac/sdk';
import { enqueueApply, identityOf, storeInput } from './apply.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import {
  DRIFT_KINDS,
  type DriftItem,
  type DriftKind,
  findDrift,
  type KnownService,
  REPAIR_STRENGTH,
  type Repair,
} from './drift.ts';
import { type AccessState, accessStateOf, type Desired, type ServiceState, type SuspensionMode } from './machine.ts';
import { type AaaSnapshot, type Assignment, networkAndAaa } from './network-and-aaa.ts';
import { BadCursorError, findService, iso, type Page } from './store.ts';

/** What a reconciliation did about one item. */
export interface Fixed {
  readonly outcome: 'done' | 'failed' | 'not-fixed';
  readonly detail: string;
}

/** One item of a report (schemas/reconciliation.json). */
export interface ReportItem extends DriftItem {
  /** Present when the reconciliation was asked to fix: what it did. */
  readonly fixed: Fixed | null;
}

/** A reconciliation as the API answers it (schemas/reconciliation.json). */
export interface Reconciliation {
  readonly id: string;
  readonly trigger: 'request' | 'schedule';
  readonly fix: boolean;
  readonly status: 'completed' | 'failed';
  readonly error: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly checked: {
    readonly services: number;
    readonly accounts: number;
    readonly sessions: number;
    readonly assignments: number;
  };
  readonly drift: number;
  readonly byKind: Readonly<Record<DriftKind, number>>;
  readonly items?: readonly ReportItem[];
}

const nowOf = async (ctx: PluginContext) => (await ctx.clock.now()).toISOString();

/** Every service provisioning knows, as drift detection reads it. */
async function knownServices(ctx: PluginContext): Promise<KnownService[]> {
  const rows = await ctx.db.query<{
    subscription_id: string;
    state: ServiceState;
    desired: Desired;
    subscription_suspension_mode: SuspensionMode | null;
    billing_suspension_mode: SuspensionMode | null;
    applied_at: string | null;
    username: string | null;
  }>(
    `select s.subscription_id, s.state, s.desired, s.subscription_suspension_mode, s.billing_suspension_mode,
            s.applied_at, c.username
       from services s left join access_credentials c
         on c.tenant_id = s.tenant_id and c.subscription_id = s.subscription_id
      order by s.subscription_id`,
  );
  return rows.map((r) => {
    const accessState: AccessState = accessStateOf({
      subscriptionSuspension:
        r.subscription_suspension_mode === null ? null : { reason: 'manual', mode: r.subscription_suspension_mode },
      billingSuspension: r.billing_suspension_mode === null ? null : { mode: r.billing_suspension_mode },
    });
    return {
      subscriptionId: r.subscription_id,
      state: r.state,
      desired: r.desired,
      accessState,
      username: r.username,
      appliedAt: iso(r.applied_at),
    };
  });
}

/** Applies the target of the service again (apply-service); says what came of it. */
async function reapply(ctx: PluginContext, subscriptionId: string, now: string): Promise<Fixed> {
  const row = await findService(ctx, subscriptionId);
  if (!row) return { outcome: 'not-fixed', detail: 'provisioning knows no such service' };
  const stored = await storeInput(ctx, row, { kind: 'reapply' }, now, (outcome) => ({
    step: 'reconcile',
    outcome: 'ok',
    detail: `drift found: ${outcome.note}`,
  }));
  if (!stored) {
    return { outcome: 'not-fixed', detail: `the service is ${row.state}: nothing to apply again` };
  }
  await enqueueApply(ctx, subscriptionId, stored.row.revision, 1);
  await ctx.log.info('reconciliation: service applied again', identityOf(stored.row));
  return { outcome: 'done', detail: `apply-service enqueued for revision ${stored.row.revision}` };
}

/** Removes an orphan AAA account (disconnecting its sessions). */
async function removeAccount(ctx: PluginContext, subscriptionId: string): Promise<Fixed> {
  try {
    const removed = await networkAndAaa(ctx).removeAccount(subscriptionId);
    return {
      outcome: 'done',
      detail: removed.removed
        ? `AAA account removed; ${removed.sessions} session(s) disconnected`
        : 'dotmac.radius had no account left to remove',
    };
  } catch (e) {
    return { outcome: 'failed', detail: (e as Error).message };
  }
}

/**
 * Repairs `items`: each subscription once, by the strongest repair its items call for; answers the
 * items with what was done.
 */
async function repair(ctx: PluginContext, items: readonly DriftItem[], now: string): Promise<ReportItem[]> {
  const wanted = new Map<string, Repair>();
  for (const item of items) {
    if (item.subscriptionId === null || item.repair === 'none') continue;
    const before = wanted.get(item.subscriptionId) ?? 'none';
    if (REPAIR_STRENGTH[item.repair] > REPAIR_STRENGTH[before]) wanted.set(item.subscriptionId, item.repair);
  }
  const done = new Map<string, Fixed>();
  for (const [subscriptionId, how] of wanted) {
    if (how === 're-apply') done.set(subscriptionId, await reapply(ctx, subscriptionId, now));
    else if (how === 'remove-account') done.set(subscriptionId, await removeAccount(ctx, subscriptionId));
    else if (how === 'reset-account') {
      const removed = await removeAccount(ctx, subscriptionId);
      const applied = removed.outcome === 'done' ? await reapply(ctx, subscriptionId, now) : undefined;
      done.set(
        subscriptionId,
        applied ? { outcome: applied.outcome, detail: `${removed.detail}; ${applied.detail}` } : removed,
      );
    }
  }
  const nothing: Fixed = { outcome: 'not-fixed', detail: 'nothing provisioning can change repairs it' };
  return items.map((item) => ({
    ...item,
    fixed: (item.subscriptionId !== null && item.repair !== 'none' && done.get(item.subscriptionId)) || nothing,
  }));
}

const countByKind = (items: readonly DriftItem[]) =>
  Object.fromEntries(DRIFT_KINDS.map((k) => [k, items.filter((i) => i.kind === k).length])) as Record<
    DriftKind,
    number
  >;

/**
 * Runs one reconciliation and stores its report; answers it. When dotmac.radius or dotmac.network
 * cannot be read the report is stored as failed, with the error.
 */
export async function reconcile(
  ctx: PluginContext,
  options: { readonly fix: boolean; readonly trigger: 'request' | 'schedule' },
): Promise<Reconciliation> {
  const startedAt = await nowOf(ctx);
  const [made] = await ctx.db.query<{ id: string }>('select gen_random_uuid()::text as id');
  if (!made) throw new Error('the database answered no id');
  const services = await knownServices(ctx);
  const deps = networkAndAaa(ctx);
  let snapshot: AaaSnapshot | undefined;
  let assignments: Assignment[] | undefined;
  let error: string | null = null;
  try {
    [snapshot, assignments] = await Promise.all([deps.snapshot(), deps.listAssignments()]);
  } catch (e) {
    error = (e as Error).message;
  }
  const drift = snapshot && assignments ? findDrift(services, snapshot, assignments) : [];
  const items = options.fix ? await repair(ctx, drift, startedAt) : drift.map((i) => ({ ...i, fixed: null }));
  const report: Reconciliation = {
    id: made.id,
    trigger: options.trigger,
    fix: options.fix,
    status: error === null ? 'completed' : 'failed',
    error,
    startedAt,
    finishedAt: await nowOf(ctx),
    checked: {
      services: services.length,
      accounts: snapshot?.accounts.length ?? 0,
      sessions: snapshot?.sessions.length ?? 0,
      assignments: assignments?.length ?? 0,
    },
    drift: items.length,
    byKind: countByKind(items),
    items,
  };
  const events: OutgoingEvent[] =
    items.length === 0
      ? []
      : [
          {
            name: 'provisioning.drift-found',
            payload: {
              reconciliationId: report.id,
              items: items.length,
              byKind: report.byKind,
              fix: report.fix,
              trigger: report.trigger,
              at: report.finishedAt,
            },
          },
        ];
  await ctx.db.transaction(
    [
      {
        sql: `insert into reconciliations (id, tenant_id, trigger, fix, status, error, started_at, finished_at,
                services_checked, accounts_checked, sessions_checked, assignments_checked, drift, by_kind, items)
              values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb)`,
        params: [
          report.id,
          ctx.tenantId,
          report.trigger,
          report.fix,
          report.status,
          report.error,
          report.startedAt,
          report.finishedAt,
          report.checked.services,
          report.checked.accounts,
          report.checked.sessions,
          report.checked.assignments,
          report.drift,
          JSON.stringify(report.byKind),
          JSON.stringify(items),
        ],
      },
    ],
    { events },
  );
  if (error !== null) await ctx.log.warn(`reconciliation ${report.id} failed: ${error}`);
  return report;
}

/** A reconciliations row. */
interface ReconciliationRow {
  readonly id: string;
  readonly trigger: 'request' | 'schedule';
  readonly fix: boolean;
  readonly status: 'completed' | 'failed';
  readonly error: string | null;
  readonly started_at: string;
  readonly finished_at: string;
  readonly services_checked: number;
  readonly accounts_checked: number;
  readonly sessions_checked: number;
  readonly assignments_checked: number;
  readonly drift: number;
  readonly by_kind: Record<DriftKind, number>;
  readonly items?: ReportItem[];
}

function toReconciliation(row: ReconciliationRow): Reconciliation {
  return {
    id: row.id,
    trigger: row.trigger,
    fix: row.fix,
    status: row.status,
    error: row.error,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: new Date(row.finished_at).toISOString(),
    checked: {
      services: row.services_checked,
      accounts: row.accounts_checked,
      sessions: row.sessions_checked,
      assignments: row.assignments_checked,
    },
    drift: row.drift,
    byKind: row.by_kind,
    ...(row.items && { items: row.items }),
  };
}

const COLUMNS = `id, trigger, fix, status, error, started_at, finished_at, services_checked, accounts_checked,
  sessions_checked, assignments_checked, drift, by_kind`;

/** One reconciliation with its items, or undefined. */
export async function findReconciliation(ctx: PluginContext, id: string): Promise<Reconciliation | undefined> {
  const [row] = await ctx.db.query<ReconciliationRow>(`select ${COLUMNS}, items from reconciliations where id = $1`, [
    id,
  ]);
  return row && toReconciliation(row);
}

/** Reconciliations, newest first, one page (without their items). */
export async function listReconciliations(
  ctx: PluginContext,
  query: { readonly limit?: number; readonly cursor?: string },
): Promise<Page<Reconciliation>> {
  const limit = query.limit ?? 20;
  let after: readonly string[] | undefined;
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor);
    if (after?.length !== 3 || after[0] !== 'reconciliations') {
      throw new BadCursorError('is not a cursor of this listing');
    }
  }
  const rows = await ctx.db.query<ReconciliationRow>(
    `select ${COLUMNS} from reconciliations
      where ($1::timestamptz is null or (started_at, id) < ($1::timestamptz, $2::uuid))
      order by started_at desc, id desc limit $3`,
    [after?.[1] ?? null, after?.[2] ?? null, limit + 1],
  );
  const items = rows.slice(0, limit).map(toReconciliation);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(['reconciliations', last.startedAt, last.id]) : null,
  };
}

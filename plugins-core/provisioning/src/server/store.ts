// The plugin's tables (migrations/): a services row read into the machine's Service and written
// back, in one transaction with its history row (and its state-changed event when the state
// moved); the history; the listings, a page at a time.
import type { OutgoingEvent, PluginContext, SqlStatement } from '@dotmac/sdk';
import { decodeCursor, encodeCursor } from './cursor.ts';
import {
  type AccessState,
  accessStateOf,
  type Desired,
  desiredOf,
  type EndReason,
  type Service,
  type ServiceState,
  type SubscriptionSuspendReason,
  type SuspensionMode,
} from './machine.ts';

/** A services row joined with its access credentials (never the password itself). */
export interface ServiceRow {
  readonly subscription_id: string;
  readonly customer_id: string;
  readonly payer_id: string;
  readonly state: ServiceState;
  readonly desired: Desired;
  readonly plan_id: string;
  readonly download_kbps: number;
  readonly upload_kbps: number;
  readonly burst_kbps: number | null;
  readonly burst_threshold_kbps: number | null;
  readonly burst_time_seconds: number | null;
  readonly data_cap_gb: number | null;
  readonly throttle_kbps: number | null;
  readonly subscription_suspension: SubscriptionSuspendReason | null;
  readonly subscription_suspension_mode: SuspensionMode | null;
  readonly billing_suspension_mode: SuspensionMode | null;
  readonly ended: EndReason | null;
  readonly subscription_as_of: string | null;
  readonly billing_as_of: string | null;
  readonly revision: number;
  readonly attempts: number;
  readonly version: number;
  readonly last_error: string | null;
  readonly ipv4_address: string | null;
  readonly ipv6_prefix: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly state_since: string;
  readonly applied_at: string | null;
  readonly provisioned_at: string | null;
  readonly access: 'pppoe' | 'ipoe' | null;
  readonly username: string | null;
  readonly has_password: boolean | null;
  readonly circuit_id: string | null;
  readonly remote_id: string | null;
}

/** Who a service belongs to. */
export interface Identity {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly payerId: string;
}

/** One history entry. */
export interface HistoryStep {
  readonly step: string;
  readonly outcome: 'ok' | 'failed' | 'compensated' | 'ignored';
  readonly detail: string;
  readonly attempt?: number;
}

const SERVICE_COLUMNS = `s.subscription_id, s.customer_id, s.payer_id, s.state, s.desired, s.plan_id, s.download_kbps,
  s.upload_kbps, s.burst_kbps, s.burst_threshold_kbps, s.burst_time_seconds, s.data_cap_gb, s.throttle_kbps,
  s.subscription_suspension, s.subscription_suspension_mode, s.billing_suspension_mode, s.ended,
  s.subscription_as_of, s.billing_as_of, s.revision, s.attempts, s.version, s.last_error, s.ipv4_address,
  s.ipv6_prefix, s.created_at, s.updated_at, s.state_since, s.applied_at, s.provisioned_at,
  c.access, c.username, c.password is not null as has_password, c.circuit_id, c.remote_id`;
const FROM = `services s left join access_credentials c
  on c.tenant_id = s.tenant_id and c.subscription_id = s.subscription_id`;

export const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());
const isoOf = (value: string) => new Date(value).toISOString();

/** The machine's view of a row. */
export function toService(row: ServiceRow): Service {
  return {
    state: row.state,
    plan: {
      planId: row.plan_id,
      downloadKbps: row.download_kbps,
      uploadKbps: row.upload_kbps,
      burstKbps: row.burst_kbps,
      burstThresholdKbps: row.burst_threshold_kbps,
      burstTimeSeconds: row.burst_time_seconds,
      dataCapGb: row.data_cap_gb,
      throttleKbps: row.throttle_kbps,
    },
    hasCredentials: row.username !== null,
    subscriptionSuspension:
      row.subscription_suspension === null || row.subscription_suspension_mode === null
        ? null
        : { reason: row.subscription_suspension, mode: row.subscription_suspension_mode },
    billingSuspension: row.billing_suspension_mode === null ? null : { mode: row.billing_suspension_mode },
    ended: row.ended,
    subscriptionAsOf: iso(row.subscription_as_of),
    billingAsOf: iso(row.billing_as_of),
    revision: row.revision,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}

/** The service `subscriptionId`, or undefined when the caller cannot see it (or there is none). */
export async function findService(ctx: PluginContext, subscriptionId: string): Promise<ServiceRow | undefined> {
  const [row] = await ctx.db.query<ServiceRow>(`select ${SERVICE_COLUMNS} from ${FROM} where s.subscription_id = $1`, [
    subscriptionId,
  ]);
  return row;
}

/** Whether the service has access credentials (set before provisioning knew it, perhaps). */
export async function hasCredentials(ctx: PluginContext, subscriptionId: string): Promise<boolean> {
  const rows = await ctx.db.query('select 1 from access_credentials where subscription_id = $1', [subscriptionId]);
  return rows.length > 0;
}

/** The services of a paying account that have not ended (billing's requests without a list). */
export async function servicesPaidBy(ctx: PluginContext, accountId: string): Promise<string[]> {
  const rows = await ctx.db.query<{ subscription_id: string }>(
    `select subscription_id from services where (payer_id = $1 or customer_id = $1) and ended is null
      order by subscription_id`,
    [accountId],
  );
  return rows.map((r) => r.subscription_id);
}

/** True when `error` is a write that lost to a concurrent one (same version, same event, same new row). */
export function isLostRace(error: unknown): boolean {
  const message = (error as Error)?.message ?? '';
  return (
    message.includes('23505') &&
    ['service_history_version', 'services_pkey', 'processed_events_pkey'].some((c) => message.includes(c))
  );
}

/** A history entry that wrote nothing else (an apply step, an ignored event). */
export function historyEntry(
  ctx: PluginContext,
  identity: Identity,
  entry: HistoryStep,
  state: ServiceState,
  now: string,
  eventId?: string,
): SqlStatement {
  return {
    sql: `insert into service_history (tenant_id, customer_id, subscription_id, version, step, outcome, detail, attempt,
            state, event_id, at)
          values ($1, $2, $3, null, $4, $5, $6, $7, $8, $9, $10)`,
    params: [
      ctx.tenantId,
      identity.accountId,
      identity.subscriptionId,
      entry.step,
      entry.outcome,
      entry.detail,
      entry.attempt ?? null,
      state,
      eventId ?? null,
      now,
    ],
  };
}

/** Marks event `eventId` handled for the service. */
export function processedEvent(
  ctx: PluginContext,
  eventId: string,
  subscriptionId: string,
  name: string,
  now: string,
): SqlStatement {
  return {
    sql: 'insert into processed_events (tenant_id, event_id, subscription_id, name, at) values ($1, $2, $3, $4, $5)',
    params: [ctx.tenantId, eventId, subscriptionId, name, now],
  };
}

/** Whether event `eventId` was handled for the service already. */
export async function wasProcessed(ctx: PluginContext, eventId: string, subscriptionId: string): Promise<boolean> {
  const rows = await ctx.db.query('select 1 from processed_events where event_id = $1 and subscription_id = $2', [
    eventId,
    subscriptionId,
  ]);
  return rows.length > 0;
}

/** A service write: the machine's service after an input, and what comes with it. */
export interface ServiceWrite {
  readonly identity: Identity;
  /** The row the service was computed from; null for a service provisioning learns now. */
  readonly previous: ServiceRow | null;
  readonly service: Service;
  readonly entry: HistoryStep;
  readonly now: string;
  readonly eventId?: string;
  /** What the network gave it (undefined: unchanged). */
  readonly addresses?: { readonly ipv4: string | null; readonly ipv6Prefix: string | null };
  /** Set when an apply run converged it. */
  readonly converged?: boolean;
  /** Statements of the same transaction, before and after the service's. */
  readonly before?: readonly SqlStatement[];
  readonly after?: readonly SqlStatement[];
}

/** provisioning.service-state-changed's payload. */
function stateChanged(identity: Identity, previous: ServiceState | null, service: Service, now: string): OutgoingEvent {
  return {
    name: 'provisioning.service-state-changed',
    payload: {
      subscriptionId: identity.subscriptionId,
      accountId: identity.accountId,
      state: service.state,
      previousState: previous,
      desired: desiredOf(service),
      accessState: accessStateOf(service),
      error: service.state === 'failed' ? service.lastError : null,
      at: now,
    },
  };
}

/**
 * Stores a service write with the history row of its version and, when the state moved, its
 * provisioning.service-state-changed event, in one transaction. A write computed from a version
 * another write has moved on from fails on the history's unique version (isLostRace), and
 * nothing of it is stored. Answers the row as stored.
 */
export async function writeService(ctx: PluginContext, write: ServiceWrite): Promise<ServiceRow> {
  const { identity, previous, service: s, now } = write;
  const version = (previous?.version ?? 0) + 1;
  const stateSince = previous === null || previous.state !== s.state ? now : previous.state_since;
  const values = [
    s.state,
    desiredOf(s),
    s.plan.planId,
    s.plan.downloadKbps,
    s.plan.uploadKbps,
    s.plan.burstKbps,
    s.plan.burstThresholdKbps,
    s.plan.burstTimeSeconds,
    s.plan.dataCapGb,
    s.plan.throttleKbps,
    s.subscriptionSuspension?.reason ?? null,
    s.subscriptionSuspension?.mode ?? null,
    s.billingSuspension?.mode ?? null,
    s.ended,
    s.subscriptionAsOf,
    s.billingAsOf,
    s.revision,
    s.attempts,
    version,
    s.lastError,
    now,
    stateSince,
  ];
  let row: SqlStatement;
  if (previous === null) {
    row = {
      sql: `insert into services (state, desired, plan_id, download_kbps, upload_kbps, burst_kbps, burst_threshold_kbps,
              burst_time_seconds, data_cap_gb, throttle_kbps, subscription_suspension, subscription_suspension_mode,
              billing_suspension_mode, ended, subscription_as_of, billing_as_of, revision, attempts, version, last_error,
              updated_at, state_since, tenant_id, subscription_id, customer_id, payer_id, ipv4_address, ipv6_prefix,
              applied_at, provisioned_at, created_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
              $23, $24, $25, $26, $27, $28, $29, $29, $21)`,
      params: [
        ...values,
        ctx.tenantId,
        identity.subscriptionId,
        identity.accountId,
        identity.payerId,
        write.addresses?.ipv4 ?? null,
        write.addresses?.ipv6Prefix ?? null,
        write.converged ? now : null,
      ],
    };
  } else {
    // Only a write that knows them sets the addresses and the time of convergence, so that an
    // event's write never undoes what an apply run recorded.
    const params: unknown[] = [...values, identity.subscriptionId, previous.version];
    const more: string[] = [];
    if (write.addresses !== undefined) {
      params.push(write.addresses.ipv4, write.addresses.ipv6Prefix);
      more.push(`ipv4_address = $${params.length - 1}`, `ipv6_prefix = $${params.length}`);
    }
    if (write.converged) more.push('applied_at = $21', 'provisioned_at = coalesce(provisioned_at, $21)');
    row = {
      sql: `update services set state = $1, desired = $2, plan_id = $3, download_kbps = $4, upload_kbps = $5,
              burst_kbps = $6, burst_threshold_kbps = $7, burst_time_seconds = $8, data_cap_gb = $9,
              throttle_kbps = $10, subscription_suspension = $11, subscription_suspension_mode = $12,
              billing_suspension_mode = $13, ended = $14, subscription_as_of = $15, billing_as_of = $16,
              revision = $17, attempts = $18, version = $19, last_error = $20, updated_at = $21,
              state_since = $22${more.map((m) => `, ${m}`).join('')}
            where subscription_id = $23 and version = $24`,
      params,
    };
  }
  const history: SqlStatement = {
    sql: `insert into service_history (tenant_id, customer_id, subscription_id, version, step, outcome, detail, attempt,
            state, event_id, at)
          values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    params: [
      ctx.tenantId,
      identity.accountId,
      identity.subscriptionId,
      version,
      write.entry.step,
      write.entry.outcome,
      write.entry.detail,
      write.entry.attempt ?? null,
      s.state,
      write.eventId ?? null,
      now,
    ],
  };
  const read: SqlStatement = {
    sql: `select ${SERVICE_COLUMNS} from ${FROM} where s.subscription_id = $1`,
    params: [identity.subscriptionId],
  };
  const before = write.before ?? [];
  const events = previous?.state === s.state ? [] : [stateChanged(identity, previous?.state ?? null, s, now)];
  const results = await ctx.db.transaction([...before, row, history, ...(write.after ?? []), read], { events });
  return results.at(-1)?.[0] as unknown as ServiceRow;
}

// --- listings ---------------------------------------------------------------------------------

/** GET /services's query, as validated against plugin.json's schema. */
export interface ListQuery {
  readonly state?: ServiceState;
  readonly accountId?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** One page; pass `nextCursor` back as `cursor` for the next (null on the last page). */
export interface Page<Item> {
  readonly items: Item[];
  readonly nextCursor: string | null;
}

/** A cursor that does not belong to this listing. */
export class BadCursorError extends Error {}

/** Services matching `query`, newest first, one page. */
export async function listServices(ctx: PluginContext, query: ListQuery): Promise<Page<ServiceRow>> {
  const limit = query.limit ?? 50;
  let after: readonly string[] | undefined;
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor);
    if (after?.length !== 3 || after[0] !== 'services') throw new BadCursorError('is not a cursor of this listing');
  }
  const rows = await ctx.db.query<ServiceRow>(
    `select ${SERVICE_COLUMNS} from ${FROM}
      where ($1::text is null or s.state = $1) and ($2::text is null or s.customer_id = $2)
        and ($3::timestamptz is null or (s.created_at, s.subscription_id) < ($3::timestamptz, $4::uuid))
      order by s.created_at desc, s.subscription_id desc
      limit $5`,
    [query.state ?? null, query.accountId ?? null, after?.[1] ?? null, after?.[2] ?? null, limit + 1],
  );
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last ? encodeCursor(['services', isoOf(last.created_at), last.subscription_id]) : null,
  };
}

/** A history entry as the API answers it. */
export interface HistoryItem {
  readonly step: string;
  readonly outcome: HistoryStep['outcome'];
  readonly detail: string;
  readonly attempt: number | null;
  readonly state: ServiceState;
  readonly eventId: string | null;
  readonly at: string;
}

/** How many history entries GET /services/:id answers: the latest. */
export const HISTORY_SHOWN = 100;

/** The latest HISTORY_SHOWN history entries of the service, oldest first. */
export async function recentHistory(ctx: PluginContext, subscriptionId: string): Promise<HistoryItem[]> {
  const rows = await ctx.db.query<{
    step: string;
    outcome: HistoryStep['outcome'];
    detail: string;
    attempt: number | null;
    state: ServiceState;
    event_id: string | null;
    at: string;
  }>(
    `select step, outcome, detail, attempt, state, event_id, at from service_history
      where subscription_id = $1 order by seq desc limit $2`,
    [subscriptionId, HISTORY_SHOWN],
  );
  return rows.reverse().map((r) => ({
    step: r.step,
    outcome: r.outcome,
    detail: r.detail,
    attempt: r.attempt,
    state: r.state,
    eventId: r.event_id,
    at: isoOf(r.at),
  }));
}

/** A service as the API answers it (schemas/service.json). */
export function toResource(row: ServiceRow, history?: readonly HistoryItem[]) {
  const s = toService(row);
  const accessState: AccessState = accessStateOf(s);
  return {
    subscriptionId: row.subscription_id,
    accountId: row.customer_id,
    payerId: row.payer_id,
    state: row.state,
    desired: row.desired,
    accessState,
    plan: s.plan,
    suspension: { subscription: s.subscriptionSuspension, billing: s.billingSuspension },
    ended: row.ended,
    access:
      row.access === null || row.username === null
        ? null
        : {
            access: row.access,
            username: row.username,
            hasPassword: row.has_password === true,
            circuitId: row.circuit_id,
            remoteId: row.remote_id,
          },
    addresses: { ipv4: row.ipv4_address, ipv6Prefix: row.ipv6_prefix },
    revision: row.revision,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
    stateSince: isoOf(row.state_since),
    appliedAt: iso(row.applied_at),
    ...(history && { history }),
  };
}

// The plugin's tables (migrations/): a subscription row read into the lifecycle's Subscription
// and written back from a transition, in one transaction with its history row and its event;
// and the listings, a page at a time.
import type { PluginContext, SqlStatement } from '@dotmac/sdk';
import type { BillingCycle } from './calendar.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { OutgoingSubscriptionEvent } from './events.ts';
import { nextCycleAt, type Status, type Subscription, type SuspendReason, type Transition } from './lifecycle.ts';
import type { PlanDirection } from './pricing.ts';

/** A subscriptions row; timestamps arrive as ISO strings (they cross the sandbox boundary as JSON). */
export interface SubscriptionRow {
  readonly id: string;
  readonly customer_id: string;
  readonly status: Status;
  readonly plan_id: string;
  readonly plan_version: number;
  readonly billing_cycle: BillingCycle;
  readonly contract_months: number;
  readonly revision: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly activated_at: string | null;
  readonly term_ends_at: string | null;
  readonly suspended_reason: SuspendReason | null;
  readonly suspended_at: string | null;
  readonly suspended_note: string | null;
  readonly pending_plan_id: string | null;
  readonly pending_plan_version: number | null;
  readonly pending_billing_cycle: BillingCycle | null;
  readonly pending_contract_months: number | null;
  readonly pending_direction: PlanDirection | null;
  readonly pending_effective_at: string | null;
  readonly pending_reprice: boolean;
  readonly cancel_at: string | null;
  readonly cancelled_at: string | null;
  /** The plan in force as its last transition's event carried it (PRICED_COLUMNS), when read with it. */
  readonly offer?: Offer | null;
}

/** The plan in force as customers see it: its code and name, and its price in the account's currency. */
export interface Offer {
  readonly code: string;
  readonly name: string;
  /** Price of one billing cycle, a decimal string. */
  readonly price: string;
  readonly currency: string;
}

/** Who asked for a transition, as the history records it. */
export type Actor =
  | { readonly kind: 'user'; readonly userId: string; readonly portal: string }
  | { readonly kind: 'api-key'; readonly keyId: string }
  | { readonly kind: 'operator' }
  /** A scheduled change or cancellation that fell due. */
  | { readonly kind: 'schedule' }
  /** An event another plugin published (catalog.plan-version-scheduled: a reprice). */
  | { readonly kind: 'event'; readonly eventName: string; readonly eventId: string };

const COLUMNS = `id, customer_id, status, plan_id, plan_version, billing_cycle, contract_months, revision,
  created_at, updated_at, activated_at, term_ends_at, suspended_reason, suspended_at, suspended_note,
  pending_plan_id, pending_plan_version, pending_billing_cycle, pending_contract_months, pending_direction,
  pending_effective_at, pending_reprice, cancel_at, cancelled_at`;

/**
 * COLUMNS and the offer: the plan's code, name and price as the event of the subscription's last
 * transition (its history row at its revision) carried them, in the account's currency.
 */
const PRICED_COLUMNS = `${COLUMNS}, (
  select jsonb_build_object('code', h.payload -> 'plan' ->> 'code', 'name', h.payload -> 'plan' ->> 'name',
                            'price', h.payload -> 'plan' ->> 'price', 'currency', h.payload ->> 'currency')
    from subscription_history h
   where h.subscription_id = subscriptions.id and h.revision = subscriptions.revision) as offer`;

/** The offer an event's payload carries (every subscription.* event carries the plan in force). */
export function offerOf(payload: Record<string, unknown>): Offer | null {
  const plan = payload.plan as Partial<Offer> | undefined;
  const currency = payload.currency;
  if (!plan?.code || !plan.name || !plan.price || typeof currency !== 'string') return null;
  return { code: plan.code, name: plan.name, price: plan.price, currency };
}

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());
const isoOf = (value: string) => new Date(value).toISOString();

/** The lifecycle's view of a row. */
export function toSubscription(row: SubscriptionRow): Subscription {
  const pending =
    row.pending_plan_id !== null &&
    row.pending_plan_version !== null &&
    row.pending_billing_cycle !== null &&
    row.pending_contract_months !== null &&
    row.pending_direction !== null &&
    row.pending_effective_at !== null
      ? {
          planId: row.pending_plan_id,
          version: row.pending_plan_version,
          billingCycle: row.pending_billing_cycle,
          contractMonths: row.pending_contract_months,
          direction: row.pending_direction,
          effectiveAt: isoOf(row.pending_effective_at),
          ...(row.pending_reprice && { reprice: true as const }),
        }
      : null;
  return {
    id: row.id,
    accountId: row.customer_id,
    status: row.status,
    plan: {
      planId: row.plan_id,
      version: row.plan_version,
      billingCycle: row.billing_cycle,
      contractMonths: row.contract_months,
    },
    revision: row.revision,
    createdAt: isoOf(row.created_at),
    activatedAt: iso(row.activated_at),
    termEndsAt: iso(row.term_ends_at),
    suspendedReason: row.suspended_reason,
    suspendedAt: iso(row.suspended_at),
    suspendedNote: row.suspended_note,
    pendingChange: pending,
    cancelAt: iso(row.cancel_at),
    cancelledAt: iso(row.cancelled_at),
  };
}

/** A row as the API answers it (schemas/subscription.json), its next cycle as of `now`. */
export function toResource(row: SubscriptionRow, now: string) {
  const s = toSubscription(row);
  return {
    id: s.id,
    accountId: s.accountId,
    status: s.status,
    plan: { ...s.plan, ...(row.offer ?? {}) },
    revision: s.revision,
    createdAt: s.createdAt,
    updatedAt: isoOf(row.updated_at),
    activatedAt: s.activatedAt,
    termEndsAt: s.termEndsAt,
    nextCycleAt: nextCycleAt(s, now),
    suspension:
      s.suspendedReason === null || s.suspendedAt === null
        ? null
        : { reason: s.suspendedReason, note: s.suspendedNote, since: s.suspendedAt },
    pendingChange: s.pendingChange,
    cancelAt: s.cancelAt,
    cancelledAt: s.cancelledAt,
  };
}

/** The subscription `id`, or undefined when the caller cannot see it (or there is none). */
export async function findSubscription(ctx: PluginContext, id: string): Promise<SubscriptionRow | undefined> {
  const [row] = await ctx.db.query<SubscriptionRow>(`select ${PRICED_COLUMNS} from subscriptions where id = $1`, [id]);
  return row;
}

/**
 * Stores `transition` with its history row and publishes its event, in one transaction; answers
 * the row as stored. A transition from a revision that is no longer current inserts a history
 * revision that exists already: the transaction fails (isLostRace) and nothing is stored.
 */
export async function storeTransition(
  ctx: PluginContext,
  transition: Transition,
  event: OutgoingSubscriptionEvent,
  actor: Actor,
  now: string,
): Promise<SubscriptionRow> {
  const { next, previous } = transition;
  const state = [
    next.status,
    next.plan.planId,
    next.plan.version,
    next.plan.billingCycle,
    next.plan.contractMonths,
    next.revision,
    now,
    next.activatedAt,
    next.termEndsAt,
    next.suspendedReason,
    next.suspendedAt,
    next.suspendedNote,
    next.pendingChange?.planId ?? null,
    next.pendingChange?.version ?? null,
    next.pendingChange?.billingCycle ?? null,
    next.pendingChange?.contractMonths ?? null,
    next.pendingChange?.direction ?? null,
    next.pendingChange?.effectiveAt ?? null,
    next.cancelAt,
    next.cancelledAt,
    next.pendingChange?.reprice === true,
  ];
  const write: SqlStatement =
    previous === null
      ? {
          sql: `insert into subscriptions (status, plan_id, plan_version, billing_cycle, contract_months, revision,
                  updated_at, activated_at, term_ends_at, suspended_reason, suspended_at, suspended_note,
                  pending_plan_id, pending_plan_version, pending_billing_cycle, pending_contract_months,
                  pending_direction, pending_effective_at, cancel_at, cancelled_at, pending_reprice,
                  id, tenant_id, customer_id, created_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                  $21, $22, $23, $24, $25)
                returning ${COLUMNS}`,
          params: [...state, next.id, ctx.tenantId, next.accountId, next.createdAt],
        }
      : {
          sql: `update subscriptions set status = $1, plan_id = $2, plan_version = $3, billing_cycle = $4,
                  contract_months = $5, revision = $6, updated_at = $7, activated_at = $8, term_ends_at = $9,
                  suspended_reason = $10, suspended_at = $11, suspended_note = $12, pending_plan_id = $13,
                  pending_plan_version = $14, pending_billing_cycle = $15, pending_contract_months = $16,
                  pending_direction = $17, pending_effective_at = $18, cancel_at = $19, cancelled_at = $20,
                  pending_reprice = $21
                where id = $22 and revision = $23
                returning ${COLUMNS}`,
          params: [...state, next.id, previous.revision],
        };
  const history: SqlStatement = {
    sql: `insert into subscription_history
            (tenant_id, customer_id, subscription_id, revision, command, from_status, to_status, actor, event, payload, at)
          values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11)`,
    params: [
      ctx.tenantId,
      next.accountId,
      next.id,
      next.revision,
      transition.command,
      previous?.status ?? null,
      next.status,
      JSON.stringify(actor),
      event.name,
      JSON.stringify(event.payload),
      now,
    ],
  };
  const [written] = await ctx.db.transaction([write, history], { events: [event] });
  return { ...(written?.[0] as unknown as SubscriptionRow), offer: offerOf(event.payload) };
}

/** True when `error` is a transition that lost to another on the same revision. */
export function isLostRace(error: unknown): boolean {
  const message = (error as Error)?.message ?? '';
  return message.includes('subscription_history_revision') && message.includes('23505');
}

// --- listings ---------------------------------------------------------------------------------

/** The orders GET /subscriptions sorts by; `-` for newest first. */
export const SORTS = {
  createdAt: { column: 'created_at', descending: false },
  '-createdAt': { column: 'created_at', descending: true },
  activatedAt: { column: 'activated_at', descending: false },
  '-activatedAt': { column: 'activated_at', descending: true },
} as const;
export type Sort = keyof typeof SORTS;

/** GET /subscriptions's query, as validated against plugin.json's schema. */
export interface ListQuery {
  readonly accountId?: string;
  readonly status?: Status;
  readonly planId?: string;
  readonly sort?: Sort;
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

/** Subscriptions matching `query`, one page, in its sort order (a subscription never activated sorts last). */
export async function listSubscriptions(ctx: PluginContext, query: ListQuery): Promise<Page<SubscriptionRow>> {
  const sort = query.sort ?? '-createdAt';
  const { column, descending } = SORTS[sort];
  const limit = query.limit ?? 50;
  let after: readonly string[] | undefined;
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor);
    if (after?.length !== 3 || after[0] !== sort)
      throw new BadCursorError(`is not a cursor of this listing sorted by ${sort}`);
  }
  // Keyset pagination on (sort key, id); a missing date sorts as infinity, so last.
  const key = `coalesce(${column}, 'infinity'::timestamptz)`;
  const direction = descending ? 'desc' : 'asc';
  const rows = await ctx.db.query<SubscriptionRow & { sort_key: string }>(
    `select ${PRICED_COLUMNS}, ${key}::text as sort_key from subscriptions
      where ($1::text is null or customer_id = $1) and ($2::text is null or status = $2)
        and ($3::uuid is null or plan_id = $3)
        and ($4::timestamptz is null or (${key}, id) ${descending ? '<' : '>'} ($4::timestamptz, $5::uuid))
      order by ${key} ${direction}, id ${direction}
      limit $6`,
    [
      query.accountId ?? null,
      query.status ?? null,
      query.planId ?? null,
      after?.[1] ?? null,
      after?.[2] ?? null,
      limit + 1,
    ],
  );
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor([sort, last.sort_key, last.id]) : null,
  };
}

/** A history row as the API answers it (schemas/history-page.json). */
export interface HistoryEntry {
  readonly revision: number;
  readonly command: string;
  readonly fromStatus: Status | null;
  readonly toStatus: Status;
  readonly actor: Actor;
  readonly event: { readonly name: string; readonly payload: Record<string, unknown> };
  readonly at: string;
}

/** The transitions of subscription `id`, oldest first, one page. */
export async function listHistory(
  ctx: PluginContext,
  id: string,
  page: { readonly limit?: number; readonly cursor?: string },
): Promise<Page<HistoryEntry>> {
  const limit = page.limit ?? 50;
  let after = 0;
  if (page.cursor !== undefined) {
    const [kind, revision] = decodeCursor(page.cursor) ?? [];
    after = Number(revision);
    if (kind !== 'history' || !Number.isInteger(after)) throw new BadCursorError('is not a cursor of this history');
  }
  const rows = await ctx.db.query<{
    revision: number;
    command: string;
    from_status: Status | null;
    to_status: Status;
    actor: Actor;
    event: string;
    payload: Record<string, unknown>;
    at: string;
  }>(
    `select revision, command, from_status, to_status, actor, event, payload, at from subscription_history
      where subscription_id = $1 and revision > $2 order by revision limit $3`,
    [id, after, limit + 1],
  );
  const items = rows.slice(0, limit).map((r) => ({
    revision: r.revision,
    command: r.command,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    actor: r.actor,
    event: { name: r.event, payload: r.payload },
    at: isoOf(r.at),
  }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(['history', String(last.revision)]) : null };
}

/** Subscriptions with a scheduled change or cancellation due at `now`, soonest first. */
export function dueSubscriptions(ctx: PluginContext, now: string, limit: number): Promise<SubscriptionRow[]> {
  return ctx.db.query<SubscriptionRow>(
    `select ${COLUMNS} from subscriptions
      where status <> 'cancelled' and (pending_effective_at <= $1 or cancel_at <= $1)
      order by least(pending_effective_at, cancel_at), id
      limit $2`,
    [now, limit],
  );
}

/**
 * A page of the subscriptions of plan `planId` (any version) that are not cancelled and were
 * never repriced to its version `version`, by id after `afterId`: those a reprice may reach.
 */
export function repriceCandidates(
  ctx: PluginContext,
  planId: string,
  version: number,
  afterId: string | null,
  limit: number,
): Promise<SubscriptionRow[]> {
  return ctx.db.query<SubscriptionRow>(
    `select ${COLUMNS} from subscriptions s
      where plan_id = $1 and status <> 'cancelled' and ($2::uuid is null or id > $2::uuid)
        and not exists (
          select 1 from subscription_history h
           where h.subscription_id = s.id and h.command = 'reprice'
             and h.payload -> 'to' ->> 'id' = $1::text and (h.payload -> 'to' ->> 'version')::int = $3)
      order by id
      limit $4`,
    [planId, afterId, version, limit],
  );
}

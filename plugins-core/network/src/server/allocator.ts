// The allocator: gives subscriptions the lowest free units of a pool. Each run is ONE transaction
// that locks the pool's row (select ... for update), inserts at the lowest free indexes found by
// a gap query, and reads the assignments back. Every writer of a pool's assignments takes that
// lock first, so runs happen one after another and each sees every unit taken before it: no unit
// is ever handed out twice, and nothing is retried. The unique index on (pool, index) stays as
// the database's own guarantee.
//
// Requests of one tenant run in one sandbox context, where each call has a few seconds and at
// most 64 capability calls may be pending. So the requests for one pool that arrive while a run
// is in flight wait, and go together in the next run (a group commit): a thousand requests at
// once make a handful of transactions, not a thousand in a row. The first request of a run
// carries it out with its own context, which stays valid since that request awaits the run.
import type { PluginContext, SqlStatement } from '@dotmac/sdk';
import { type Assignment, type AssignmentRow, heldBySubscriptions, lockPool, toAssignment } from './assignment-rows.ts';
import { nowOf } from './records.ts';

/** What allocation in one pool came to, for one subscription. */
export type Allocation =
  | { readonly outcome: 'assigned'; readonly assignment: Assignment; readonly created: boolean }
  | { readonly outcome: 'full'; readonly pool: { readonly name: string; readonly cidr: string } }
  | { readonly outcome: 'no-pool' };

/** Most subscriptions one run allocates for. */
const MAX_RUN = 500;

/**
 * Inserts, for each subscription of $2 (a JSON array, in order) that holds no assignment in the
 * pool's family yet, a dynamic assignment at the next lowest free index of pool $1. The free
 * indexes come from the gaps between the taken ones (assignments, the gateway's, and sentinels
 * just outside the usable range); only the first gaps holding enough free indexes are expanded.
 */
const INSERT_LOWEST_FREE = `
  with pool as (
    select id, family, first_index, last_index, gateway_index from pools where id = $1
  ),
  wanting as (
    select s.id::uuid as subscription_id, row_number() over (order by s.ord) as n
      from jsonb_array_elements_text($2::jsonb) with ordinality as s(id, ord)
     where not exists (select 1 from assignments e join pool on e.family = pool.family
                        where e.subscription_id = s.id::uuid)
  ),
  taken as (
    select a.host_index as i from assignments a where a.pool_id = $1
    union select gateway_index from pool where gateway_index is not null
    union select first_index - 1 from pool
    union select last_index + 1 from pool
  ),
  gaps as (
    select i + 1 as gap_start, next - 1 as gap_end
      from (select i, lead(i) over (order by i) as next from taken) t
     where next > i + 1
  ),
  counted as (
    select gap_start, gap_end,
           coalesce(sum(gap_end - gap_start + 1) over (order by gap_start rows between unbounded preceding and 1 preceding), 0)
             as before
      from gaps
  ),
  free as (
    select g as host_index, row_number() over (order by g) as n
      from counted
     cross join lateral generate_series(gap_start, least(gap_end, gap_start + (select count(*) from wanting) - before - 1)) as g
     where before < (select count(*) from wanting)
  )
  insert into assignments (id, tenant_id, pool_id, family, host_index, kind, subscription_id, created_at)
  select gen_random_uuid(), $3, pool.id, pool.family, free.host_index, 'dynamic', w.subscription_id, $4
    from wanting w join free on free.n = w.n cross join pool
  on conflict (tenant_id, subscription_id, family) where subscription_id is not null do nothing
  returning subscription_id`;

/**
 * The statements of one run, for one transaction: lock the pool, insert at the lowest free
 * indexes, read back what the subscriptions hold in the pool's family.
 */
export function allocationStatements(
  poolId: string,
  subscriptionIds: readonly string[],
  tenantId: string,
  now: string,
): SqlStatement[] {
  return [
    lockPool(poolId),
    { sql: INSERT_LOWEST_FREE, params: [poolId, JSON.stringify(subscriptionIds), tenantId, now] },
    heldBySubscriptions(poolId, subscriptionIds),
  ];
}

/**
 * One run: allocates for `subscriptionIds` (distinct) in pool `poolId`, in one transaction, and
 * answers each one's outcome. A subscription that already holds an assignment in the family
 * (in any pool) gets that one back (`created` false). A subscription allocating in another pool
 * at the same moment is skipped by the insert's on conflict and reads back what it got there.
 */
async function allocateRun(
  ctx: PluginContext,
  poolId: string,
  subscriptionIds: readonly string[],
): Promise<Map<string, Allocation>> {
  const now = await nowOf(ctx);
  const [locked, inserted, held] = await ctx.db.transaction(
    allocationStatements(poolId, subscriptionIds, ctx.tenantId, now),
  );
  const pool = locked?.[0] as { name: string; cidr: string } | undefined;
  const created = new Set((inserted ?? []).map((row) => row.subscription_id as string));
  const bySubscription = new Map(
    (held as unknown as AssignmentRow[]).map((row) => [row.subscription_id as string, row] as const),
  );
  const outcomes = new Map<string, Allocation>();
  for (const id of subscriptionIds) {
    const row = bySubscription.get(id);
    outcomes.set(
      id,
      row
        ? { outcome: 'assigned', assignment: toAssignment(row), created: created.has(id) }
        : pool
          ? { outcome: 'full', pool }
          : { outcome: 'no-pool' },
    );
  }
  return outcomes;
}

interface Waiter {
  readonly ctx: PluginContext;
  readonly subscriptionId: string;
  readonly resolve: (allocation: Allocation) => void;
  readonly reject: (error: unknown) => void;
}

/** Requests waiting for the next run, by pool; a pool is here while a run of it is in flight. */
const queues = new Map<string, Waiter[]>();

/** Runs the waiting requests of `poolId`, a run at a time, until none is left. */
async function drain(poolId: string): Promise<void> {
  for (;;) {
    const queue = queues.get(poolId);
    const run = queue?.splice(0, MAX_RUN) ?? [];
    const [leader] = run;
    if (!leader) {
      queues.delete(poolId);
      return;
    }
    try {
      const outcomes = await allocateRun(leader.ctx, poolId, [...new Set(run.map((w) => w.subscriptionId))]);
      for (const waiter of run) waiter.resolve(outcomes.get(waiter.subscriptionId) as Allocation);
    } catch (error) {
      for (const waiter of run) waiter.reject(error);
    }
  }
}

/**
 * Gives subscription `subscriptionId` the lowest free unit of pool `poolId`, or answers the
 * assignment it already holds in the pool's family (from any pool: `created` false).
 */
export function allocateInPool(ctx: PluginContext, poolId: string, subscriptionId: string): Promise<Allocation> {
  return new Promise<Allocation>((resolve, reject) => {
    const waiting = queues.get(poolId);
    const waiter = { ctx, subscriptionId, resolve, reject };
    if (waiting) {
      waiting.push(waiter);
      return;
    }
    queues.set(poolId, [waiter]);
    void drain(poolId);
  });
}

// Assignments: the units of a pool held by subscriptions (dynamic: the lowest free one, from the
// allocator; static: one asked for) or by reservations (held with a note, never handed out).
// Like the allocator, every write of a pool's assignments locks the pool's row first.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { allocateInPool } from './allocator.ts';
import {
  type Assignment,
  type AssignmentKind,
  type AssignmentRow,
  COLUMNS,
  FROM,
  heldBySubscriptions,
  lockPool,
  toAssignment,
} from './assignment-rows.ts';
import { type Page, pageOf } from './cursor.ts';
import type { Family } from './ip.ts';
import { describePool, findPool, indexIn } from './pools.ts';
import { cursorParts, DEFAULT_LIMIT, isoOf, isTimestamp, isUuid, nowOf } from './records.ts';
import { badField, conflictOn } from './refusals.ts';

export type { Assignment, AssignmentKind };

/** The refusal of a full pool (or several, all full): 409 naming them. */
export function poolsFull(pools: readonly { readonly name: string; readonly cidr: string }[]): RouteError {
  const [only] = pools;
  if (pools.length === 1 && only) return new RouteError(409, `pool ${describePool(only)} has no free address`);
  return new RouteError(409, `pools ${pools.map(describePool).join(', ')} have no free address`);
}

/** POST /pools/:poolId/assignments (schemas/new-assignment.json). */
export interface AssignmentRequest {
  readonly kind?: AssignmentKind;
  readonly subscriptionId?: string;
  readonly address?: string;
  readonly note?: string;
}

/** POST /pools/:poolId/assignments: a dynamic, static or reserved unit of the pool. */
export async function assignInPool(ctx: PluginContext, poolId: string, body: AssignmentRequest): Promise<Assignment> {
  const kind = body.kind ?? 'dynamic';
  if (kind !== 'reservation' && body.subscriptionId === undefined) {
    throw badField('/body/subscriptionId', `is required for a ${kind} assignment`);
  }
  if (kind === 'reservation' && body.subscriptionId !== undefined) {
    throw badField('/body/subscriptionId', 'a reservation holds an address for no subscription');
  }
  if (kind === 'dynamic' && body.address !== undefined) {
    throw badField(
      '/body/address',
      'a dynamic assignment takes the lowest free address: use kind static to choose one',
    );
  }
  if (kind !== 'dynamic' && body.address === undefined) throw badField('/body/address', `is required for a ${kind}`);
  if (kind !== 'reservation' && body.note !== undefined) {
    throw badField('/body/note', 'only a reservation carries a note');
  }
  if (kind === 'dynamic') {
    const subscriptionId = body.subscriptionId as string;
    const allocation = await allocateInPool(ctx, poolId, subscriptionId);
    switch (allocation.outcome) {
      case 'no-pool':
        throw new RouteError(404, `there is no pool ${poolId}`);
      case 'full':
        throw poolsFull([allocation.pool]);
      case 'assigned': {
        const held = allocation.assignment;
        if (held.poolId !== poolId) throw alreadyHolds(subscriptionId, held);
        return held;
      }
    }
  }
  return assignChosen(ctx, poolId, kind, body.address as string, body.subscriptionId ?? null, body.note ?? null);
}

const alreadyHolds = (subscriptionId: string, held: Assignment) =>
  conflictOn(
    '/body/subscriptionId',
    `subscription ${subscriptionId} already holds ${held.address}/${held.prefixLength} (pool ${held.poolId}); release it first`,
  );

/** A static assignment or a reservation of the address `address` of pool `poolId`. */
async function assignChosen(
  ctx: PluginContext,
  poolId: string,
  kind: 'static' | 'reservation',
  address: string,
  subscriptionId: string | null,
  note: string | null,
): Promise<Assignment> {
  const pool = await findPool(ctx, poolId);
  if (!pool) throw new RouteError(404, `there is no pool ${poolId}`);
  const index = indexIn(pool, address, '/body/address').toString();
  const now = await nowOf(ctx);
  const results = await ctx.db.transaction([
    lockPool(poolId),
    {
      sql: `insert into assignments (id, tenant_id, pool_id, family, host_index, kind, subscription_id, note, created_at)
            select gen_random_uuid(), $1, p.id, p.family, $3::numeric, $4, $5, $6, $7
              from pools p
             where p.id = $2
               and not exists (select 1 from assignments a where a.pool_id = p.id and a.host_index = $3::numeric)
               and ($5::uuid is null or not exists (select 1 from assignments e
                                                     where e.subscription_id = $5 and e.family = p.family))
            on conflict do nothing
            returning id`,
      params: [ctx.tenantId, poolId, index, kind, subscriptionId, note, now],
    },
    {
      sql: `select ${COLUMNS} from ${FROM} where a.pool_id = $1 and a.host_index = $2::numeric`,
      params: [poolId, index],
    },
    heldBySubscriptions(poolId, subscriptionId === null ? [] : [subscriptionId]),
  ]);
  const [, inserted, atAddress, bySubscription] = results;
  const holder = atAddress?.[0] as AssignmentRow | undefined;
  if ((inserted?.length ?? 0) > 0 && holder) return toAssignment(holder);
  if (holder) {
    // Asking again for what one already holds is answered, not refused.
    if (kind === 'static' && holder.kind === 'static' && holder.subscription_id === subscriptionId) {
      return toAssignment(holder);
    }
    const taken = toAssignment(holder);
    const by =
      holder.kind === 'reservation'
        ? `reserved${holder.note ? ` (${holder.note})` : ''}`
        : `held by subscription ${holder.subscription_id}`;
    throw conflictOn('/body/address', `${taken.address} is taken in pool ${describePool(pool)}: ${by}`);
  }
  const held = bySubscription?.[0] as AssignmentRow | undefined;
  if (held && subscriptionId !== null) throw alreadyHolds(subscriptionId, toAssignment(held));
  throw new RouteError(404, `there is no pool ${poolId}`);
}

/** DELETE /assignments/:assignmentId: the unit goes back to its pool. */
export async function releaseAssignment(ctx: PluginContext, id: string): Promise<{ id: string; deleted: true }> {
  const [row] = await ctx.db.query('delete from assignments where id = $1 returning id', [id]);
  if (!row) throw new RouteError(404, `there is no assignment ${id}`);
  return { id, deleted: true };
}

/** Releases what subscription `subscriptionId` holds (dynamic and static; reservations hold for nobody). */
export async function releaseSubscription(ctx: PluginContext, subscriptionId: string): Promise<number> {
  const rows = await ctx.db.query('delete from assignments where subscription_id = $1 returning id', [subscriptionId]);
  return rows.length;
}

/** The assignment subscription `subscriptionId` holds in `family`, if any. */
export async function findHeld(
  ctx: PluginContext,
  subscriptionId: string,
  family: Family,
): Promise<Assignment | undefined> {
  const [row] = await ctx.db.query<AssignmentRow>(
    `select ${COLUMNS} from ${FROM} where a.subscription_id = $1 and a.family = $2`,
    [subscriptionId, family],
  );
  return row && toAssignment(row);
}

/** The assignments of the subscriptions `subscriptionIds` (every subscription's when absent), oldest first. */
export async function subscriptionAssignments(
  ctx: PluginContext,
  subscriptionIds: readonly string[] | undefined,
): Promise<Assignment[]> {
  const rows = await ctx.db.query<AssignmentRow>(
    `select ${COLUMNS} from ${FROM}
      where a.subscription_id is not null
        and ($1::jsonb is null or a.subscription_id in (select (jsonb_array_elements_text($1::jsonb))::uuid))
      order by a.created_at, a.id`,
    [subscriptionIds === undefined ? null : JSON.stringify(subscriptionIds)],
  );
  return rows.map(toAssignment);
}

/** GET /assignments query. */
export interface AssignmentQuery {
  readonly subscriptionId?: string;
  readonly poolId?: string;
  readonly kind?: AssignmentKind;
  readonly limit?: number;
  readonly cursor?: string;
}

/** Assignments, oldest first, one page. */
export async function listAssignments(ctx: PluginContext, query: AssignmentQuery): Promise<Page<Assignment>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = cursorParts(query.cursor, 'assignments', 3, ([, at = '', id = '']) => isTimestamp(at) && isUuid(id));
  const rows = await ctx.db.query<AssignmentRow>(
    `select ${COLUMNS} from ${FROM}
      where ($1::uuid is null or a.subscription_id = $1) and ($2::uuid is null or a.pool_id = $2)
        and ($3::text is null or a.kind = $3)
        and ($4::timestamptz is null or (a.created_at, a.id) > ($4::timestamptz, $5::uuid))
      order by a.created_at, a.id
      limit $6`,
    [
      query.subscriptionId ?? null,
      query.poolId ?? null,
      query.kind ?? null,
      after?.[1] ?? null,
      after?.[2] ?? null,
      limit + 1,
    ],
  );
  return pageOf(rows, limit, toAssignment, (row) => ['assignments', isoOf(row.created_at), row.id]);
}

/** The assignments of pool `poolId` in address order, one page. */
export async function listPoolAssignments(
  ctx: PluginContext,
  poolId: string,
  query: Omit<AssignmentQuery, 'poolId' | 'subscriptionId'>,
): Promise<Page<Assignment>> {
  if (!(await findPool(ctx, poolId))) throw new RouteError(404, `there is no pool ${poolId}`);
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = cursorParts(query.cursor, 'pool-assignments', 2, ([, index = '']) => /^[0-9]{1,39}$/.test(index));
  const rows = await ctx.db.query<AssignmentRow>(
    `select ${COLUMNS} from ${FROM}
      where a.pool_id = $1 and ($2::text is null or a.kind = $2) and ($3::numeric is null or a.host_index > $3::numeric)
      order by a.host_index
      limit $4`,
    [poolId, query.kind ?? null, after?.[1] ?? null, limit + 1],
  );
  return pageOf(rows, limit, toAssignment, (row) => ['pool-assignments', row.host_index]);
}

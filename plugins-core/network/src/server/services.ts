// The functions other plugins call (plugin.json capabilities.services.exports): provisioning
// gives a subscription its addresses and takes them back; radius reads them and the NAS list.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { allocateInPool } from './allocator.ts';
import { type Assignment, findHeld, poolsFull, subscriptionAssignments } from './assignments.ts';
import { listNas } from './devices.ts';
import type { Family } from './ip.ts';

export { listNas };

/** allocateAddress input. */
export interface AllocationRequest {
  readonly subscriptionId: string;
  readonly family: Family;
  readonly poolId?: string;
  readonly planId?: string;
  readonly siteId?: string;
}

/** allocateAddress output. */
export interface AllocatedAddress {
  readonly assignmentId: string;
  readonly poolId: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly family: Family;
}

const allocated = (a: Assignment): AllocatedAddress => ({
  assignmentId: a.id,
  poolId: a.poolId,
  address: a.address,
  prefixLength: a.prefixLength,
  family: a.family,
});

interface Candidate {
  readonly id: string;
  readonly plan_id: string | null;
}

/**
 * The pools to try, in order. `poolId`: that pool (whatever its kind). Else the dynamic pools of
 * the family, of `siteId` first then of no site (all of them without `siteId`): those of
 * `planId` when it has any, else those of no plan.
 */
async function candidatePools(ctx: PluginContext, input: AllocationRequest): Promise<string[]> {
  if (input.poolId !== undefined) {
    const [pool] = await ctx.db.query<{ id: string }>('select id from pools where id = $1 and family = $2', [
      input.poolId,
      input.family,
    ]);
    if (!pool) throw new RouteError(404, `there is no ${input.family} pool ${input.poolId}`);
    return [pool.id];
  }
  const pools = await ctx.db.query<Candidate>(
    `select id, plan_id from pools
      where family = $1 and kind = 'dynamic' and ($2::uuid is null or site_id = $2 or site_id is null)
      order by site_id is distinct from $2, name, id`,
    [input.family, input.siteId ?? null],
  );
  const ofPlan = pools.filter((p) => input.planId !== undefined && p.plan_id === input.planId);
  const chosen = ofPlan.length > 0 ? ofPlan : pools.filter((p) => p.plan_id === null);
  if (chosen.length === 0) {
    const plan = input.planId === undefined ? 'of no plan' : `of plan ${input.planId} or of no plan`;
    const site = input.siteId === undefined ? '' : `, at site ${input.siteId} or at no site`;
    throw new RouteError(404, `there is no dynamic ${input.family} pool ${plan}${site}`);
  }
  return chosen.map((p) => p.id);
}

/**
 * A subscription's address in a family: the one it holds already, else the lowest free unit of
 * the first candidate pool with room. Shares allocateInPool with POST /pools/:poolId/assignments.
 */
export async function allocateAddress(ctx: PluginContext, input: AllocationRequest): Promise<AllocatedAddress> {
  const held = await findHeld(ctx, input.subscriptionId, input.family);
  if (held) return allocated(held);
  const full: { name: string; cidr: string }[] = [];
  for (const poolId of await candidatePools(ctx, input)) {
    const allocation = await allocateInPool(ctx, poolId, input.subscriptionId);
    if (allocation.outcome === 'assigned') return allocated(allocation.assignment);
    if (allocation.outcome === 'full') full.push(allocation.pool);
  }
  if (full.length === 0) throw new RouteError(404, `there is no ${input.family} pool to allocate from`);
  throw poolsFull(full);
}

/** listAssignments output item. */
export interface SubscriptionAssignment {
  readonly assignmentId: string;
  readonly subscriptionId: string;
  readonly poolId: string;
  readonly family: Family;
  readonly address: string;
  readonly prefixLength: number;
  readonly kind: 'dynamic' | 'static';
}

export async function listAssignments(
  ctx: PluginContext,
  input: { readonly subscriptionIds?: readonly string[] },
): Promise<{ items: SubscriptionAssignment[] }> {
  const assignments = await subscriptionAssignments(ctx, input.subscriptionIds);
  return {
    items: assignments.map((a) => ({
      assignmentId: a.id,
      subscriptionId: a.subscriptionId as string,
      poolId: a.poolId,
      family: a.family,
      address: a.address,
      prefixLength: a.prefixLength,
      kind: a.kind as 'dynamic' | 'static',
    })),
  };
}

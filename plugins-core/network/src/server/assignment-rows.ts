// An assignment as stored (its pool's prefix joined in) and as the API answers it, and the
// statements every writer of assignments shares.
import type { SqlStatement } from '@dotmac/sdk';
import { addressAt } from './addressing.ts';
import type { Family } from './ip.ts';
import { shapeOf } from './pools.ts';
import { isoOf } from './records.ts';

export type AssignmentKind = 'dynamic' | 'static' | 'reservation';

/** An assignment as the API answers it (schemas/assignment.json). */
export interface Assignment {
  readonly id: string;
  readonly poolId: string;
  readonly family: Family;
  readonly kind: AssignmentKind;
  readonly subscriptionId: string | null;
  /** The address (IPv4), or the first address of the delegated prefix (IPv6). */
  readonly address: string;
  /** 32 for IPv4; the pool's assignment length for IPv6. */
  readonly prefixLength: number;
  readonly note: string | null;
  readonly createdAt: string;
}

/** An assignments row joined with its pool's prefix. */
export interface AssignmentRow {
  readonly id: string;
  readonly pool_id: string;
  readonly family: Family;
  readonly host_index: string;
  readonly kind: AssignmentKind;
  readonly subscription_id: string | null;
  readonly note: string | null;
  readonly created_at: string;
  readonly pool_name: string;
  readonly cidr: string;
  readonly assign_prefix_length: number;
  readonly gateway: string | null;
}

/** The columns of an AssignmentRow, from `FROM`. */
export const COLUMNS = `a.id, a.pool_id, a.family, a.host_index::text as host_index, a.kind, a.subscription_id, a.note,
  a.created_at, p.name as pool_name, p.cidr, p.assign_prefix_length, p.gateway`;
export const FROM = 'assignments a join pools p on p.id = a.pool_id';

/** The answer for a row: the address is computed from the index and the pool's prefix. */
export function toAssignment(row: AssignmentRow): Assignment {
  return {
    id: row.id,
    poolId: row.pool_id,
    family: row.family,
    kind: row.kind,
    subscriptionId: row.subscription_id,
    address: addressAt(shapeOf(row), BigInt(row.host_index)),
    prefixLength: row.assign_prefix_length,
    note: row.note,
    createdAt: isoOf(row.created_at),
  };
}

/**
 * Locks pool `poolId`'s row until the transaction ends; answers its name and prefix (no row: no
 * such pool). Every write of a pool's assignments starts with it, so they happen one after another.
 */
export const lockPool = (poolId: string): SqlStatement => ({
  sql: 'select name, cidr from pools where id = $1 for update',
  params: [poolId],
});

/** The assignments the subscriptions `subscriptionIds` hold in the family of pool `poolId`. */
export const heldBySubscriptions = (poolId: string, subscriptionIds: readonly string[]): SqlStatement => ({
  sql: `select ${COLUMNS} from ${FROM}
         where a.subscription_id in (select (jsonb_array_elements_text($2::jsonb))::uuid)
           and a.family = (select family from pools where id = $1)`,
  params: [poolId, JSON.stringify(subscriptionIds)],
});

// What the customer's Network tab shows: the addresses their subscriptions hold. dotmac.network
// knows subscriptions, not accounts, so the account's subscriptions come from
// dotmac.subscriptions, then each one's assignments (GET /assignments?subscriptionId) and the
// pools they are of.
import type { ApiClient, Page } from '@dotmac/ui';
import type { Assignment, Pool } from './network-types.ts';

/** A subscription as dotmac.subscriptions answers it (the fields the tab shows). */
export interface SubscriptionSummary {
  readonly id: string;
  readonly status: string;
  /** The plan's name arrives with the subscription's events (absent on older ones). */
  readonly plan: { readonly planId: string; readonly name?: string };
}

/** One address of the customer, with what it belongs to. */
export interface CustomerAddress {
  readonly assignment: Assignment;
  readonly subscription: SubscriptionSummary;
  readonly pool: Pool | undefined;
}

/** A customer's subscriptions are few; these caps keep one page of each list enough. */
const MOST = 200;

export async function loadCustomerAddresses(
  network: ApiClient,
  subscriptions: ApiClient,
  accountId: string,
  signal: AbortSignal,
): Promise<CustomerAddress[]> {
  const owned = await subscriptions.get<Page<SubscriptionSummary>>('/subscriptions', {
    query: { accountId, limit: MOST },
    signal,
  });
  const held = await Promise.all(
    owned.items.map(async (subscription) => {
      const page = await network.get<Page<Assignment>>('/assignments', {
        query: { subscriptionId: subscription.id, limit: MOST },
        signal,
      });
      return page.items.map((assignment) => ({ assignment, subscription }));
    }),
  );
  const rows = held.flat();
  const poolIds = [...new Set(rows.map((row) => row.assignment.poolId))];
  const pools = await Promise.all(poolIds.map((id) => network.get<Pool>(`/pools/${id}`, { signal })));
  return rows.map((row) => ({ ...row, pool: pools.find((pool) => pool.id === row.assignment.poolId) }));
}

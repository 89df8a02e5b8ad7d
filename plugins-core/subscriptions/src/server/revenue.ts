// Monthly recurring revenue: what the active subscriptions bring in per month, per currency. Each
// subscription's price is the one its last transition's event carried (the plan in force, in the
// account's currency); quarterly and yearly prices count for a third and a twelfth, one-off
// services not at all. Summed by PostgreSQL's numeric, exactly, and rounded once per currency
// to the decimals its prices have.
import { type PluginContext, RouteError, type RouteRequest } from '@dotmac/sdk';

/** GET /stats/mrr's answer. */
export interface RecurringRevenue {
  /** When it was computed. */
  readonly at: string;
  readonly items: readonly {
    readonly currency: string;
    /** The monthly recurring revenue, a decimal string. */
    readonly mrr: string;
    /** The active recurring subscriptions it sums. */
    readonly subscriptions: number;
  }[];
}

/** Refuses portal users other than staff: the figure is the whole tenant's, and resellers are not scoped here. */
export function requireStaffPortal(caller: RouteRequest['caller']): void {
  if (caller.kind === 'user' && caller.portal !== 'admin') {
    throw new RouteError(403, 'the recurring revenue is for staff in the admin portal');
  }
}

export async function recurringRevenue(ctx: PluginContext): Promise<RecurringRevenue> {
  const rows = await ctx.db.query<{ currency: string; mrr: string; subscriptions: number }>(
    `with priced as (
       select h.payload ->> 'currency' as currency, s.billing_cycle, (h.payload -> 'plan' ->> 'price')::numeric as price
         from subscriptions s
         join subscription_history h on h.subscription_id = s.id and h.revision = s.revision
        where s.status = 'active' and s.billing_cycle <> 'one-off')
     select currency, count(*)::int as subscriptions,
            round(coalesce(sum(price) filter (where billing_cycle = 'monthly'), 0)
                  + coalesce(sum(price) filter (where billing_cycle = 'quarterly'), 0) / 3
                  + coalesce(sum(price) filter (where billing_cycle = 'yearly'), 0) / 12,
                  max(scale(price)))::text as mrr
       from priced group by currency order by currency`,
  );
  return { at: (await ctx.clock.now()).toISOString(), items: rows };
}

// The shapes the screens read: a subscription as this plugin answers it (schemas/subscription.json)
// and a plan as dotmac.catalog lists it; what each status allows; how a billing cycle reads.

export type SubscriptionStatus = 'pending' | 'active' | 'suspended' | 'cancelled';
export type BillingCycle = 'monthly' | 'quarterly' | 'yearly' | 'one-off';

/** schemas/subscription.json */
export interface Subscription {
  readonly id: string;
  readonly accountId: string;
  readonly status: SubscriptionStatus;
  readonly plan: {
    readonly planId: string;
    readonly version: number;
    readonly billingCycle: BillingCycle;
    readonly contractMonths: number;
    readonly code?: string;
    readonly name?: string;
    readonly price?: string;
    readonly currency?: string;
  };
  readonly createdAt: string;
  readonly activatedAt: string | null;
  readonly termEndsAt: string | null;
  readonly nextCycleAt: string | null;
  readonly suspension: {
    readonly reason: 'manual' | 'dunning';
    readonly note: string | null;
    readonly since: string;
  } | null;
  readonly pendingChange: {
    readonly planId: string;
    readonly version: number;
    readonly direction: 'upgrade' | 'downgrade' | 'lateral';
    readonly effectiveAt: string;
    readonly reprice?: true;
  } | null;
  readonly cancelAt: string | null;
  readonly cancelledAt: string | null;
}

/** A plan as dotmac.catalog's GET /plans lists it, in the part the screens use. */
export interface CatalogPlan {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly kind: string;
  readonly current: {
    readonly prices: Readonly<Record<string, string>>;
    readonly billingCycle: BillingCycle;
  } | null;
}

export const CAN_WRITE = 'dotmac.subscriptions.write';
export const CAN_READ_PLANS = 'dotmac.catalog.plans.read';

/** The commands a subscription in this state accepts (lifecycle.ts): nothing once cancelled or scheduled to be. */
export function commandsFor(subscription: Subscription): {
  readonly activate: boolean;
  readonly suspend: boolean;
  readonly resume: boolean;
  readonly changePlan: boolean;
  readonly cancel: boolean;
} {
  const { status, cancelAt } = subscription;
  const live = status !== 'cancelled' && cancelAt === null;
  return {
    activate: status === 'pending',
    suspend: status === 'active',
    resume: status === 'suspended',
    changePlan: live,
    cancel: live,
  };
}

const PER: Readonly<Record<BillingCycle, string>> = {
  monthly: 'a month',
  quarterly: 'a quarter',
  yearly: 'a year',
  'one-off': 'once',
};

/** "a month", "a quarter", "a year", "once". */
export function perCycle(cycle: BillingCycle): string {
  return PER[cycle];
}

/** The plan's name as a person reads it: its name, else its code. */
export function planLabel(plan: Subscription['plan']): string {
  return plan.name ?? plan.code ?? 'Service';
}

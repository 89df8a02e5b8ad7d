// The payloads of the subscription.* events (schemas/events/subscription.*.json): a transition's
// facts plus what billing and provisioning need without asking back: the account and its payer,
// the currency, the plan versions with their prices, cycles and internet service, and the dates.
import { earlyTerminationFeeIn, type PlanVersion, payerOf, priceIn, type Readers } from './accounts-and-plans.ts';
import { type LifecycleEvent, nextCycleAt, type PlanTerms, type Transition } from './lifecycle.ts';

/** A plan version as the events carry it (`$defs/plan` of each schema). */
export interface PlanSnapshot {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly kind: string;
  readonly version: number;
  readonly price: string;
  readonly prices: Readonly<Record<string, string>>;
  readonly billingCycle: PlanVersion['billingCycle'];
  readonly payment: PlanVersion['payment'];
  readonly taxClass: string | null;
  readonly contractMonths: number;
  readonly earlyTerminationFee: string | null;
  readonly internet: Readonly<Record<string, unknown>> | null;
}

/** One event ready for `ctx.db.transaction(…, { events })`. */
export interface OutgoingSubscriptionEvent {
  readonly name: LifecycleEvent['name'];
  readonly payload: Record<string, unknown>;
}

/** A plan version as the events carry it, priced in `currency`. */
export function planSnapshot(plan: PlanVersion, currency: string): PlanSnapshot {
  return {
    id: plan.planId,
    code: plan.code,
    name: plan.name,
    kind: plan.kind,
    version: plan.version,
    price: priceIn(plan, currency),
    prices: plan.prices,
    billingCycle: plan.billingCycle,
    payment: plan.payment,
    taxClass: plan.taxClass ?? null,
    contractMonths: plan.contractMonths,
    earlyTerminationFee: earlyTerminationFeeIn(plan, currency),
    internet: plan.internet ?? null,
  };
}

/** The event announcing `transition` at `now`, reading the account and plans it names. */
export async function eventFor(
  transition: Transition,
  now: string,
  readers: Readers,
): Promise<OutgoingSubscriptionEvent> {
  const { next, previous, event } = transition;
  const account = await readers.account(next.accountId);
  const snapshot = async (terms: PlanTerms) =>
    planSnapshot(await readers.plan({ planId: terms.planId, version: terms.version }), account.currency);
  const common = {
    subscriptionId: next.id,
    accountId: next.accountId,
    payerId: payerOf(account),
    currency: account.currency,
    status: next.status,
    plan: await snapshot(next.plan),
    activatedAt: next.activatedAt,
    termEndsAt: next.termEndsAt,
    nextCycleAt: nextCycleAt(next, now),
  };
  const previousStatus = previous === null ? {} : { previousStatus: previous.status };
  const { name, ...facts } = event;
  switch (event.name) {
    case 'subscription.created':
      return { name, payload: { ...common, ...facts } };
    case 'subscription.plan-changed':
      return {
        name,
        payload: { ...common, ...facts, from: await snapshot(event.from), to: await snapshot(event.to) },
      };
    case 'subscription.cancelled': {
      // The fee of the plan the service ends on, when it ends before its contract term.
      const ending = previous === null ? null : await snapshot(previous.plan);
      const fee = event.earlyTermination ? (ending?.earlyTerminationFee ?? null) : null;
      return { name, payload: { ...common, ...previousStatus, ...facts, earlyTerminationFee: fee } };
    }
    default:
      return { name, payload: { ...common, ...previousStatus, ...facts } };
  }
}

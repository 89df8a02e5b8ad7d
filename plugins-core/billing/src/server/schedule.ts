// When a service is billed and for which days: pure functions over a service's billing state.
// A prepaid service is invoiced on the first day of each period, for that period; a postpaid one
// on the day after the period, for the period just ended. `billFrom` marks a period billed only
// from a day within it (a start mid-cycle, a plan change); `endsOn` the end of a cancelled one.
import {
  addDays,
  type BillingCycle,
  type BillingDay,
  cycleContaining,
  daysBetween,
  type Period,
  periodContaining,
  utcDate,
} from './core/calendar.ts';

/** The plan of a service as billing keeps it (from the subscription events). */
export interface ServicePlan {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly version: number;
  /** Price of one cycle in the account's currency. */
  readonly price: string;
  readonly billingCycle: BillingCycle | 'one-off';
  readonly payment: 'prepaid' | 'postpaid';
  readonly taxClass: string | null;
  readonly internet?: {
    readonly dataCapGb?: number | null;
    readonly fairUse?: {
      readonly policy: string;
      readonly overagePricePerGb?: Readonly<Record<string, string>>;
    } | null;
  } | null;
}

/** A service's billing state. */
export interface ServiceState {
  readonly plan: ServicePlan;
  readonly activatedAt: string;
  readonly billingDay: BillingDay;
  readonly nextBillOn: string | null;
  readonly billFrom: string | null;
  readonly endsOn: string | null;
}

/** One stretch to invoice: the full cycle it is a share of, and the days [from, to) billed. */
export interface BilledStretch {
  readonly cycle: Period;
  readonly from: string;
  readonly to: string;
}

/** What one invoice date bills of a service, and the state after it. */
export interface ServiceBilling {
  readonly stretch: BilledStretch | null;
  readonly nextBillOn: string | null;
  readonly billedUntil: string | null;
}

/** The day a service active since `activatedAt` is first invoiced for `plan`, billed from `from` (default: its start). */
export function firstBillOn(plan: ServicePlan, activatedAt: string, billingDay: BillingDay, from?: string): string {
  const start = from ?? utcDate(activatedAt);
  if (plan.billingCycle === 'one-off' || plan.payment === 'prepaid') return start;
  return periodContaining(activatedAt, plan.billingCycle, billingDay, start).end;
}

/**
 * The stretch billed on `state.nextBillOn` and the next billing day after it. A one-off plan is
 * billed once. Days after `endsOn` are not billed, and nothing is billed after the period holding it.
 */
export function billOnce(state: ServiceState): ServiceBilling {
  const on = state.nextBillOn;
  if (on === null) return { stretch: null, nextBillOn: null, billedUntil: null };
  const { plan } = state;
  if (plan.billingCycle === 'one-off') {
    return {
      stretch: { cycle: { start: on, end: addDays(on, 1) }, from: on, to: addDays(on, 1) },
      nextBillOn: null,
      billedUntil: null,
    };
  }
  const cycleOf = (day: string) =>
    cycleContaining(state.activatedAt, plan.billingCycle as BillingCycle, state.billingDay, day);
  const periodOf = (day: string) =>
    periodContaining(state.activatedAt, plan.billingCycle as BillingCycle, state.billingDay, day);
  // Prepaid: the period starting on `on`; postpaid: the one that ended the day before.
  const period = plan.payment === 'prepaid' ? periodOf(on) : periodOf(addDays(on, -1));
  const cycle = plan.payment === 'prepaid' ? cycleOf(on) : cycleOf(addDays(on, -1));
  const from = state.billFrom !== null && state.billFrom > period.start ? state.billFrom : period.start;
  const to = state.endsOn !== null && state.endsOn < period.end ? state.endsOn : period.end;
  const stretch = daysBetween(from, to) > 0 ? { cycle, from, to } : null;
  const ended = state.endsOn !== null && state.endsOn <= period.end;
  const next = plan.payment === 'prepaid' ? period.end : periodOf(period.end).end;
  return { stretch, nextBillOn: ended ? null : next, billedUntil: to };
}

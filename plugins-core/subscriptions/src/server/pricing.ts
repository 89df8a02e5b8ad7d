// Whether a plan change is an upgrade or a downgrade: prices compared per month, exactly, as
// decimal strings scaled to integers (never floats).
import { type BillingCycle, CYCLE_MONTHS } from './calendar.ts';

/** upgrade: the new plan costs more per month; downgrade: less; lateral: the same. */
export type PlanDirection = 'upgrade' | 'downgrade' | 'lateral';

/** A plan's price for one billing cycle, in one currency. */
export interface CyclePrice {
  /** A decimal string (29.90). */
  readonly amount: string;
  readonly billingCycle: BillingCycle;
}

const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/** A decimal string as an integer and its number of decimal places. */
function parseDecimal(amount: string): { readonly units: bigint; readonly scale: number } {
  const match = DECIMAL.exec(amount);
  if (!match) throw new RangeError(`"${amount}" is not a decimal amount like 29.90`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  return { units: BigInt(`${sign}${whole}${fraction}`), scale: fraction.length };
}

/**
 * Upgrade or downgrade, by the price per month (29.90 monthly vs 80.00 quarterly: 29.90 × 3
 * against 80.00 × 1). A one-off price is compared as it is.
 */
export function planDirection(from: CyclePrice, to: CyclePrice): PlanDirection {
  const fromMonths = CYCLE_MONTHS[from.billingCycle];
  const toMonths = CYCLE_MONTHS[to.billingCycle];
  const perMonth = fromMonths !== null && toMonths !== null;
  const a = parseDecimal(from.amount);
  const b = parseDecimal(to.amount);
  const scale = Math.max(a.scale, b.scale);
  // from/fromMonths vs to/toMonths  ⇔  from × toMonths vs to × fromMonths
  const left = a.units * 10n ** BigInt(scale - a.scale) * BigInt(perMonth ? toMonths : 1);
  const right = b.units * 10n ** BigInt(scale - b.scale) * BigInt(perMonth ? fromMonths : 1);
  return right > left ? 'upgrade' : right < left ? 'downgrade' : 'lateral';
}

// Discounts on invoice lines, before tax: on one line, or on the whole invoice spread over its
// lines by their amounts, so that each line's tax follows its discounted amount.
import { allocate, Decimal, parseAmount, type RoundingMode, roundMoneySymmetric, sum } from './money.ts';

/** A reduction of one line (`scope: 'line'`, naming its `lineRef`) or of the whole invoice. */
export interface Discount {
  readonly code?: string;
  readonly description: string;
  /** 'percent' of the amount, or a 'fixed' amount in the invoice's currency. */
  readonly kind: 'percent' | 'fixed';
  /** Percent ('10' is 10 %) or amount ('5.00'), a decimal string. */
  readonly value: string;
  readonly scope: 'line' | 'invoice';
  readonly lineRef?: string;
}

/** A discount granted for a number of billing cycles. */
export interface Coupon {
  readonly code: string;
  readonly discount: Discount;
  /** How many cycles it discounts; null for ever. */
  readonly cycles: number | null;
  /** How many cycles it has discounted so far. */
  readonly appliedCycles: number;
}

/** Whether `coupon` still discounts the next cycle. */
export function couponApplies(coupon: Coupon): boolean {
  return coupon.cycles === null || coupon.appliedCycles < coupon.cycles;
}

/** `coupon` after it discounted one more cycle. */
export function couponApplied(coupon: Coupon): Coupon {
  return { ...coupon, appliedCycles: coupon.appliedCycles + 1 };
}

/** A line as discounts see it: its reference and its amount (quantity × unit price, rounded). */
export interface DiscountableLine {
  readonly ref?: string;
  readonly amount: Decimal;
}

const PERCENT = /^(0|[1-9][0-9]{0,2})(\.[0-9]{1,6})?$/;

function percentOf(discount: Discount): Decimal {
  const percent = PERCENT.test(discount.value) ? new Decimal(discount.value) : null;
  if (percent === null || percent.greaterThan(100)) {
    throw new RangeError(`discount "${discount.description}" is ${discount.value} %; expected a percent from 0 to 100`);
  }
  return percent.dividedBy(100);
}

function fixedOf(discount: Discount, currency: string): Decimal {
  const amount = parseAmount(discount.value, currency);
  if (amount.isNegative()) {
    throw new RangeError(`discount "${discount.description}" is ${discount.value}; a discount must not be negative`);
  }
  return amount;
}

/**
 * How much `discounts` take off each line, in the lines' order: line discounts first, then
 * invoice discounts in their order, each on what the earlier ones left. An invoice discount is
 * spread over the lines in proportion to what is left of them (a percent one is rounded once, on
 * the total). A discount never takes a line below zero, and lines that are credits (negative)
 * are never discounted.
 */
export function lineDiscounts(
  lines: readonly DiscountableLine[],
  discounts: readonly Discount[],
  currency: string,
  mode: RoundingMode,
): Decimal[] {
  const states = lines.map((line) => ({ line, taken: new Decimal(0) }));
  const left = ({ line, taken }: (typeof states)[number]) => Decimal.max(0, line.amount.minus(taken));
  for (const discount of discounts.filter((d) => d.scope === 'line')) {
    const state = states.find(({ line }) => line.ref !== undefined && line.ref === discount.lineRef);
    if (!state) {
      throw new RangeError(
        discount.lineRef === undefined
          ? `line discount "${discount.description}" has no lineRef naming its line`
          : `line discount "${discount.description}" names line "${discount.lineRef}", which is not on the invoice`,
      );
    }
    const wanted =
      discount.kind === 'percent'
        ? roundMoneySymmetric(left(state).times(percentOf(discount)), currency, mode)
        : fixedOf(discount, currency);
    state.taken = state.taken.plus(Decimal.min(wanted, left(state)));
  }
  for (const discount of discounts.filter((d) => d.scope === 'invoice')) {
    const weights = states.map(left);
    const base = sum(weights);
    if (base.isZero()) continue;
    const wanted =
      discount.kind === 'percent'
        ? roundMoneySymmetric(base.times(percentOf(discount)), currency, mode)
        : fixedOf(discount, currency);
    allocate(Decimal.min(wanted, base), weights, currency).forEach((share, i) => {
      const state = states[i];
      if (state) state.taken = state.taken.plus(share);
    });
  }
  return states.map(({ taken }) => taken);
}

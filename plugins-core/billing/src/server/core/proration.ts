// Shares of a period's price by whole days: first partial periods, mid-period plan changes and
// cancellations. Prices are amounts of one period, already in the currency's minor units.
import { daysBetween, daysIn, type Period } from './calendar.ts';
import { Decimal, isInMinorUnits, minorUnits, type RoundingMode, roundMoneySymmetric } from './money.ts';

/** 'by-day': a part of a period costs its share of days; 'none': a part costs the whole and changes wait for the next period. */
export type ProrationMethod = 'by-day' | 'none';

const ZERO = new Decimal(0);

/** `amount` negated, without the -0 that formats as "-0.00". */
const negated = (amount: Decimal): Decimal => (amount.isZero() ? ZERO : amount.negated());

function requireMinorUnits(price: Decimal, currency: string): void {
  if (!isInMinorUnits(price, currency)) {
    throw new RangeError(`price ${price.toString()} has more than ${currency}'s ${minorUnits(currency)} decimals`);
  }
}

function requireWithin(period: Period, ...dates: string[]): void {
  if (daysIn(period) <= 0) throw new RangeError(`period ${period.start} to ${period.end} has no days`);
  for (const date of dates) {
    if (daysBetween(period.start, date) < 0 || daysBetween(date, period.end) < 0) {
      throw new RangeError(`${date} is outside the period ${period.start} to ${period.end}`);
    }
  }
}

/**
 * The share of `price` (the price of the whole `period`) for the days from `from` to `to`,
 * rounded by `mode`. Shares of adjacent stretches rounded separately may miss the price by a
 * minor unit; use `splitProration` where the parts must add up.
 */
export function prorate(
  price: Decimal,
  period: Period,
  from: string,
  to: string,
  currency: string,
  mode: RoundingMode,
  method: ProrationMethod,
): Decimal {
  requireMinorUnits(price, currency);
  requireWithin(period, from, to);
  const days = daysBetween(from, to);
  if (days < 0) throw new RangeError(`${from} is after ${to}`);
  if (days === 0) return ZERO;
  if (method === 'none') return price;
  return roundMoneySymmetric(price.times(days).dividedBy(daysIn(period)), currency, mode);
}

/**
 * `price` split at `at` into the parts for [start, at) and [at, end) that add up to it exactly:
 * the first is its share of days rounded by `mode`, the second the rest.
 */
export function splitProration(
  price: Decimal,
  period: Period,
  at: string,
  currency: string,
  mode: RoundingMode = 'half-even',
): [before: Decimal, after: Decimal] {
  const before = prorate(price, period, period.start, at, currency, mode, 'by-day');
  return [before, price.minus(before)];
}

/** What changing plan at `at` within a period already billed at `oldPrice` adds to the next invoice. */
export interface PlanChange {
  /** The unused part of the old plan, negative (zero without proration). */
  readonly credit: Decimal;
  /** The new plan's price for the rest of the period (zero without proration). */
  readonly charge: Decimal;
}

/** What a plan change mid-period costs. */
export interface PlanChangeInput {
  /** What the period was billed at; for a partial first period, the prorated amount billed. */
  readonly oldPrice: Decimal;
  /** The new plan's price for the same period (prorated the same way for a partial first period). */
  readonly newPrice: Decimal;
  readonly period: Period;
  /** The first day on the new plan. */
  readonly at: string;
  readonly currency: string;
  readonly mode: RoundingMode;
  readonly method: ProrationMethod;
}

/**
 * Credit for the old plan's unused days and charge for the new plan's remaining days. The credit
 * is exactly the old price less what the customer used of it, so used + unused = old price.
 * Without proration both are zero: the new price starts with the next period.
 */
export function planChange({ oldPrice, newPrice, period, at, currency, mode, method }: PlanChangeInput): PlanChange {
  const [, unusedOld] = splitProration(oldPrice, period, at, currency, mode);
  const [, remainingNew] = splitProration(newPrice, period, at, currency, mode);
  if (method === 'none') return { credit: ZERO, charge: ZERO };
  return { credit: negated(unusedOld), charge: remainingNew };
}

/** A cancellation at `at` of a period billed at `price`. */
export interface CancellationInput {
  readonly price: Decimal;
  readonly period: Period;
  /** The first day without service. */
  readonly at: string;
  readonly currency: string;
  readonly mode: RoundingMode;
  readonly method: ProrationMethod;
}

/**
 * The credit (negative) for the unused days of a cancelled period; zero without proration. An
 * early-termination fee is not part of it: the caller adds it as its own 'fee' line.
 */
export function cancellation({ price, period, at, currency, mode, method }: CancellationInput): { credit: Decimal } {
  const [, unused] = splitProration(price, period, at, currency, mode);
  return { credit: method === 'none' ? ZERO : negated(unused) };
}

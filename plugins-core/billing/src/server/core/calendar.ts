// Billing periods in whole UTC days. A period is [start, end) as ISO dates; cycle boundaries are
// always computed from the schedule's origin, never from the previous boundary, so month ends do
// not drift (anchored 31 January: 29 February, then 31 March, not 29 March).

/** How often a subscription is billed. */
export type BillingCycle = 'monthly' | 'quarterly' | 'yearly';

/** Which day of the month periods start: the service start's own day, or one day for everyone. */
export type BillingDay = { readonly kind: 'anniversary' } | { readonly kind: 'fixed'; readonly day: number };

/** Whole UTC days from `start` (included) to `end` (excluded), as 'YYYY-MM-DD'. */
export interface Period {
  readonly start: string;
  readonly end: string;
}

/** Months in one billing cycle. */
export const CYCLE_MONTHS: Readonly<Record<BillingCycle, number>> = { monthly: 1, quarterly: 3, yearly: 12 };

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

interface CivilDate {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
}

function epochDayOf({ year, month, day }: CivilDate): number {
  const time = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0..99 as 1900..1999.
  time.setUTCFullYear(year, month - 1, day);
  return Math.floor(time.getTime() / DAY_MS);
}

function civilOf(epochDay: number): CivilDate {
  const time = new Date(epochDay * DAY_MS);
  return { year: time.getUTCFullYear(), month: time.getUTCMonth() + 1, day: time.getUTCDate() };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const isoOf = ({ year, month, day }: CivilDate) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;

function daysInMonth(year: number, month: number): number {
  return civilOf(epochDayOf({ year, month: month + 1, day: 1 }) - 1).day;
}

function parseDate(date: string): CivilDate {
  const match = DATE.exec(date);
  if (match) {
    const civil = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
    if (civil.month >= 1 && civil.month <= 12 && civil.day >= 1 && civil.day <= daysInMonth(civil.year, civil.month)) {
      return civil;
    }
  }
  throw new RangeError(`"${date}" is not a calendar date like 2024-01-31`);
}

/** Days since 1970-01-01 of the UTC date of `iso`, a date ('2024-01-31') or a date-time with a zone. */
function epochDay(iso: string): number {
  const dateTime = DATE_TIME.exec(iso);
  if (!dateTime) return epochDayOf(parseDate(iso));
  parseDate(dateTime[1] as string); // Date.parse would roll 30 February over into March.
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new RangeError(`"${iso}" is not an ISO 8601 date-time`);
  return Math.floor(time / DAY_MS);
}

/** The UTC date ('YYYY-MM-DD') of `iso`, a date or a date-time with a zone ('2024-03-01T01:00+02:00' is 2024-02-29). */
export function utcDate(iso: string): string {
  return isoOf(civilOf(epochDay(iso)));
}

/** `date` moved by `days` whole days (negative moves back). */
export function addDays(date: string, days: number): string {
  return isoOf(civilOf(epochDay(date) + days));
}

/** Whole days from `a` to `b`: negative when `b` is earlier. */
export function daysBetween(a: string, b: string): number {
  return epochDay(b) - epochDay(a);
}

/** Days in `period`. */
export function daysIn(period: Period): number {
  return daysBetween(period.start, period.end);
}

/** Boundaries of one schedule: boundary k is `months`·k months after the origin, on `day` or the month's last day. */
interface Schedule {
  readonly origin: CivilDate;
  readonly day: number;
  readonly months: number;
}

function boundary({ origin, day, months }: Schedule, k: number): number {
  const monthIndex = origin.month - 1 + k * months;
  const year = origin.year + Math.floor(monthIndex / 12);
  const month = (((monthIndex % 12) + 12) % 12) + 1;
  return epochDayOf({ year, month, day: Math.min(day, daysInMonth(year, month)) });
}

function scheduleOf(anchor: string, cycle: BillingCycle, billingDay: BillingDay): Schedule {
  const months = CYCLE_MONTHS[cycle];
  if (months === undefined) throw new RangeError(`"${cycle}" is not a billing cycle (monthly, quarterly, yearly)`);
  const start = civilOf(epochDay(anchor));
  if (billingDay.kind === 'anniversary') return { origin: start, day: start.day, months };
  const { day } = billingDay;
  if (!Number.isInteger(day) || day < 1 || day > 28) {
    throw new RangeError(`billing day ${day} is not a day of the month from 1 to 28`);
  }
  // Fixed-day cycles run from the first billing day on or after the start.
  const origin =
    start.day <= day ? { ...start, day } : civilOf(epochDayOf({ year: start.year, month: start.month + 1, day }));
  return { origin, day, months };
}

/**
 * The full billing cycle containing `at` on the schedule of a service started at `anchor`, as if
 * the service had always run. For a fixed billing day it is what a partial first period is a
 * share of: started 10 February, billed on the 1st, monthly, the first period is 10 February to
 * 1 March and this cycle is 1 February to 1 March.
 */
export function cycleContaining(anchor: string, cycle: BillingCycle, billingDay: BillingDay, at: string): Period {
  const schedule = scheduleOf(anchor, cycle, billingDay);
  const day = epochDay(at);
  const civil = civilOf(day);
  const monthsAfterOrigin = (civil.year - schedule.origin.year) * 12 + (civil.month - schedule.origin.month);
  let k = Math.floor(monthsAfterOrigin / schedule.months);
  while (boundary(schedule, k) > day) k--;
  while (boundary(schedule, k + 1) <= day) k++;
  return { start: isoOf(civilOf(boundary(schedule, k))), end: isoOf(civilOf(boundary(schedule, k + 1))) };
}

/**
 * The billing period of a service started at `anchor` that contains `at`. Anniversary periods
 * start on the anchor's day of the month (or the month's last day when it is shorter); fixed-day
 * periods start on that day, except the first, which runs from the start to the first billing day
 * and is prorated against its `cycleContaining`.
 */
export function periodContaining(anchor: string, cycle: BillingCycle, billingDay: BillingDay, at: string): Period {
  const start = utcDate(anchor);
  if (epochDay(at) < epochDay(start)) {
    throw new RangeError(`${at} is before the service started on ${start}: it is in no billing period`);
  }
  const full = cycleContaining(anchor, cycle, billingDay, at);
  return { start: daysBetween(full.start, start) > 0 ? start : full.start, end: full.end };
}

/** The billing period after `period` of a service started at `anchor`. */
export function nextPeriod(period: Period, cycle: BillingCycle, billingDay: BillingDay, anchor: string): Period {
  return periodContaining(anchor, cycle, billingDay, period.end);
}

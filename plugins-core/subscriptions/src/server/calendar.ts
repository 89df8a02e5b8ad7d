// Billing calendar arithmetic on ISO 8601 instants, in UTC: month steps, billing cycle
// boundaries and contract terms. Pure: the time is always an argument, never Date.now().

/** How often a plan is billed. */
export type BillingCycle = 'monthly' | 'quarterly' | 'yearly' | 'one-off';

/** Months in one billing cycle; null for a plan billed once. */
export const CYCLE_MONTHS: Readonly<Record<BillingCycle, number | null>> = {
  monthly: 1,
  quarterly: 3,
  yearly: 12,
  'one-off': null,
};

/** `iso` as epoch milliseconds. */
export const toTime = (iso: string): number => Date.parse(iso);

/** The later of two instants. */
export const later = (a: string, b: string): string => (toTime(a) >= toTime(b) ? a : b);

/**
 * `iso` moved `months` calendar months, at the same time of day; a day the target month lacks
 * becomes its last day (31 January + 1 month = 28 or 29 February).
 */
export function addMonths(iso: string, months: number): string {
  const date = new Date(iso);
  const monthIndex = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const moved = new Date(date);
  moved.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return moved.toISOString();
}

/**
 * The first cycle boundary strictly after `now` of cycles anchored at `anchor` (the activation):
 * anchor + k cycles, k ≥ 1, each computed from the anchor so that month ends do not drift.
 * Null for a plan billed once.
 */
export function nextCycleBoundary(anchor: string, cycle: BillingCycle, now: string): string | null {
  const months = CYCLE_MONTHS[cycle];
  if (months === null) return null;
  const from = new Date(anchor);
  const to = new Date(now);
  const elapsed = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + (to.getUTCMonth() - from.getUTCMonth());
  let cycles = Math.max(1, Math.floor(elapsed / months));
  while (cycles > 1 && toTime(addMonths(anchor, (cycles - 1) * months)) > toTime(now)) cycles--;
  while (toTime(addMonths(anchor, cycles * months)) <= toTime(now)) cycles++;
  return addMonths(anchor, cycles * months);
}

/** When a contract of `contractMonths` starting at `start` ends; null without a contract. */
export function termEnd(start: string, contractMonths: number): string | null {
  return contractMonths > 0 ? addMonths(start, contractMonths) : null;
}

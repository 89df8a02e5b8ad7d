// The current billing cycle of a subscription, as dotmac.subscriptions counts cycles: from the
// activation, whole months at a time (a day a month lacks becomes its last day), in UTC. Without
// one (not running, billed once, or unknown), the calendar month, which is what data caps count.

/** A span of whole UTC days, both ends included (YYYY-MM-DD). */
export interface DaySpan {
  readonly from: string;
  readonly to: string;
}

const MONTHS_OF: Readonly<Record<string, number>> = { monthly: 1, quarterly: 3, yearly: 12 };

/** `date` moved `months` calendar months, keeping the time; a missing day becomes the month's last. */
export function addMonths(date: Date, months: number): Date {
  const index = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(index / 12);
  const month = ((index % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const moved = new Date(date);
  moved.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return moved;
}

export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** The cycle holding `now` of cycles anchored at `activatedAt`: its first day, and today. */
export function currentCycle(activatedAt: string | null, billingCycle: string, now: Date): DaySpan {
  const months = MONTHS_OF[billingCycle];
  const anchor = activatedAt === null ? undefined : new Date(activatedAt);
  if (!months || !anchor || anchor > now) return calendarMonth(now);
  let cycles = Math.floor(
    ((now.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + now.getUTCMonth() - anchor.getUTCMonth()) / months,
  );
  while (cycles > 0 && addMonths(anchor, cycles * months) > now) cycles--;
  while (addMonths(anchor, (cycles + 1) * months) <= now) cycles++;
  return { from: dayOf(addMonths(anchor, cycles * months)), to: dayOf(now) };
}

/** The calendar month of `now` (UTC) so far. */
export function calendarMonth(now: Date): DaySpan {
  return { from: dayOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))), to: dayOf(now) };
}

/** Every day of `span`, in order. */
export function daysOf(span: DaySpan): string[] {
  const days: string[] = [];
  for (let day = new Date(`${span.from}T00:00:00Z`); dayOf(day) <= span.to; day.setUTCDate(day.getUTCDate() + 1)) {
    days.push(dayOf(day));
  }
  return days;
}

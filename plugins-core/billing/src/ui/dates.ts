// The calendar dates forms send: today as a date input shows it, and a chosen day as the instant
// a route takes.

/** Today in the browser's time zone, as YYYY-MM-DD (what a date input holds). */
export function todayLocal(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Today in UTC, as YYYY-MM-DD: billing days are UTC days. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * The instant a payment received on `day` is recorded at: undefined for today (the server's
 * now), else noon UTC of that day, which is the same calendar day from UTC-11 to UTC+11.
 */
export function receivedAtOf(day: string | undefined, today: string = todayLocal()): string | undefined {
  if (!day || day === today) return undefined;
  return `${day}T12:00:00.000Z`;
}

/** The last day of a period the API gives as [start, end): the day before `end` (YYYY-MM-DD). */
export function lastDayBefore(end: string): string {
  const day = new Date(`${end.slice(0, 10)}T00:00:00.000Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

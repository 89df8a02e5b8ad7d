// Dates and timestamps from the API in the tenant's locale and time zone. A calendar date
// (2024-05-01) is the same day everywhere, so it is never shifted by a time zone.
import { formatDefaults } from './format-defaults.ts';

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An ISO date or timestamp in the tenant's locale and time zone; a value that is not one is answered as it is. */
export function formatDate(value: string, options?: { readonly time?: boolean }): string {
  const { locale, timeZone } = formatDefaults();
  const calendar = CALENDAR_DATE.exec(value);
  if (calendar) {
    const day = new Date(Date.UTC(Number(calendar[1]), Number(calendar[2]) - 1, Number(calendar[3])));
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(day);
  }
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    ...(options?.time ? { timeStyle: 'short' } : {}),
    ...(timeZone ? { timeZone } : {}),
  }).format(instant);
}

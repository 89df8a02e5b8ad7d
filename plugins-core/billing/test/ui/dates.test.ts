// The days forms send: today as a date input holds it, and a chosen day as the instant a route takes.
import { expect, test } from 'vitest';
import { lastDayBefore, receivedAtOf, todayLocal, todayUtc } from '../../src/ui/dates.ts';

test('a payment received today is left to the server, any other day is recorded at noon UTC', () => {
  expect(receivedAtOf('2026-05-10', '2026-05-10')).toBeUndefined();
  expect(receivedAtOf(undefined, '2026-05-10')).toBeUndefined();
  expect(receivedAtOf('2026-05-03', '2026-05-10')).toBe('2026-05-03T12:00:00.000Z');
});

test('today is written as a date input holds it', () => {
  const late = new Date('2026-12-31T23:30:00.000Z');
  expect(todayUtc(late)).toBe('2026-12-31');
  expect(todayLocal(new Date(2026, 0, 5, 10))).toBe('2026-01-05');
});

test("a period's last day is the day before its end, across months and years", () => {
  expect(lastDayBefore('2027-01-01')).toBe('2026-12-31');
  expect(lastDayBefore('2028-03-01')).toBe('2028-02-29');
});

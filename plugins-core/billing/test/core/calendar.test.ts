// Billing periods: anniversary and fixed-day schedules in whole UTC days, month ends clamped
// without drift, partial first periods, and periods that tile time without gaps or overlaps.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  addDays,
  type BillingCycle,
  type BillingDay,
  cycleContaining,
  daysBetween,
  daysIn,
  nextPeriod,
  type Period,
  periodContaining,
  utcDate,
} from '../../src/server/core/calendar.ts';

const anniversary: BillingDay = { kind: 'anniversary' };
const onThe = (day: number): BillingDay => ({ kind: 'fixed', day });

describe('dates', () => {
  test('a date-time counts on its UTC date', () => {
    expect(utcDate('2024-03-01T01:00:00+02:00')).toBe('2024-02-29');
    expect(utcDate('2024-01-31T23:30:00Z')).toBe('2024-01-31');
    expect(utcDate('2024-12-31T22:00:00.123-03:00')).toBe('2025-01-01');
    expect(utcDate('2024-02-29')).toBe('2024-02-29');
  });

  test('days are counted between dates, February of a leap year having 29', () => {
    expect(daysBetween('2024-02-01', '2024-03-01')).toBe(29);
    expect(daysBetween('2023-02-01', '2023-03-01')).toBe(28);
    expect(daysBetween('2024-03-01', '2024-02-01')).toBe(-29);
    expect(daysIn({ start: '2024-01-01', end: '2025-01-01' })).toBe(366);
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
  });

  test('a date that does not exist, or a date-time without a zone, is refused', () => {
    expect(() => utcDate('2023-02-29')).toThrow(/not a calendar date/);
    expect(() => utcDate('2024-13-01')).toThrow(RangeError);
    expect(() => utcDate('2024-02-30T00:00:00Z')).toThrow(RangeError);
    expect(() => utcDate('2024-02-01T10:00:00')).toThrow(RangeError);
  });
});

describe('anniversary periods', () => {
  const anchor = '2024-01-31T10:00:00Z';

  test('anchored on 31 January they start on the 31st, or the month’s last day, without drifting', () => {
    const at = (date: string) => periodContaining(anchor, 'monthly', anniversary, date);
    expect(at('2024-01-31')).toEqual({ start: '2024-01-31', end: '2024-02-29' });
    expect(at('2024-02-15')).toEqual({ start: '2024-01-31', end: '2024-02-29' });
    expect(at('2024-02-29')).toEqual({ start: '2024-02-29', end: '2024-03-31' });
    expect(at('2024-04-10')).toEqual({ start: '2024-03-31', end: '2024-04-30' });
    expect(at('2024-04-30')).toEqual({ start: '2024-04-30', end: '2024-05-31' });
    expect(at('2025-02-28')).toEqual({ start: '2025-02-28', end: '2025-03-31' });
  });

  test('quarterly from 30 November: 29 February, then 30 May', () => {
    const first = periodContaining('2023-11-30', 'quarterly', anniversary, '2023-11-30');
    expect(first).toEqual({ start: '2023-11-30', end: '2024-02-29' });
    expect(nextPeriod(first, 'quarterly', anniversary, '2023-11-30')).toEqual({
      start: '2024-02-29',
      end: '2024-05-30',
    });
  });

  test('yearly from 29 February: 28 February in common years, 29 in leap years', () => {
    const at = (date: string) => periodContaining('2024-02-29', 'yearly', anniversary, date);
    expect(at('2025-03-01')).toEqual({ start: '2025-02-28', end: '2026-02-28' });
    expect(at('2027-12-31')).toEqual({ start: '2027-02-28', end: '2028-02-29' });
  });
});

describe('fixed-day periods', () => {
  test('a service started on 10 February, billed on the 1st, first runs to 1 March, a share of February', () => {
    const anchor = '2024-02-10T08:00:00Z';
    const first = periodContaining(anchor, 'monthly', onThe(1), anchor);
    expect(first).toEqual({ start: '2024-02-10', end: '2024-03-01' });
    expect(cycleContaining(anchor, 'monthly', onThe(1), anchor)).toEqual({ start: '2024-02-01', end: '2024-03-01' });
    expect(nextPeriod(first, 'monthly', onThe(1), anchor)).toEqual({ start: '2024-03-01', end: '2024-04-01' });
  });

  test('started after the billing day, the first period runs to the billing day of the next month', () => {
    expect(periodContaining('2024-01-20', 'monthly', onThe(15), '2024-02-01')).toEqual({
      start: '2024-01-20',
      end: '2024-02-15',
    });
    expect(periodContaining('2024-12-20', 'monthly', onThe(15), '2024-12-31')).toEqual({
      start: '2024-12-20',
      end: '2025-01-15',
    });
  });

  test('started on the billing day, there is no partial period', () => {
    expect(periodContaining('2024-03-01', 'monthly', onThe(1), '2024-03-31')).toEqual({
      start: '2024-03-01',
      end: '2024-04-01',
    });
  });

  test('quarterly cycles run from the first billing day after the start', () => {
    const anchor = '2024-02-10';
    const first = periodContaining(anchor, 'quarterly', onThe(1), anchor);
    expect(first).toEqual({ start: '2024-02-10', end: '2024-03-01' });
    expect(cycleContaining(anchor, 'quarterly', onThe(1), anchor)).toEqual({ start: '2023-12-01', end: '2024-03-01' });
    expect(nextPeriod(first, 'quarterly', onThe(1), anchor)).toEqual({ start: '2024-03-01', end: '2024-06-01' });
  });

  test('a billing day beyond the 28th, or a date before the service started, is refused', () => {
    expect(() => periodContaining('2024-01-01', 'monthly', onThe(29), '2024-01-05')).toThrow(/from 1 to 28/);
    expect(() => periodContaining('2024-01-10', 'monthly', anniversary, '2024-01-09')).toThrow(
      /before the service started on 2024-01-10/,
    );
  });
});

const CYCLES: BillingCycle[] = ['monthly', 'quarterly', 'yearly'];
const FULL_CYCLE_DAYS: Record<BillingCycle, [number, number]> = {
  monthly: [28, 31],
  quarterly: [89, 92],
  yearly: [365, 366],
};

const schedule = fc.record({
  anchor: fc.integer({ min: 0, max: 365 * 60 }).map((n) => addDays('2000-01-01', n)),
  cycle: fc.constantFrom(...CYCLES),
  billingDay: fc.oneof(fc.constant(anniversary), fc.integer({ min: 1, max: 28 }).map(onThe)),
  offset: fc.integer({ min: 0, max: 365 * 8 }),
});

const dayOf = (date: string) => Number(date.slice(8));
/** The last day of `date`'s month: the day before the 1st of the month 32 days after its 1st. */
const lastDayOfMonth = (date: string) => dayOf(addDays(`${addDays(`${date.slice(0, 8)}01`, 32).slice(0, 8)}01`, -1));

describe('properties', () => {
  test('the period containing a day contains it, and the next period starts where it ends', () => {
    fc.assert(
      fc.property(schedule, ({ anchor, cycle, billingDay, offset }) => {
        const at = addDays(anchor, offset);
        const period = periodContaining(anchor, cycle, billingDay, at);
        expect(daysBetween(period.start, at)).toBeGreaterThanOrEqual(0);
        expect(daysBetween(at, period.end)).toBeGreaterThan(0);
        const next = nextPeriod(period, cycle, billingDay, anchor);
        expect(next.start).toBe(period.end);
        expect(periodContaining(anchor, cycle, billingDay, addDays(period.end, -1))).toEqual(period);
      }),
      { numRuns: 3000 },
    );
  });

  test('every period but a partial first one is one whole cycle long and starts on the schedule’s day', () => {
    fc.assert(
      fc.property(schedule, ({ anchor, cycle, billingDay, offset }) => {
        const period = periodContaining(anchor, cycle, billingDay, addDays(anchor, offset));
        const full = cycleContaining(anchor, cycle, billingDay, period.start);
        const partialFirst = period.start === anchor && full.start !== anchor;
        if (partialFirst) {
          expect(billingDay.kind).toBe('fixed');
          expect(full.end).toBe(period.end);
          expect(daysIn(period)).toBeLessThan(daysIn(full));
          expect(daysIn(period)).toBeLessThanOrEqual(31);
          return;
        }
        expect(full).toEqual(period);
        const [fewest, most] = FULL_CYCLE_DAYS[cycle];
        expect(daysIn(period)).toBeGreaterThanOrEqual(fewest);
        expect(daysIn(period)).toBeLessThanOrEqual(most);
        const wanted = billingDay.kind === 'fixed' ? billingDay.day : dayOf(anchor);
        expect(dayOf(period.start)).toBe(Math.min(wanted, lastDayOfMonth(period.start)));
      }),
      { numRuns: 3000 },
    );
  });

  test('walking period after period from the start covers every day once, as periodContaining says', () => {
    fc.assert(
      fc.property(schedule, ({ anchor, cycle, billingDay }) => {
        let period: Period = periodContaining(anchor, cycle, billingDay, anchor);
        expect(period.start).toBe(anchor);
        let covered = 0;
        for (let i = 0; i < 24; i++) {
          const probe = addDays(period.start, Math.floor(daysIn(period) / 2));
          expect(periodContaining(anchor, cycle, billingDay, probe)).toEqual(period);
          covered += daysIn(period);
          period = nextPeriod(period, cycle, billingDay, anchor);
        }
        expect(covered).toBe(daysBetween(anchor, period.start));
      }),
      { numRuns: 500 },
    );
  });
});

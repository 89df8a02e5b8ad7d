// Proration by whole days: shares of a period's price, splits that add up exactly, plan changes
// and cancellations, and what 'none' means.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { addDays, daysIn, type Period } from '../../src/server/core/calendar.ts';
import { Decimal, minorUnits, ROUNDING_MODES } from '../../src/server/core/money.ts';
import { cancellation, planChange, prorate, splitProration } from '../../src/server/core/proration.ts';

const APRIL: Period = { start: '2024-04-01', end: '2024-05-01' };
const MARCH: Period = { start: '2024-03-01', end: '2024-04-01' };
const usd = (amount: string) => new Decimal(amount);
const text = (amount: Decimal, currency = 'USD') => amount.toFixed(minorUnits(currency));

describe('prorate', () => {
  test('the second half of a 30-day April costs half the price', () => {
    // 30.00 × 15/30 = 15.00
    expect(text(prorate(usd('30.00'), APRIL, '2024-04-16', '2024-05-01', 'USD', 'half-even', 'by-day'))).toBe('15.00');
  });

  test('a share is rounded by the tenant’s mode', () => {
    // 29.99 × 10/31 = 9.674193… → 9.67 half-even, 9.68 up
    expect(text(prorate(usd('29.99'), MARCH, '2024-03-01', '2024-03-11', 'USD', 'half-even', 'by-day'))).toBe('9.67');
    expect(text(prorate(usd('29.99'), MARCH, '2024-03-01', '2024-03-11', 'USD', 'up', 'by-day'))).toBe('9.68');
    // 12.500 KWD × 7/30 = 2.916666… → 2.917
    expect(text(prorate(usd('12.500'), APRIL, '2024-04-01', '2024-04-08', 'KWD', 'half-even', 'by-day'), 'KWD')).toBe(
      '2.917',
    );
    // 5000 JPY × 1/30 = 166.66… → 167
    expect(text(prorate(usd('5000'), APRIL, '2024-04-30', '2024-05-01', 'JPY', 'half-even', 'by-day'), 'JPY')).toBe(
      '167',
    );
  });

  test('without proration any part of a period costs the whole price, and no days cost nothing', () => {
    expect(text(prorate(usd('29.99'), MARCH, '2024-03-20', '2024-04-01', 'USD', 'half-even', 'none'))).toBe('29.99');
    expect(text(prorate(usd('29.99'), MARCH, '2024-03-20', '2024-03-20', 'USD', 'half-even', 'by-day'))).toBe('0.00');
  });

  test('days outside the period, a reversed stretch, or a price finer than the currency are refused', () => {
    expect(() => prorate(usd('10.00'), MARCH, '2024-02-28', '2024-03-10', 'USD', 'half-even', 'by-day')).toThrow(
      /2024-02-28 is outside the period 2024-03-01 to 2024-04-01/,
    );
    expect(() => prorate(usd('10.00'), MARCH, '2024-03-10', '2024-03-05', 'USD', 'half-even', 'by-day')).toThrow(
      /is after/,
    );
    expect(() => prorate(usd('10.005'), MARCH, '2024-03-01', '2024-03-05', 'USD', 'half-even', 'by-day')).toThrow(
      /more than USD's 2 decimals/,
    );
  });
});

const CURRENCIES = ['USD', 'JPY', 'KWD', 'NGN'];

/** A period of 1 to 400 days, a day within it (either end included), a price and how to round it. */
const split = fc
  .record({
    start: fc.integer({ min: 0, max: 20_000 }).map((n) => addDays('1990-01-01', n)),
    days: fc.integer({ min: 1, max: 400 }),
    currency: fc.constantFrom(...CURRENCIES),
    units: fc.integer({ min: -100_000_000, max: 100_000_000 }),
    mode: fc.constantFrom(...ROUNDING_MODES),
  })
  .chain((r) =>
    fc.integer({ min: 0, max: r.days }).map((at) => ({
      ...r,
      period: { start: r.start, end: addDays(r.start, r.days) },
      at: addDays(r.start, at),
      price: new Decimal(r.units).dividedBy(10 ** minorUnits(r.currency)),
    })),
  );

describe('splitting a period', () => {
  test('splitting a period at any day, the two parts sum to the full-period price exactly', () => {
    fc.assert(
      fc.property(split, ({ period, at, price, currency, mode }) => {
        const [before, after] = splitProration(price, period, at, currency, mode);
        expect(before.plus(after).equals(price)).toBe(true);
        for (const part of [before, after]) expect(part.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
      }),
      { numRuns: 5000 },
    );
  });

  test('each part is its days’ share within one minor unit, of the price’s sign, and the first is prorate’s', () => {
    fc.assert(
      fc.property(split, ({ period, at, price, currency, mode }) => {
        const [before, after] = splitProration(price, period, at, currency, mode);
        const unit = new Decimal(10).pow(-minorUnits(currency));
        const exactBefore = price.times(daysIn({ start: period.start, end: at })).dividedBy(daysIn(period));
        expect(before.minus(exactBefore).abs().lessThan(unit)).toBe(true);
        expect(after.minus(price.minus(exactBefore)).abs().lessThan(unit)).toBe(true);
        expect(before.abs().lessThanOrEqualTo(price.abs()) && after.abs().lessThanOrEqualTo(price.abs())).toBe(true);
        expect(before.isZero() || before.isNegative() === price.isNegative()).toBe(true);
        expect(prorate(price, period, period.start, at, currency, mode, 'by-day').equals(before)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  test('a plan change credits exactly the part of the old price not yet used', () => {
    fc.assert(
      fc.property(
        split,
        fc.integer({ min: 0, max: 100_000_000 }),
        ({ period, at, price, currency, mode }, newUnits) => {
          const oldPrice = price.abs();
          const newPrice = new Decimal(newUnits).dividedBy(10 ** minorUnits(currency));
          const { credit, charge } = planChange({ oldPrice, newPrice, period, at, currency, mode, method: 'by-day' });
          const [used] = splitProration(oldPrice, period, at, currency, mode);
          expect(used.minus(credit).equals(oldPrice)).toBe(true);
          expect(credit.isPositive() && !credit.isZero()).toBe(false);
          expect(charge.equals(splitProration(newPrice, period, at, currency, mode)[1])).toBe(true);
          expect(
            cancellation({ price: oldPrice, period, at, currency, mode, method: 'by-day' }).credit.equals(credit),
          ).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('plan changes and cancellations', () => {
  test('upgrading on 11 March credits 21 of 31 days of the old plan and charges 21 of the new', () => {
    // old 29.99: used 29.99 × 10/31 = 9.674… → 9.67; unused 29.99 − 9.67 = 20.32
    // new 49.99: first 10 days 49.99 × 10/31 = 16.125… → 16.13; rest 49.99 − 16.13 = 33.86
    const change = planChange({
      oldPrice: usd('29.99'),
      newPrice: usd('49.99'),
      period: MARCH,
      at: '2024-03-11',
      currency: 'USD',
      mode: 'half-even',
      method: 'by-day',
    });
    expect([text(change.credit), text(change.charge)]).toEqual(['-20.32', '33.86']);
  });

  test('without proration a plan change neither credits nor charges: the new price starts next period', () => {
    const change = planChange({
      oldPrice: usd('29.99'),
      newPrice: usd('19.99'),
      period: MARCH,
      at: '2024-03-11',
      currency: 'USD',
      mode: 'half-even',
      method: 'none',
    });
    expect([text(change.credit), text(change.charge)]).toEqual(['0.00', '0.00']);
  });

  test('cancelling on the first day credits everything, on the period’s end nothing', () => {
    const cancel = (at: string) =>
      text(
        cancellation({ price: usd('29.99'), period: MARCH, at, currency: 'USD', mode: 'half-even', method: 'by-day' })
          .credit,
      );
    expect(cancel('2024-03-01')).toBe('-29.99');
    expect(cancel('2024-04-01')).toBe('0.00');
    // 29.99 × 10/31 = 9.674… → 9.67 used; 20.32 back
    expect(cancel('2024-03-11')).toBe('-20.32');
  });
});

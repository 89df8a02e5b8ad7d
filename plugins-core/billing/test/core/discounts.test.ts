// Discounts: on a line or spread over the invoice, never below zero, and coupons that run out.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type Coupon,
  couponApplied,
  couponApplies,
  type Discount,
  type DiscountableLine,
  lineDiscounts,
} from '../../src/server/core/discounts.ts';
import { Decimal, minorUnits, ROUNDING_MODES, sum } from '../../src/server/core/money.ts';

const line = (ref: string, amount: string): DiscountableLine => ({ ref, amount: new Decimal(amount) });
const percent = (value: string, scope: 'line' | 'invoice', lineRef?: string): Discount => ({
  description: `${value} % off`,
  kind: 'percent',
  value,
  scope,
  lineRef,
});
const fixed = (value: string, scope: 'line' | 'invoice', lineRef?: string): Discount => ({
  description: `${value} off`,
  kind: 'fixed',
  value,
  scope,
  lineRef,
});
const off = (lines: DiscountableLine[], discounts: Discount[], currency = 'USD') =>
  lineDiscounts(lines, discounts, currency, 'half-even').map((d) => d.toFixed(minorUnits(currency)));

describe('line discounts', () => {
  test('a percent discount takes its share of the line, rounded', () => {
    // 29.99 × 10 % = 2.999 → 3.00
    expect(off([line('a', '29.99'), line('b', '5.00')], [percent('10', 'line', 'a')])).toEqual(['3.00', '0.00']);
  });

  test('a fixed discount larger than its line takes the line to zero, no further', () => {
    expect(off([line('a', '30.00')], [fixed('50.00', 'line', 'a')])).toEqual(['30.00']);
  });

  test('two discounts on a line apply one after the other', () => {
    // 100.00 − 10.00 = 90.00; 90.00 × 10 % = 9.00; 19.00 in all
    expect(off([line('a', '100.00')], [fixed('10.00', 'line', 'a'), percent('10', 'line', 'a')])).toEqual(['19.00']);
  });

  test('a discount naming no line on the invoice is refused', () => {
    expect(() => off([line('a', '1.00')], [percent('10', 'line', 'zzz')])).toThrow(/names line "zzz"/);
    expect(() => off([line('a', '1.00')], [percent('10', 'line')])).toThrow(/has no lineRef/);
    expect(() => off([line('a', '1.00')], [percent('120', 'line', 'a')])).toThrow(/percent from 0 to 100/);
    expect(() => off([line('a', '1.00')], [fixed('1.005', 'line', 'a')])).toThrow(RangeError);
  });
});

describe('invoice discounts', () => {
  test('a fixed invoice discount is spread over the lines by their amounts', () => {
    // 10.00 × 60/90 = 6.666… and 10.00 × 30/90 = 3.333…; the left-over cent to the larger remainder
    expect(off([line('a', '60.00'), line('b', '30.00')], [fixed('10.00', 'invoice')])).toEqual(['6.67', '3.33']);
  });

  test('a percent invoice discount is rounded once on the total, then spread', () => {
    // 100.00 × 10 % = 10.00; shares 3.333, 3.333, 3.334 → 3.33, 3.33, and the cent to the largest remainder
    expect(off([line('a', '33.33'), line('b', '33.33'), line('c', '33.34')], [percent('10', 'invoice')])).toEqual([
      '3.33',
      '3.33',
      '3.34',
    ]);
  });

  test('credits are not discounted, and nothing is left to discount once lines reach zero', () => {
    expect(off([line('a', '50.00'), line('credit', '-20.00')], [percent('10', 'invoice')])).toEqual(['5.00', '0.00']);
    expect(off([line('a', '5'), line('b', '5')], [fixed('20', 'invoice'), fixed('3', 'invoice')], 'JPY')).toEqual([
      '5',
      '5',
    ]);
  });
});

describe('coupons', () => {
  const coupon = (cycles: number | null, appliedCycles: number): Coupon => ({
    code: 'WELCOME',
    discount: percent('20', 'invoice'),
    cycles,
    appliedCycles,
  });

  test('a three-cycle coupon discounts three cycles and then stops', () => {
    expect(couponApplies(coupon(3, 2))).toBe(true);
    expect(couponApplies(couponApplied(coupon(3, 2)))).toBe(false);
  });

  test('a coupon without a number of cycles discounts for ever', () => {
    expect(couponApplies(coupon(null, 1000))).toBe(true);
  });
});

const CURRENCIES = ['USD', 'JPY', 'KWD'];
const discounts = fc.record({
  currency: fc.constantFrom(...CURRENCIES),
  mode: fc.constantFrom(...ROUNDING_MODES),
  amounts: fc.array(fc.integer({ min: -50_000, max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
  discounts: fc.array(
    fc.record({
      kind: fc.constantFrom('percent' as const, 'fixed' as const),
      units: fc.integer({ min: 0, max: 1_000_000 }),
      percent: fc.integer({ min: 0, max: 10_000 }),
      scope: fc.constantFrom('line' as const, 'invoice' as const),
      target: fc.nat(),
    }),
    { maxLength: 5 },
  ),
});

describe('properties', () => {
  test('no line is discounted below zero or at all when it is a credit; an invoice discount is given in full when it fits', () => {
    fc.assert(
      fc.property(discounts, ({ currency, mode, amounts, discounts: ds }) => {
        const digits = minorUnits(currency);
        const lines = amounts.map((units, i) => line(`l${i}`, new Decimal(units).dividedBy(10 ** digits).toString()));
        const given: Discount[] = ds.map((d) => ({
          description: 'd',
          kind: d.kind,
          value:
            d.kind === 'percent'
              ? new Decimal(d.percent).dividedBy(100).toString()
              : new Decimal(d.units).dividedBy(10 ** digits).toFixed(digits),
          scope: d.scope,
          lineRef: `l${d.target % lines.length}`,
        }));
        const taken = lineDiscounts(lines, given, currency, mode);
        taken.forEach((d, i) => {
          const amount = (lines[i] as DiscountableLine).amount;
          expect(d.isNegative()).toBe(false);
          expect(d.lessThanOrEqualTo(Decimal.max(0, amount))).toBe(true);
          expect(d.decimalPlaces()).toBeLessThanOrEqual(digits);
        });
        const onlyInvoiceFixed = given.length === 1 && given[0]?.scope === 'invoice' && given[0].kind === 'fixed';
        if (onlyInvoiceFixed) {
          const base = sum(lines.map((l) => Decimal.max(0, l.amount)));
          expect(sum(taken).equals(Decimal.min(base, given[0]?.value ?? 0))).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

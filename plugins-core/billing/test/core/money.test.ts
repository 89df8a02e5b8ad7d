// Money: minor units per ISO 4217, rounding modes, and allocation that never loses a minor unit.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  allocate,
  Decimal,
  formatAmount,
  isCurrency,
  minorUnits,
  parseAmount,
  ROUNDING_MODES,
  roundMoney,
  roundMoneySymmetric,
  sum,
} from '../../src/server/core/money.ts';

const CURRENCIES = ['USD', 'NGN', 'KES', 'EUR', 'JPY', 'KWD', 'BHD'];

/** An amount in minor units of `currency`, from an integer count of them. */
const inMinorUnits = (units: number, currency: string) => new Decimal(units).dividedBy(10 ** minorUnits(currency));

describe('minor units', () => {
  test('JPY has none, USD, NGN and KES have 2, KWD and BHD have 3', () => {
    expect(['JPY', 'USD', 'NGN', 'KES', 'KWD', 'BHD'].map(minorUnits)).toEqual([0, 2, 2, 2, 3, 3]);
  });

  test('amounts are written with exactly the currency’s minor units', () => {
    expect(formatAmount(new Decimal(3500), 'JPY')).toBe('3500');
    expect(formatAmount(new Decimal('1.25'), 'KWD')).toBe('1.250');
    expect(formatAmount(new Decimal('29.9'), 'USD')).toBe('29.90');
    expect(formatAmount(new Decimal('-0'), 'USD')).toBe('0.00');
  });

  test('an amount with more decimals than its currency has is refused, not rounded', () => {
    expect(() => parseAmount('10.5', 'JPY')).toThrow(/JPY has no minor unit/);
    expect(() => parseAmount('1.2345', 'KWD')).toThrow(/more than KWD's 3 decimals/);
    expect(() => formatAmount(new Decimal('1.005'), 'USD')).toThrow(RangeError);
  });

  test('a currency is known to ISO 4217 or refused', () => {
    expect(isCurrency('NGN')).toBe(true);
    expect(isCurrency('XYZ')).toBe(false);
    expect(() => minorUnits('usd')).toThrow(/not an ISO 4217 currency code/);
  });
});

describe('rounding modes', () => {
  test('each mode rounds 2.345 and −2.345 USD as its name says', () => {
    const rounded = (amount: string) =>
      Object.fromEntries(ROUNDING_MODES.map((mode) => [mode, roundMoney(amount, 'USD', mode).toFixed(2)]));
    expect(rounded('2.345')).toEqual({
      'half-even': '2.34',
      'half-up': '2.35',
      'half-down': '2.34',
      up: '2.35',
      down: '2.34',
      ceiling: '2.35',
      floor: '2.34',
    });
    expect(rounded('-2.345')).toEqual({
      'half-even': '-2.34',
      'half-up': '-2.35',
      'half-down': '-2.34',
      up: '-2.35',
      down: '-2.34',
      ceiling: '-2.34',
      floor: '-2.35',
    });
  });

  test('symmetric rounding applies ceiling and floor to the magnitude, so −2.345 rounds like 2.345', () => {
    expect(roundMoneySymmetric('-2.345', 'USD', 'ceiling').toFixed(2)).toBe('-2.35');
    expect(roundMoneySymmetric('-2.345', 'USD', 'floor').toFixed(2)).toBe('-2.34');
    expect(roundMoneySymmetric('-0.001', 'USD', 'down').isNegative()).toBe(false);
  });

  test('a credit rounds to exactly the negated charge, in every mode and currency', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.constantFrom(...ROUNDING_MODES),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 8 }),
        (currency, mode, digits, scale) => {
          const amount = new Decimal(digits.toString()).dividedBy(10 ** scale);
          const charge = roundMoneySymmetric(amount, currency, mode);
          const credit = roundMoneySymmetric(amount.negated(), currency, mode);
          expect(credit.plus(charge).isZero()).toBe(true);
          expect(charge.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
          expect(
            charge
              .minus(amount)
              .abs()
              .lessThan(new Decimal(10).pow(-minorUnits(currency))),
          ).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('allocate', () => {
  test('splits 100.00 in three as 33.34, 33.33, 33.33: the leftover cent goes to the earliest tie', () => {
    expect(allocate('100.00', [1, 1, 1], 'USD').map((p) => p.toFixed(2))).toEqual(['33.34', '33.33', '33.33']);
    expect(allocate('10', [1, 2], 'JPY').map((p) => p.toFixed(0))).toEqual(['3', '7']);
    expect(allocate('-1.000', [1, 2], 'KWD').map((p) => p.toFixed(3))).toEqual(['-0.333', '-0.667']);
  });

  test('parts sum to the total exactly, in minor units, each within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc
          .array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 12 })
          .filter((ws) => ws.some((w) => w > 0)),
        (currency, units, weights) => {
          const total = inMinorUnits(units, currency);
          const parts = allocate(total, weights, currency);
          expect(sum(parts).equals(total)).toBe(true);
          const unit = new Decimal(10).pow(-minorUnits(currency));
          const weightSum = sum(weights);
          parts.forEach((part, i) => {
            expect(part.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
            const exact = total.times(weights[i] ?? 0).dividedBy(weightSum);
            expect(part.minus(exact).abs().lessThan(unit)).toBe(true);
          });
        },
      ),
      { numRuns: 3000 },
    );
  });
});

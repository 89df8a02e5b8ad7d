// Usage charges in decimal GB: overage above an allowance, graduated tiers and volume tiers.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Decimal, minorUnits } from '../../src/server/core/money.ts';
import { bytesToGb, type Pricing, type UsageTier, usageCharge } from '../../src/server/core/usage.ts';

const TIERS: UsageTier[] = [
  { upTo: '100', price: '0' },
  { upTo: '500', price: '0.10' },
  { upTo: null, price: '0.05' },
];
const charged = (pricing: Pricing, usedGb: string, currency = 'USD') =>
  usageCharge(pricing, usedGb, currency, 'half-even').amount.toFixed(minorUnits(currency));

describe('bytes to GB', () => {
  test('a GB is 10^9 bytes, converted exactly', () => {
    expect(bytesToGb('1500000000')).toBe('1.5');
    expect(bytesToGb('123456789012')).toBe('123.456789012');
    expect(bytesToGb('0')).toBe('0');
    expect(bytesToGb('98765432109876543210')).toBe('98765432109.87654321');
  });

  test('anything but a whole count of bytes is refused', () => {
    for (const bad of ['1.5', '-1', '1e9', '', ' 1']) expect(() => bytesToGb(bad)).toThrow(/not a count of bytes/);
  });
});

describe('overage', () => {
  const overage: Pricing = { kind: 'overage', includedGb: '100', pricePerGb: '0.50' };

  test('GB beyond the allowance are charged at the price per GB', () => {
    // 123.456 − 100 = 23.456 GB × 0.50 = 11.728 → 11.73
    const charge = usageCharge(overage, '123.456', 'USD', 'half-even');
    expect([charge.quantity.toString(), charge.amount.toFixed(2)]).toEqual(['23.456', '11.73']);
    expect(charge.description).toBe('23.456 GB over the 100 GB included, at 0.50 per GB');
  });

  test('usage within the allowance costs nothing', () => {
    expect(charged(overage, '100')).toBe('0.00');
    expect(charged(overage, '0')).toBe('0.00');
  });
});

describe('tiers', () => {
  test('graduated: each tier’s GB at its own price', () => {
    // 100 × 0 + 400 × 0.10 + 150 × 0.05 = 0 + 40.00 + 7.50 = 47.50
    expect(charged({ kind: 'tiered', tiers: TIERS }, '650')).toBe('47.50');
    expect(usageCharge({ kind: 'tiered', tiers: TIERS }, '650', 'USD', 'half-even').description).toBe(
      '650 GB: 100 GB at 0, 400 GB at 0.10, 150 GB at 0.05 per GB',
    );
    // 100 × 0 + 0.5 × 0.10 = 0.05
    expect(charged({ kind: 'tiered', tiers: TIERS }, '100.5')).toBe('0.05');
  });

  test('volume: every GB at the price of the tier the total falls in, a tier’s limit included in it', () => {
    // 650 × 0.05 = 32.50
    expect(charged({ kind: 'volume', tiers: TIERS }, '650')).toBe('32.50');
    // 100 is in the first tier: 100 × 0 = 0
    expect(charged({ kind: 'volume', tiers: TIERS }, '100')).toBe('0.00');
    // 100.5 × 0.10 = 10.05
    expect(charged({ kind: 'volume', tiers: TIERS }, '100.5')).toBe('10.05');
  });

  test('usage beyond a last tier with a limit, or limits that do not rise, are refused', () => {
    const capped: UsageTier[] = [{ upTo: '100', price: '0.10' }];
    expect(() => charged({ kind: 'tiered', tiers: capped }, '101')).toThrow(/beyond the last tier/);
    expect(() => charged({ kind: 'volume', tiers: capped }, '101')).toThrow(/beyond the last tier/);
    const falling: UsageTier[] = [
      { upTo: '100', price: '0.10' },
      { upTo: '50', price: '0.05' },
    ];
    expect(() => charged({ kind: 'tiered', tiers: falling }, '1')).toThrow(/must rise/);
    expect(() => charged({ kind: 'tiered', tiers: [] }, '1')).toThrow(/no tiers/);
  });
});

const gb = fc.integer({ min: 0, max: 10_000_000 }).map((n) => new Decimal(n).dividedBy(1000).toString());

describe('properties', () => {
  test('using more never costs less under graduated tiers', () => {
    fc.assert(
      fc.property(gb, gb, (a, b) => {
        const [less, more] = new Decimal(a).lessThan(b) ? [a, b] : [b, a];
        const pricing: Pricing = { kind: 'tiered', tiers: TIERS };
        expect(new Decimal(charged(pricing, less)).lessThanOrEqualTo(charged(pricing, more))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('one tier without a limit prices like volume and like overage without an allowance', () => {
    fc.assert(
      fc.property(
        gb,
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom('USD', 'JPY', 'KWD'),
        (used, cents, currency) => {
          const price = new Decimal(cents).dividedBy(1000).toString();
          const tiers = [{ upTo: null, price }];
          const tiered = charged({ kind: 'tiered', tiers }, used, currency);
          expect(charged({ kind: 'volume', tiers }, used, currency)).toBe(tiered);
          expect(charged({ kind: 'overage', includedGb: '0', pricePerGb: price }, used, currency)).toBe(tiered);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// Tax on a line: which rates apply where and to what, exclusive taxes added on top, inclusive ones
// taken out of the price, compound ones charged on earlier taxes too.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Decimal, minorUnits, ROUNDING_MODES, sum } from '../../src/server/core/money.ts';
import { netOfIncludedTax, ratesFor, type TaxRate, taxAmount } from '../../src/server/core/tax.ts';

const rate = (code: string, percent: string, more: Partial<TaxRate> = {}): TaxRate => ({
  code,
  name: code,
  rate: percent,
  inclusive: false,
  compound: false,
  taxClasses: [],
  regions: [],
  priority: 1,
  ...more,
});

const US_CA = rate('US-CA', '7.25', { regions: ['US-CA'], taxClasses: ['standard'] });
const US_TELECOM = rate('US-FED', '3', { regions: ['US'], priority: 0 });
const NG_VAT = rate('NG-VAT', '7.5', { regions: ['NG'], inclusive: true });
const GB_VAT = rate('GB-VAT', '20', { regions: ['GB'], inclusive: true });
const CA_GST = rate('CA-GST', '5', { regions: ['CA'], priority: 1 });
const QC_QST = rate('QC-QST', '9.975', { regions: ['CA-QC'], compound: true, priority: 2 });
const ALL = [US_CA, US_TELECOM, NG_VAT, GB_VAT, CA_GST, QC_QST];

const codes = (rates: readonly TaxRate[]) => rates.map((r) => r.code);
const amounts = (amount: string, rates: readonly TaxRate[], currency = 'USD') => {
  const { net, taxes } = taxAmount(new Decimal(amount), rates, currency, 'half-even');
  const digits = minorUnits(currency);
  return { net: net.toFixed(digits), taxes: taxes.map((t) => t.amount.toFixed(digits)) };
};

describe('which rates apply', () => {
  test('a subdivision code matches a customer in that region, a country code the whole country', () => {
    expect(codes(ratesFor(ALL, 'standard', { country: 'US', region: 'CA' }))).toEqual(['US-FED', 'US-CA']);
    expect(codes(ratesFor(ALL, 'standard', { country: 'US', region: 'US-CA' }))).toEqual(['US-FED', 'US-CA']);
    expect(codes(ratesFor(ALL, 'standard', { country: 'US', region: 'NY' }))).toEqual(['US-FED']);
    expect(codes(ratesFor(ALL, 'standard', { country: 'us' }))).toEqual(['US-FED']);
    expect(codes(ratesFor(ALL, 'standard', { country: 'CA', region: 'QC' }))).toEqual(['CA-GST', 'QC-QST']);
  });

  test('a rate limited to tax classes applies only to lines of those classes', () => {
    expect(codes(ratesFor(ALL, 'equipment', { country: 'US', region: 'CA' }))).toEqual(['US-FED']);
  });

  test('a line without a tax class is never taxed; a customer of unknown location pays only rates for everywhere', () => {
    expect(ratesFor(ALL, null, { country: 'NG' })).toEqual([]);
    const everywhere = rate('ANY', '1');
    expect(codes(ratesFor([...ALL, everywhere], 'standard', null))).toEqual(['ANY']);
  });

  test('rates come lowest priority first, ties in their given order', () => {
    const [a, b, c] = [
      rate('A', '1', { priority: 5 }),
      rate('B', '1', { priority: 1 }),
      rate('C', '1', { priority: 5 }),
    ];
    expect(codes(ratesFor([a, b, c], 'x', null))).toEqual(['B', 'A', 'C']);
  });
});

describe('tax on a line', () => {
  test('an exclusive rate is added on top of the net, rounded per line', () => {
    // 19.99 × 7.25 % = 1.449275 → 1.45
    expect(amounts('19.99', [US_CA])).toEqual({ net: '19.99', taxes: ['1.45'] });
  });

  test('an inclusive rate is taken out of the price: 1,075.00 NGN with 7.5 % VAT is 1,000.00 + 75.00', () => {
    // tax = 1075.00 × 0.075 / 1.075 = 75.00
    expect(amounts('1075.00', [NG_VAT], 'NGN')).toEqual({ net: '1000.00', taxes: ['75.00'] });
    // 25.00 × 0.2 / 1.2 = 4.1666… → 4.17; net 25.00 − 4.17 = 20.83
    expect(amounts('25.00', [GB_VAT], 'GBP')).toEqual({ net: '20.83', taxes: ['4.17'] });
  });

  test('a compound rate taxes the net plus earlier taxes: GST 5 % then QST 9.975 %', () => {
    // GST 100.00 × 5 % = 5.00; QST (100.00 + 5.00) × 9.975 % = 10.47375 → 10.47
    expect(amounts('100.00', [CA_GST, QC_QST])).toEqual({ net: '100.00', taxes: ['5.00', '10.47'] });
  });

  test('compound rates may be inclusive: 115.47 with GST and QST in it is 100.00 + 5.00 + 10.47', () => {
    // weights 0.05 and 0.09975 × 1.05 = 0.1047375, together W = 0.1547375
    // tax in it 115.47 × W / (1 + W) = 15.4732… → 15.47, net 100.00
    // shared by weight: 15.47 × 0.05 / W = 4.9988 and 10.4712 → 4.99 + 10.47, the left-over cent to GST: 5.00
    const inclusive = [CA_GST, QC_QST].map((r) => ({ ...r, inclusive: true }));
    expect(amounts('115.47', inclusive)).toEqual({ net: '100.00', taxes: ['5.00', '10.47'] });
  });

  test('a tax-exempt customer pays an inclusive price without its tax', () => {
    // 25.00 − 25.00 × 0.2 / 1.2 = 25.00 − 4.17
    expect(netOfIncludedTax(new Decimal('25.00'), [GB_VAT], 'GBP', 'half-even').toFixed(2)).toBe('20.83');
    expect(netOfIncludedTax(new Decimal('25.00'), [US_CA], 'USD', 'half-even').toFixed(2)).toBe('25.00');
  });

  test('a rate that is not a percent is refused, naming the rate', () => {
    expect(() => taxAmount(new Decimal('1.00'), [rate('BAD', '7,5')], 'USD', 'half-even')).toThrow(
      /tax rate BAD has rate "7,5"/,
    );
    expect(() => taxAmount(new Decimal('1.00'), [rate('BAD', '-5')], 'USD', 'half-even')).toThrow(RangeError);
  });
});

const anyRate = fc.record({
  rate: fc.integer({ min: 0, max: 30_000 }).map((n) => new Decimal(n).dividedBy(1000).toString()),
  inclusive: fc.boolean(),
  compound: fc.boolean(),
});

const taxed = fc.record({
  currency: fc.constantFrom('USD', 'JPY', 'KWD', 'NGN'),
  mode: fc.constantFrom(...ROUNDING_MODES),
  units: fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }),
  rates: fc
    .array(anyRate, { maxLength: 4 })
    .map((rs) =>
      rs.map((r, i) => rate(`R${i}`, r.rate, { inclusive: r.inclusive, compound: r.compound, priority: i })),
    ),
});

describe('properties', () => {
  test('net plus the inclusive taxes is the price exactly; every tax is in minor units', () => {
    fc.assert(
      fc.property(taxed, ({ currency, mode, units, rates }) => {
        const amount = new Decimal(units).dividedBy(10 ** minorUnits(currency));
        const { net, taxes } = taxAmount(amount, rates, currency, mode);
        const included = sum(taxes.filter((t) => t.rate.inclusive).map((t) => t.amount));
        expect(net.plus(included).equals(amount)).toBe(true);
        for (const t of taxes) expect(t.amount.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
        if (!rates.some((r) => r.inclusive)) expect(net.equals(amount)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  test('the tax on a credit is exactly the negated tax on the charge', () => {
    fc.assert(
      fc.property(taxed, ({ currency, mode, units, rates }) => {
        const amount = new Decimal(units).dividedBy(10 ** minorUnits(currency));
        const charge = taxAmount(amount, rates, currency, mode);
        const credit = taxAmount(amount.negated(), rates, currency, mode);
        expect(credit.net.plus(charge.net).isZero()).toBe(true);
        charge.taxes.forEach((t, i) => {
          expect(credit.taxes[i]?.amount.plus(t.amount).isZero()).toBe(true);
        });
      }),
      { numRuns: 2000 },
    );
  });

  test('each exclusive tax is its rate of what it is charged on, within half a minor unit for half-even', () => {
    fc.assert(
      fc.property(taxed, ({ currency, units, rates }) => {
        const amount = new Decimal(units).dividedBy(10 ** minorUnits(currency));
        const { taxes } = taxAmount(amount, rates, currency, 'half-even');
        const half = new Decimal(10).pow(-minorUnits(currency)).dividedBy(2);
        for (const t of taxes.filter((x) => !x.rate.inclusive)) {
          const exact = t.taxable.times(t.rate.rate).dividedBy(100);
          expect(t.amount.minus(exact).abs().lessThanOrEqualTo(half)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

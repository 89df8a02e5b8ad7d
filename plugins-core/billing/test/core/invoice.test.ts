// computeInvoice: whatever the lines, discounts, rates and customer, an invoice adds up to the
// minor unit, in the currency's minor units; credit notes are exact negations; bad input is
// refused with a message that says what is wrong.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Discount } from '../../src/server/core/discounts.ts';
import {
  type ComputedInvoice,
  computeCreditNote,
  computeInvoice,
  type InvoiceInput,
  type LineInput,
} from '../../src/server/core/invoice.ts';
import { Decimal, formatAmount, minorUnits, ROUNDING_MODES, sum } from '../../src/server/core/money.ts';
import type { TaxLocation, TaxRate } from '../../src/server/core/tax.ts';

const CURRENCIES = ['USD', 'EUR', 'NGN', 'JPY', 'KWD', 'BHD'];

const RATES: TaxRate[] = [
  {
    code: 'NG-VAT',
    name: 'VAT',
    rate: '7.5',
    inclusive: true,
    compound: false,
    taxClasses: [],
    regions: ['NG'],
    priority: 1,
  },
  {
    code: 'GB-VAT',
    name: 'VAT',
    rate: '20',
    inclusive: true,
    compound: false,
    taxClasses: ['standard'],
    regions: ['GB'],
    priority: 1,
  },
  {
    code: 'US-CA',
    name: 'CA sales tax',
    rate: '7.25',
    inclusive: false,
    compound: false,
    taxClasses: ['standard'],
    regions: ['US-CA'],
    priority: 1,
  },
  {
    code: 'US-911',
    name: '911 fee',
    rate: '1.5',
    inclusive: false,
    compound: false,
    taxClasses: [],
    regions: ['US'],
    priority: 0,
  },
  {
    code: 'CA-GST',
    name: 'GST',
    rate: '5',
    inclusive: false,
    compound: false,
    taxClasses: [],
    regions: ['CA'],
    priority: 1,
  },
  {
    code: 'QC-QST',
    name: 'QST',
    rate: '9.975',
    inclusive: false,
    compound: true,
    taxClasses: [],
    regions: ['CA-QC'],
    priority: 2,
  },
  {
    code: 'LEVY',
    name: 'Levy',
    rate: '2',
    inclusive: true,
    compound: true,
    taxClasses: ['reduced'],
    regions: [],
    priority: 3,
  },
];
const LOCATIONS: (TaxLocation | null)[] = [
  { country: 'NG' },
  { country: 'GB' },
  { country: 'US', region: 'CA' },
  { country: 'US', region: 'NY' },
  { country: 'CA', region: 'QC' },
  null,
];

/** A decimal string with up to `decimals` decimals, from an integer. */
const scaled = (units: number | bigint, decimals: number) =>
  new Decimal(units.toString()).dividedBy(10 ** decimals).toString();

const invoiceInput: fc.Arbitrary<InvoiceInput> = fc
  .record({
    currency: fc.constantFrom(...CURRENCIES),
    roundingMode: fc.constantFrom(...ROUNDING_MODES),
    location: fc.constantFrom(...LOCATIONS),
    taxExemption: fc.oneof(
      { weight: 6, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constant('EXEMPT-2024-17') },
    ),
    rates: fc.subarray(RATES, { minLength: 4 }),
  })
  .chain(({ currency, roundingMode, location, taxExemption, rates }) => {
    const digits = minorUnits(currency);
    const line = fc.record({
      kind: fc.constantFrom(
        'recurring' as const,
        'proration' as const,
        'one-off' as const,
        'usage' as const,
        'fee' as const,
      ),
      quantity: fc.oneof(
        fc.integer({ min: 0, max: 12 }).map(String),
        fc.integer({ min: 0, max: 500_000 }).map((n) => scaled(n, 3)),
      ),
      unitPrice: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: -2_000_000, max: 10_000_000 }).map((n) => scaled(n, digits)) },
        { weight: 1, arbitrary: fc.integer({ min: -2_000_000, max: 10_000_000 }).map((n) => scaled(n, 6)) },
      ),
      taxClass: fc.constantFrom('standard', 'reduced', null),
    });
    return fc.array(line, { minLength: 1, maxLength: 6 }).chain((lines) => {
      const withRefs: LineInput[] = lines.map((l, i) => ({ ...l, ref: `l${i}`, description: `line ${i}` }));
      const discount: fc.Arbitrary<Discount> = fc
        .record({
          kind: fc.constantFrom('percent' as const, 'fixed' as const),
          percent: fc.integer({ min: 0, max: 10_000 }),
          units: fc.integer({ min: 0, max: 5_000_000 }),
          scope: fc.constantFrom('line' as const, 'invoice' as const),
          target: fc.integer({ min: 0, max: withRefs.length - 1 }),
        })
        .map((d) => ({
          description: `${d.kind} ${d.scope}`,
          kind: d.kind,
          value: d.kind === 'percent' ? scaled(d.percent, 2) : new Decimal(scaled(d.units, digits)).toFixed(digits),
          scope: d.scope,
          ...(d.scope === 'line' ? { lineRef: `l${d.target}` } : {}),
        }));
      return fc.array(discount, { maxLength: 3 }).map(
        (discounts): InvoiceInput => ({
          currency,
          roundingMode,
          lines: withRefs,
          discounts,
          taxRates: rates,
          customer: { location, taxExemption },
        }),
      );
    });
  });

/** Every amount an invoice shows. */
const amountsOf = (invoice: ComputedInvoice): string[] => [
  invoice.subtotal,
  invoice.discountTotal,
  invoice.netTotal,
  invoice.taxTotal,
  invoice.total,
  ...invoice.lines.flatMap((l) => [l.amount, l.discount, l.net, l.tax, l.total, ...l.taxes.map((t) => t.amount)]),
  ...invoice.taxes.flatMap((t) => [t.taxable, t.amount]),
];

const total = (amounts: readonly string[]) => sum(amounts);

describe('invariants of every invoice', () => {
  test('the total is the sum of the line totals and of net plus tax, to the minor unit', () => {
    fc.assert(
      fc.property(invoiceInput, (input) => {
        const invoice = computeInvoice(input);
        expect(total(invoice.lines.map((l) => l.total)).equals(invoice.total)).toBe(true);
        expect(new Decimal(invoice.netTotal).plus(invoice.taxTotal).equals(invoice.total)).toBe(true);
        expect(new Decimal(invoice.subtotal).minus(invoice.discountTotal).equals(invoice.netTotal)).toBe(true);
        expect(total(invoice.lines.map((l) => l.net)).equals(invoice.netTotal)).toBe(true);
        expect(total(invoice.lines.map((l) => l.discount)).equals(invoice.discountTotal)).toBe(true);
        expect(total(invoice.taxes.map((t) => t.amount)).equals(invoice.taxTotal)).toBe(true);
        for (const l of invoice.lines) {
          expect(new Decimal(l.net).plus(l.tax).equals(l.total)).toBe(true);
          expect(total(l.taxes.map((t) => t.amount)).equals(l.tax)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('every amount has exactly the currency’s minor units (JPY none, KWD and BHD three)', () => {
    fc.assert(
      fc.property(invoiceInput, (input) => {
        const digits = minorUnits(input.currency);
        const shape = digits === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${digits}}$`);
        for (const amount of amountsOf(computeInvoice(input))) expect(amount).toMatch(shape);
      }),
      { numRuns: 2000 },
    );
  });

  test('a discount never exceeds its line’s amount, never takes the net below zero, and credits are not discounted', () => {
    fc.assert(
      fc.property(invoiceInput, (input) => {
        for (const l of computeInvoice(input).lines) {
          const amount = new Decimal(l.amount);
          const discount = new Decimal(l.discount);
          expect(discount.isNegative()).toBe(false);
          if (amount.isNegative()) expect(discount.isZero()).toBe(true);
          else {
            expect(discount.lessThanOrEqualTo(amount)).toBe(true);
            expect(new Decimal(l.net).isNegative()).toBe(false);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('a line’s price as written is its net, its discount and the tax included in it', () => {
    fc.assert(
      fc.property(invoiceInput, (input) => {
        const undiscounted = computeInvoice({
          ...input,
          discounts: [],
          customer: { ...input.customer, taxExemption: null },
        });
        for (const l of undiscounted.lines) {
          const included = total(l.taxes.filter((t) => t.inclusive).map((t) => t.amount));
          expect(new Decimal(l.net).plus(included).equals(l.amount)).toBe(true);
        }
        const invoice = computeInvoice({ ...input, customer: { ...input.customer, taxExemption: null } });
        for (const l of invoice.lines.filter((line) => !line.taxes.some((t) => t.inclusive))) {
          expect(new Decimal(l.net).plus(l.discount).equals(l.amount)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('a tax-exempt customer pays no tax, and every line carries the exemption reference', () => {
    fc.assert(
      fc.property(invoiceInput, (input) => {
        const exempt = { ...input, customer: { ...input.customer, taxExemption: 'EXEMPT-2024-17' } };
        const invoice = computeInvoice(exempt);
        expect(new Decimal(invoice.taxTotal).isZero()).toBe(true);
        expect(invoice.taxes).toEqual([]);
        for (const l of invoice.lines) expect(l.taxExemption).toBe('EXEMPT-2024-17');
      }),
      { numRuns: 1000 },
    );
  });
});

const negated = (amount: string) => new Decimal(amount).negated();
const negatedIn = (amount: string, currency: string) => formatAmount(negated(amount), currency);

describe('credit notes', () => {
  test('a credit note is the invoice negated, amount for amount, so the two sum to zero', () => {
    fc.assert(
      fc.property(invoiceInput, (input) => {
        const invoice = computeInvoice(input);
        const credit = computeCreditNote(input);
        expect(amountsOf(credit)).toEqual(amountsOf(invoice).map((a) => negatedIn(a, input.currency)));
        expect(credit.lines.map((l) => negated(l.unitPrice).toString())).toEqual(
          input.lines.map((l) => new Decimal(l.unitPrice).toString()),
        );
      }),
      { numRuns: 1000 },
    );
  });

  test('lines with negated unit prices compute to exactly the negated invoice, whatever the rounding mode', () => {
    fc.assert(
      fc.property(invoiceInput, (given) => {
        const input = { ...given, discounts: [] };
        const invoice = computeInvoice(input);
        const credit = computeInvoice({
          ...input,
          lines: input.lines.map((l) => ({ ...l, unitPrice: negated(l.unitPrice).toString() })),
        });
        expect(amountsOf(credit)).toEqual(amountsOf(invoice).map((a) => negatedIn(a, input.currency)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('bad input', () => {
  const valid: InvoiceInput = {
    currency: 'USD',
    roundingMode: 'half-even',
    lines: [
      { ref: 'a', kind: 'recurring', description: 'Fibre 100', quantity: '1', unitPrice: '29.99', taxClass: null },
    ],
    discounts: [],
    taxRates: [],
    customer: { location: null, taxExemption: null },
  };
  const withLine = (change: Partial<LineInput>): InvoiceInput => ({
    ...valid,
    lines: [{ ...(valid.lines[0] as LineInput), ...change }],
  });

  test('an unknown currency or rounding mode is refused', () => {
    expect(() => computeInvoice({ ...valid, currency: 'XYZ' })).toThrow(/"XYZ" is not an ISO 4217 currency code/);
    expect(() => computeInvoice({ ...valid, currency: 'usd' })).toThrow(RangeError);
    expect(() => computeInvoice({ ...valid, roundingMode: 'bankers' as never })).toThrow(/not a rounding mode/);
  });

  test('a negative or malformed quantity, or a unit price with more than 6 decimals, is refused naming the line', () => {
    expect(() => computeInvoice(withLine({ quantity: '-1' }))).toThrow(
      /line 1 \("Fibre 100"\): quantity -1 is negative; credit with a negative unit price/,
    );
    expect(() => computeInvoice(withLine({ quantity: '1e3' }))).toThrow(/quantity "1e3" is not a decimal/);
    expect(() => computeInvoice(withLine({ unitPrice: '1.1234567' }))).toThrow(
      /unit price 1.1234567 has more than 6 decimals/,
    );
    expect(() => computeInvoice(withLine({ unitPrice: '29,99' }))).toThrow(/unit price "29,99" is not a decimal/);
  });

  test('duplicate line refs or tax codes are refused', () => {
    const line = valid.lines[0] as LineInput;
    expect(() => computeInvoice({ ...valid, lines: [line, line] })).toThrow(/two lines have the ref "a"/);
    const rate = RATES[0] as TaxRate;
    expect(() => computeInvoice({ ...valid, taxRates: [rate, rate] })).toThrow(/two tax rates have the code "NG-VAT"/);
  });

  test('a fixed discount finer than the currency is refused', () => {
    const discount: Discount = { description: 'Loyalty', kind: 'fixed', value: '1.005', scope: 'invoice' };
    expect(() => computeInvoice({ ...valid, discounts: [discount] })).toThrow(/more than USD's 2 decimals/);
  });
});

// Worked examples, computed by hand: the arithmetic above each expectation is how a person would
// check the invoice with a pencil. Half-even rounding to the currency's minor units throughout.
import { describe, expect, test } from 'vitest';
import {
  type BillingDay,
  cycleContaining,
  nextPeriod,
  periodContaining,
  utcDate,
} from '../../src/server/core/calendar.ts';
import { computeCreditNote, computeInvoice, type InvoiceInput, type LineInput } from '../../src/server/core/invoice.ts';
import { Decimal, formatAmount } from '../../src/server/core/money.ts';
import { cancellation, planChange, prorate } from '../../src/server/core/proration.ts';
import type { TaxRate } from '../../src/server/core/tax.ts';
import { bytesToGb, usageCharge } from '../../src/server/core/usage.ts';

const anniversary: BillingDay = { kind: 'anniversary' };

const taxRate = (code: string, rate: string, more: Partial<TaxRate>): TaxRate => ({
  code,
  name: code,
  rate,
  inclusive: false,
  compound: false,
  taxClasses: [],
  regions: [],
  priority: 1,
  ...more,
});

const line = (description: string, unitPrice: string, more: Partial<LineInput> = {}): LineInput => ({
  kind: 'recurring',
  description,
  quantity: '1',
  unitPrice,
  taxClass: 'standard',
  ...more,
});

const invoice = (currency: string, lines: LineInput[], more: Partial<InvoiceInput> = {}): InvoiceInput => ({
  currency,
  roundingMode: 'half-even',
  lines,
  discounts: [],
  taxRates: [],
  customer: { location: null, taxExemption: null },
  ...more,
});

/** The totals of an invoice, as one comparable object. */
const totals = (input: InvoiceInput) => {
  const { subtotal, discountTotal, netTotal, taxTotal, total } = computeInvoice(input);
  return { subtotal, discountTotal, netTotal, taxTotal, total };
};

const CA_SALES_TAX = taxRate('US-CA', '7.25', {
  name: 'California sales tax',
  regions: ['US-CA'],
  taxClasses: ['standard'],
});

describe('a mid-month upgrade', () => {
  const anchor = '2024-03-01T09:00:00Z';
  const at = '2024-03-11T14:00:00Z';
  const period = periodContaining(anchor, 'monthly', anniversary, at);

  test('credits the old plan’s unused days and charges the new plan for the rest of the period', () => {
    // March has 31 days; on 11 March 10 are used and 21 remain.
    expect(period).toEqual({ start: '2024-03-01', end: '2024-04-01' });
    const change = planChange({
      oldPrice: new Decimal('29.99'),
      newPrice: new Decimal('49.99'),
      period,
      at: utcDate(at),
      currency: 'USD',
      mode: 'half-even',
      method: 'by-day',
    });
    // old: used 29.99 × 10/31 = 9.6741… → 9.67; unused 29.99 − 9.67 = 20.32
    expect(formatAmount(change.credit, 'USD')).toBe('-20.32');
    // new: first 10 days 49.99 × 10/31 = 16.1258… → 16.13; rest 49.99 − 16.13 = 33.86
    expect(formatAmount(change.charge, 'USD')).toBe('33.86');

    const lines = [
      line('Fibre 50, unused 11–31 March', formatAmount(change.credit, 'USD'), { kind: 'proration' }),
      line('Fibre 200, 11–31 March', formatAmount(change.charge, 'USD'), { kind: 'proration' }),
    ];
    const input = invoice('USD', lines, {
      taxRates: [CA_SALES_TAX],
      customer: { location: { country: 'US', region: 'CA' }, taxExemption: null },
    });
    // tax: −20.32 × 7.25 % = −1.4732 → −1.47; 33.86 × 7.25 % = 2.45485 → 2.45; 0.98 in all
    // net: 33.86 − 20.32 = 13.54; total 13.54 + 0.98 = 14.52
    expect(totals(input)).toEqual({
      subtotal: '13.54',
      discountTotal: '0.00',
      netTotal: '13.54',
      taxTotal: '0.98',
      total: '14.52',
    });
    expect(computeInvoice(input).lines.map((l) => [l.tax, l.total])).toEqual([
      ['-1.47', '-21.79'],
      ['2.45', '36.31'],
    ]);
  });
});

describe('a downgrade at the end of the cycle', () => {
  test('is not prorated: this period stays at the old price, the next invoice is at the new one', () => {
    const anchor = '2024-03-01T09:00:00Z';
    const period = periodContaining(anchor, 'monthly', anniversary, '2024-03-20');
    const change = planChange({
      oldPrice: new Decimal('49.99'),
      newPrice: new Decimal('29.99'),
      period,
      at: '2024-03-20',
      currency: 'USD',
      mode: 'half-even',
      method: 'none',
    });
    // nothing now: 0.00 credit, 0.00 charge
    expect([formatAmount(change.credit, 'USD'), formatAmount(change.charge, 'USD')]).toEqual(['0.00', '0.00']);
    // the next period is April, billed at 29.99 in full
    const next = nextPeriod(period, 'monthly', anniversary, anchor);
    expect(next).toEqual({ start: '2024-04-01', end: '2024-05-01' });
    const input = invoice('USD', [
      line('Fibre 50, April', '29.99', { periodStart: next.start, periodEnd: next.end, taxClass: null }),
    ]);
    expect(totals(input).total).toBe('29.99');
    expect(computeInvoice(input).lines[0]).toMatchObject({ periodStart: '2024-04-01', periodEnd: '2024-05-01' });
  });
});

describe('a cancellation with an early-termination fee', () => {
  test('credits the unused days and adds the fee as its own untaxed line', () => {
    const anchor = '2024-01-15T12:00:00Z';
    const at = '2024-02-05';
    const period = periodContaining(anchor, 'monthly', anniversary, at);
    // 15 January to 15 February is 31 days; 21 used (17 in January, 4 in February), 10 unused.
    expect(period).toEqual({ start: '2024-01-15', end: '2024-02-15' });
    const { credit } = cancellation({
      price: new Decimal('5000.00'),
      period,
      at,
      currency: 'KES',
      mode: 'half-even',
      method: 'by-day',
    });
    // used 5,000.00 × 21/31 = 3,387.0967… → 3,387.10; unused 5,000.00 − 3,387.10 = 1,612.90
    expect(formatAmount(credit, 'KES')).toBe('-1612.90');

    const input = invoice(
      'KES',
      [
        line('Fibre 20, unused 5–15 February', formatAmount(credit, 'KES'), { kind: 'proration' }),
        line('Early termination fee', '10000.00', { kind: 'fee', taxClass: null }),
      ],
      {
        taxRates: [taxRate('KE-VAT', '16', { name: 'VAT', inclusive: true, regions: ['KE'] })],
        customer: { location: { country: 'KE' }, taxExemption: null },
      },
    );
    // credit, VAT-inclusive: VAT −1,612.90 × 0.16 / 1.16 = −222.4689… → −222.47; net −1,612.90 + 222.47 = −1,390.43
    // fee, not taxed: net 10,000.00
    // net 10,000.00 − 1,390.43 = 8,609.57; tax −222.47; total 8,609.57 − 222.47 = 8,387.10 = 10,000.00 − 1,612.90
    expect(totals(input)).toEqual({
      subtotal: '8609.57',
      discountTotal: '0.00',
      netTotal: '8609.57',
      taxTotal: '-222.47',
      total: '8387.10',
    });
  });
});

describe('a first period on a fixed billing day', () => {
  test('is the share of its month from the start to the billing day', () => {
    const anchor = '2024-02-10T08:00:00Z';
    const billingDay: BillingDay = { kind: 'fixed', day: 1 };
    const first = periodContaining(anchor, 'monthly', billingDay, anchor);
    const cycle = cycleContaining(anchor, 'monthly', billingDay, anchor);
    // 10 February to 1 March: the 10th to the 29th, 20 of February's 29 days; 29.99 × 20/29 = 20.6827… → 20.68
    expect(first).toEqual({ start: '2024-02-10', end: '2024-03-01' });
    const charge = prorate(new Decimal('29.99'), cycle, first.start, first.end, 'USD', 'half-even', 'by-day');
    expect(formatAmount(charge, 'USD')).toBe('20.68');
  });
});

describe('a country whose prices include VAT', () => {
  const NG_VAT = taxRate('NG-VAT', '7.5', { name: 'VAT', inclusive: true, regions: ['NG'] });
  const nigeria = { location: { country: 'NG' }, taxExemption: null };

  test('Nigeria, 7.5 %: the VAT is taken out of the price, and a discount lowers the price it is taken from', () => {
    const input = invoice(
      'NGN',
      [line('Fibre 50', '10750.00', { ref: 'fibre' }), line('Router', '26875.00', { kind: 'one-off' })],
      {
        taxRates: [NG_VAT],
        customer: nigeria,
        discounts: [
          { code: 'WELCOME10', description: '10 % off', kind: 'percent', value: '10', scope: 'line', lineRef: 'fibre' },
        ],
      },
    );
    const computed = computeInvoice(input);
    // fibre: 10,750.00 − 10 % (1,075.00) = 9,675.00; VAT 9,675.00 × 0.075 / 1.075 = 675.00; net 9,000.00
    // before the discount its net was 10,750.00 − 750.00 = 10,000.00, so the discount is 1,000.00 net of VAT
    expect(computed.lines[0]).toMatchObject({
      amount: '10750.00',
      discount: '1000.00',
      net: '9000.00',
      tax: '675.00',
      total: '9675.00',
    });
    // router: VAT 26,875.00 × 0.075 / 1.075 = 1,875.00; net 25,000.00
    expect(computed.lines[1]).toMatchObject({
      amount: '26875.00',
      discount: '0.00',
      net: '25000.00',
      tax: '1875.00',
      total: '26875.00',
    });
    // subtotal 10,000.00 + 25,000.00 = 35,000.00; net 35,000.00 − 1,000.00 = 34,000.00;
    // VAT 675.00 + 1,875.00 = 2,550.00; total 34,000.00 + 2,550.00 = 36,550.00 = 9,675.00 + 26,875.00
    expect(totals(input)).toEqual({
      subtotal: '35000.00',
      discountTotal: '1000.00',
      netTotal: '34000.00',
      taxTotal: '2550.00',
      total: '36550.00',
    });
    expect(computed.taxes).toEqual([
      { code: 'NG-VAT', name: 'VAT', rate: '7.5', inclusive: true, taxable: '34000.00', amount: '2550.00' },
    ]);
  });

  test('United Kingdom, 20 %: 25.00 is 20.83 net and 4.17 VAT', () => {
    const input = invoice('GBP', [line('Broadband', '25.00')], {
      taxRates: [taxRate('GB-VAT', '20', { name: 'VAT', inclusive: true, regions: ['GB'] })],
      customer: { location: { country: 'GB' }, taxExemption: null },
    });
    // VAT 25.00 × 0.20 / 1.20 = 4.1666… → 4.17; net 25.00 − 4.17 = 20.83
    expect(totals(input)).toEqual({
      subtotal: '20.83',
      discountTotal: '0.00',
      netTotal: '20.83',
      taxTotal: '4.17',
      total: '25.00',
    });
  });

  test('a tax-exempt customer pays the price without the VAT in it, and the line says why', () => {
    const input = invoice('NGN', [line('Fibre 50', '10750.00')], {
      taxRates: [NG_VAT],
      customer: { location: { country: 'NG' }, taxExemption: 'FIRS-EXM-0042' },
    });
    // 10,750.00 − 10,750.00 × 0.075 / 1.075 = 10,750.00 − 750.00 = 10,000.00, no VAT
    expect(totals(input)).toEqual({
      subtotal: '10000.00',
      discountTotal: '0.00',
      netTotal: '10000.00',
      taxTotal: '0.00',
      total: '10000.00',
    });
    expect(computeInvoice(input).lines[0]?.taxExemption).toBe('FIRS-EXM-0042');
  });

  test('Japan, 10 % consumption tax in yen, which have no minor unit', () => {
    const input = invoice('JPY', [line('Hikari 1G', '5500')], {
      taxRates: [taxRate('JP-CT', '10', { inclusive: true, regions: ['JP'] })],
      customer: { location: { country: 'JP' }, taxExemption: null },
    });
    // 5,500 × 0.10 / 1.10 = 500; net 5,000
    expect(totals(input)).toEqual({
      subtotal: '5000',
      discountTotal: '0',
      netTotal: '5000',
      taxTotal: '500',
      total: '5500',
    });
  });
});

describe('a country whose tax is added to the price', () => {
  const lines = [
    line('Fibre 100', '49.99'),
    line('Router rental', '5.00'),
    line('Installation', '99.00', { kind: 'one-off', taxClass: 'service' }),
  ];
  const inCalifornia = invoice('USD', lines, {
    taxRates: [CA_SALES_TAX],
    customer: { location: { country: 'US', region: 'CA' }, taxExemption: null },
  });

  test('California, 7.25 % on goods: added per line, services untaxed', () => {
    // 49.99 × 7.25 % = 3.624275 → 3.62; 5.00 × 7.25 % = 0.3625 → 0.36; installation is not of class 'standard'
    // net 49.99 + 5.00 + 99.00 = 153.99; tax 3.62 + 0.36 = 3.98; total 157.97
    expect(totals(inCalifornia)).toEqual({
      subtotal: '153.99',
      discountTotal: '0.00',
      netTotal: '153.99',
      taxTotal: '3.98',
      total: '157.97',
    });
    expect(computeInvoice(inCalifornia).taxes).toEqual([
      { code: 'US-CA', name: 'California sales tax', rate: '7.25', inclusive: false, taxable: '54.99', amount: '3.98' },
    ]);
  });

  test('a customer in New York pays no California tax', () => {
    const inNewYork = { ...inCalifornia, customer: { location: { country: 'US', region: 'NY' }, taxExemption: null } };
    expect(totals(inNewYork).total).toBe('153.99');
  });

  test('its credit note is the same invoice negated', () => {
    // −(153.99 + 3.98) = −157.97
    const { netTotal, taxTotal, total } = computeCreditNote(inCalifornia);
    expect([netTotal, taxTotal, total]).toEqual(['-153.99', '-3.98', '-157.97']);
  });
});

describe('a compound tax', () => {
  test('Quebec style: GST 5 %, then QST 9.975 % on the price plus GST', () => {
    const input = invoice('CAD', [line('Internet 300', '60.00'), line('TV basic', '19.99')], {
      taxRates: [
        taxRate('CA-GST', '5', { name: 'GST', regions: ['CA'], priority: 1 }),
        taxRate('QC-QST', '9.975', { name: 'QST', regions: ['CA-QC'], compound: true, priority: 2 }),
      ],
      customer: { location: { country: 'CA', region: 'QC' }, taxExemption: null },
    });
    const computed = computeInvoice(input);
    // internet: GST 60.00 × 5 % = 3.00; QST (60.00 + 3.00) × 9.975 % = 6.28425 → 6.28; total 69.28
    // TV: GST 19.99 × 5 % = 0.9995 → 1.00; QST (19.99 + 1.00) × 9.975 % = 2.0937525 → 2.09; total 23.08
    expect(computed.lines.map((l) => [l.taxes.map((t) => t.amount), l.total])).toEqual([
      [['3.00', '6.28'], '69.28'],
      [['1.00', '2.09'], '23.08'],
    ]);
    // GST 4.00 on 79.99; QST 8.37 on 63.00 + 20.99 = 83.99; total 79.99 + 12.37 = 92.36
    expect(computed.taxes.map((t) => [t.code, t.taxable, t.amount])).toEqual([
      ['CA-GST', '79.99', '4.00'],
      ['QC-QST', '83.99', '8.37'],
    ]);
    expect(totals(input)).toEqual({
      subtotal: '79.99',
      discountTotal: '0.00',
      netTotal: '79.99',
      taxTotal: '12.37',
      total: '92.36',
    });
  });
});

describe('an overage charge', () => {
  test('GB beyond the allowance are billed per GB on their own usage line', () => {
    // 123,456,000,000 bytes / 10^9 = 123.456 GB; 23.456 GB over the 100 GB included
    const usedGb = bytesToGb('123456000000');
    expect(usedGb).toBe('123.456');
    const usage = usageCharge({ kind: 'overage', includedGb: '100', pricePerGb: '0.50' }, usedGb, 'USD', 'half-even');
    // 23.456 × 0.50 = 11.728 → 11.73
    expect([usage.quantity.toString(), formatAmount(usage.amount, 'USD')]).toEqual(['23.456', '11.73']);

    const input = invoice('USD', [
      line('Fibre 100, April', '40.00', { taxClass: null }),
      line(usage.description, '0.50', { kind: 'usage', quantity: usage.quantity.toString(), taxClass: null }),
    ]);
    // 40.00 + 11.73 = 51.73
    expect(computeInvoice(input).lines[1]?.amount).toBe('11.73');
    expect(totals(input).total).toBe('51.73');
  });
});

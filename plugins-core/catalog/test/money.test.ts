// Money: decimal strings with the currency's minor units, never floats. Properties over every
// currency the runtime knows, first of the pure functions, then through the real kernel and
// database, where an amount must come back exactly as it went in.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { amountProblem, formatAmount, minorUnits } from '../src/server/money.ts';
import { createPlan, freshCode, internetPlan, type Plan, type Problem, refusedFields, START } from './support.ts';

const CURRENCIES = Intl.supportedValuesOf('currency');

/** A currency and an amount written with exactly its minor units ("29.99" USD, "3500" JPY). */
const priced = fc.constantFrom(...CURRENCIES).chain((currency) => {
  const digits = minorUnits(currency);
  return fc
    .tuple(
      fc.integer({ min: 0, max: 9_999_999_999 }),
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: digits, maxLength: digits }),
    )
    .map(([whole, fraction]) => ({ currency, digits, amount: digits === 0 ? `${whole}` : `${whole}.${fraction}` }));
});

/** `amount` with one more decimal than its currency has, and that decimal not zero. */
const oneDecimalTooMany = (amount: string, digits: number, extra: number) =>
  `${amount}${digits === 0 ? '.' : ''}${extra}`;

describe('money, as pure functions', () => {
  test('the minor units are those of ISO 4217, as the runtime knows them', () => {
    expect(['USD', 'EUR', 'JPY', 'KWD', 'CLF'].map(minorUnits)).toEqual([2, 2, 0, 3, 4]);
  });

  test('any amount with its currency’s minor units is accepted and formats to itself, also as stored', () => {
    fc.assert(
      fc.property(priced, ({ currency, digits, amount }) => {
        expect(amountProblem(currency, amount)).toBeUndefined();
        expect(formatAmount(currency, amount)).toBe(amount);
        // numeric(14, 4) answers four decimals: the same amount, padded with zeros.
        const stored = `${amount}${digits === 0 ? '.' : ''}${'0'.repeat(4 - digits)}`;
        expect(formatAmount(currency, stored)).toBe(amount);
      }),
      { numRuns: 2000 },
    );
  });

  test('an amount with more decimals than its currency has is refused, saying how many it may have', () => {
    fc.assert(
      fc.property(priced, fc.integer({ min: 1, max: 9 }), ({ currency, digits, amount }, extra) => {
        const problem = amountProblem(currency, oneDecimalTooMany(amount, digits, extra));
        expect(problem).toBeDefined();
        expect(problem).toContain(currency);
      }),
      { numRuns: 2000 },
    );
  });

  test('fewer decimals are padded, never rounded; anything but a plain decimal is refused', () => {
    expect(formatAmount('USD', '29.9')).toBe('29.90');
    expect(formatAmount('KWD', '1')).toBe('1.000');
    expect(() => formatAmount('USD', '29.995')).toThrow(/more decimals/);
    for (const bad of ['-1', '1e3', '01.00', '.5', '5.', ' 5', '5 ', 'NaN', '12345678901']) {
      expect(amountProblem('USD', bad), bad).toBeDefined();
    }
    expect(amountProblem('XYZ', '1')).toBe('XYZ is not an ISO 4217 currency code');
  });
});

describe('money, through the kernel and the database', () => {
  let bed: Testbed;
  let isp: string;
  beforeAll(async () => {
    bed = await createTestbed({ clock: START });
    isp = await bed.tenant('money');
  });
  afterAll(() => bed?.close());

  test('any price with its currency’s minor units comes back exactly as it was sent', async () => {
    await fc.assert(
      fc.asyncProperty(priced, async ({ currency, amount }) => {
        const plan = await createPlan(bed, isp, {
          code: freshCode('ITEM'),
          name: 'Item',
          kind: 'one-off',
          prices: { [currency]: amount },
        });
        expect(plan.current?.prices).toEqual({ [currency]: amount });
        const read = await bed.request<Plan>(isp, `GET /plans/${plan.id}`);
        expect(read.body.current?.prices).toEqual({ [currency]: amount });
      }),
      { numRuns: 40 },
    );
  });

  test('a price with more decimals than its currency has is a 400 naming the price', async () => {
    await fc.assert(
      fc.asyncProperty(priced, fc.integer({ min: 1, max: 9 }), async ({ currency, digits, amount }, extra) => {
        const body = internetPlan({ prices: { [currency]: oneDecimalTooMany(amount, digits, extra) } });
        const answer = await bed.request<Problem>(isp, 'POST /plans', body);
        expect(refusedFields(answer)).toContain(`/body/prices/${currency}`);
      }),
      { numRuns: 25 },
    );
  });

  test('each field of money is checked against its currency: prices, fees and overage', async () => {
    const answer = await bed.request<Problem>(
      isp,
      'POST /plans',
      internetPlan({
        prices: { USD: '29.999', JPY: '3500.5', KWD: '1.250' },
        contractMonths: 12,
        earlyTerminationFee: { USD: '10', JPY: '1000.0', KWD: '5.0001' },
        internet: {
          downloadKbps: 10_000,
          uploadKbps: 1_000,
          dataCapGb: 10,
          fairUse: { policy: 'overage', overagePricePerGb: { USD: '0.001', JPY: '10', KWD: '0.1' } },
        },
      }),
    );
    expect(answer.body.errors).toEqual([
      { pointer: '/body/prices/USD', detail: '"29.999" has 3 decimals; USD has 2' },
      {
        pointer: '/body/prices/JPY',
        detail: '"3500.5" has decimals; JPY has no minor unit, so amounts are whole (like 3500)',
      },
      expect.objectContaining({ pointer: '/body/earlyTerminationFee/JPY' }),
      { pointer: '/body/earlyTerminationFee/KWD', detail: '"5.0001" has 4 decimals; KWD has 3' },
      expect.objectContaining({ pointer: '/body/internet/fairUse/overagePricePerGb/USD' }),
    ]);
  });

  test('amounts are stored as exact decimals', async () => {
    const plan = await createPlan(bed, isp, internetPlan({ prices: { USD: '0.10', KWD: '1.234', JPY: '3500' } }));
    const stored = await bed.query<{ currency: string; amount: string }>(
      `select a.currency, a.amount::text as amount from plan_amounts a
         join plan_versions v on v.id = a.plan_version_id where v.plan_id = $1 order by a.currency`,
      [plan.id],
    );
    expect(stored).toEqual([
      { currency: 'JPY', amount: '3500.0000' },
      { currency: 'KWD', amount: '1.2340' },
      { currency: 'USD', amount: '0.1000' },
    ]);
  });

  test('a tenant that sells in some currencies only refuses prices in any other', async () => {
    const shop = await bed.tenant('money-usd-only');
    await bed.setConfig(shop, { currencies: ['USD'] });
    expect(
      refusedFields(await bed.request(shop, 'POST /plans', internetPlan({ prices: { USD: '1', EUR: '1' } }))),
    ).toEqual(['/body/prices/EUR']);
    await createPlan(bed, shop, internetPlan({ prices: { USD: '1' } }));
  });
});

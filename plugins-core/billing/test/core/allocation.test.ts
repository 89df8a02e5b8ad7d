// Payments and credit against open invoices: oldest first or as the payer says, never more than
// an invoice owes, and not a minor unit lost or made.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  AllocationError,
  allocatePayment,
  applyCredit,
  type OpenInvoice,
  oldestFirst,
} from '../../src/server/core/allocation.ts';

const open = (
  id: string,
  dueAt: string,
  balance: string,
  issuedAt = '2025-01-01T00:00:00Z',
  number = id,
): OpenInvoice => ({
  id,
  number,
  issuedAt,
  dueAt,
  balance,
});

const march = open('march', '2025-03-15T00:00:00Z', '100.00');
const january = open('january', '2025-01-15T00:00:00Z', '100.00');
const february = open('february', '2025-02-15T00:00:00Z', '100.00');

/** The error `run` throws, for asserting its field and message together. */
function refusal(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof AllocationError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected an AllocationError');
}

describe('allocatePayment, automatically', () => {
  test('settles the invoice due first, then the next, and leaves the last one partly open', () => {
    expect(allocatePayment({ currency: 'USD', amount: '250.00', invoices: [march, january, february] })).toEqual({
      allocations: [
        { invoiceId: 'january', amount: '100.00' },
        { invoiceId: 'february', amount: '100.00' },
        { invoiceId: 'march', amount: '50.00' },
      ],
      unallocated: '0.00',
    });
  });

  test('an overpayment settles everything and leaves the rest unallocated', () => {
    expect(allocatePayment({ currency: 'JPY', amount: '5000', invoices: [open('a', '2025-01-15', '3500')] })).toEqual({
      allocations: [{ invoiceId: 'a', amount: '3500' }],
      unallocated: '1500',
    });
    expect(allocatePayment({ currency: 'KWD', amount: '2', invoices: [] })).toEqual({
      allocations: [],
      unallocated: '2.000',
    });
  });

  test('on the same due date the earlier issued comes first, then the lower invoice number, reading digits as numbers', () => {
    const sameDue = '2025-02-01T00:00:00Z';
    const invoices = [
      open('x', sameDue, '1.00', '2025-01-02T00:00:00Z', 'INV-1'),
      open('y', sameDue, '1.00', '2025-01-01T00:00:00Z', 'INV-10'),
      open('z', sameDue, '1.00', '2025-01-01T00:00:00Z', 'INV-9'),
    ];
    expect(oldestFirst(invoices).map((invoice) => invoice.id)).toEqual(['z', 'y', 'x']);
  });

  test('an invoice with nothing open gets nothing', () => {
    const settled = open('settled', '2024-12-01T00:00:00Z', '0.00');
    expect(allocatePayment({ currency: 'USD', amount: '10.00', invoices: [settled, january] }).allocations).toEqual([
      { invoiceId: 'january', amount: '10.00' },
    ]);
  });

  test('refuses a negative payment, an amount finer than the currency, and a negative or duplicated invoice', () => {
    expect(refusal(() => allocatePayment({ currency: 'USD', amount: '-1.00', invoices: [] }))).toEqual({
      field: 'amount',
      message: 'the payment amount -1.00 is negative',
    });
    expect(refusal(() => allocatePayment({ currency: 'JPY', amount: '10.5', invoices: [] }))).toEqual({
      field: 'amount',
      message: 'the payment amount: "10.5" has decimals; JPY has no minor unit',
    });
    expect(refusal(() => allocatePayment({ currency: 'USD', amount: '1.00', invoices: [january, january] }))).toEqual({
      field: 'invoices/1/id',
      message: 'invoice january is listed twice',
    });
    const owingUs = open('odd', '2025-01-01', '-3.00');
    expect(refusal(() => allocatePayment({ currency: 'USD', amount: '1.00', invoices: [owingUs] })).field).toBe(
      'invoices/0/balance',
    );
  });
});

describe('allocatePayment, as the payer says', () => {
  const invoices = [january, february, march];

  test('settles exactly the invoices named, and the rest stays unallocated rather than going elsewhere', () => {
    const explicit = [
      { invoiceId: 'march', amount: '100.00' },
      { invoiceId: 'january', amount: '20.00' },
      { invoiceId: 'february', amount: '0' },
    ];
    expect(allocatePayment({ currency: 'USD', amount: '150.00', invoices, explicit })).toEqual({
      allocations: [
        { invoiceId: 'march', amount: '100.00' },
        { invoiceId: 'january', amount: '20.00' },
      ],
      unallocated: '30.00',
    });
  });

  test('refuses an unknown invoice, a repeated one, a negative amount, more than the invoice owes, or more than the payment', () => {
    const pay = (explicit: { invoiceId: string; amount: string }[]) => () =>
      allocatePayment({ currency: 'USD', amount: '150.00', invoices, explicit });
    expect(refusal(pay([{ invoiceId: 'april', amount: '1.00' }]))).toEqual({
      field: 'allocations/0/invoiceId',
      message: "invoice april is not one of the account's open invoices",
    });
    expect(
      refusal(
        pay([
          { invoiceId: 'march', amount: '1.00' },
          { invoiceId: 'march', amount: '2.00' },
        ]),
      ),
    ).toEqual({ field: 'allocations/1/invoiceId', message: 'invoice march is allocated twice; give it one amount' });
    expect(refusal(pay([{ invoiceId: 'march', amount: '-1.00' }]))).toEqual({
      field: 'allocations/0/amount',
      message: 'an allocation -1.00 is negative',
    });
    expect(refusal(pay([{ invoiceId: 'march', amount: '100.01' }]))).toEqual({
      field: 'allocations/0/amount',
      message: '100.01 is more than the 100.00 open on invoice march',
    });
    expect(
      refusal(
        pay([
          { invoiceId: 'january', amount: '100.00' },
          { invoiceId: 'march', amount: '50.01' },
        ]),
      ),
    ).toEqual({
      field: 'allocations/1/amount',
      message: 'the allocations add up to 150.01, more than the payment of 150.00',
    });
  });
});

describe('applyCredit', () => {
  test('settles the oldest invoices with the credit and says what credit is left', () => {
    expect(applyCredit({ currency: 'USD', credit: '130.00', invoices: [february, january] })).toEqual({
      allocations: [
        { invoiceId: 'january', amount: '100.00' },
        { invoiceId: 'february', amount: '30.00' },
      ],
      unallocated: '0.00',
    });
    expect(applyCredit({ currency: 'USD', credit: '0', invoices: [january] })).toEqual({
      allocations: [],
      unallocated: '0.00',
    });
  });
});

describe('properties', () => {
  const DIGITS: Record<string, number> = { USD: 2, JPY: 0, KWD: 3 };
  const currency = fc.constantFrom('USD', 'JPY', 'KWD');
  const minor = (units: number, code: string): string => {
    const digits = DIGITS[code] ?? 2;
    const text = String(units).padStart(digits + 1, '0');
    return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  };
  const units = (amount: string): number => Number(amount.replace('.', ''));
  const day = (n: number): string => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString();

  /** Open invoices with distinct ids; due and issue days drawn from a small range so that ties happen. */
  const invoicesIn = (code: string) =>
    fc
      .array(
        fc.record({
          due: fc.integer({ min: 0, max: 5 }),
          issued: fc.integer({ min: 0, max: 5 }),
          number: fc.integer({ min: 1, max: 20 }),
          balance: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        { maxLength: 8 },
      )
      .map((drawn) =>
        drawn.map((d, i) => open(`inv-${i}`, day(d.due), minor(d.balance, code), day(d.issued), `INV-${d.number}`)),
      );

  const inMinorUnits = (amount: string, code: string): boolean => {
    const digits = DIGITS[code] ?? 2;
    return new RegExp(digits === 0 ? '^(0|[1-9][0-9]*)$' : `^(0|[1-9][0-9]*)\\.[0-9]{${digits}}$`).test(amount);
  };

  test('automatic allocation: each positive and within its invoice, the sum exact, oldest settled in full first', () => {
    const draw = currency.chain((code) =>
      fc.tuple(fc.constant(code), invoicesIn(code), fc.integer({ min: 0, max: 5_000_000 })),
    );
    fc.assert(
      fc.property(draw, ([code, invoices, paid]) => {
        const { allocations, unallocated } = allocatePayment({ currency: code, amount: minor(paid, code), invoices });
        const balanceOf = new Map(invoices.map((invoice) => [invoice.id, units(invoice.balance)]));
        expect([unallocated, ...allocations.map((a) => a.amount)].every((a) => inMinorUnits(a, code))).toBe(true);
        for (const { invoiceId, amount } of allocations) {
          expect(units(amount)).toBeGreaterThan(0);
          expect(units(amount)).toBeLessThanOrEqual(balanceOf.get(invoiceId) ?? -1);
        }
        expect(allocations.reduce((total, a) => total + units(a.amount), units(unallocated))).toBe(paid);
        // In oldest-first order, every invoice owing something is settled in full until the money runs out.
        const owing = oldestFirst(invoices).filter((invoice) => units(invoice.balance) > 0);
        expect(allocations.map((a) => a.invoiceId)).toEqual(owing.slice(0, allocations.length).map((i) => i.id));
        allocations.slice(0, -1).forEach((a) => {
          expect(units(a.amount)).toBe(balanceOf.get(a.invoiceId));
        });
        if (units(unallocated) > 0) {
          expect(allocations.length).toBe(owing.length);
          allocations.forEach((a) => {
            expect(units(a.amount)).toBe(balanceOf.get(a.invoiceId));
          });
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('oldest first is ordered by due date, then issue date, then invoice number', () => {
    fc.assert(
      fc.property(invoicesIn('USD'), (invoices) => {
        const ordered = oldestFirst(invoices);
        expect(new Set(ordered.map((i) => i.id))).toEqual(new Set(invoices.map((i) => i.id)));
        for (let i = 1; i < ordered.length; i++) {
          const a = ordered[i - 1] as OpenInvoice;
          const b = ordered[i] as OpenInvoice;
          const key = (x: OpenInvoice) => [Date.parse(x.dueAt), Date.parse(x.issuedAt), Number(x.number.slice(4))];
          const [ka, kb] = [key(a), key(b)];
          const firstDifference = ka.findIndex((value, k) => value !== kb[k]);
          if (firstDifference >= 0) expect(ka[firstDifference]).toBeLessThan(kb[firstDifference] as number);
        }
      }),
    );
  });

  test('a valid explicit split is taken as given; one that exceeds an invoice or the payment is refused', () => {
    const draw = currency.chain((code) =>
      invoicesIn(code).chain((invoices) =>
        fc.tuple(
          fc.constant(code),
          fc.constant(invoices),
          fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: invoices.length, maxLength: invoices.length }),
          fc.integer({ min: 0, max: 2_000_000 }),
          fc.integer({ min: 1, max: 1000 }),
        ),
      ),
    );
    fc.assert(
      fc.property(draw, ([code, invoices, perMille, extra, excess]) => {
        const explicit = invoices.map((invoice, i) => ({
          invoiceId: invoice.id,
          amount: minor(Math.floor((units(invoice.balance) * (perMille[i] ?? 0)) / 1000), code),
        }));
        const wanted = explicit.reduce((total, a) => total + units(a.amount), 0);
        const result = allocatePayment({ currency: code, amount: minor(wanted + extra, code), invoices, explicit });
        expect(result.allocations).toEqual(explicit.filter((a) => units(a.amount) > 0));
        expect(result.unallocated).toBe(minor(extra, code));

        if (wanted > 0) {
          const short = () => allocatePayment({ currency: code, amount: minor(wanted - 1, code), invoices, explicit });
          expect(refusal(short).message).toMatch(/^the allocations add up to .*, more than the payment of/);
        }
        const first = invoices[0];
        if (first !== undefined) {
          const tooMuch = [{ invoiceId: first.id, amount: minor(units(first.balance) + excess, code) }];
          expect(
            refusal(() =>
              allocatePayment({ currency: code, amount: minor(9_000_000, code), invoices, explicit: tooMuch }),
            ).field,
          ).toBe('allocations/0/amount');
        }
      }),
      { numRuns: 500 },
    );
  });
});

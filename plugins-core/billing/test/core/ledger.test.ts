// The ledger as a specification: each fact's journal, line by line, and a customer's books kept
// over any sequence of facts agreeing with a simple model of invoices and credit.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  creditApplied,
  creditNoteIssued,
  customerBalance,
  invoiceIssued,
  invoiceVoided,
  isBalanced,
  type Journal,
  LEDGER_ACCOUNTS,
  paymentReceived,
  prepaidCharge,
  refundIssued,
  reverse,
  topUp,
  trialBalance,
} from '../../src/server/core/ledger.ts';

const invoice = { currency: 'USD', netBeforeDiscount: '100.00', discount: '10.00', tax: '18.00', total: '108.00' };

describe('the journal of each fact', () => {
  test('an issued invoice debits receivables and discounts, and credits revenue and tax payable', () => {
    expect(invoiceIssued(invoice)).toEqual({
      fact: 'invoice-issued',
      currency: 'USD',
      lines: [
        { account: 'receivables', debit: '108.00', credit: '0.00' },
        { account: 'discounts', debit: '10.00', credit: '0.00' },
        { account: 'revenue', debit: '0.00', credit: '100.00' },
        { account: 'tax-payable', debit: '0.00', credit: '18.00' },
      ],
    });
  });

  test('lines of zero are left out, and amounts are written in the currency’s minor units', () => {
    const yen = invoiceIssued({ currency: 'JPY', netBeforeDiscount: '3500', discount: '0', tax: '350', total: '3850' });
    expect(yen.lines).toEqual([
      { account: 'receivables', debit: '3850', credit: '0' },
      { account: 'revenue', debit: '0', credit: '3500' },
      { account: 'tax-payable', debit: '0', credit: '350' },
    ]);
    const dinar = invoiceIssued({
      currency: 'KWD',
      netBeforeDiscount: '1.25',
      discount: '0',
      tax: '0',
      total: '1.250',
    });
    expect(dinar.lines).toEqual([
      { account: 'receivables', debit: '1.250', credit: '0.000' },
      { account: 'revenue', debit: '0.000', credit: '1.250' },
    ]);
  });

  test('an invoice whose figures do not add up, or are negative, is refused with the reason', () => {
    expect(() => invoiceIssued({ ...invoice, total: '118.00' })).toThrow(
      'invoice total 118.00 is not netBeforeDiscount 100.00 − discount 10.00 + tax 18.00 = 108.00',
    );
    expect(() =>
      invoiceIssued({ currency: 'USD', netBeforeDiscount: '-5.00', discount: '0', tax: '0', total: '-5.00' }),
    ).toThrow('invoice netBeforeDiscount -5.00 is negative; record a negative invoice with creditNoteIssued');
    expect(() =>
      invoiceIssued({ currency: 'JPY', netBeforeDiscount: '100.50', discount: '0', tax: '0', total: '100.50' }),
    ).toThrow('invoice netBeforeDiscount: "100.50" has decimals; JPY has no minor unit');
  });

  test('a voided invoice is the reversing journal of its issue', () => {
    const voided = invoiceVoided(invoice);
    expect(voided.fact).toBe('invoice-voided');
    expect(voided.lines).toEqual([
      { account: 'receivables', debit: '0.00', credit: '108.00' },
      { account: 'discounts', debit: '0.00', credit: '10.00' },
      { account: 'revenue', debit: '100.00', credit: '0.00' },
      { account: 'tax-payable', debit: '18.00', credit: '0.00' },
    ]);
    expect(customerBalance([invoiceIssued(invoice), voided], 'USD')).toBe('0.00');
    expect(reverse(reverse(invoiceIssued(invoice))).lines).toEqual(invoiceIssued(invoice).lines);
    expect(reverse(invoiceIssued(invoice)).fact).toBe('reversal');
  });

  test('a credit note takes back revenue and tax, gives back the discount, and splits between receivables and customer credit', () => {
    const note = {
      currency: 'USD',
      netBeforeDiscount: '50.00',
      discount: '5.00',
      tax: '9.00',
      total: '54.00',
      toCustomerCredit: '20.00',
    };
    expect(creditNoteIssued(note)).toEqual({
      fact: 'credit-note-issued',
      currency: 'USD',
      lines: [
        { account: 'revenue', debit: '50.00', credit: '0.00' },
        { account: 'tax-payable', debit: '9.00', credit: '0.00' },
        { account: 'discounts', debit: '0.00', credit: '5.00' },
        { account: 'receivables', debit: '0.00', credit: '34.00' },
        { account: 'customer-credit', debit: '0.00', credit: '20.00' },
      ],
    });
    const asPrinted = {
      currency: 'USD',
      netBeforeDiscount: '-50.00',
      discount: '-5.00',
      tax: '-9.00',
      total: '-54.00',
      toCustomerCredit: '-20.00',
    };
    expect(creditNoteIssued(asPrinted)).toEqual(creditNoteIssued(note));
    expect(() => creditNoteIssued({ ...note, toCustomerCredit: '60.00' })).toThrow(
      'credit note toCustomerCredit 60.00 is more than its total 54.00',
    );
    expect(() => creditNoteIssued({ ...asPrinted, tax: '9.00' })).toThrow('credit note figures mix signs');
  });

  test('an overpayment credits receivables with what was allocated and customer credit with the rest', () => {
    expect(paymentReceived({ currency: 'USD', amount: '150.00', allocated: '108.00', method: 'card' })).toEqual({
      fact: 'payment-received',
      currency: 'USD',
      lines: [
        { account: 'cash', debit: '150.00', credit: '0.00', method: 'card' },
        { account: 'receivables', debit: '0.00', credit: '108.00' },
        { account: 'customer-credit', debit: '0.00', credit: '42.00' },
      ],
    });
    expect(() => paymentReceived({ currency: 'USD', amount: '10.00', allocated: '10.01', method: 'card' })).toThrow(
      'payment allocated 10.01 is more than the payment of 10.00',
    );
    expect(() => paymentReceived({ currency: 'USD', amount: '10.00', allocated: '0', method: ' ' })).toThrow(
      'a cash movement needs the payment method',
    );
  });

  test('credit applied, refunds, top-ups and prepaid charges move customer credit', () => {
    expect(creditApplied({ currency: 'USD', amount: '42.00' }).lines).toEqual([
      { account: 'customer-credit', debit: '42.00', credit: '0.00' },
      { account: 'receivables', debit: '0.00', credit: '42.00' },
    ]);
    expect(refundIssued({ currency: 'KWD', amount: '3.5', method: 'bank-transfer' }).lines).toEqual([
      { account: 'customer-credit', debit: '3.500', credit: '0.000' },
      { account: 'cash', debit: '0.000', credit: '3.500', method: 'bank-transfer' },
    ]);
    expect(topUp({ currency: 'JPY', amount: '5000', method: 'mobile-money' }).lines).toEqual([
      { account: 'cash', debit: '5000', credit: '0', method: 'mobile-money' },
      { account: 'customer-credit', debit: '0', credit: '5000' },
    ]);
    expect(
      prepaidCharge({ currency: 'JPY', netBeforeDiscount: '1000', discount: '100', tax: '90', total: '990' }).lines,
    ).toEqual([
      { account: 'customer-credit', debit: '990', credit: '0' },
      { account: 'discounts', debit: '100', credit: '0' },
      { account: 'revenue', debit: '0', credit: '1000' },
      { account: 'tax-payable', debit: '0', credit: '90' },
    ]);
    expect(() => refundIssued({ currency: 'USD', amount: '-1.00', method: 'card' })).toThrow(
      'refund amount -1.00 is negative',
    );
  });
});

describe('a customer’s books', () => {
  test('invoice, overpayment and refund: the balance goes from owed to credit to settled', () => {
    const books: Journal[] = [invoiceIssued(invoice)];
    expect(customerBalance(books, 'USD')).toBe('108.00');
    books.push(paymentReceived({ currency: 'USD', amount: '150.00', allocated: '108.00', method: 'card' }));
    expect(customerBalance(books, 'USD')).toBe('-42.00');
    books.push(refundIssued({ currency: 'USD', amount: '42.00', method: 'card' }));
    expect(customerBalance(books, 'USD')).toBe('0.00');
    expect(trialBalance(books, 'USD')).toEqual({
      receivables: '0.00',
      revenue: '-100.00',
      discounts: '10.00',
      'tax-payable': '-18.00',
      'customer-credit': '0.00',
      cash: '108.00',
    });
  });

  test('journals in another currency are not summed with them', () => {
    expect(() => trialBalance([invoiceIssued(invoice)], 'EUR')).toThrow(
      'a invoice-issued journal in USD cannot be summed with EUR journals',
    );
  });

  test('after any sequence of facts every journal balances, the trial balance is zero, and the balance matches the model', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('USD', 'JPY', 'KWD'),
        fc.array(arbitraryFact, { maxLength: 30 }),
        (currency, facts) => {
          const books = new Books(currency);
          for (const fact of facts) {
            const entry = books.record(fact);
            if (entry === undefined) continue;
            expect(isBalanced(entry)).toBe(true);
            for (const line of entry.lines) {
              expect((line.debit === zero(currency)) !== (line.credit === zero(currency))).toBe(true);
              expect([line.debit, line.credit].every((amount) => inMinorUnits(amount, currency))).toBe(true);
            }
          }
          const balance = trialBalance(books.journals, currency);
          const totals = LEDGER_ACCOUNTS.map((account) => toUnits(balance[account]));
          expect(totals.reduce((a, b) => a + b, 0)).toBe(0);
          expect(balance.cash).toBe(toAmount(books.cash, currency));
          expect(customerBalance(books.journals, currency)).toBe(toAmount(books.owed() - books.credit, currency));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// A fact as drawn: shares are per mille of what the model has, so every fact is one that could happen.
type Fact =
  | { kind: 'invoice'; net: number; discountPercent: number; taxPercent: number }
  | { kind: 'payment'; amount: number }
  | { kind: 'credit-note'; pick: number; share: number; printedNegative: boolean }
  | { kind: 'apply-credit'; share: number }
  | { kind: 'refund'; share: number }
  | { kind: 'top-up'; amount: number }
  | { kind: 'prepaid-charge'; share: number; taxPercent: number }
  | { kind: 'void'; pick: number };

const units = fc.integer({ min: 0, max: 10_000_000 });
const perMille = fc.integer({ min: 0, max: 1000 });
const arbitraryFact: fc.Arbitrary<Fact> = fc.oneof(
  fc.record({
    kind: fc.constant('invoice' as const),
    net: units,
    discountPercent: fc.integer({ min: 0, max: 100 }),
    taxPercent: fc.integer({ min: 0, max: 30 }),
  }),
  fc.record({ kind: fc.constant('payment' as const), amount: units }),
  fc.record({
    kind: fc.constant('credit-note' as const),
    pick: fc.nat(),
    share: perMille,
    printedNegative: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('apply-credit' as const), share: perMille }),
  fc.record({ kind: fc.constant('refund' as const), share: perMille }),
  fc.record({ kind: fc.constant('top-up' as const), amount: units }),
  fc.record({
    kind: fc.constant('prepaid-charge' as const),
    share: perMille,
    taxPercent: fc.integer({ min: 0, max: 30 }),
  }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
);

interface ModelInvoice {
  total: number;
  open: number;
  // What a credit note can still take back.
  net: number;
  discount: number;
  tax: number;
  touched: boolean;
  voided: boolean;
}

/** The model: invoices and credit counted in integer minor units, and the journals the ledger wrote for them. */
class Books {
  readonly journals: Journal[] = [];
  readonly invoices: ModelInvoice[] = [];
  credit = 0;
  cash = 0;

  constructor(readonly currency: string) {}

  owed(): number {
    return this.invoices.reduce((total, invoice) => total + invoice.open, 0);
  }

  record(fact: Fact): Journal | undefined {
    const entry = this.journalOf(fact);
    if (entry !== undefined) this.journals.push(entry);
    return entry;
  }

  private journalOf(fact: Fact): Journal | undefined {
    const currency = this.currency;
    const amount = (value: number): string => toAmount(value, currency);
    switch (fact.kind) {
      case 'invoice': {
        const discount = Math.floor((fact.net * fact.discountPercent) / 100);
        const tax = Math.floor(((fact.net - discount) * fact.taxPercent) / 100);
        const total = fact.net - discount + tax;
        this.invoices.push({ total, open: total, net: fact.net, discount, tax, touched: false, voided: false });
        return invoiceIssued({
          currency,
          netBeforeDiscount: amount(fact.net),
          discount: amount(discount),
          tax: amount(tax),
          total: amount(total),
        });
      }
      case 'payment': {
        const allocated = this.settleOldestFirst(fact.amount);
        this.credit += fact.amount - allocated;
        this.cash += fact.amount;
        return paymentReceived({ currency, amount: amount(fact.amount), allocated: amount(allocated), method: 'card' });
      }
      case 'credit-note': {
        const live = this.invoices.filter((invoice) => !invoice.voided);
        const target = live[fact.pick % Math.max(live.length, 1)];
        if (target === undefined) return undefined;
        const part = (value: number): number => Math.floor((value * fact.share) / 1000);
        const net = part(target.net);
        const discount = part(target.discount);
        const tax = part(target.tax);
        const total = net - discount + tax;
        const toReceivables = Math.min(total, target.open);
        Object.assign(target, {
          net: target.net - net,
          discount: target.discount - discount,
          tax: target.tax - tax,
          open: target.open - toReceivables,
          touched: true,
        });
        this.credit += total - toReceivables;
        const sign = fact.printedNegative ? -1 : 1;
        return creditNoteIssued({
          currency,
          netBeforeDiscount: amount(sign * net),
          discount: amount(sign * discount),
          tax: amount(sign * tax),
          total: amount(sign * total),
          toCustomerCredit: amount(sign * (total - toReceivables)),
        });
      }
      case 'apply-credit': {
        const applied = this.settleOldestFirst(Math.floor((this.credit * fact.share) / 1000));
        this.credit -= applied;
        return creditApplied({ currency, amount: amount(applied) });
      }
      case 'refund': {
        const refunded = Math.floor((this.credit * fact.share) / 1000);
        this.credit -= refunded;
        this.cash -= refunded;
        return refundIssued({ currency, amount: amount(refunded), method: 'card' });
      }
      case 'top-up': {
        this.credit += fact.amount;
        this.cash += fact.amount;
        return topUp({ currency, amount: amount(fact.amount), method: 'voucher' });
      }
      case 'prepaid-charge': {
        const total = Math.floor((this.credit * fact.share) / 1000);
        const tax = Math.floor((total * fact.taxPercent) / (100 + fact.taxPercent));
        this.credit -= total;
        return prepaidCharge({
          currency,
          netBeforeDiscount: amount(total - tax),
          discount: amount(0),
          tax: amount(tax),
          total: amount(total),
        });
      }
      case 'void': {
        const untouched = this.invoices.filter((invoice) => !invoice.voided && !invoice.touched);
        const target = untouched[fact.pick % Math.max(untouched.length, 1)];
        if (target === undefined) return undefined;
        Object.assign(target, { voided: true, open: 0 });
        return invoiceVoided({
          currency,
          netBeforeDiscount: amount(target.net),
          discount: amount(target.discount),
          tax: amount(target.tax),
          total: amount(target.total),
        });
      }
    }
  }

  /** Settles open invoices in issue order with `money`; how much of it was used. */
  private settleOldestFirst(money: number): number {
    let left = money;
    for (const invoice of this.invoices) {
      const share = Math.min(left, invoice.open);
      if (share > 0) Object.assign(invoice, { open: invoice.open - share, touched: true });
      left -= share;
    }
    return money - left;
  }
}

const DIGITS: Record<string, number> = { USD: 2, JPY: 0, KWD: 3 };

/** Minor units written as the currency writes them, without the money module: 12345 USD is "123.45". */
function toAmount(value: number, currency: string): string {
  const digits = DIGITS[currency] ?? 2;
  const text = String(Math.abs(value)).padStart(digits + 1, '0');
  const whole = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return value < 0 ? `-${whole}` : whole;
}

function toUnits(amount: string): number {
  return Number(amount.replace('.', ''));
}

function zero(currency: string): string {
  return toAmount(0, currency);
}

function inMinorUnits(amount: string, currency: string): boolean {
  const digits = DIGITS[currency] ?? 2;
  return new RegExp(digits === 0 ? '^(0|[1-9][0-9]*)$' : `^(0|[1-9][0-9]*)\\.[0-9]{${digits}}$`).test(amount);
}

// Double-entry bookkeeping of billing facts: each fact becomes one balanced journal that is
// appended and never edited; a correction is a reversing journal. Debit-positive throughout.
import { Decimal, formatAmount, parseAmount, sum } from './money.ts';

/**
 * The ledger's accounts. `cash` is money received, per payment method (the `method` of its
 * lines); `customer-credit` is money we owe the customer; `discounts` is contra-revenue.
 */
export type LedgerAccount = 'receivables' | 'revenue' | 'discounts' | 'tax-payable' | 'customer-credit' | 'cash';

/** Every ledger account, in the order a trial balance lists them. */
export const LEDGER_ACCOUNTS: readonly LedgerAccount[] = [
  'receivables',
  'revenue',
  'discounts',
  'tax-payable',
  'customer-credit',
  'cash',
];

/** The financial fact a journal records. */
export type FactKind =
  | 'invoice-issued'
  | 'credit-note-issued'
  | 'invoice-voided'
  | 'payment-received'
  | 'credit-applied'
  | 'refund-issued'
  | 'top-up'
  | 'prepaid-charge'
  | 'reversal';

/** One line of a journal: a non-negative amount on one side, "0" on the other, in the currency's minor units ("29.90"). */
export interface JournalLine {
  readonly account: LedgerAccount;
  readonly debit: string;
  readonly credit: string;
  /** On `cash` lines only: the payment method whose clearing the money went through. */
  readonly method?: string;
}

/** The balanced lines recording one fact; lines of zero are left out. */
export interface Journal {
  readonly fact: FactKind;
  readonly currency: string;
  readonly lines: readonly JournalLine[];
}

/** An invoice's (or prepaid charge's) figures: `total` = `netBeforeDiscount` − `discount` + `tax`, all ≥ 0. */
export interface InvoiceFigures {
  readonly currency: string;
  /** The sum of the line amounts, before the discount. */
  readonly netBeforeDiscount: string;
  readonly discount: string;
  readonly tax: string;
  readonly total: string;
}

/**
 * A credit note's own figures (as its document shows them, negative, or as magnitudes: the same),
 * and how much of its total is owed back to the customer as credit rather than taken off the
 * invoice's open amount.
 */
export interface CreditNoteFigures extends InvoiceFigures {
  /** The part of the total that becomes customer credit (the invoice was already paid); the rest reduces receivables. */
  readonly toCustomerCredit: string;
}

/** Money received: `allocated` of it settles invoices, the rest becomes customer credit. */
export interface PaymentFigures {
  readonly currency: string;
  readonly amount: string;
  readonly allocated: string;
  readonly method: string;
}

/** Money moving through a payment method (a refund paid out, a prepaid top-up taken in). */
export interface CashFigures {
  readonly currency: string;
  readonly amount: string;
  readonly method: string;
}

/** Customer credit settling open invoices. */
export interface CreditFigures {
  readonly currency: string;
  readonly amount: string;
}

/** Dr receivables total, Dr discounts; Cr revenue the net before discount, Cr tax-payable. */
export function invoiceIssued(invoice: InvoiceFigures): Journal {
  const { currency, net, discount, tax, total } = readFigures(invoice, 'invoice', 'creditNoteIssued');
  return journal('invoice-issued', currency, [
    debit('receivables', total),
    debit('discounts', discount),
    credit('revenue', net),
    credit('tax-payable', tax),
  ]);
}

/** The reversing journal of an issued invoice; only for an invoice nothing was paid or credited on (else issue a credit note). */
export function invoiceVoided(invoice: InvoiceFigures): Journal {
  return reverse(invoiceIssued(invoice), 'invoice-voided');
}

/**
 * Takes back revenue, tax and discount as the credit note states them: Dr revenue, Dr tax-payable;
 * Cr discounts, Cr receivables (the part the invoice still owed), Cr customer-credit (the rest).
 */
export function creditNoteIssued(note: CreditNoteFigures): Journal {
  const magnitudes = sameSignMagnitudes(note);
  const { currency, net, discount, tax, total } = readFigures(magnitudes, 'credit note', null);
  const toCustomerCredit = readAmount('toCustomerCredit', magnitudes.toCustomerCredit, currency);
  if (toCustomerCredit.greaterThan(total)) {
    throw new RangeError(
      `credit note toCustomerCredit ${formatAmount(toCustomerCredit, currency)} is more than its total ${formatAmount(total, currency)}`,
    );
  }
  return journal('credit-note-issued', currency, [
    debit('revenue', net),
    debit('tax-payable', tax),
    credit('discounts', discount),
    credit('receivables', total.minus(toCustomerCredit)),
    credit('customer-credit', toCustomerCredit),
  ]);
}

/** Dr cash (by method) the amount; Cr receivables what was allocated to invoices, Cr customer-credit the rest. */
export function paymentReceived(payment: PaymentFigures): Journal {
  const { currency, method } = payment;
  const amount = readAmount('payment amount', payment.amount, currency);
  const allocated = readAmount('payment allocated', payment.allocated, currency);
  if (allocated.greaterThan(amount)) {
    throw new RangeError(
      `payment allocated ${formatAmount(allocated, currency)} is more than the payment of ${formatAmount(amount, currency)}`,
    );
  }
  return journal('payment-received', currency, [
    debit('cash', amount, readMethod(method)),
    credit('receivables', allocated),
    credit('customer-credit', amount.minus(allocated)),
  ]);
}

/** Dr customer-credit; Cr receivables: credit the customer had settles open invoices. */
export function creditApplied(applied: CreditFigures): Journal {
  const amount = readAmount('credit applied', applied.amount, applied.currency);
  return journal('credit-applied', applied.currency, [debit('customer-credit', amount), credit('receivables', amount)]);
}

/** Dr customer-credit; Cr cash (by method): credit paid back to the customer. */
export function refundIssued(refund: CashFigures): Journal {
  const amount = readAmount('refund amount', refund.amount, refund.currency);
  return journal('refund-issued', refund.currency, [
    debit('customer-credit', amount),
    credit('cash', amount, readMethod(refund.method)),
  ]);
}

/** Dr cash (by method); Cr customer-credit: a prepaid balance topped up. */
export function topUp(topped: CashFigures): Journal {
  const amount = readAmount('top-up amount', topped.amount, topped.currency);
  return journal('top-up', topped.currency, [
    debit('cash', amount, readMethod(topped.method)),
    credit('customer-credit', amount),
  ]);
}

/** A sale settled from prepaid credit, no receivable: Dr customer-credit total, Dr discounts; Cr revenue, Cr tax-payable. */
export function prepaidCharge(charge: InvoiceFigures): Journal {
  const { currency, net, discount, tax, total } = readFigures(charge, 'prepaid charge', null);
  return journal('prepaid-charge', currency, [
    debit('customer-credit', total),
    debit('discounts', discount),
    credit('revenue', net),
    credit('tax-payable', tax),
  ]);
}

/** The journal that undoes `original`: every debit a credit and back. */
export function reverse(original: Journal, fact: FactKind = 'reversal'): Journal {
  return {
    fact,
    currency: original.currency,
    lines: original.lines.map((line) => ({ ...line, debit: line.credit, credit: line.debit })),
  };
}

/** Whether the journal's debits equal its credits. */
export function isBalanced(entry: Journal): boolean {
  const debits = sum(entry.lines.map((line) => line.debit));
  const credits = sum(entry.lines.map((line) => line.credit));
  return debits.equals(credits);
}

/** Each account's net over `journals` (debits − credits: positive is a debit balance); they sum to zero. */
export function trialBalance(journals: readonly Journal[], currency: string): Record<LedgerAccount, string> {
  const net = netByAccount(journals, currency);
  return Object.fromEntries(
    LEDGER_ACCOUNTS.map((account) => [account, formatAmount(net[account], currency)]),
  ) as Record<LedgerAccount, string>;
}

/** What the customer owes: receivables less the credit we owe them (negative: the customer is in credit). */
export function customerBalance(journals: readonly Journal[], currency: string): string {
  const net = netByAccount(journals, currency);
  // customer-credit is a liability: its debit-positive net is minus the credit held.
  return formatAmount(net.receivables.plus(net['customer-credit']), currency);
}

function netByAccount(journals: readonly Journal[], currency: string): Record<LedgerAccount, Decimal> {
  const net = Object.fromEntries(LEDGER_ACCOUNTS.map((account) => [account, new Decimal(0)])) as Record<
    LedgerAccount,
    Decimal
  >;
  for (const entry of journals) {
    if (entry.currency !== currency) {
      throw new RangeError(`a ${entry.fact} journal in ${entry.currency} cannot be summed with ${currency} journals`);
    }
    for (const line of entry.lines) net[line.account] = net[line.account].plus(line.debit).minus(line.credit);
  }
  return net;
}

interface Figures {
  currency: string;
  net: Decimal;
  discount: Decimal;
  tax: Decimal;
  total: Decimal;
}

/** The figures read and checked: non-negative, in minor units, and adding up. */
function readFigures(figures: InvoiceFigures, what: string, negativeAlternative: string | null): Figures {
  const { currency } = figures;
  const read = (name: string, text: string): Decimal => {
    const amount = parseLabelled(`${what} ${name}`, text, currency);
    if (amount.isNegative()) {
      const hint = negativeAlternative ? `; record a negative invoice with ${negativeAlternative}` : '';
      throw new RangeError(`${what} ${name} ${text} is negative${hint}`);
    }
    return amount;
  };
  const net = read('netBeforeDiscount', figures.netBeforeDiscount);
  const discount = read('discount', figures.discount);
  const tax = read('tax', figures.tax);
  const total = read('total', figures.total);
  const expected = net.minus(discount).plus(tax);
  if (!total.equals(expected)) {
    throw new RangeError(
      `${what} total ${figures.total} is not netBeforeDiscount ${figures.netBeforeDiscount} − discount ${figures.discount} + tax ${figures.tax} = ${formatAmount(expected, currency)}`,
    );
  }
  return { currency, net, discount, tax, total };
}

/** A credit note's figures as magnitudes, whichever sign its document uses; mixed signs are refused. */
function sameSignMagnitudes(note: CreditNoteFigures): CreditNoteFigures {
  const texts = [note.netBeforeDiscount, note.discount, note.tax, note.total, note.toCustomerCredit];
  const negative = texts.filter((text) => text.startsWith('-') && !/^-0(\.0*)?$/.test(text));
  if (negative.length === 0) return note;
  const positive = texts.filter((text) => !text.startsWith('-') && /[1-9]/.test(text));
  if (positive.length > 0) {
    throw new RangeError(
      `credit note figures mix signs (${texts.join(', ')}); write them all negative or all positive`,
    );
  }
  const magnitude = (text: string): string => text.replace(/^-/, '');
  return {
    currency: note.currency,
    netBeforeDiscount: magnitude(note.netBeforeDiscount),
    discount: magnitude(note.discount),
    tax: magnitude(note.tax),
    total: magnitude(note.total),
    toCustomerCredit: magnitude(note.toCustomerCredit),
  };
}

function readAmount(name: string, text: string, currency: string): Decimal {
  const amount = parseLabelled(name, text, currency);
  if (amount.isNegative()) throw new RangeError(`${name} ${text} is negative`);
  return amount;
}

function parseLabelled(name: string, text: string, currency: string): Decimal {
  try {
    return parseAmount(text, currency);
  } catch (error) {
    throw new RangeError(`${name}: ${(error as Error).message}`);
  }
}

interface Posting {
  account: LedgerAccount;
  side: 'debit' | 'credit';
  amount: Decimal;
  method: string | undefined;
}

function readMethod(method: string): string {
  if (method.trim() === '') throw new RangeError('a cash movement needs the payment method it went through');
  return method;
}

const debit = (account: LedgerAccount, amount: Decimal, method?: string): Posting => ({
  account,
  side: 'debit',
  amount,
  method,
});
const credit = (account: LedgerAccount, amount: Decimal, method?: string): Posting => ({
  account,
  side: 'credit',
  amount,
  method,
});

function journal(fact: FactKind, currency: string, postings: readonly Posting[]): Journal {
  const zero = formatAmount(new Decimal(0), currency);
  const lines = postings
    .filter((posting) => !posting.amount.isZero())
    .map((posting): JournalLine => {
      const amount = formatAmount(posting.amount, currency);
      const sides = posting.side === 'debit' ? { debit: amount, credit: zero } : { debit: zero, credit: amount };
      return posting.method === undefined
        ? { account: posting.account, ...sides }
        : { account: posting.account, ...sides, method: posting.method };
    });
  return { fact, currency, lines };
}

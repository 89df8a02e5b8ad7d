// Settling open invoices with a payment or with customer credit: oldest first, or as the payer
// says. What is left over becomes (or stays) customer credit.
import { Decimal, formatAmount, parseAmount } from './money.ts';

/** An invoice with money still owed on it. */
export interface OpenInvoice {
  readonly id: string;
  readonly number: string;
  readonly issuedAt: string;
  readonly dueAt: string;
  /** The amount still open, a decimal string in the currency's minor units. */
  readonly balance: string;
}

/** An amount settled on one invoice. */
export interface Allocation {
  readonly invoiceId: string;
  readonly amount: string;
}

/** Where money went: `allocations` (each > 0, in order) plus `unallocated` equal the amount exactly. */
export interface AllocationResult {
  readonly allocations: readonly Allocation[];
  readonly unallocated: string;
}

/** A payment to settle open invoices, automatically or as `explicit` says. */
export interface PaymentToAllocate {
  readonly currency: string;
  readonly amount: string;
  readonly invoices: readonly OpenInvoice[];
  /** The payer's own split; when given, nothing else is allocated and the rest stays unallocated. */
  readonly explicit?: readonly Allocation[];
}

/** Customer credit to settle open invoices with. */
export interface CreditToApply {
  readonly currency: string;
  readonly credit: string;
  readonly invoices: readonly OpenInvoice[];
}

/** A refused allocation; `field` is the JSON path of the offending input, like `allocations/0/amount`. */
export class AllocationError extends Error {
  override readonly name = 'AllocationError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** `invoices` oldest first: by due date, then issue date, then invoice number (9 before 10), then id. */
export function oldestFirst(invoices: readonly OpenInvoice[]): OpenInvoice[] {
  return invoices
    .map((invoice, i) => ({
      invoice,
      due: readInstant(invoice.dueAt, i, 'dueAt'),
      issued: readInstant(invoice.issuedAt, i, 'issuedAt'),
    }))
    .sort(
      (a, b) =>
        a.due - b.due ||
        a.issued - b.issued ||
        compareNumbers(a.invoice.number, b.invoice.number) ||
        (a.invoice.id < b.invoice.id ? -1 : a.invoice.id > b.invoice.id ? 1 : 0),
    )
    .map(({ invoice }) => invoice);
}

/** Splits a payment over open invoices: as `explicit` says, or else oldest first, each up to its balance. */
export function allocatePayment(payment: PaymentToAllocate): AllocationResult {
  const { currency } = payment;
  const amount = readAmount(payment.amount, currency, 'amount', 'the payment amount');
  const balances = readBalances(payment.invoices, currency);
  if (payment.explicit === undefined) return settleOldestFirst(amount, payment.invoices, balances, currency);

  const allocations: Allocation[] = [];
  const seen = new Set<string>();
  let allocated = new Decimal(0);
  payment.explicit.forEach((wanted, i) => {
    const at = `allocations/${i}`;
    const balance = balances.get(wanted.invoiceId);
    if (balance === undefined) {
      throw new AllocationError(
        `${at}/invoiceId`,
        `invoice ${wanted.invoiceId} is not one of the account's open invoices`,
      );
    }
    if (seen.has(wanted.invoiceId)) {
      throw new AllocationError(
        `${at}/invoiceId`,
        `invoice ${wanted.invoiceId} is allocated twice; give it one amount`,
      );
    }
    seen.add(wanted.invoiceId);
    const share = readAmount(wanted.amount, currency, `${at}/amount`, 'an allocation');
    if (share.greaterThan(balance)) {
      throw new AllocationError(
        `${at}/amount`,
        `${formatAmount(share, currency)} is more than the ${formatAmount(balance, currency)} open on invoice ${wanted.invoiceId}`,
      );
    }
    allocated = allocated.plus(share);
    if (allocated.greaterThan(amount)) {
      throw new AllocationError(
        `${at}/amount`,
        `the allocations add up to ${formatAmount(allocated, currency)}, more than the payment of ${formatAmount(amount, currency)}`,
      );
    }
    // An allocation of zero is a form's untouched row, not a refusal: left out.
    if (!share.isZero()) allocations.push({ invoiceId: wanted.invoiceId, amount: formatAmount(share, currency) });
  });
  return { allocations, unallocated: formatAmount(amount.minus(allocated), currency) };
}

/** Settles open invoices oldest first with the customer's credit; `unallocated` is the credit left. */
export function applyCredit(credit: CreditToApply): AllocationResult {
  const amount = readAmount(credit.credit, credit.currency, 'credit', 'the credit');
  return settleOldestFirst(amount, credit.invoices, readBalances(credit.invoices, credit.currency), credit.currency);
}

function settleOldestFirst(
  amount: Decimal,
  invoices: readonly OpenInvoice[],
  balances: ReadonlyMap<string, Decimal>,
  currency: string,
): AllocationResult {
  const allocations: Allocation[] = [];
  let left = amount;
  for (const invoice of oldestFirst(invoices)) {
    if (left.isZero()) break;
    const share = Decimal.min(left, balances.get(invoice.id) ?? 0);
    if (share.isZero()) continue;
    allocations.push({ invoiceId: invoice.id, amount: formatAmount(share, currency) });
    left = left.minus(share);
  }
  return { allocations, unallocated: formatAmount(left, currency) };
}

/** Each invoice's open balance by id; refuses a negative balance or an id listed twice. */
function readBalances(invoices: readonly OpenInvoice[], currency: string): Map<string, Decimal> {
  const balances = new Map<string, Decimal>();
  invoices.forEach((invoice, i) => {
    if (balances.has(invoice.id))
      throw new AllocationError(`invoices/${i}/id`, `invoice ${invoice.id} is listed twice`);
    balances.set(
      invoice.id,
      readAmount(invoice.balance, currency, `invoices/${i}/balance`, `invoice ${invoice.id}'s balance`),
    );
  });
  return balances;
}

function readAmount(text: string, currency: string, field: string, what: string): Decimal {
  let amount: Decimal;
  try {
    amount = parseAmount(text, currency);
  } catch (error) {
    throw new AllocationError(field, `${what}: ${(error as Error).message}`);
  }
  if (amount.isNegative()) throw new AllocationError(field, `${what} ${text} is negative`);
  return amount;
}

function readInstant(iso: string, index: number, name: 'dueAt' | 'issuedAt'): number {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new AllocationError(`invoices/${index}/${name}`, `"${iso}" is not an ISO 8601 date`);
  return time;
}

/** Compares invoice numbers with their digit runs as numbers, so INV-9 comes before INV-10. */
function compareNumbers(a: string, b: string): number {
  const runs = (text: string): string[] => text.match(/\d+|\D+/g) ?? [];
  const left = runs(a);
  const right = runs(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const xs = x.replace(/^0+/, '');
      const ys = y.replace(/^0+/, '');
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
      return x.length - y.length; // 7 before 007, only so that the order is total
    }
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

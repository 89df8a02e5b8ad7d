// An invoice's arithmetic: lines priced and rounded, discounted, taxed, and totalled, every
// amount in the currency's minor units. Totals are sums of the rounded line amounts, so an
// invoice always adds up to the minor unit.
import { type Discount, lineDiscounts } from './discounts.ts';
import {
  Decimal,
  formatAmount,
  isCurrency,
  ROUNDING_MODES,
  type RoundingMode,
  roundMoneySymmetric,
  sum,
} from './money.ts';
import { type LineTax, netOfIncludedTax, ratesFor, type TaxLocation, type TaxRate, taxAmount } from './tax.ts';

/** What a line bills for. */
export type LineKind = 'recurring' | 'proration' | 'one-off' | 'usage' | 'fee' | 'adjustment';

/** A line as the caller writes it. */
export interface LineInput {
  /** Names the line for a line discount; unique within the invoice. */
  readonly ref?: string;
  readonly kind: LineKind;
  readonly description: string;
  /** A non-negative decimal, up to 9 decimals ('1', '12.345678901' GB). */
  readonly quantity: string;
  /**
   * Price of one unit, a decimal of up to 6 decimals (rates like 0.0125 per GB); negative for
   * credits. Where an inclusive tax applies to the line, it is the price with that tax in it.
   */
  readonly unitPrice: string;
  /** Selects the tax rates; null for a line that is never taxed (a deposit, say). */
  readonly taxClass: string | null;
  readonly periodStart?: string;
  readonly periodEnd?: string;
  readonly subscriptionId?: string;
}

/** Everything an invoice's amounts depend on. */
export interface InvoiceInput {
  readonly currency: string;
  readonly roundingMode: RoundingMode;
  readonly lines: readonly LineInput[];
  readonly discounts: readonly Discount[];
  readonly taxRates: readonly TaxRate[];
  readonly customer: {
    readonly location: TaxLocation | null;
    /** The customer's exemption reference (certificate number); when set, no tax is charged. */
    readonly taxExemption: string | null;
  };
}

/** One rate's tax on one line. */
export interface ComputedLineTax {
  readonly code: string;
  readonly name: string;
  readonly rate: string;
  readonly inclusive: boolean;
  readonly amount: string;
}

/** A line with its amounts; amount = net + discount + included tax, total = net + tax. */
export interface ComputedLine extends LineInput {
  /** quantity × unitPrice, rounded: the price as written (with the tax in it when inclusive). */
  readonly amount: string;
  /** How much discounts lower the line's net; for a tax-inclusive price, the discount less the tax it contained. */
  readonly discount: string;
  /** After discount, without tax. */
  readonly net: string;
  readonly tax: string;
  readonly total: string;
  readonly taxes: readonly ComputedLineTax[];
  /** The customer's exemption reference when the line went untaxed because of it. */
  readonly taxExemption: string | null;
}

/** One rate's tax over the whole invoice. */
export interface InvoiceTax {
  readonly code: string;
  readonly name: string;
  readonly rate: string;
  readonly inclusive: boolean;
  /** What it was charged on, summed over the lines. */
  readonly taxable: string;
  readonly amount: string;
}

/**
 * An invoice's amounts, in the currency's minor units. subtotal = Σ (net + discount) is the net
 * before discounts; netTotal = subtotal − discountTotal; total = netTotal + taxTotal = Σ line totals.
 */
export interface ComputedInvoice {
  readonly currency: string;
  readonly lines: readonly ComputedLine[];
  readonly subtotal: string;
  readonly discountTotal: string;
  readonly netTotal: string;
  readonly taxTotal: string;
  readonly total: string;
  /** One entry per rate charged on any line, lowest priority first. */
  readonly taxes: readonly InvoiceTax[];
}

const QUANTITY = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,9})?$/;
const UNIT_PRICE = /^-?(0|[1-9][0-9]{0,14})(\.[0-9]+)?$/;
const UNIT_PRICE_DECIMALS = 6;

function lineProblem(line: LineInput): string | undefined {
  const { quantity, unitPrice } = line;
  if (quantity.startsWith('-')) return `quantity ${quantity} is negative; credit with a negative unit price instead`;
  if (!QUANTITY.test(quantity)) return `quantity "${quantity}" is not a decimal like 1 or 12.5 (at most 9 decimals)`;
  if (!UNIT_PRICE.test(unitPrice)) return `unit price "${unitPrice}" is not a decimal like 29.90`;
  if (new Decimal(unitPrice).decimalPlaces() > UNIT_PRICE_DECIMALS) {
    return `unit price ${unitPrice} has more than ${UNIT_PRICE_DECIMALS} decimals`;
  }
  return undefined;
}

function validate(input: InvoiceInput): void {
  if (!isCurrency(input.currency)) throw new RangeError(`"${input.currency}" is not an ISO 4217 currency code`);
  if (!ROUNDING_MODES.includes(input.roundingMode)) {
    throw new RangeError(`"${input.roundingMode}" is not a rounding mode (${ROUNDING_MODES.join(', ')})`);
  }
  const refs = new Set<string>();
  for (const [index, line] of input.lines.entries()) {
    const problem = lineProblem(line);
    if (problem) throw new RangeError(`line ${index + 1} ("${line.description}"): ${problem}`);
    if (line.ref !== undefined) {
      if (refs.has(line.ref)) throw new RangeError(`two lines have the ref "${line.ref}"; refs must be unique`);
      refs.add(line.ref);
    }
  }
  const codes = new Set<string>();
  for (const rate of input.taxRates) {
    if (codes.has(rate.code)) throw new RangeError(`two tax rates have the code "${rate.code}"; codes must be unique`);
    codes.add(rate.code);
  }
}

/** A line's amounts before formatting. */
interface LineAmounts {
  readonly line: LineInput;
  readonly amount: Decimal;
  readonly discount: Decimal;
  readonly net: Decimal;
  readonly taxes: readonly LineTax[];
}

/**
 * The invoice's lines priced, discounted and taxed, and its totals. Throws a RangeError naming
 * the problem for an unknown currency or rounding mode, a negative or malformed quantity, a unit
 * price with more than 6 decimals, duplicate line refs or tax codes, or a bad discount or rate.
 */
export function computeInvoice(input: InvoiceInput): ComputedInvoice {
  validate(input);
  const { currency, roundingMode: mode, customer } = input;
  const priced = input.lines.map((line) => ({
    line,
    amount: roundMoneySymmetric(new Decimal(line.quantity).times(line.unitPrice), currency, mode),
  }));
  const discounts = lineDiscounts(
    priced.map(({ line, amount }) => ({ ref: line.ref, amount })),
    input.discounts,
    currency,
    mode,
  );
  const computed: LineAmounts[] = priced.map(({ line, amount }, i) => {
    const discounted = amount.minus(discounts[i] ?? 0);
    const rates = ratesFor(input.taxRates, line.taxClass, customer.location);
    if (customer.taxExemption !== null) {
      // An exempt customer pays a tax-inclusive price without the tax in it.
      const net = netOfIncludedTax(discounted, rates, currency, mode);
      const discount = netOfIncludedTax(amount, rates, currency, mode).minus(net);
      return { line, amount, discount, net, taxes: [] };
    }
    const { net, taxes } = taxAmount(discounted, rates, currency, mode);
    const discount = taxAmount(amount, rates, currency, mode).net.minus(net);
    return { line, amount, discount, net, taxes };
  });

  const money = (amount: Decimal) => formatAmount(amount, currency);
  const lines = computed.map(({ line, amount, discount, net, taxes }): ComputedLine => {
    const tax = sum(taxes.map((t) => t.amount));
    return {
      ...line,
      amount: money(amount),
      discount: money(discount),
      net: money(net),
      tax: money(tax),
      total: money(net.plus(tax)),
      taxes: taxes.map(({ rate, amount: taxOfRate }) => ({
        code: rate.code,
        name: rate.name,
        rate: rate.rate,
        inclusive: rate.inclusive,
        amount: money(taxOfRate),
      })),
      taxExemption: customer.taxExemption,
    };
  });

  const allTaxes = computed.flatMap((line) => line.taxes);
  const taxes = [...input.taxRates]
    .sort((a, b) => a.priority - b.priority)
    .filter((rate) => allTaxes.some((t) => t.rate.code === rate.code))
    .map((rate): InvoiceTax => {
      const ofRate = allTaxes.filter((t) => t.rate.code === rate.code);
      return {
        code: rate.code,
        name: rate.name,
        rate: rate.rate,
        inclusive: rate.inclusive,
        taxable: money(sum(ofRate.map((t) => t.taxable))),
        amount: money(sum(ofRate.map((t) => t.amount))),
      };
    });

  const netTotal = sum(computed.map((line) => line.net));
  const discountTotal = sum(computed.map((line) => line.discount));
  const taxTotal = sum(allTaxes.map((t) => t.amount));
  return {
    currency,
    lines,
    subtotal: money(netTotal.plus(discountTotal)),
    discountTotal: money(discountTotal),
    netTotal: money(netTotal),
    taxTotal: money(taxTotal),
    total: money(netTotal.plus(taxTotal)),
    taxes,
  };
}

const negatedText = (amount: string) =>
  amount.startsWith('-') ? amount.slice(1) : /^0(\.0+)?$/.test(amount) ? amount : `-${amount}`;

/**
 * The credit note that cancels the invoice `input` describes in full: that invoice with every
 * unit price and amount negated, so the two sum to zero exactly. A partial credit is instead
 * `computeInvoice` of lines with negative unit prices (credits are never discounted, so write
 * the discounted price).
 */
export function computeCreditNote(input: InvoiceInput): ComputedInvoice {
  const invoice = computeInvoice(input);
  return {
    currency: invoice.currency,
    lines: invoice.lines.map((line) => ({
      ...line,
      unitPrice: negatedText(line.unitPrice),
      amount: negatedText(line.amount),
      discount: negatedText(line.discount),
      net: negatedText(line.net),
      tax: negatedText(line.tax),
      total: negatedText(line.total),
      taxes: line.taxes.map((t) => ({ ...t, amount: negatedText(t.amount) })),
    })),
    subtotal: negatedText(invoice.subtotal),
    discountTotal: negatedText(invoice.discountTotal),
    netTotal: negatedText(invoice.netTotal),
    taxTotal: negatedText(invoice.taxTotal),
    total: negatedText(invoice.total),
    taxes: invoice.taxes.map((t) => ({ ...t, taxable: negatedText(t.taxable), amount: negatedText(t.amount) })),
  };
}

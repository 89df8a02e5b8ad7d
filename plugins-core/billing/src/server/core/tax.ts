// Tax on one invoice line: which rates apply to it, and what each comes to, rounded per line.
// Exclusive rates are added on top of the net; inclusive rates are contained in the line's price.
import { allocate, Decimal, type RoundingMode, roundMoneySymmetric, sum } from './money.ts';

/** A tax the tenant charges, where and on what. */
export interface TaxRate {
  readonly code: string;
  readonly name: string;
  /** Percent as a decimal string: '7.5' is 7.5 %. */
  readonly rate: string;
  /** Whether prices already contain this tax. */
  readonly inclusive: boolean;
  /** Charged on the net plus the taxes of earlier (lower priority) non-compound rates. */
  readonly compound: boolean;
  /** Tax classes it applies to; empty applies to every class. */
  readonly taxClasses: readonly string[];
  /** Countries ('NG') or subdivisions ('US-CA') where it applies; empty applies everywhere. */
  readonly regions: readonly string[];
  /** Order of application, lowest first. */
  readonly priority: number;
}

/** Where a customer is taxed: an ISO 3166 country and optionally a subdivision ('CA' or 'US-CA'). */
export interface TaxLocation {
  readonly country: string;
  readonly region?: string;
}

/** One rate's tax on one line. */
export interface LineTax {
  readonly rate: TaxRate;
  /** What the rate was charged on: the net, plus earlier non-compound taxes for a compound rate. */
  readonly taxable: Decimal;
  readonly amount: Decimal;
}

/** A line amount taken apart into its net and its taxes. */
export interface TaxedAmount {
  /** The amount without tax: the amount itself, less any tax it contains. */
  readonly net: Decimal;
  /** One entry per rate, in the order the rates were given. */
  readonly taxes: readonly LineTax[];
}

const PERCENT = /^(0|[1-9][0-9]{0,2})(\.[0-9]{1,6})?$/;

function fractionOf(rate: TaxRate): Decimal {
  if (!PERCENT.test(rate.rate)) {
    throw new RangeError(`tax rate ${rate.code} has rate "${rate.rate}"; expected a percent like 7.5`);
  }
  return new Decimal(rate.rate).dividedBy(100);
}

function regionMatches(code: string, location: TaxLocation): boolean {
  const wanted = code.toUpperCase();
  const country = location.country.toUpperCase();
  if (!wanted.includes('-')) return wanted === country;
  if (!location.region) return false;
  const region = location.region.toUpperCase();
  return wanted === (region.includes('-') ? region : `${country}-${region}`);
}

/**
 * The rates that apply to a line of `taxClass` for a customer at `location`, lowest priority
 * first (ties keep their given order). A line without a tax class is not taxed; a customer of
 * unknown location pays only the rates that apply everywhere. 'US' matches all of the US,
 * 'US-CA' only a customer whose region is 'CA' (or 'US-CA').
 */
export function ratesFor(rates: readonly TaxRate[], taxClass: string | null, location: TaxLocation | null): TaxRate[] {
  if (taxClass === null) return [];
  return rates
    .filter((rate) => rate.taxClasses.length === 0 || rate.taxClasses.includes(taxClass))
    .filter(
      (rate) =>
        rate.regions.length === 0 || (location !== null && rate.regions.some((code) => regionMatches(code, location))),
    )
    .sort((a, b) => a.priority - b.priority);
}

/** Each rate with its fraction and its weight on the net: a compound rate also taxes earlier non-compound taxes. */
function weighted(rates: readonly TaxRate[]): { rate: TaxRate; fraction: Decimal; weight: Decimal }[] {
  let nonCompound = new Decimal(0);
  return rates.map((rate) => {
    const fraction = fractionOf(rate);
    const weight = rate.compound ? fraction.times(nonCompound.plus(1)) : fraction;
    if (!rate.compound) nonCompound = nonCompound.plus(fraction);
    return { rate, fraction, weight };
  });
}

/** The tax contained in `amount` by rates of total inclusive weight `weight`, rounded once. */
function includedTax(amount: Decimal, weight: Decimal, currency: string, mode: RoundingMode): Decimal {
  if (weight.isZero()) return new Decimal(0);
  // amount = net × (1 + W), so the tax in it is amount × W / (1 + W).
  return roundMoneySymmetric(amount.times(weight).dividedBy(weight.plus(1)), currency, mode);
}

const inclusiveWeights = (rates: readonly TaxRate[]) =>
  weighted(rates)
    .filter(({ rate }) => rate.inclusive)
    .map(({ weight }) => weight);

/**
 * `amount` less the tax its inclusive rates contain: what a tax-exempt customer pays for a
 * tax-inclusive price.
 */
export function netOfIncludedTax(
  amount: Decimal,
  rates: readonly TaxRate[],
  currency: string,
  mode: RoundingMode,
): Decimal {
  return amount.minus(includedTax(amount, sum(inclusiveWeights(rates)), currency, mode));
}

/**
 * Tax on a line of `amount` (already discounted) by `rates`, applied in their order. The tax an
 * amount contains is rounded once and shared among its inclusive rates by their weights, so net
 * plus inclusive taxes is the amount exactly; each exclusive tax is rounded on its own. Compound
 * rates may be inclusive too: their weight counts the earlier non-compound rates.
 */
export function taxAmount(
  amount: Decimal,
  rates: readonly TaxRate[],
  currency: string,
  mode: RoundingMode,
): TaxedAmount {
  const weights = inclusiveWeights(rates);
  const included = includedTax(amount, sum(weights), currency, mode);
  const net = amount.minus(included);
  const inclusiveShares = included.isZero() ? weights.map(() => new Decimal(0)) : allocate(included, weights, currency);
  const taxes: LineTax[] = [];
  let nonCompoundTax = new Decimal(0);
  let inclusiveIndex = 0;
  for (const { rate, fraction } of weighted(rates)) {
    const taxable = rate.compound ? net.plus(nonCompoundTax) : net;
    const amountOfRate = rate.inclusive
      ? (inclusiveShares[inclusiveIndex++] ?? new Decimal(0))
      : roundMoneySymmetric(taxable.times(fraction), currency, mode);
    if (!rate.compound) nonCompoundTax = nonCompoundTax.plus(amountOfRate);
    taxes.push({ rate, taxable, amount: amountOfRate });
  }
  return { net, taxes };
}

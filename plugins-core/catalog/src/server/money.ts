// Money as the catalog takes, stores and answers it: decimal strings per ISO 4217 currency, with
// at most the currency's minor units ("29.99" USD, "3500" JPY, "1.250" KWD). Never a float: the
// strings go to PostgreSQL's numeric as they are and come back as text, so no arithmetic here.
import type { FieldProblem } from './refusals.ts';

/** Amounts by currency code: `{ USD: '29.99', EUR: '27.50' }`. */
export type Amounts = Readonly<Record<string, string>>;

/** A non-negative decimal: no sign, no leading zeros, no exponent, at most 10 integer digits. */
const DECIMAL = /^(0|[1-9][0-9]{0,9})(?:\.([0-9]+))?$/;

let iso4217: ReadonlySet<string> | undefined;
const minorUnitsCache = new Map<string, number>();

/** Whether `code` is a currency the runtime's ICU knows (ISO 4217), like USD or JPY. */
export function isCurrency(code: string): boolean {
  iso4217 ??= new Set(Intl.supportedValuesOf('currency'));
  return iso4217.has(code);
}

/** Decimal places of the currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorUnits(currency: string): number {
  let digits = minorUnitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    minorUnitsCache.set(currency, digits);
  }
  return digits;
}

/**
 * Why `amount` is not a price in `currency`, or undefined when it is one: a known currency, a
 * decimal string, and no more decimals than the currency's minor units.
 */
export function amountProblem(currency: string, amount: string): string | undefined {
  if (!isCurrency(currency)) return `${currency} is not an ISO 4217 currency code`;
  const match = DECIMAL.exec(amount);
  if (!match) return `"${amount}" is not a decimal amount like 29.99 (at most 10 digits before the point)`;
  const decimals = match[2]?.length ?? 0;
  const allowed = minorUnits(currency);
  if (decimals > allowed) {
    return allowed === 0
      ? `"${amount}" has decimals; ${currency} has no minor unit, so amounts are whole (like ${match[1]})`
      : `"${amount}" has ${decimals} decimals; ${currency} has ${allowed}`;
  }
  return undefined;
}

/**
 * The problems of an amounts map at `pointer` (`/body/prices`): each currency and amount, and
 * the tenant's currencies when it restricts them.
 */
export function amountsProblems(
  amounts: Amounts,
  pointer: string,
  allowedCurrencies?: readonly string[],
): FieldProblem[] {
  return Object.entries(amounts).flatMap(([currency, amount]) => {
    const at = `${pointer}/${currency}`;
    const problem = amountProblem(currency, amount);
    if (problem) return [{ pointer: at, detail: problem }];
    if (allowedCurrencies && !allowedCurrencies.includes(currency)) {
      return [{ pointer: at, detail: `this ISP sells in ${allowedCurrencies.join(', ')}, not ${currency}` }];
    }
    return [];
  });
}

/**
 * `amount` (a valid decimal, as taken or as stored: "29.9", "29.9000") written with exactly the
 * currency's minor units ("29.90"). Throws if that would drop a non-zero digit, which only a
 * change of the currency's minor units could cause: money is never silently rounded.
 */
export function formatAmount(currency: string, amount: string): string {
  const match = /^([0-9]+)(?:\.([0-9]*))?$/.exec(amount);
  if (!match) throw new Error(`${currency} amount "${amount}" is not a decimal`);
  const whole = match[1] as string;
  const fraction = match[2] ?? '';
  const digits = minorUnits(currency);
  if (/[1-9]/.test(fraction.slice(digits))) {
    throw new Error(`${currency} amount ${amount} has more decimals than ${currency}'s ${digits}`);
  }
  return digits === 0 ? whole : `${whole}.${fraction.slice(0, digits).padEnd(digits, '0')}`;
}

/** Every amount of `amounts` formatted by `formatAmount`, currencies in order. */
export function formatAmounts(amounts: Amounts): Amounts {
  return Object.fromEntries(
    Object.keys(amounts)
      .sort()
      .map((currency) => [currency, formatAmount(currency, amounts[currency] as string)]),
  );
}

/** The currencies of `amounts`, sorted. */
export function currenciesOf(amounts: Amounts): string[] {
  return Object.keys(amounts).sort();
}

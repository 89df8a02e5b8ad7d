// Money as the API sends it, a decimal string ("1234.50"), formatted exactly: Intl.NumberFormat
// formats a decimal string without going through a float, with the currency's minor units.
import { formatDefaults } from './format-defaults.ts';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;
/** Intl's upper bound on fraction digits. */
const MAX_FRACTION_DIGITS = 100;

/** The number of minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, KWD 3). */
export function minorUnits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * `amount` is a decimal string ("1234.50"); formatted exactly (no float) in the tenant's locale,
 * with at least the currency's minor units and never fewer digits than the amount has (an amount
 * with more decimals than the currency is shown in full, not rounded). Without a currency
 * (none given, none for the tenant) the number alone is formatted. A string that is not a
 * decimal is answered as it is.
 */
export function formatMoney(amount: string, currency?: string, locale?: string): string {
  const match = DECIMAL.exec(amount.trim());
  if (!match) return amount;
  const defaults = formatDefaults();
  const code = currency ?? defaults.currency;
  const decimals = match[3]?.length ?? 0;
  const minor = code ? minorUnits(code) : Math.min(decimals, 2);
  const format = new Intl.NumberFormat(locale ?? defaults.locale, {
    ...(code ? { style: 'currency', currency: code } : {}),
    minimumFractionDigits: minor,
    maximumFractionDigits: Math.min(MAX_FRACTION_DIGITS, Math.max(minor, decimals)),
  });
  return format.format(amount.trim() as Intl.StringNumericLiteral);
}

// Money, the one way billing counts it: decimal.js values in a currency, rounded to the
// currency's ISO 4217 minor units (JPY 0, USD 2, KWD 3) by the tenant's rounding mode. Never a
// JS number: amounts enter and leave as decimal strings.
import { Decimal as DecimalJs } from 'decimal.js';

/** Decimal with enough precision that no intermediate step of an invoice loses a digit. */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Decimal = DecimalJs;

/** How an amount is rounded to minor units; per tenant, applied per line. */
export type RoundingMode = 'half-even' | 'half-up' | 'half-down' | 'up' | 'down' | 'ceiling' | 'floor';

export const ROUNDING_MODES: readonly RoundingMode[] = [
  'half-even',
  'half-up',
  'half-down',
  'up',
  'down',
  'ceiling',
  'floor',
];

const DECIMAL_ROUNDING: Record<RoundingMode, DecimalJs.Rounding> = {
  'half-even': DecimalJs.ROUND_HALF_EVEN,
  'half-up': DecimalJs.ROUND_HALF_UP,
  'half-down': DecimalJs.ROUND_HALF_DOWN,
  up: DecimalJs.ROUND_UP,
  down: DecimalJs.ROUND_DOWN,
  ceiling: DecimalJs.ROUND_CEIL,
  floor: DecimalJs.ROUND_FLOOR,
};

/**
 * ISO 4217 minor units that are not 2. Kept here rather than asked of Intl: ICU answers the
 * digits it displays (0 for some currencies that have cents, like IDR), not the standard's.
 */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BHD: 3,
  BIF: 0,
  CLF: 4,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  PYG: 0,
  RWF: 0,
  TND: 3,
  UGX: 0,
  UYI: 0,
  UYW: 4,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
};

const CURRENCY = /^[A-Z]{3}$/;

/** Decimal places of the currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorUnits(currency: string): number {
  if (!CURRENCY.test(currency)) throw new RangeError(`"${currency}" is not an ISO 4217 currency code`);
  return MINOR_UNITS[currency] ?? 2;
}

/** `amount` rounded to the currency's minor units by `mode`. */
export function roundMoney(amount: DecimalJs.Value, currency: string, mode: RoundingMode = 'half-even'): Decimal {
  return new Decimal(amount).toDecimalPlaces(minorUnits(currency), DECIMAL_ROUNDING[mode]);
}

/** Whether `amount` has no more decimals than the currency's minor units. */
export function isInMinorUnits(amount: Decimal, currency: string): boolean {
  return amount.decimalPlaces() <= minorUnits(currency);
}

const AMOUNT = /^-?(0|[1-9][0-9]{0,14})(\.[0-9]+)?$/;

/**
 * Reads a decimal string ("29.90", "-3", "1.250") as an amount in `currency`; throws a RangeError
 * naming the problem when it is not a plain decimal or has more decimals than the currency has.
 */
export function parseAmount(text: string, currency: string): Decimal {
  if (!AMOUNT.test(text)) throw new RangeError(`"${text}" is not a decimal amount like 29.90`);
  const amount = new Decimal(text);
  if (!isInMinorUnits(amount, currency)) {
    const digits = minorUnits(currency);
    throw new RangeError(
      digits === 0
        ? `"${text}" has decimals; ${currency} has no minor unit`
        : `"${text}" has more than ${currency}'s ${digits} decimals`,
    );
  }
  return amount;
}

/** `amount` written with exactly the currency's minor units ("29.90", "3500", "1.250"); it must already be rounded. */
export function formatAmount(amount: Decimal, currency: string): string {
  if (!isInMinorUnits(amount, currency)) {
    throw new RangeError(`${currency} amount ${amount.toString()} is not rounded to ${minorUnits(currency)} decimals`);
  }
  const text = amount.toFixed(minorUnits(currency));
  return text === '-0' || /^-0\.0+$/.test(text) ? text.slice(1) : text;
}

/** The sum of `amounts` (0 for none). */
export function sum(amounts: readonly DecimalJs.Value[]): Decimal {
  return amounts.reduce<Decimal>((total, a) => total.plus(a), new Decimal(0));
}

/**
 * Splits `total` (in minor units of `currency`) into parts proportional to `weights` that sum to
 * `total` exactly: each part is rounded down (toward zero), and the minor units left over go one
 * each to the parts with the largest remainders (ties: the earlier part). Weights are
 * non-negative and not all zero.
 */
export function allocate(total: DecimalJs.Value, weights: readonly DecimalJs.Value[], currency: string): Decimal[] {
  const whole = new Decimal(total);
  if (!isInMinorUnits(whole, currency)) throw new RangeError(`${currency} ${whole.toString()} is not in minor units`);
  const ws = weights.map((w) => new Decimal(w));
  if (ws.length === 0) throw new RangeError('allocate needs at least one weight');
  if (ws.some((w) => w.isNegative())) throw new RangeError('allocation weights must not be negative');
  const weightSum = sum(ws);
  if (weightSum.isZero()) throw new RangeError('allocation weights must not all be zero');
  const unit = new Decimal(1).dividedBy(new Decimal(10).pow(minorUnits(currency)));
  // Work in minor units, as integers, with the sign set aside.
  const sign = whole.isNegative() ? -1 : 1;
  const units = whole.abs().dividedBy(unit);
  const exact = ws.map((w) => units.times(w).dividedBy(weightSum));
  const floors = exact.map((e) => e.floor());
  let left = units.minus(sum(floors)).toNumber();
  const byRemainder = exact
    .map((e, i) => ({ i, remainder: e.minus(floors[i] as Decimal) }))
    .sort((a, b) => b.remainder.comparedTo(a.remainder) || a.i - b.i);
  const parts = floors.slice();
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    parts[i] = (parts[i] as Decimal).plus(1);
    left -= 1;
  }
  return parts.map((p) => p.times(unit).times(sign));
}

let iso4217: ReadonlySet<string> | undefined;

/** Whether `code` is an ISO 4217 currency the runtime knows (USD, JPY, KWD; not "XYZ"). */
export function isCurrency(code: string): boolean {
  iso4217 ??= new Set(Intl.supportedValuesOf('currency'));
  return iso4217.has(code);
}

/**
 * `amount` rounded as its magnitude is, then given its sign back, so that a credit rounds to
 * exactly the negated charge; 'ceiling' and 'floor' thus act on the magnitude.
 */
export function roundMoneySymmetric(
  amount: DecimalJs.Value,
  currency: string,
  mode: RoundingMode = 'half-even',
): Decimal {
  const value = new Decimal(amount);
  const magnitude = roundMoney(value.abs(), currency, mode);
  return value.isNegative() && !magnitude.isZero() ? magnitude.negated() : magnitude;
}

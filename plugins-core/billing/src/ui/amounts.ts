// Signs and comparisons of the decimal-string amounts the API sends ("-15.00"), exact and by
// their digits: never a float, and without shipping decimal.js to the browser for so little.

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

interface Parts {
  readonly negative: boolean;
  readonly whole: string;
  readonly fraction: string;
}

function partsOf(amount: string): Parts {
  const match = DECIMAL.exec(amount.trim());
  if (!match) throw new RangeError(`${amount} is not a decimal amount`);
  const whole = (match[2] as string).replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const zero = whole === '0' && fraction === '';
  return { negative: match[1] === '-' && !zero, whole, fraction };
}

/** Compares the magnitudes of two amounts: -1, 0 or 1. */
function compareMagnitudes(a: Parts, b: Parts): number {
  if (a.whole.length !== b.whole.length) return a.whole.length < b.whole.length ? -1 : 1;
  if (a.whole !== b.whole) return a.whole < b.whole ? -1 : 1;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const fa = a.fraction.padEnd(width, '0');
  const fb = b.fraction.padEnd(width, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/** Compares two decimal-string amounts: -1 (a < b), 0 or 1. */
export function compareAmounts(a: string, b: string): number {
  const pa = partsOf(a);
  const pb = partsOf(b);
  if (pa.negative !== pb.negative) return pa.negative ? -1 : 1;
  const magnitude = compareMagnitudes(pa, pb);
  // Not -magnitude when equal: -0 is not the 0 callers (and decimal.js) answer.
  if (magnitude === 0) return 0;
  return pa.negative ? -magnitude : magnitude;
}

/** The smaller of two decimal-string amounts, as written. */
export function smallerAmount(a: string, b: string): string {
  return compareAmounts(a, b) <= 0 ? a : b;
}

/** Whether a decimal-string amount is above zero. */
export function isPositive(amount: string): boolean {
  return compareAmounts(amount, '0') > 0;
}

/** Whether a decimal-string amount is below zero. */
export function isNegative(amount: string): boolean {
  return compareAmounts(amount, '0') < 0;
}

/** Whether a decimal-string amount is zero ("0.00", "-0"). */
export function isZero(amount: string): boolean {
  return compareAmounts(amount, '0') === 0;
}

/** The amount without its sign ("-15.00" → "15.00"). */
export function absolute(amount: string): string {
  return amount.trim().replace(/^[+-]/, '');
}

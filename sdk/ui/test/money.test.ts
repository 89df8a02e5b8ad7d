// formatMoney formats decimal strings exactly: no digit is lost or invented, in any currency.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney, minorUnits } from '../src/format/money.ts';

/** The digits of a formatted amount, as a bigint (signs and symbols dropped). */
function digitsOf(formatted: string): bigint {
  return BigInt(formatted.replace(/\D/g, '') || '0');
}

/** `amount` in minor units of a currency with `minor` digits (the amount has at most that many decimals). */
function scaled(amount: string, minor: number): bigint {
  const [whole = '0', fraction = ''] = amount.replace('-', '').split('.');
  return BigInt(whole + fraction.padEnd(minor, '0'));
}

const decimalString = (maxDecimals: number) =>
  fc
    .tuple(
      fc.boolean(),
      fc.bigInt({ min: 0n, max: 10n ** 18n }),
      fc.integer({ min: 0, max: maxDecimals }),
      fc.bigInt({ min: 0n, max: 10n ** 3n }),
    )
    .map(([negative, whole, decimals, fraction]) => {
      const fractionText =
        decimals === 0 ? '' : `.${String(fraction % 10n ** BigInt(decimals)).padStart(decimals, '0')}`;
      return `${negative ? '-' : ''}${whole}${fractionText}`;
    });

describe('formatMoney', () => {
  it('knows the minor units of ISO 4217 currencies (USD 2, JPY 0, KWD 3)', () => {
    expect(minorUnits('USD')).toBe(2);
    expect(minorUnits('JPY')).toBe(0);
    expect(minorUnits('KWD')).toBe(3);
  });

  for (const [currency, locale] of [
    ['USD', 'en-US'],
    ['NGN', 'en-NG'],
    ['EUR', 'de-DE'],
    ['JPY', 'ja-JP'],
    ['KWD', 'ar-KW-u-nu-latn'],
  ] as const) {
    it(`never loses a digit: the digits shown are the amount in minor units (${currency}, ${locale})`, () => {
      const minor = minorUnits(currency);
      fc.assert(
        fc.property(decimalString(minor), (amount) => {
          expect(digitsOf(formatMoney(amount, currency, locale))).toBe(scaled(amount, minor));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('formats amounts far beyond a float exactly', () => {
    expect(formatMoney('12345678901234567890.12', 'USD', 'en-US')).toBe('$12,345,678,901,234,567,890.12');
    expect(formatMoney('0.10', 'USD', 'en-US')).toBe('$0.10');
    expect(formatMoney('-1234.5', 'USD', 'en-US')).toBe('-$1,234.50');
  });

  it('shows an amount with more decimals than the currency in full, never rounded', () => {
    expect(formatMoney('1.005', 'USD', 'en-US')).toBe('$1.005');
    expect(formatMoney('1234.5', 'JPY', 'en-US')).toBe('¥1,234.5');
  });

  it('follows the locale and currency: JPY without decimals, KWD with three', () => {
    // Intl separates a code or symbol with a no-break space.
    const plain = (text: string) => text.replace(/\s/g, ' ');
    expect(formatMoney('1234', 'JPY', 'en-US')).toBe('¥1,234');
    expect(plain(formatMoney('1.5', 'KWD', 'en-US'))).toBe('KWD 1.500');
    expect(plain(formatMoney('1234.5', 'EUR', 'de-DE'))).toBe('1.234,50 €');
  });

  it('answers a string that is not a decimal as it is', () => {
    expect(formatMoney('n/a', 'USD', 'en-US')).toBe('n/a');
    expect(formatMoney('1e5', 'USD', 'en-US')).toBe('1e5');
  });
});

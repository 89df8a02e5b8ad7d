// The screens compare decimal-string amounts by their digits: the same answers as decimal.js.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Decimal } from '../../src/server/core/money.ts';
import { absolute, compareAmounts, isNegative, isPositive, isZero, smallerAmount } from '../../src/ui/amounts.ts';

const amount = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.integer({ min: 0, max: 6 }), fc.nat(3))
  .map(([negative, digits, scale, zeros]) => {
    const text = digits.toString().padStart(scale + 1, '0');
    const whole = text.slice(0, text.length - scale);
    const fraction = text.slice(text.length - scale) + '0'.repeat(scale > 0 ? zeros : 0);
    return `${negative ? '-' : ''}${'0'.repeat(zeros)}${whole}${fraction ? `.${fraction}` : ''}`;
  });

test('comparing two amounts answers what decimal.js answers', () => {
  fc.assert(
    fc.property(amount, amount, (a, b) => {
      expect(compareAmounts(a, b)).toBe(new Decimal(a).comparedTo(b));
    }),
    { numRuns: 5000 },
  );
});

test('two equal negative amounts compare as 0, not -0', () => {
  expect(Object.is(compareAmounts('-0.4', '-0.40'), 0)).toBe(true);
});

test('the smaller amount is written as it was given', () => {
  expect(smallerAmount('30.00', '139.00')).toBe('30.00');
  expect(smallerAmount('200', '139.00')).toBe('139.00');
  expect(smallerAmount('139.0', '139.00')).toBe('139.0');
});

test('signs: zero in any spelling is neither positive nor negative', () => {
  for (const zero of ['0', '0.00', '-0', '-0.000', '+0.0']) {
    expect([isZero(zero), isPositive(zero), isNegative(zero)], zero).toEqual([true, false, false]);
  }
  expect([isPositive('0.01'), isNegative('-0.01'), isNegative('0.01')]).toEqual([true, true, false]);
  expect(absolute('-15.00')).toBe('15.00');
});

test('a text that is not an amount is refused rather than guessed', () => {
  expect(() => compareAmounts('1,000.00', '1')).toThrow(/not a decimal amount/);
});

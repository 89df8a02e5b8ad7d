// Properties of the event bus's pure parts: pattern matching, subscriber validation and retry backoff.
import { EventBus, matchesPattern, retryDelayMs, ValidationError } from '@dotmac/kernel';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

const HOUR_MS = 3_600_000;

/** One word of an event name, as the subscription pattern grammar allows. */
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/);
/** A dotted event name of 1 to 6 words. */
const words = fc.array(word, { minLength: 1, maxLength: 6 });
const name = words.map((w) => w.join('.'));

describe('matchesPattern', () => {
  test('every name matches itself', () => {
    fc.assert(fc.property(name, (n) => matchesPattern(n, n)));
  });

  test('a name with any of its words replaced by * still matches', () => {
    fc.assert(
      fc.property(
        words.chain((w) =>
          fc.tuple(fc.constant(w), fc.array(fc.boolean(), { minLength: w.length, maxLength: w.length })),
        ),
        ([w, starred]) => matchesPattern(w.map((x, i) => (starred[i] ? '*' : x)).join('.'), w.join('.')),
      ),
    );
  });

  test('a pattern of only * words matches exactly the names with as many words', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), words, (stars, w) => {
        const pattern = Array.from({ length: stars }, () => '*').join('.');
        return matchesPattern(pattern, w.join('.')) === (stars === w.length);
      }),
    );
  });

  test('* never matches a name of a different word count', () => {
    fc.assert(
      fc.property(words, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), words, (w, starred, other) => {
        fc.pre(other.length !== w.length);
        const pattern = w.map((x, i) => (starred[i] ? '*' : x)).join('.');
        return !matchesPattern(pattern, other.join('.'));
      }),
    );
  });

  test('prefix.** matches exactly the names that start with prefix. and have at least one more word', () => {
    fc.assert(
      fc.property(words, words, fc.boolean(), (prefix, n, extend) => {
        // Half the names extend the prefix, so that matches are not rare.
        const candidate = extend ? [...prefix, ...n] : n;
        const expected = candidate.length > prefix.length && prefix.every((x, i) => candidate[i] === x);
        return matchesPattern(`${prefix.join('.')}.**`, candidate.join('.')) === expected;
      }),
    );
  });

  test('prefix.** does not match the prefix itself', () => {
    fc.assert(fc.property(name, (n) => !matchesPattern(`${n}.**`, n)));
  });

  test('** alone matches every name', () => {
    fc.assert(fc.property(name, (n) => matchesPattern('**', n)));
  });

  test('a literal word that differs from the name at its position never matches', () => {
    fc.assert(
      fc.property(
        words.chain((w) =>
          fc.tuple(
            fc.constant(w),
            fc.nat(w.length - 1),
            word,
            fc.array(fc.boolean(), { minLength: w.length, maxLength: w.length }),
          ),
        ),
        fc.boolean(),
        ([w, at, replacement, starred], trailing) => {
          fc.pre(replacement !== w[at]);
          const pattern = w.map((x, i) => (i === at ? replacement : starred[i] ? '*' : x));
          // With or without a trailing `**` after the differing word, the name is not matched.
          const withTail = trailing ? [...pattern.slice(0, at + 1), '**'] : pattern;
          return !matchesPattern(withTail.join('.'), w.join('.'));
        },
      ),
    );
  });

  test('examples from the subscription docs', () => {
    expect(matchesPattern('billing.*', 'billing.invoice')).toBe(true);
    expect(matchesPattern('billing.*', 'billing.invoice.issued')).toBe(false);
    expect(matchesPattern('billing.**', 'billing.invoice.issued')).toBe(true);
    expect(matchesPattern('billing.**', 'billing')).toBe(false);
    expect(matchesPattern('*.created', 'tenant.created')).toBe(true);
    expect(matchesPattern('tenant.created', 'tenant.updated')).toBe(false);
  });
});

describe('subscriber validation', () => {
  const bus = new EventBus({} as never, { now: () => new Date() } as never);
  let n = 0;
  const subscribe = (patterns: string[]) =>
    bus.subscribe({ id: `test.sub-${++n}`, patterns, handle: async () => undefined });

  test('well-formed patterns are accepted', () => {
    for (const p of ['tenant.created', 'tenant.*', 'billing.**', '**', '*.created', 'a.*.c.**']) {
      expect(() => subscribe([p])).not.toThrow();
    }
  });

  test('** anywhere but the last word is refused, since it could never match', () => {
    for (const p of ['**.created', 'a.**.b', 'a.**.**', '**.**']) {
      expect(() => subscribe([p]), p).toThrow(ValidationError);
    }
  });

  test('malformed patterns and an empty pattern list are refused', () => {
    for (const patterns of [[], [''], ['Tenant.created'], ['a..b'], ['a.'], ['a.b*'], ['a.***']]) {
      expect(() => subscribe(patterns), JSON.stringify(patterns)).toThrow(ValidationError);
    }
  });

  test('every pattern the bus accepts behaves as its grammar says on a generated name', () => {
    const segment = fc.oneof(word, fc.constant('*'));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean(), words, (segments, tail, w) => {
        const pattern = [...segments, ...(tail ? ['**'] : [])].join('.');
        expect(() => subscribe([pattern])).not.toThrow();
        const fixed = segments.every((s, i) => s === '*' || s === w[i]);
        const expected = fixed && (tail ? w.length > segments.length : w.length === segments.length);
        return matchesPattern(pattern, w.join('.')) === expected;
      }),
    );
  });
});

describe('retryDelayMs', () => {
  const base = fc.integer({ min: 1, max: HOUR_MS });
  const attempt = fc.integer({ min: 1, max: 60 });
  const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  test('is within ±20% of min(1 h, base·2^(attempt−1))', () => {
    fc.assert(
      fc.property(base, attempt, unit, (b, a, r) => {
        const nominal = Math.min(HOUR_MS, b * 2 ** (a - 1));
        const delay = retryDelayMs(b, a, () => r);
        return delay >= Math.round(0.8 * nominal) && delay <= Math.round(1.2 * nominal) && Number.isInteger(delay);
      }),
    );
  });

  test('never exceeds 1.2 hours, however many attempts', () => {
    fc.assert(
      fc.property(
        base,
        fc.integer({ min: 1, max: 100_000 }),
        unit,
        (b, a, r) => retryDelayMs(b, a, () => r) <= 1.2 * HOUR_MS,
      ),
    );
  });

  test('does not decrease from one attempt to the next when the jitter is fixed', () => {
    fc.assert(
      fc.property(base, fc.integer({ min: 1, max: 100 }), unit, (b, a, r) => {
        return retryDelayMs(b, a + 1, () => r) >= retryDelayMs(b, a, () => r);
      }),
    );
  });

  test('the first retry waits the base delay and each later one doubles it (no jitter at the midpoint)', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(1000, a, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(1000, 30, () => 0.5)).toBe(HOUR_MS);
  });

  test('the jitter spans 0.8 to 1.2 of the nominal delay', () => {
    expect(retryDelayMs(1000, 1, () => 0)).toBe(800);
    expect(retryDelayMs(1000, 1, () => 0.999_999)).toBe(1200);
  });
});

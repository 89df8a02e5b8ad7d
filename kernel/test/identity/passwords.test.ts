// Password hashing and policy: scrypt hashes that verify only their password, and the ASVS 2.1
// rules a new password must meet.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DUMMY_HASH,
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProblems,
  verifyAgainstNothing,
  verifyPassword,
} from '../../src/identity/passwords.ts';

const STORED = /^scrypt\$15\$8\$1\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

describe('password hashing', () => {
  test('a hash verifies its password and no other', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 64, unit: 'binary' }),
        fc.string({ maxLength: 64 }),
        async (pw, other) => {
          const stored = await hashPassword(pw);
          expect(await verifyPassword(pw, stored)).toBe(true);
          if (other.normalize('NFC') !== pw.normalize('NFC')) expect(await verifyPassword(other, stored)).toBe(false);
        },
      ),
      { numRuns: 8 },
    );
  });

  test('the hash is self-describing scrypt (N=2^15, r=8, p=1, 16-byte salt, 32-byte hash) and holds no clear text', async () => {
    const password = 'correct horse battery staple';
    const stored = await hashPassword(password);
    const [, salt, hash] = STORED.exec(stored) ?? [];
    expect(Buffer.from(salt ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(hash ?? '', 'base64')).toHaveLength(32);
    expect(stored).not.toContain(password);
  });

  test('two hashes of the same password differ (fresh salt) and both verify', async () => {
    const [a, b] = await Promise.all([hashPassword('same password twice'), hashPassword('same password twice')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password twice', a)).toBe(true);
    expect(await verifyPassword('same password twice', b)).toBe(true);
  });

  test('a wrong password, or one differing only in case or a trailing space, is false', async () => {
    const stored = await hashPassword('Tr0ub4dor&3-long-enough');
    expect(await verifyPassword('tr0ub4dor&3-long-enough', stored)).toBe(false);
    expect(await verifyPassword('Tr0ub4dor&3-long-enough ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  test('a malformed or tampered stored value is false, never a throw', async () => {
    const stored = await hashPassword('a fine password');
    const [, salt = '', hash = ''] = STORED.exec(stored) ?? [];
    const flipped = Buffer.from(hash, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const malformed = [
      '',
      'plain text password',
      'a fine password',
      `bcrypt$15$8$1$${salt}$${hash}`,
      `scrypt$15$8$1$${salt}`,
      `scrypt$15$8$1$${salt}$${flipped.toString('base64')}`,
      `scrypt$15$8$1$${salt}$${hash.slice(0, 8)}`,
      `scrypt$15$8$1$!!!$${hash}`,
      `scrypt$99$8$1$${salt}$${hash}`,
      `scrypt$0$8$1$${salt}$${hash}`,
      `scrypt$15$0$1$${salt}$${hash}`,
      `scrypt$15$8$9$${salt}$${hash}`,
      null as unknown as string,
    ];
    for (const value of malformed) expect(await verifyPassword('a fine password', value)).toBe(false);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), async (value) => {
        expect(await verifyPassword('a fine password', value)).toBe(false);
      }),
    );
  });

  test('an unknown account costs one full password check and is always false', async () => {
    expect(STORED.test(DUMMY_HASH)).toBe(true);
    const started = performance.now();
    expect(await verifyAgainstNothing('any password at all')).toBe(false);
    const nothing = performance.now() - started;
    const stored = await hashPassword('a known password');
    const again = performance.now();
    await verifyPassword('a wrong password', stored);
    const wrong = performance.now() - again;
    // Same parameters, so the same order of work (not a tight timing bound: CI machines are noisy).
    expect(nothing).toBeGreaterThan(wrong / 4);
  });
});

describe('password policy', () => {
  const strong = 'violet-harbour-lantern-42';

  test('a long, uncommon password has no problems', () => {
    expect(passwordProblems(strong)).toEqual([]);
    expect(passwordProblems(strong, { email: 'jane.doe@example.com' })).toEqual([]);
    expect(passwordProblems('x'.repeat(PASSWORD_MAX_LENGTH))).toEqual([]);
    expect(passwordProblems('ünïcödé pässwörd 🔑')).toEqual([]);
  });

  test('too short and too long are named with the length', () => {
    expect(passwordProblems('short-pw')).toEqual(['must be at least 12 characters long (it has 8)']);
    expect(passwordProblems('y'.repeat(129))).toEqual(['must be at most 128 characters long (it has 129)']);
  });

  test('length counts characters, not bytes or UTF-16 units', () => {
    expect(passwordProblems('🔑'.repeat(PASSWORD_MIN_LENGTH))).toEqual([]);
    expect(passwordProblems('🔑'.repeat(PASSWORD_MIN_LENGTH - 1))).toEqual([
      'must be at least 12 characters long (it has 11)',
    ]);
  });

  test('only whitespace is refused', () => {
    expect(passwordProblems(' '.repeat(16))).toEqual(['must not be only whitespace']);
    expect(passwordProblems('\t\n '.repeat(6))).toEqual(['must not be only whitespace']);
  });

  test('the most common passwords are refused, also padded with digits or symbols', () => {
    for (const common of ['123456789012', 'qwertyuiopasdfghjkl', 'PasswordPassword', 'password1234', 'iloveyou!!!!']) {
      expect(passwordProblems(common)).toContain(
        'is one of the most commonly used passwords: choose one less guessable',
      );
    }
  });

  test("a password containing the email's local part is refused, in any case", () => {
    expect(passwordProblems('my-JaneDoe-password', { email: 'janedoe@example.com' })).toEqual([
      'must not contain the first part of your email address',
    ]);
    expect(passwordProblems('my-JaneDoe-password', { email: 'someone@example.com' })).toEqual([]);
  });

  test('every problem is reported at once', () => {
    expect(passwordProblems('jane1', { email: 'jane@example.com' })).toEqual([
      'must be at least 12 characters long (it has 5)',
      'must not contain the first part of your email address',
    ]);
  });

  test('any 12 to 128 characters that are not all whitespace, common or the email pass; shorter never does', () => {
    const char = fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' });
    fc.assert(
      fc.property(fc.array(char, { minLength: 1, maxLength: 140 }), (chars) => {
        const pw = chars.join('');
        const problems = passwordProblems(pw, { email: 'zq9@example.com' });
        const length = [...pw].length;
        const expected =
          length >= PASSWORD_MIN_LENGTH &&
          length <= PASSWORD_MAX_LENGTH &&
          pw.trim() !== '' &&
          !pw.toLowerCase().includes('zq9') &&
          !problems.some((p) => p.startsWith('is one of the most commonly'));
        expect(problems.length === 0).toBe(expected);
        if (length < PASSWORD_MIN_LENGTH) expect(problems[0]).toMatch(/^must be at least 12 characters/);
      }),
    );
  });

  test('problems never repeat the password', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 200 }), (pw) => {
        for (const problem of passwordProblems(pw, { email: `${pw}@example.com` })) {
          expect(problem.includes(pw)).toBe(false);
        }
      }),
    );
  });
});

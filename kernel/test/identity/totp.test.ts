// TOTP (RFC 6238) against the RFC's own test vectors, the ±1-step window, and the sealed storage.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  generateTotpSecret,
  openTotpSecret,
  sealTotpSecret,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
  withLastTotpStep,
} from '../../src/identity/totp.ts';

// RFC 6238 appendix B, SHA-1: the ASCII key "12345678901234567890", in base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: readonly [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
const at = (seconds: number) => new Date(seconds * 1000);

describe('TOTP', () => {
  test.each(RFC_VECTORS)('at %i s the RFC 6238 SHA-1 code is %s', (seconds, code) => {
    expect(totpCode(RFC_SECRET, at(seconds), 8)).toBe(code);
    // Six digits are the last six of the eight (the same truncation, modulo 10^6).
    expect(totpCode(RFC_SECRET, at(seconds))).toBe(code.slice(2));
    expect(verifyTotp(RFC_SECRET, code.slice(2), at(seconds))).toBe(totpStep(at(seconds)));
  });

  test('a code is accepted one step either side of now, and answers its own step', () => {
    const now = at(1111111111);
    const step = totpStep(now);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1111111111 - 30)), now)).toBe(step - 1);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1111111111 + 30)), now)).toBe(step + 1);
  });

  test('a code two steps away, a wrong code and malformed codes are refused', () => {
    const now = at(1234567890);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1234567890 - 60)), now)).toBeUndefined();
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1234567890 + 60)), now)).toBeUndefined();
    const right = totpCode(RFC_SECRET, now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (const code of [wrong, '', '12345', '1234567', ' 005924', '00592a', '89005924']) {
      expect(verifyTotp(RFC_SECRET, code, now)).toBeUndefined();
    }
  });

  test('a new secret is 20 random bytes in base32, and works', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(a).not.toBe(b);
    const now = new Date();
    expect(verifyTotp(a, totpCode(a, now), now)).toBe(totpStep(now));
    // Secrets as people type them: lower case, spaced.
    const typed = a.toLowerCase().replace(/(.{4})/g, '$1 ');
    expect(totpCode(typed, now)).toBe(totpCode(a, now));
  });

  test('the URI names issuer and account and carries the secret, as authenticator apps read it', () => {
    const text = totpUri(RFC_SECRET, { issuer: 'Fast Fibre & Co', account: 'ana@isp.example' });
    expect(text.startsWith('otpauth://totp/Fast%20Fibre%20%26%20Co:ana%40isp.example?')).toBe(true);
    const uri = new URL(text);
    expect(uri.searchParams.get('secret')).toBe(RFC_SECRET);
    expect(uri.searchParams.get('issuer')).toBe('Fast Fibre & Co');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
  });

  test('a sealed secret opens only for its user and key, and records the last step used', () => {
    const key = randomBytes(32);
    const secret = generateTotpSecret();
    const stored = sealTotpSecret(key, 'user-1', secret);
    expect(stored.includes(Buffer.from(secret))).toBe(false);
    expect(openTotpSecret(key, 'user-1', stored)).toEqual({ secret, lastStep: 0 });
    expect(() => openTotpSecret(key, 'user-2', stored)).toThrow();
    expect(() => openTotpSecret(randomBytes(32), 'user-1', stored)).toThrow();
    const used = withLastTotpStep(stored, 58_000_000);
    expect(openTotpSecret(key, 'user-1', used)).toEqual({ secret, lastStep: 58_000_000 });
    expect(openTotpSecret(key, 'user-1', stored).lastStep).toBe(0);
  });
});

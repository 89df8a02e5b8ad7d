// Time-based one-time codes for two-step sign-in (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
// steps), and the stored form of a user's TOTP secret: sealed with SECRETS_KEY.
// Written on node:crypto rather than a library: the algorithm is twenty lines and this keeps
// the constant-time comparison and the step returned for replay protection in plain view.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { seal, unseal } from '../seal.ts';

const STEP_SECONDS = 30;
const DIGITS = 6;
const SECRET_BYTES = 20;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const CODE = /^\d{6}$/;

/** A new random TOTP secret: 20 bytes in base32, as authenticator apps take it. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/** The otpauth:// URI an authenticator app reads (usually shown as a QR code). */
export function totpUri(secret: string, { issuer, account }: { issuer: string; account: string }): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${STEP_SECONDS}`;
}

/** The 30-second step `now` falls in (RFC 6238's T). */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / STEP_SECONDS);
}

/** The code of `secret` (base32) at `now`; `digits` other than 6 only for the RFC's 8-digit test vectors. */
export function totpCode(secret: string, now: Date, digits = DIGITS): string {
  return hotp(base32Decode(secret), totpStep(now), digits);
}

/**
 * The step whose code `code` is, trying `now`'s step and one either side (clock drift);
 * undefined when none matches. Every candidate is compared, in constant time. Refusing a step
 * already used (replay) is the caller's part: it stores the step this returns.
 */
export function verifyTotp(secret: string, code: string, now: Date): number | undefined {
  if (typeof code !== 'string' || !CODE.test(code)) return undefined;
  const key = base32Decode(secret);
  const given = Buffer.from(code);
  const current = totpStep(now);
  let matched: number | undefined;
  for (const step of [current - 1, current, current + 1]) {
    // The latest matching step wins, so that replay protection is never weaker than it should be.
    if (timingSafeEqual(Buffer.from(hotp(key, step, DIGITS)), given)) matched = step;
  }
  return matched;
}

/** A user's TOTP secret opened from storage, with the last step a code was accepted for (0: none yet). */
export interface StoredTotp {
  readonly secret: string;
  readonly lastStep: number;
}

// Stored layout of kernel.app_user.totp_secret: the last step used (8 bytes, big-endian; not a
// secret, kept beside the sealed secret so that a code is accepted once), then the IV (12 bytes),
// the GCM tag (16) and the ciphertext of the base32 secret.
const STEP_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The sealing context of a user's TOTP secret: a sealed secret copied to another user does not open. */
function sealContext(userId: string): string {
  return `totp\n${userId}`;
}

/** Seals `secret` for `userId` under `key`, in the stored layout, with no step used yet. */
export function sealTotpSecret(key: Buffer, userId: string, secret: string): Buffer {
  const sealed = seal(key, sealContext(userId), secret);
  return Buffer.concat([Buffer.alloc(STEP_BYTES), sealed.iv, sealed.tag, sealed.ciphertext]);
}

/** Opens what sealTotpSecret stored (throws when the key, the user or the bytes differ). */
export function openTotpSecret(key: Buffer, userId: string, stored: Buffer): StoredTotp {
  const lastStep = Number(stored.readBigUInt64BE(0));
  const iv = stored.subarray(STEP_BYTES, STEP_BYTES + IV_BYTES);
  const tag = stored.subarray(STEP_BYTES + IV_BYTES, STEP_BYTES + IV_BYTES + TAG_BYTES);
  const ciphertext = stored.subarray(STEP_BYTES + IV_BYTES + TAG_BYTES);
  return { secret: unseal(key, sealContext(userId), { iv, tag, ciphertext }).toString('utf8'), lastStep };
}

/** The stored value with `step` recorded as the last step used. */
export function withLastTotpStep(stored: Buffer, step: number): Buffer {
  const copy = Buffer.from(stored);
  copy.writeBigUInt64BE(BigInt(step), 0);
  return copy;
}

/** RFC 4226 HOTP: HMAC-SHA-1 of the 8-byte counter, dynamically truncated to `digits` digits. */
function hotp(key: Buffer, counter: number, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** RFC 4648 base32, upper case, without padding. */
function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0x1fff; // at most 12 pending bits
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case, spaces and padding ignored, as people type secrets). */
function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`a TOTP secret is base32 (A-Z, 2-7); it holds ${JSON.stringify(char)}`);
    value = ((value << 5) | index) & 0x1fff; // at most 12 pending bits
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

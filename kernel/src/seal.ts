// Sealing small secrets at rest with the installation's key (SECRETS_KEY): AES-256-GCM, a fresh
// IV each time, and additional data binding the ciphertext to where it is stored, so a sealed
// value copied to another row does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DotmacError } from './errors.ts';

/** Something must be sealed or opened and there is no key: no SECRETS_KEY next to an external database. */
export class SealingKeyMissingError extends DotmacError {
  override readonly status = 503;
  override readonly type = 'secrets-unconfigured';
  override readonly title = 'SECRETS_KEY is not configured';
  /** `what`: what needs the key, e.g. 'plugin secrets'. */
  constructor(what: string) {
    super(
      `${what} need SECRETS_KEY when the database is external (DATABASE_URL): set it to 32 random bytes as base64, e.g. the output of \`openssl rand -base64 32\`, and keep it: what is sealed under one key cannot be opened under another`,
    );
  }
}

/** A sealed value, as stored. */
export interface Sealed {
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
}

const IV_BYTES = 12;

/** Names a key without revealing it: the first 16 hex digits of its SHA-256. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Seals `plaintext` under `key`, bound to `context` (e.g. `signing-key\n<kid>`). */
export function seal(key: Buffer, context: string, plaintext: Buffer | string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

/** Opens what `seal` made with the same key and context; throws when either differs or the value was altered. */
export function unseal(key: Buffer, context: string, sealed: Sealed): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}

// The Ed25519 keys access tokens are signed with. The newest key signs; older ones keep
// verifying the tokens they signed until retired, so rotating a key logs nobody out. Private
// keys are sealed with SECRETS_KEY; public keys are published as a JWKS.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import type { JWK } from 'jose';
import type { Clock } from '../clock.ts';
import type { Database, Tx } from '../db/database.ts';
import { ConfigError, DotmacError } from '../errors.ts';
import { keyIdOf, SealingKeyMissingError, seal, unseal } from '../seal.ts';

/** The current signing key does not open with this SECRETS_KEY: the key changed, or the row was altered. */
export class SigningKeyUnreadableError extends DotmacError {
  override readonly status = 500;
  override readonly type = 'signing-key-unreadable';
  override readonly title = 'Signing key cannot be read';
}

/** The key that signs new access tokens. */
export interface CurrentSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

interface KeyRow {
  kid: string;
  public_jwk: JWK;
  private_key: Buffer;
  iv: Buffer;
  tag: Buffer;
}

const KEY_BYTES = 32;
const KID = /^[A-Za-z0-9_-]{22}$/;
// Any 64-bit number, fixed: serialises processes creating or rotating the current key.
const SIGNING_KEY_LOCK = 7_450_221_120;
// How long a process trusts what it read: another process's rotation or retirement is seen
// within this time (retire keys well after the access-token lifetime, so this never matters).
const CACHE_MS = 60_000;

export class SigningKeys {
  private currentKey: { key: CurrentSigningKey; until: number } | undefined;
  private readonly publicKeys = new Map<string, { key: KeyObject; until: number }>();

  /** `key`: the installation's SECRETS_KEY (from loadSecretsKey), or undefined when there is none. */
  constructor(
    private readonly db: Database,
    private readonly key: Buffer | undefined,
    private readonly clock: Clock,
  ) {
    if (key && key.length !== KEY_BYTES) {
      throw new ConfigError([`SECRETS_KEY: must be ${KEY_BYTES} bytes (got ${key.length})`]);
    }
  }

  /** The key that signs new tokens: the newest not retired, created the first time it is asked for. */
  async current(): Promise<CurrentSigningKey> {
    const secretsKey = this.requireKey();
    const now = this.clock.now().getTime();
    if (this.currentKey && this.currentKey.until > now) return this.currentKey.key;
    let row = await this.newest(this.db);
    // Concurrent first calls, in this process or others, wait for one another and agree on one key.
    row ??= await this.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      return (await this.newest(tx)) ?? (await this.insert(tx, secretsKey));
    });
    const key = { kid: row.kid, privateKey: this.open(secretsKey, row) };
    this.currentKey = { key, until: now + CACHE_MS };
    return key;
  }

  /** Makes a new key the current one and returns its kid; earlier keys keep verifying until retired. */
  async rotate(): Promise<string> {
    const secretsKey = this.requireKey();
    const row = await this.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      return this.insert(tx, secretsKey);
    });
    this.currentKey = {
      key: { kid: row.kid, privateKey: this.open(secretsKey, row) },
      until: this.clock.now().getTime() + CACHE_MS,
    };
    return row.kid;
  }

  /**
   * Retires every key created before `olderThan` except the current one: tokens they signed are
   * refused from now on and they leave the JWKS. Returns the retired kids.
   */
  async retire(olderThan: Date): Promise<string[]> {
    const rows = await this.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      return tx.query<{ kid: string }>(
        `update kernel.signing_key set retired_at = $2
         where retired_at is null and created_at < $1
           and kid <> (select kid from kernel.signing_key where retired_at is null order by created_at desc limit 1)
         returning kid`,
        [olderThan, this.clock.now()],
      );
    });
    for (const { kid } of rows) this.publicKeys.delete(kid);
    return rows.map((r) => r.kid);
  }

  /** The public key of `kid`, or undefined when it is unknown or retired. */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    if (typeof kid !== 'string' || !KID.test(kid)) return undefined;
    const now = this.clock.now().getTime();
    const cached = this.publicKeys.get(kid);
    if (cached && cached.until > now) return cached.key;
    const [row] = await this.db.query<{ public_jwk: JWK }>(
      'select public_jwk from kernel.signing_key where kid = $1 and retired_at is null',
      [kid],
    );
    if (!row) {
      this.publicKeys.delete(kid);
      return undefined;
    }
    const key = createPublicKey({ key: row.public_jwk as JsonWebKey, format: 'jwk' });
    this.publicKeys.set(kid, { key, until: now + CACHE_MS });
    return key;
  }

  /** The public keys not retired, newest first, as a JSON Web Key Set (for /.well-known/jwks.json). */
  async jwks(): Promise<{ keys: JWK[] }> {
    const rows = await this.db.query<{ public_jwk: JWK }>(
      'select public_jwk from kernel.signing_key where retired_at is null order by created_at desc',
    );
    return { keys: rows.map((r) => r.public_jwk) };
  }

  private requireKey(): Buffer {
    if (!this.key) throw new SealingKeyMissingError('signing access tokens and TOTP');
    return this.key;
  }

  private async newest(q: Tx | Database): Promise<KeyRow | undefined> {
    const [row] = await q.query<KeyRow>(
      `select kid, public_jwk, private_key, iv, tag from kernel.signing_key
       where retired_at is null order by created_at desc limit 1`,
    );
    return row;
  }

  /** Inserts a new key, strictly newer than every other (the clock may stand still in tests). */
  private async insert(tx: Tx, secretsKey: Buffer): Promise<KeyRow> {
    const kid = randomBytes(16).toString('base64url');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const public_jwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
    const sealed = seal(secretsKey, context(kid), privateKey.export({ type: 'pkcs8', format: 'der' }));
    const [row] = await tx.query<KeyRow>(
      `insert into kernel.signing_key (kid, alg, public_jwk, private_key, iv, tag, created_at)
       values ($1, 'EdDSA', $2, $3, $4, $5,
         greatest($6::timestamptz, (select max(created_at) + interval '1 millisecond' from kernel.signing_key)))
       returning kid, public_jwk, private_key, iv, tag`,
      [kid, JSON.stringify(public_jwk), sealed.ciphertext, sealed.iv, sealed.tag, this.clock.now()],
    );
    if (!row) throw new Error(`signing key ${kid} was not stored`);
    return row;
  }

  private open(secretsKey: Buffer, row: KeyRow): KeyObject {
    try {
      return createPrivateKey({
        key: unseal(secretsKey, context(row.kid), { ciphertext: row.private_key, iv: row.iv, tag: row.tag }),
        format: 'der',
        type: 'pkcs8',
      });
    } catch (e) {
      throw new SigningKeyUnreadableError(
        `signing key ${row.kid} does not open with SECRETS_KEY ${keyIdOf(secretsKey)}: SECRETS_KEY changed, or the row was altered. Restore the SECRETS_KEY it was sealed with, or rotate the signing keys (tokens already issued stay valid)`,
        { cause: e },
      );
    }
  }
}

/** Binds a sealed private key to its kid: copied to another row, it does not open. */
function context(kid: string): string {
  return `signing-key\n${kid}`;
}

// The token layer of identity on a real database: signing keys that rotate without logging
// anyone out, EdDSA access tokens that refuse every other algorithm, rotating refresh tokens
// with reuse detection, and API keys stored as hashes.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { type Clock, type Kernel, NotFoundError, UnauthorizedError, ValidationError } from '@dotmac/kernel';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../../../test/support/kernel.ts';
import { type AccessClaims, AccessTokens } from '../../src/identity/access-tokens.ts';
import { ApiKeys } from '../../src/identity/api-keys.ts';
import { REFRESH_TOKEN_REUSED, RefreshTokens } from '../../src/identity/refresh-tokens.ts';
import { SigningKeys, SigningKeyUnreadableError } from '../../src/identity/signing-keys.ts';
import { SealingKeyMissingError } from '../../src/seal.ts';

const ISSUER = 'https://isp.example.net';
const ACCESS_TTL = 300;
const REFRESH_TTL = 3600;
const secretsKey = randomBytes(32);

/** A clock the tests move by hand. */
class TestClock implements Clock {
  private t = Date.parse('2030-01-01T12:00:00Z');
  now(): Date {
    return new Date(this.t);
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

let t: TestKernel;
let kernel: Kernel;
let clock: TestClock;
let tenantA: string;
let tenantB: string;
let userA: string;

beforeAll(async () => {
  t = await bootTestKernel();
  kernel = t.kernel;
});

afterAll(async () => {
  await t?.dispose();
});

beforeEach(async () => {
  clock = new TestClock();
  await kernel.db.query('delete from kernel.signing_key');
  tenantA = await createTenant(kernel.db, `isp-a-${Math.random().toString(36).slice(2, 8)}`);
  tenantB = await createTenant(kernel.db, `isp-b-${Math.random().toString(36).slice(2, 8)}`);
  userA = await createUser(tenantA);
});

async function createUser(tenantId: string): Promise<string> {
  const [row] = await kernel.db.query<{ id: string }>(
    `insert into kernel.app_user (tenant_id, email, portal) values ($1, $2, 'admin') returning id`,
    [tenantId, `${randomUUID()}@example.com`],
  );
  if (!row) throw new Error('no user created');
  return row.id;
}

/** The error `promise` rejects with; fails the test when it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!outcome) throw new Error('expected a rejection, got a result');
  return outcome;
}

/** Asserts `promise` fails with exactly `message` as a 401 that does not contain `token` or any part of it. */
async function expectRefused(promise: Promise<unknown>, message: string, token: string): Promise<void> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(UnauthorizedError);
  expect(error.message).toBe(message);
  expect(error.message).not.toContain(token);
  for (const part of token.split(/[._]/).filter((p) => p.length >= 8)) expect(error.message).not.toContain(part);
  expect(JSON.stringify({ ...error, message: error.message, cause: String(error.cause) })).not.toContain(token);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (token: string, index: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe(`access tokens on ${process.env.DOTMAC_TEST_DB}`, () => {
  let keys: SigningKeys;
  let tokens: AccessTokens;
  const claims: AccessClaims = {
    sub: '8d6f1f0e-57f8-4b8e-9f4a-0c7b1e7c2d11',
    tid: '1b7e4c1a-2f0e-4c55-8f3b-5c1d2e3f4a5b',
    portal: 'admin',
    sid: '3c2b1a09-8f7e-4d6c-9b5a-4a3b2c1d0e9f',
  };

  beforeEach(() => {
    keys = new SigningKeys(kernel.db, secretsKey, clock);
    tokens = new AccessTokens(keys, { issuer: ISSUER, ttlSeconds: ACCESS_TTL }, clock);
  });

  /** A token with the right kid, issuer and audience, signed by the current key, with `changes` applied. */
  async function forged(
    changes: { header?: Record<string, unknown>; claims?: Record<string, unknown> } = {},
  ): Promise<string> {
    const { kid, privateKey } = await keys.current();
    const now = Math.floor(clock.now().getTime() / 1000);
    const payload = { ...claims, iss: ISSUER, aud: 'dotmac', iat: now, exp: now + 60, jti: randomUUID() };
    return new SignJWT({ ...payload, ...changes.claims })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt', ...changes.header })
      .sign(privateKey);
  }

  test('a token verifies to its claims; its header is EdDSA with the kid, typed at+jwt', async () => {
    const { token, expiresIn } = await tokens.issue(claims);
    expect(expiresIn).toBe(ACCESS_TTL);
    expect(await tokens.verify(token)).toEqual(claims);
    const { kid } = await keys.current();
    expect(decodePart(token, 0)).toEqual({ alg: 'EdDSA', kid, typ: 'at+jwt' });
    const payload = decodePart(token, 1);
    const now = Math.floor(clock.now().getTime() / 1000);
    expect(payload).toMatchObject({ ...claims, iss: ISSUER, aud: 'dotmac', iat: now, exp: now + ACCESS_TTL });
    expect(payload.jti).toEqual(expect.any(String));
    expect(decodePart((await tokens.issue(claims)).token, 1).jti).not.toBe(payload.jti);
  });

  test('a platform operator token carries a null tenant', async () => {
    const operator: AccessClaims = { ...claims, tid: null, portal: 'platform' };
    expect(await tokens.verify((await tokens.issue(operator)).token)).toEqual(operator);
  });

  test('a tampered signature is refused', async () => {
    const { token } = await tokens.issue(claims);
    const [header, payload, signature = ''] = token.split('.');
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    await expectRefused(tokens.verify(tampered), 'access token signature is invalid', tampered);
  });

  test('a tampered payload is refused', async () => {
    const { token } = await tokens.issue(claims);
    const [header, payload = '', signature] = token.split('.');
    const changed = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), portal: 'platform', tid: null };
    const tampered = `${header}.${b64(changed)}.${signature}`;
    await expectRefused(tokens.verify(tampered), 'access token signature is invalid', tampered);
  });

  test('a token signed by another Ed25519 key under a known kid is refused', async () => {
    const { kid } = await keys.current();
    const other = generateKeyPairSync('ed25519').privateKey;
    const now = Math.floor(clock.now().getTime() / 1000);
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience('dotmac')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(randomUUID())
      .sign(other);
    await expectRefused(tokens.verify(token), 'access token signature is invalid', token);
  });

  test('an unsecured token (alg none) is refused', async () => {
    const valid = await forged();
    const payload = valid.split('.')[1];
    const { kid } = await keys.current();
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64({ alg, kid, typ: 'at+jwt' })}.${payload}.`;
      await expectRefused(tokens.verify(token), 'access token algorithm is not accepted', token);
    }
  });

  test('an HS256 token keyed with the public key (algorithm confusion) is refused', async () => {
    const { kid } = await keys.current();
    const publicKey = await keys.publicKey(kid);
    if (!publicKey) throw new Error('no public key');
    const secrets = [
      publicKey.export({ type: 'spki', format: 'der' }),
      Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })),
      Buffer.from((publicKey.export({ format: 'jwk' }).x ?? '') as string, 'base64url'),
      Buffer.from(JSON.stringify((await keys.jwks()).keys[0])),
    ];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const now = Math.floor(clock.now().getTime() / 1000);
        const token = await new SignJWT({ ...claims })
          .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
          .setIssuer(ISSUER)
          .setAudience('dotmac')
          .setIssuedAt(now)
          .setExpirationTime(now + 60)
          .sign(new Uint8Array(secret));
        await expectRefused(tokens.verify(token), 'access token algorithm is not accepted', token);
      }
    }
  });

  test('ES256 and RS256 tokens are refused, whatever key signed them', async () => {
    const { kid } = await keys.current();
    const signers = [
      { alg: 'ES256', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey },
      { alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey },
      { alg: 'PS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey },
    ];
    for (const { alg, key } of signers) {
      const now = Math.floor(clock.now().getTime() / 1000);
      const token = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience('dotmac')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key);
      await expectRefused(tokens.verify(token), 'access token algorithm is not accepted', token);
    }
  });

  test('a token is refused once it expires, by the injected clock', async () => {
    const { token } = await tokens.issue(claims);
    clock.advance(ACCESS_TTL - 1);
    expect(await tokens.verify(token)).toEqual(claims);
    clock.advance(1);
    await expectRefused(tokens.verify(token), 'access token expired', token);
  });

  test('a token of another issuer or audience, or of another type, is refused', async () => {
    const { token } = await tokens.issue(claims);
    const elsewhere = new AccessTokens(keys, { issuer: 'https://other.example.net', ttlSeconds: ACCESS_TTL }, clock);
    await expectRefused(elsewhere.verify(token), 'access token issuer is not accepted', token);
    const otherAudience = await forged({ claims: { aud: 'another-service' } });
    await expectRefused(tokens.verify(otherAudience), 'access token audience is not accepted', otherAudience);
    for (const typ of ['JWT', 'id_token+jwt']) {
      const otherType = await forged({ header: { typ } });
      await expectRefused(tokens.verify(otherType), 'access token type is not accepted', otherType);
    }
    const untyped = await forged({ header: { typ: undefined } });
    await expectRefused(tokens.verify(untyped), 'access token type is not accepted', untyped);
  });

  test('a token whose claims have the wrong shape is refused even with a valid signature', async () => {
    for (const changes of [{ portal: 'root' }, { sid: 42 }, { tid: 7 }, { sid: undefined }]) {
      const token = await forged({ claims: changes });
      const error = await failure(tokens.verify(token));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error.message).toMatch(/^access token claims are malformed$/);
    }
  });

  test('a token naming an unknown kid, or none, is refused', async () => {
    const unknown = await forged({ header: { kid: randomBytes(16).toString('base64url') } });
    await expectRefused(tokens.verify(unknown), 'access token signing key is unknown or retired', unknown);
    const noKid = await forged({ header: { kid: undefined } });
    await expectRefused(tokens.verify(noKid), 'access token names no signing key', noKid);
  });

  test('garbage is refused as malformed without echoing it', async () => {
    for (const garbage of ['', 'not-a-token', 'a.b.c', `${b64({ alg: 'EdDSA' })}.!!!.x`, 'x'.repeat(5000)]) {
      const error = await failure(tokens.verify(garbage));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error.message).toMatch(/^access token (is malformed|names no signing key)$/);
      if (garbage.length >= 8) expect(error.message).not.toContain(garbage);
    }
  });

  test('after a rotation, old tokens verify until they expire, new ones carry the new kid, and the JWKS lists both', async () => {
    const old = await tokens.issue(claims);
    const oldKid = decodePart(old.token, 0).kid;
    const newKid = await keys.rotate();
    expect(newKid).not.toBe(oldKid);
    expect(newKid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const fresh = await tokens.issue(claims);
    expect(decodePart(fresh.token, 0).kid).toBe(newKid);
    expect(await tokens.verify(old.token)).toEqual(claims);
    expect(await tokens.verify(fresh.token)).toEqual(claims);
    // Another process, which never saw the rotation, signs with the new key and verifies both.
    const elsewhere = new AccessTokens(
      new SigningKeys(kernel.db, secretsKey, clock),
      { issuer: ISSUER, ttlSeconds: ACCESS_TTL },
      clock,
    );
    expect(decodePart((await elsewhere.issue(claims)).token, 0).kid).toBe(newKid);
    expect(await elsewhere.verify(old.token)).toEqual(claims);

    const { keys: published } = await keys.jwks();
    expect(published.map((k) => k.kid)).toEqual([newKid, oldKid]);
    for (const jwk of published) {
      expect(jwk).toEqual({
        kty: 'OKP',
        crv: 'Ed25519',
        x: expect.any(String),
        kid: jwk.kid,
        alg: 'EdDSA',
        use: 'sig',
      });
      expect(Object.keys(jwk)).not.toContain('d');
      expect(createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).asymmetricKeyType).toBe(
        'ed25519',
      );
    }
    clock.advance(ACCESS_TTL);
    await expectRefused(tokens.verify(old.token), 'access token expired', old.token);
  });

  test('after retiring, the old kid is refused and leaves the JWKS; the current key is never retired', async () => {
    const old = await tokens.issue(claims);
    const oldKid = decodePart(old.token, 0).kid as string;
    clock.advance(10);
    const newKid = await keys.rotate();
    const fresh = await tokens.issue(claims);
    // Both keys are older than this: only the one that no longer signs is retired.
    clock.advance(10);
    expect(await keys.retire(clock.now())).toEqual([oldKid]);
    await expectRefused(tokens.verify(old.token), 'access token signing key is unknown or retired', old.token);
    expect(await keys.publicKey(oldKid)).toBeUndefined();
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
    expect(await tokens.verify(fresh.token)).toEqual(claims);
    const elsewhere = new AccessTokens(
      new SigningKeys(kernel.db, secretsKey, clock),
      { issuer: ISSUER, ttlSeconds: ACCESS_TTL },
      clock,
    );
    await expectRefused(elsewhere.verify(old.token), 'access token signing key is unknown or retired', old.token);
    expect(await keys.retire(clock.now())).toEqual([]);
  });

  test('retire leaves keys newer than the cut-off', async () => {
    const first = (await keys.current()).kid;
    clock.advance(60);
    const cutOff = clock.now();
    clock.advance(60);
    const second = await keys.rotate();
    clock.advance(60);
    const third = await keys.rotate();
    expect(await keys.retire(cutOff)).toEqual([first]);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([third, second]);
  });

  test('concurrent first uses, as from several processes, agree on one key', async () => {
    const processes = [1, 2, 3, 4, 5].map(() => new SigningKeys(kernel.db, secretsKey, clock));
    const current = await Promise.all(processes.map((p) => p.current()));
    expect(new Set(current.map((c) => c.kid)).size).toBe(1);
    expect(await kernel.db.query('select kid from kernel.signing_key')).toHaveLength(1);
  });

  test('the private key is stored sealed with SECRETS_KEY, bound to its kid', async () => {
    const { kid, privateKey } = await keys.current();
    const [row] = await kernel.db.query<{ private_key: Buffer; t: string }>(
      'select private_key, s::text as t from kernel.signing_key s where kid = $1',
      [kid],
    );
    const der = privateKey.export({ type: 'pkcs8', format: 'der' });
    const seed = der.subarray(der.length - 32);
    expect(row?.private_key.includes(seed)).toBe(false);
    expect(row?.t).not.toContain(seed.toString('hex'));
    expect(row?.t).not.toContain(seed.toString('base64url'));
    // Copied to another kid, the sealed key does not open.
    const copy = randomBytes(16).toString('base64url');
    await kernel.db.query(
      `insert into kernel.signing_key (kid, alg, public_jwk, private_key, iv, tag, created_at)
       select $1, alg, public_jwk, private_key, iv, tag, created_at + interval '1 second' from kernel.signing_key where kid = $2`,
      [copy, kid],
    );
    const error = await failure(new SigningKeys(kernel.db, secretsKey, clock).current());
    expect(error).toBeInstanceOf(SigningKeyUnreadableError);
    expect(error.message).toContain(`signing key ${copy} does not open`);
  });

  test('under another SECRETS_KEY the current key does not open, and the error says what to do', async () => {
    await keys.current();
    const error = await failure(new SigningKeys(kernel.db, randomBytes(32), clock).current());
    expect(error).toBeInstanceOf(SigningKeyUnreadableError);
    expect(error.message).toContain('SECRETS_KEY changed');
    expect(error.message).toContain('rotate the signing keys');
    expect(error.message).not.toContain(secretsKey.toString('base64'));
  });

  test('without SECRETS_KEY, signing says to set it; published keys still verify', async () => {
    const { token } = await tokens.issue(claims);
    const unkeyed = new SigningKeys(kernel.db, undefined, clock);
    for (const operation of [() => unkeyed.current(), () => unkeyed.rotate()]) {
      const error = await failure(operation());
      expect(error).toBeInstanceOf(SealingKeyMissingError);
      expect(error).toMatchObject({ status: 503, type: 'secrets-unconfigured' });
      expect(error.message).toContain('SECRETS_KEY');
      expect(error.message).toContain('openssl rand -base64 32');
    }
    const verifier = new AccessTokens(unkeyed, { issuer: ISSUER, ttlSeconds: ACCESS_TTL }, clock);
    expect(await verifier.verify(token)).toEqual(claims);
    expect((await unkeyed.jwks()).keys).toHaveLength(1);
  });
});

describe(`refresh tokens on ${process.env.DOTMAC_TEST_DB}`, () => {
  let refresh: RefreshTokens;
  beforeEach(() => {
    refresh = new RefreshTokens(kernel.db, clock, REFRESH_TTL);
  });

  const rowsOf = (sessionId: string) =>
    kernel.db.query<{ token_hash: Buffer; used_at: Date | null; revoked_at: Date | null; t: string }>(
      'select token_hash, used_at, revoked_at, r::text as t from kernel.refresh_token r where family_id = $1 order by created_at, used_at nulls last',
      [sessionId],
    );

  test('rotation uses up the token and gives the next one of the same session', async () => {
    const first = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await refresh.isSessionActive(first.sessionId)).toBe(true);
    clock.advance(30);
    const second = await refresh.rotate(first.token);
    expect(second).toEqual({ token: expect.any(String), sessionId: first.sessionId, userId: userA, tenantId: tenantA });
    expect(second.token).not.toBe(first.token);
    const third = await refresh.rotate(second.token);
    expect(third.sessionId).toBe(first.sessionId);
    expect(await refresh.isSessionActive(first.sessionId)).toBe(true);
  });

  test('only the SHA-256 of a token is stored', async () => {
    const { token, sessionId } = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    const [row] = await rowsOf(sessionId);
    expect(row?.token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(row?.t).not.toContain(token);
    expect(row?.t).not.toContain(Buffer.from(token, 'base64url').toString('hex'));
  });

  test('a used token presented again revokes the whole session: the newer token stops working too', async () => {
    const first = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    const second = await refresh.rotate(first.token);
    await expectRefused(refresh.rotate(first.token), REFRESH_TOKEN_REUSED, first.token);
    expect(await refresh.isSessionActive(first.sessionId)).toBe(false);
    await expectRefused(refresh.rotate(second.token), REFRESH_TOKEN_REUSED, second.token);
    expect((await rowsOf(first.sessionId)).every((r) => r.revoked_at !== null)).toBe(true);
  });

  test('reuse revokes only that session: the same user signed in elsewhere stays signed in', async () => {
    const laptop = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    const phone = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    await refresh.rotate(laptop.token);
    await failure(refresh.rotate(laptop.token));
    expect(await refresh.isSessionActive(laptop.sessionId)).toBe(false);
    expect(await refresh.isSessionActive(phone.sessionId)).toBe(true);
    expect((await refresh.rotate(phone.token)).sessionId).toBe(phone.sessionId);
  });

  test('two concurrent rotations of one token: exactly one succeeds, the other is a reuse that revokes the session', async () => {
    for (let round = 0; round < 5; round++) {
      const { token, sessionId } = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
      const outcomes = await Promise.allSettled([refresh.rotate(token), refresh.rotate(token)]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(UnauthorizedError);
      expect(((lost[0] as PromiseRejectedResult).reason as Error).message).toBe(REFRESH_TOKEN_REUSED);
      const winner = (won[0] as PromiseFulfilledResult<{ token: string }>).value;
      await expectRefused(refresh.rotate(winner.token), REFRESH_TOKEN_REUSED, winner.token);
      expect(await refresh.isSessionActive(sessionId)).toBe(false);
    }
  });

  test('revoking a session (sign-out) ends it at once; the user’s other sessions go on', async () => {
    const a = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    const b = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    await refresh.revokeSession(a.sessionId);
    expect(await refresh.isSessionActive(a.sessionId)).toBe(false);
    expect(await refresh.isSessionActive(b.sessionId)).toBe(true);
    await expectRefused(refresh.rotate(a.token), REFRESH_TOKEN_REUSED, a.token);
    expect((await refresh.rotate(b.token)).sessionId).toBe(b.sessionId);
  });

  test("revoking a user ends every one of the user's sessions and no one else's", async () => {
    const userB = await createUser(tenantB);
    const sessions = await Promise.all(
      [1, 2, 3].map(() => refresh.issue(kernel.db, { userId: userA, tenantId: tenantA })),
    );
    const other = await refresh.issue(kernel.db, { userId: userB, tenantId: tenantB });
    await refresh.revokeUser(userA);
    for (const s of sessions) expect(await refresh.isSessionActive(s.sessionId)).toBe(false);
    expect(await refresh.isSessionActive(other.sessionId)).toBe(true);
  });

  test('an expired refresh token is refused and its session is over', async () => {
    const { token, sessionId } = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    clock.advance(REFRESH_TTL);
    await expectRefused(refresh.rotate(token), 'refresh token expired: sign in again', token);
    expect(await refresh.isSessionActive(sessionId)).toBe(false);
  });

  test('every rotation gives the next token a full lifetime', async () => {
    let { token } = await refresh.issue(kernel.db, { userId: userA, tenantId: tenantA });
    for (let i = 0; i < 3; i++) {
      clock.advance(REFRESH_TTL - 60);
      ({ token } = await refresh.rotate(token));
    }
    expect(await refresh.rotate(token)).toMatchObject({ userId: userA });
  });

  test('unknown and malformed tokens are refused without echoing them', async () => {
    for (const token of [randomBytes(32).toString('base64url'), 'short', `${'x'.repeat(43)}=`, '']) {
      const error = await failure(refresh.rotate(token));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error.message).toBe('refresh token is not valid');
    }
    expect(await refresh.isSessionActive('not-a-uuid')).toBe(false);
    expect(await refresh.isSessionActive(randomUUID())).toBe(false);
  });

  test('a token issued in a transaction that rolls back never existed', async () => {
    let issued: { token: string; sessionId: string } | undefined;
    await failure(
      kernel.db.transaction(async (tx) => {
        issued = await refresh.issue(tx, { userId: userA, tenantId: tenantA });
        throw new Error('sign-in failed after the token was made');
      }),
    );
    if (!issued) throw new Error('no token issued');
    expect(await refresh.isSessionActive(issued.sessionId)).toBe(false);
    await expectRefused(refresh.rotate(issued.token), 'refresh token is not valid', issued.token);
  });
});

describe(`API keys on ${process.env.DOTMAC_TEST_DB}`, () => {
  let apiKeys: ApiKeys;
  beforeEach(() => {
    apiKeys = new ApiKeys(kernel.db, clock);
  });
  const permissions = ['dotmac.billing.invoices.read', 'kernel.users.read'];
  const secretOf = (key: string) => key.split('_').slice(2).join('_');

  test('a created key verifies to its tenant and permissions', async () => {
    const created = await apiKeys.create(tenantA, { name: 'Accounting export', permissions }, userA);
    expect(created.key).toMatch(/^dmk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`dmk_${created.prefix}_`)).toBe(true);
    expect(await apiKeys.verify(created.key)).toEqual({ id: created.id, tenantId: tenantA, permissions });
  });

  test('a wrong secret, an unknown prefix or a malformed key is undefined', async () => {
    const { key, prefix } = await apiKeys.create(tenantA, { name: 'k', permissions }, null);
    const secret = secretOf(key);
    const wrongSecret = `dmk_${prefix}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const candidates = [
      wrongSecret,
      `dmk_${prefix}_${randomBytes(32).toString('base64url')}`,
      `dmk_${'0'.repeat(12)}_${secret}`,
      `dmk_${prefix}_`,
      `dmk_${prefix}`,
      secret,
      `${key}x`,
      ` ${key}`,
      `DMK_${prefix}_${secret}`,
      '',
    ];
    for (const candidate of candidates) expect(await apiKeys.verify(candidate)).toBeUndefined();
    expect(await apiKeys.verify(key)).toBeDefined();
  });

  test('a revoked key no longer verifies; revoking again changes nothing', async () => {
    const { id, key } = await apiKeys.create(tenantA, { name: 'k', permissions }, null);
    const revokedAt = clock.now().toISOString();
    await apiKeys.revoke(tenantA, id);
    expect(await apiKeys.verify(key)).toBeUndefined();
    clock.advance(60);
    await apiKeys.revoke(tenantA, id);
    expect(await apiKeys.verify(key)).toBeUndefined();
    expect((await apiKeys.list(tenantA))[0]?.revokedAt).toBe(revokedAt);
  });

  test("another tenant cannot revoke a tenant's key: 404, and the key keeps working", async () => {
    const { id, key } = await apiKeys.create(tenantA, { name: 'k', permissions }, null);
    const error = await failure(apiKeys.revoke(tenantB, id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(`no API key ${id} in tenant ${tenantB}`);
    await expect(apiKeys.revoke(tenantA, randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    await expect(apiKeys.revoke(tenantA, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
    expect(await apiKeys.verify(key)).toMatchObject({ id, tenantId: tenantA });
    expect(await apiKeys.list(tenantB)).toEqual([]);
  });

  test('list shows names, prefixes and permissions, never a secret', async () => {
    const a = await apiKeys.create(tenantA, { name: 'Accounting export', permissions }, userA);
    clock.advance(1);
    const b = await apiKeys.create(tenantA, { name: 'Monitoring', permissions: [] }, null);
    const listed = await apiKeys.list(tenantA);
    expect(listed).toEqual([
      {
        id: a.id,
        name: 'Accounting export',
        prefix: a.prefix,
        permissions,
        createdBy: userA,
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      },
      {
        id: b.id,
        name: 'Monitoring',
        prefix: b.prefix,
        permissions: [],
        createdBy: null,
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
    const text = JSON.stringify(listed);
    for (const created of [a, b]) {
      expect(text).not.toContain(created.key);
      expect(text).not.toContain(secretOf(created.key));
    }
  });

  test('the stored row holds a SHA-256 of the secret, not the secret', async () => {
    const { id, key } = await apiKeys.create(tenantA, { name: 'k', permissions }, null);
    const secret = secretOf(key);
    const [row] = await kernel.db.query<{ secret_hash: Buffer; scopes: string[]; t: string }>(
      'select secret_hash, scopes, k::text as t from kernel.api_key k where id = $1',
      [id],
    );
    expect(row?.secret_hash.equals(createHash('sha256').update(secret).digest())).toBe(true);
    expect(row?.scopes).toEqual(permissions);
    expect(row?.t).not.toContain(secret);
    expect(row?.t).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
  });

  test('use is recorded in last_used_at, at most once a minute, across processes too', async () => {
    const { id, key } = await apiKeys.create(tenantA, { name: 'k', permissions }, null);
    const lastUsed = async () => (await apiKeys.list(tenantA)).find((k) => k.id === id)?.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    const firstUse = clock.now().toISOString();
    await apiKeys.verify(key);
    expect(await lastUsed()).toBe(firstUse);
    clock.advance(30);
    await apiKeys.verify(key);
    await new ApiKeys(kernel.db, clock).verify(key);
    expect(await lastUsed()).toBe(firstUse);
    clock.advance(31);
    await apiKeys.verify(key);
    expect(await lastUsed()).toBe(clock.now().toISOString());
    // A failed verification is not a use.
    clock.advance(120);
    await apiKeys.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`);
    expect(await lastUsed()).not.toBe(clock.now().toISOString());
  });

  test('a bad name or permission is a validation error naming the field; an unknown tenant is a 404', async () => {
    const error = await failure(
      apiKeys.create(tenantA, { name: ' ', permissions: ['ok.permission', 'Not Valid'] }, null),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.pointer)).toEqual(['/name', '/permissions/1']);
    await expect(apiKeys.create(randomUUID(), { name: 'k', permissions }, null)).rejects.toBeInstanceOf(NotFoundError);
    expect(await apiKeys.list(tenantA)).toEqual([]);
  });
});

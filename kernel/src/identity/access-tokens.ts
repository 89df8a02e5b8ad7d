// Short-lived access tokens: JWTs signed with EdDSA (Ed25519) by the current signing key.
// Verification pins the algorithm, so `none` and HS/RS/ES confusion are refused before any key
// is used. JWT encoding, signing and claim checks come from `jose` (a dependency for this): a
// small, audited, zero-dependency JOSE library, rather than hand-written JWS code.
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import { UnauthorizedError } from '../errors.ts';
import { PORTALS, type Portal } from './principal.ts';
import type { SigningKeys } from './signing-keys.ts';

/** What an access token says: who, in which tenant and portal, in which session. */
export interface AccessClaims {
  /** The user id. */
  readonly sub: string;
  /** The user's tenant; null for platform operators. */
  readonly tid: string | null;
  readonly portal: Portal;
  /** The session (refresh-token family) the token belongs to: revoking it ends the token too. */
  readonly sid: string;
}

/** The audience of every DotMac access token. */
export const ACCESS_TOKEN_AUDIENCE = 'dotmac';
/** The JWT `typ` of an access token (RFC 9068): another kind of JWT is never taken for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
const ALGORITHM = 'EdDSA';
// Far longer than any token we issue; bounds the work spent on garbage.
const MAX_TOKEN_LENGTH = 4096;

export class AccessTokens {
  /** `issuer`: this installation's URL (the `iss` claim); `ttlSeconds`: how long a token lives. */
  constructor(
    private readonly keys: SigningKeys,
    private readonly options: { readonly issuer: string; readonly ttlSeconds: number },
    private readonly clock: Clock,
  ) {}

  /** Signs a token for `claims` with the current key; `expiresIn` is its lifetime in seconds. */
  async issue(claims: AccessClaims): Promise<{ token: string; expiresIn: number }> {
    const { kid, privateKey } = await this.keys.current();
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const token = await new SignJWT({ tid: claims.tid, portal: claims.portal, sid: claims.sid })
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE })
      .setSubject(claims.sub)
      .setIssuer(this.options.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.options.ttlSeconds)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(privateKey);
    return { token, expiresIn: this.options.ttlSeconds };
  }

  /**
   * The claims of a valid token. Anything else (malformed, another algorithm, unknown or retired
   * key, bad signature, expired, another issuer, audience or type) is an UnauthorizedError whose
   * message names the reason and never contains the token.
   */
  async verify(token: string): Promise<AccessClaims> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw refused('is malformed');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw refused('is malformed');
    }
    if (header.alg !== ALGORITHM) throw refused('algorithm is not accepted');
    if (typeof header.kid !== 'string') throw refused('names no signing key');
    const key = await this.keys.publicKey(header.kid);
    if (!key) throw refused('signing key is unknown or retired');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience: ACCESS_TOKEN_AUDIENCE,
        typ: ACCESS_TOKEN_TYPE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'sid', 'portal'],
      }));
    } catch (e) {
      throw refused(reasonOf(e));
    }
    return claimsOf(payload);
  }
}

/** The claims, once their shapes are checked (a valid signature does not excuse a wrong shape). */
function claimsOf(payload: JWTPayload): AccessClaims {
  const { sub, tid, portal, sid } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string') throw refused('claims are malformed');
  if (tid !== null && typeof tid !== 'string') throw refused('claims are malformed');
  if (!PORTALS.includes(portal as Portal)) throw refused('claims are malformed');
  return { sub, tid, portal: portal as Portal, sid };
}

/** Why jose refused a token, in a few words of our own (its messages and fields are not passed on). */
function reasonOf(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature is invalid';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'algorithm is not accepted';
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'iss':
        return 'issuer is not accepted';
      case 'aud':
        return 'audience is not accepted';
      case 'typ':
        return 'type is not accepted';
      case 'nbf':
        return 'is not valid yet';
      case 'iat':
        return 'issue time is invalid';
      default:
        return 'claims are malformed';
    }
  }
  return 'is malformed';
}

function refused(reason: string): UnauthorizedError {
  return new UnauthorizedError(`access token ${reason}`);
}

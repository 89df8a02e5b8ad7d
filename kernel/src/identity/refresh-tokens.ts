// Rotating refresh tokens. A sign-in starts a family (the session); each refresh uses up its
// token and issues the next one in the family. A token presented a second time means it was
// copied: the whole family is revoked, so the thief and the victim are both signed out.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Database, Tx } from '../db/database.ts';
import { UnauthorizedError } from '../errors.ts';

/** The next token of a session, and whose session it is. */
export interface RotatedRefreshToken {
  readonly token: string;
  readonly sessionId: string;
  readonly userId: string;
  /** Null for platform operators. */
  readonly tenantId: string | null;
}

interface TokenRow {
  id: string;
  family_id: string;
  user_id: string;
  tenant_id: string | null;
  expires_at: Date | string;
  used_at: Date | string | null;
  revoked_at: Date | string | null;
}

type Rotation = { kind: 'rotated'; next: RotatedRefreshToken } | { kind: 'refused'; reason: string };

// 32 random bytes, base64url: 43 characters.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The message of a refused reuse (exported for callers and tests that need to tell it apart). */
export const REFRESH_TOKEN_REUSED = 'refresh token reused: the session was revoked';

export class RefreshTokens {
  /** `ttlSeconds`: how long each refresh token lives (every rotation starts a new one). */
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  /** Starts a session for the user (in `q`, e.g. the sign-in's transaction): its first token and its id. */
  async issue(
    q: Tx | Database,
    { userId, tenantId }: { userId: string; tenantId: string | null },
  ): Promise<{ token: string; sessionId: string }> {
    const sessionId = randomUUID();
    const token = await this.insert(q, sessionId, userId, tenantId);
    return { token, sessionId };
  }

  /**
   * Uses up `token` and returns the next one of its session. Unknown or expired tokens are
   * refused; a token already used, or of a revoked session, revokes the whole session and is
   * refused. Of two concurrent rotations of one token exactly one succeeds; the other is a reuse.
   */
  async rotate(token: string): Promise<RotatedRefreshToken> {
    if (typeof token !== 'string' || !TOKEN.test(token)) throw new UnauthorizedError('refresh token is not valid');
    const hash = hashOf(token);
    const now = this.clock.now();
    const outcome = await this.db.transaction(async (tx): Promise<Rotation> => {
      // The conditional update is the arbiter: a concurrent rotation of the same token waits on
      // the row lock, then finds it used.
      const [used] = await tx.query<TokenRow>(
        `update kernel.refresh_token set used_at = $2
         where token_hash = $1 and used_at is null and revoked_at is null and expires_at > $2
         returning id, family_id, user_id, tenant_id, expires_at, used_at, revoked_at`,
        [hash, now],
      );
      if (used) {
        const next = await this.insert(tx, used.family_id, used.user_id, used.tenant_id);
        return {
          kind: 'rotated',
          next: { token: next, sessionId: used.family_id, userId: used.user_id, tenantId: used.tenant_id },
        };
      }
      const [row] = await tx.query<TokenRow>(
        'select id, family_id, user_id, tenant_id, expires_at, used_at, revoked_at from kernel.refresh_token where token_hash = $1',
        [hash],
      );
      if (!row) return { kind: 'refused', reason: 'refresh token is not valid' };
      if (row.used_at !== null || row.revoked_at !== null) {
        // Committed, not rolled back with the refusal: the session stays revoked.
        await this.revokeFamily(tx, row.family_id, now);
        return { kind: 'refused', reason: REFRESH_TOKEN_REUSED };
      }
      return { kind: 'refused', reason: 'refresh token expired: sign in again' };
    });
    if (outcome.kind === 'refused') throw new UnauthorizedError(outcome.reason);
    return outcome.next;
  }

  /** Ends one session (sign-out): its refresh tokens stop working and isSessionActive turns false. */
  async revokeSession(sessionId: string): Promise<void> {
    if (!UUID.test(sessionId)) return;
    await this.revokeFamily(this.db, sessionId, this.clock.now());
  }

  /** Ends every session of a user (password change, account disabled, "sign out everywhere"). */
  async revokeUser(userId: string): Promise<void> {
    if (!UUID.test(userId)) return;
    await this.db.query('update kernel.refresh_token set revoked_at = $2 where user_id = $1 and revoked_at is null', [
      userId,
      this.clock.now(),
    ]);
  }

  /** Whether the session can still go on: it has a token not used, not revoked and not expired. Access tokens check this, so sign-out is immediate. */
  async isSessionActive(sessionId: string): Promise<boolean> {
    if (typeof sessionId !== 'string' || !UUID.test(sessionId)) return false;
    const rows = await this.db.query(
      `select 1 from kernel.refresh_token
       where family_id = $1 and used_at is null and revoked_at is null and expires_at > $2 limit 1`,
      [sessionId, this.clock.now()],
    );
    return rows.length > 0;
  }

  private async insert(q: Tx | Database, familyId: string, userId: string, tenantId: string | null): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await q.query(
      `insert into kernel.refresh_token (family_id, user_id, tenant_id, token_hash, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [familyId, userId, tenantId, hashOf(token), now, new Date(now.getTime() + this.ttlSeconds * 1000)],
    );
    return token;
  }

  private async revokeFamily(q: Tx | Database, familyId: string, now: Date): Promise<void> {
    await q.query('update kernel.refresh_token set revoked_at = $2 where family_id = $1 and revoked_at is null', [
      familyId,
      now,
    ]);
  }
}

/** Only this is stored: a token read from the database cannot be presented. */
function hashOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

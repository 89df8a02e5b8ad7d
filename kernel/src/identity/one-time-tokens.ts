// Single-use, expiring tokens sent by mail (invitations, password resets). Only their SHA-256 is
// stored, so a copy of the database opens no account.
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Database, Tx } from '../db/database.ts';
import { ValidationError } from '../errors.ts';

/** What a one-time token lets its holder do. */
export type OneTimeTokenPurpose = 'invitation' | 'password-reset';

const TOKEN_BYTES = 32;
// 32 random bytes, base64url: 43 characters.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** The one refusal of a link (unknown, used, expired, other purpose, account changed): it reveals nothing. */
export const INVALID_LINK = 'the link is invalid or has expired';

export class OneTimeTokens {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /**
   * A new token for `userId` and `purpose`, valid `ttlSeconds` from now; the user's unused
   * tokens of that purpose stop working (only the newest link works).
   */
  async create(tx: Tx, userId: string, purpose: OneTimeTokenPurpose, ttlSeconds: number): Promise<string> {
    const now = this.clock.now();
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await tx.query('delete from kernel.one_time_token where user_id = $1 and purpose = $2 and used_at is null', [
      userId,
      purpose,
    ]);
    await tx.query(
      `insert into kernel.one_time_token (token_hash, user_id, purpose, created_at, expires_at)
       values ($1, $2, $3, $4, $5)`,
      [hashOf(token), userId, purpose, now, new Date(now.getTime() + ttlSeconds * 1000)],
    );
    return token;
  }

  /**
   * Uses up `token` for `purpose` and answers whose it is. Unknown, used, expired or other-purpose
   * tokens are refused alike: ValidationError on /token. Of two concurrent uses exactly one wins.
   */
  async consume(tx: Tx, token: string, purpose: OneTimeTokenPurpose): Promise<string> {
    if (typeof token === 'string' && TOKEN.test(token)) {
      const now = this.clock.now();
      // The conditional update is the arbiter: a concurrent use waits on the row lock, then finds it used.
      const [row] = await tx.query<{ user_id: string }>(
        `update kernel.one_time_token set used_at = $3
         where token_hash = $1 and purpose = $2 and used_at is null and expires_at > $3
         returning user_id`,
        [hashOf(token), purpose, now],
      );
      if (row) return row.user_id;
    }
    throw invalidLink();
  }

  /** Deletes the tokens past their expiry, used or not (for a periodic job); answers how many. */
  async prune(): Promise<number> {
    const rows = await this.db.query('delete from kernel.one_time_token where expires_at <= $1 returning 1', [
      this.clock.now(),
    ]);
    return rows.length;
  }
}

function hashOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The error of a refused link: ValidationError on /token with INVALID_LINK. */
export function invalidLink(): ValidationError {
  return new ValidationError(INVALID_LINK, [{ pointer: '/token', detail: INVALID_LINK }]);
}

// Sign-in throttling: failed attempts are counted per key (an account, a client address) within
// a window; the LOGIN_MAX_FAILURES-th failure locks the key until the window ends. Counts live in
// kernel.login_throttle, so every process of an installation sees the same lockouts.
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { TooManyRequestsError } from '../errors.ts';
import type { Portal } from './principal.ts';

/** The throttle key of one account: its tenant (or the platform), portal and email. */
export function accountThrottleKey(tenantId: string | null, portal: Portal, email: string): string {
  return `account:${tenantId ?? 'platform'}:${portal}:${email.trim().toLowerCase()}`;
}

/** The throttle key of one client address. */
export function ipThrottleKey(ip: string): string {
  return `ip:${ip.trim().toLowerCase()}`;
}

export class LoginThrottle {
  private readonly maxFailures: number;
  private readonly windowSeconds: number;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    { maxFailures, windowSeconds }: { maxFailures: number; windowSeconds: number },
  ) {
    this.maxFailures = maxFailures;
    this.windowSeconds = windowSeconds;
  }

  /** Throws TooManyRequestsError (with the seconds to wait) when any of `keys` is locked. */
  async check(keys: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const [row] = await this.db.query<{ locked_until: Date | string }>(
      `select max(locked_until) as locked_until from kernel.login_throttle
       where key = any($1::text[]) and locked_until > $2`,
      [[...keys], now],
    );
    if (!row?.locked_until) return;
    const seconds = Math.max(1, Math.ceil((new Date(row.locked_until).getTime() - now.getTime()) / 1000));
    const minutes = Math.ceil(seconds / 60);
    throw new TooManyRequestsError(
      `too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
      seconds,
    );
  }

  /** Counts one failed attempt against each of `keys`, locking those that reach the limit. */
  async fail(keys: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const windowEnd = new Date(now.getTime() + this.windowSeconds * 1000);
    const staleBefore = new Date(now.getTime() - this.windowSeconds * 1000);
    for (const key of new Set(keys)) {
      // One statement per key, so concurrent failures each count. A window that has ended
      // starts over with this failure.
      await this.db.query(
        `insert into kernel.login_throttle as t (key, failures, window_started_at, locked_until)
         values ($1, 1, $2::timestamptz, case when 1 >= $5::int then $3::timestamptz end)
         on conflict (key) do update set
           failures = case when t.window_started_at <= $4::timestamptz then 1 else t.failures + 1 end,
           window_started_at = case when t.window_started_at <= $4 then $2 else t.window_started_at end,
           locked_until = case
             when t.window_started_at <= $4 then case when 1 >= $5::int then $3::timestamptz end
             when t.failures + 1 >= $5 then t.window_started_at + $6::int * interval '1 second'
             else t.locked_until
           end`,
        [key, now, windowEnd, staleBefore, this.maxFailures, this.windowSeconds],
      );
    }
  }

  /** Forgets the failures of an account that signed in; its client address keeps its count. */
  async succeed(accountKey: string): Promise<void> {
    await this.db.query('delete from kernel.login_throttle where key = $1', [accountKey]);
  }
}

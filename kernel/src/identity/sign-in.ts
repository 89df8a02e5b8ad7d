// Checking who signs in: password, then the one-time code when the user has TOTP on, behind the
// sign-in throttle. Answers the same for an unknown account, a wrong password and an account
// that may not sign in, in the same time, so sign-in tells nobody which emails have accounts.
// Issuing tokens and refusing suspended tenants are other layers' work.
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { UnauthorizedError } from '../errors.ts';
import { verifyAgainstNothing, verifyPassword } from './passwords.ts';
import type { Portal } from './principal.ts';
import { accountThrottleKey, ipThrottleKey, type LoginThrottle } from './throttle.ts';
import { TOTP_CODE_INCORRECT, TOTP_CODE_REUSED, type Users } from './users.ts';

/** What someone signing in offers. */
export interface SignInAttempt {
  /** Null for the platform portal. */
  readonly tenantId: string | null;
  readonly portal: Portal;
  readonly email: string;
  readonly password: string;
  /** The current code of the user's authenticator app, when the user has TOTP on. */
  readonly totpCode?: string;
  /** The client's address, throttled across accounts. */
  readonly ip: string;
}

/** Who signed in. */
export interface SignedIn {
  readonly userId: string;
  readonly tenantId: string | null;
  readonly portal: Portal;
  readonly subjectId?: string;
}

/** The one refusal of a bad email, password or account state. */
export const SIGN_IN_REFUSED = 'email or password is incorrect';
/** The refusal of a right password for a user with TOTP on, without a code. */
export const TOTP_CODE_REQUIRED = 'a one-time code is required';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface CandidateRow {
  id: string;
  tenant_id: string | null;
  portal: Portal;
  subject_id: string | null;
  status: string;
  password_hash: string | null;
  totp_enabled: boolean;
}

export class SignIn {
  constructor(
    private readonly db: Database,
    private readonly deps: { readonly users: Users; readonly throttle: LoginThrottle; readonly clock: Clock },
  ) {}

  /**
   * Checks an attempt and answers who signed in. Refuses with TooManyRequestsError while the
   * account or the address is locked (even a right password), else UnauthorizedError; every
   * refusal but the lockout counts as a failure of both.
   */
  async verify(attempt: SignInAttempt): Promise<SignedIn> {
    const { tenantId, portal, password, totpCode, ip } = attempt;
    const email = typeof attempt.email === 'string' ? attempt.email.trim() : '';
    const accountKey = accountThrottleKey(tenantId, portal, email);
    const keys = [accountKey, ipThrottleKey(ip)];
    await this.deps.throttle.check(keys);

    const refuse = async (message: string): Promise<never> => {
      await this.deps.throttle.fail(keys);
      throw new UnauthorizedError(message);
    };
    const user = await this.find(tenantId, portal, email);
    const passwordText = typeof password === 'string' ? password : '';
    // An unknown account spends the time of a real check, so timing does not tell it apart.
    const passwordMatches = user?.password_hash
      ? await verifyPassword(passwordText, user.password_hash)
      : await verifyAgainstNothing(passwordText);
    if (!user || !passwordMatches || user.status !== 'active') return refuse(SIGN_IN_REFUSED);

    if (user.totp_enabled) {
      // The password was right: a missing code still counts, or the throttle would not cover guessing it.
      if (!totpCode) return refuse(TOTP_CODE_REQUIRED);
      const outcome = await this.deps.users.useTotpCode(user.id, totpCode);
      if (outcome === 'incorrect') return refuse(TOTP_CODE_INCORRECT);
      if (outcome === 'reused') return refuse(TOTP_CODE_REUSED);
    }

    await this.deps.throttle.succeed(accountKey);
    await this.db.query('update kernel.app_user set last_login_at = $2 where id = $1', [
      user.id,
      this.deps.clock.now(),
    ]);
    return {
      userId: user.id,
      tenantId: user.tenant_id,
      portal: user.portal,
      ...(user.subject_id === null ? {} : { subjectId: user.subject_id }),
    };
  }

  private async find(tenantId: string | null, portal: Portal, email: string): Promise<CandidateRow | undefined> {
    if (!email || (tenantId !== null && !UUID.test(tenantId))) return undefined;
    const [row] = await this.db.query<CandidateRow>(
      `select id, tenant_id, portal, subject_id, status, password_hash, totp_enabled from kernel.app_user
       where tenant_id is not distinct from $1::uuid and portal = $2 and lower(email) = lower($3)`,
      [tenantId, portal, email],
    );
    return row;
  }
}

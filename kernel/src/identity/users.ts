// The people who sign in: invitations and accepting them, password resets, TOTP enrolment,
// disabling, and listing. Every change is audited. Signing in is sign-in.ts.
import type { Clock } from '../clock.ts';
import type { Database, Tx } from '../db/database.ts';
import {
  ConflictError,
  DotmacError,
  type FieldProblem,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../errors.ts';
import type { Mail, Mailer } from './mail.ts';
import { invalidLink, type OneTimeTokens } from './one-time-tokens.ts';
import { hashPassword, passwordProblems, verifyPassword } from './passwords.ts';
import { PORTALS, type Portal } from './principal.ts';
import { generateTotpSecret, openTotpSecret, sealTotpSecret, totpUri, verifyTotp, withLastTotpStep } from './totp.ts';

/** Who made a change, for the audit log. */
export interface UserActor {
  readonly type: string;
  readonly id?: string;
  readonly requestId?: string;
  readonly ip?: string;
}

/** A user's state. */
export type UserStatus = 'invited' | 'active' | 'disabled';

/** A user as shown to administrators: never a password hash or TOTP secret. */
export interface UserRecord {
  readonly id: string;
  /** Null for platform operators. */
  readonly tenantId: string | null;
  readonly portal: Portal;
  readonly email: string;
  readonly displayName: string;
  readonly status: UserStatus;
  /** What a customer, reseller or technician login acts as. */
  readonly subjectId: string | null;
  readonly totpEnabled: boolean;
  readonly roleIds: readonly string[];
  readonly createdAt: Date;
  readonly lastLoginAt: Date | null;
}

/** An invitation to a portal: the user is created invited, with no password, and mailed a link. */
export interface Invitation {
  /** Null for the platform portal, a tenant for every other. */
  readonly tenantId: string | null;
  readonly portal: Portal;
  readonly email: string;
  readonly displayName?: string;
  /** Roles of the same tenant and portal. */
  readonly roleIds?: readonly string[];
  readonly subjectId?: string;
}

/** What Users needs from the kernel. */
export interface UsersDeps {
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** Seals TOTP secrets; without it, two-step sign-in cannot be enrolled. */
  readonly secretsKey: Buffer | undefined;
  /** PUBLIC_URL: where the links in mail point. */
  readonly publicUrl: string;
  readonly tokens: OneTimeTokens;
  /** Runs after a password reset commits, e.g. to revoke the user's sessions. */
  readonly onPasswordChanged?: (userId: string) => Promise<void>;
  /** Runs after a user is disabled, e.g. to revoke the user's sessions. */
  readonly onDisabled?: (userId: string) => Promise<void>;
}

/** What became of a one-time code offered for a user with TOTP. */
export type TotpCodeOutcome = 'accepted' | 'incorrect' | 'reused';

/** The refusal of a one-time code whose step (or a later one) was already accepted. */
export const TOTP_CODE_REUSED = 'this one-time code was already used; wait for the next one';
/** The refusal of a one-time code that is not the current one. */
export const TOTP_CODE_INCORRECT = 'the one-time code is incorrect';

const INVITATION_TTL_S = 7 * 24 * 3600;
const RESET_TTL_S = 3600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL = 254;
const MAX_DISPLAY_NAME = 200;
/** The name in mail and authenticator apps when a user belongs to no tenant. */
const PLATFORM_NAME = 'DotMac';

interface UserRow {
  id: string;
  tenant_id: string | null;
  portal: Portal;
  email: string;
  display_name: string;
  status: UserStatus;
  subject_id: string | null;
  totp_enabled: boolean;
  role_ids: string[];
  created_at: Date | string;
  last_login_at: Date | string | null;
}

const USER_SELECT = `select u.id, u.tenant_id, u.portal, u.email, u.display_name, u.status, u.subject_id,
    u.totp_enabled, u.created_at, u.last_login_at,
    coalesce(array_agg(ur.role_id::text order by ur.role_id) filter (where ur.role_id is not null), '{}') as role_ids
  from kernel.app_user u left join kernel.user_role ur on ur.user_id = u.id`;

export class Users {
  private readonly publicUrl: string;

  constructor(
    private readonly db: Database,
    private readonly deps: UsersDeps,
  ) {
    this.publicUrl = deps.publicUrl.replace(/\/+$/, '');
  }

  /**
   * Invites someone in `tx`: an invited user without password, and a mail (sent once `tx`
   * commits) with a link valid 7 days. The email must be new in the tenant's portal (else
   * ConflictError on /email); the roles must be the tenant's roles of that portal.
   */
  async invite(tx: Tx, invitation: Invitation, actor: UserActor): Promise<{ userId: string }> {
    const { tenantId, portal, subjectId } = invitation;
    const email = typeof invitation.email === 'string' ? invitation.email.trim() : '';
    const displayName = invitation.displayName?.trim() ?? '';
    const roleIds = [...new Set(invitation.roleIds ?? [])];
    const problems: FieldProblem[] = [];
    if (!PORTALS.includes(portal)) {
      problems.push({ pointer: '/portal', detail: `must be one of ${PORTALS.join(', ')}` });
    } else if ((portal === 'platform') !== (tenantId === null)) {
      problems.push({
        pointer: '/portal',
        detail: tenantId === null ? `${portal}-portal users belong to a tenant` : 'platform users belong to no tenant',
      });
    }
    if (tenantId !== null && !UUID.test(tenantId)) problems.push({ pointer: '/tenantId', detail: 'must be a UUID' });
    if (!EMAIL.test(email) || email.length > MAX_EMAIL) {
      problems.push({
        pointer: '/email',
        detail: `must be an email address (name@domain, at most ${MAX_EMAIL} characters)`,
      });
    }
    if (displayName.length > MAX_DISPLAY_NAME) {
      problems.push({ pointer: '/displayName', detail: `must be at most ${MAX_DISPLAY_NAME} characters` });
    }
    roleIds.forEach((id, i) => {
      if (!UUID.test(id)) problems.push({ pointer: `/roleIds/${i}`, detail: 'must be a role id (a UUID)' });
    });
    if (problems.length) throw new ValidationError('the invitation is not valid', problems);

    const place = await this.placeName(tx, tenantId);
    await this.checkRoles(tx, tenantId, portal, roleIds);
    const now = this.deps.clock.now();
    // `on conflict do nothing` keeps the caller's transaction usable when the email is taken.
    const [created] = await tx.query<{ id: string }>(
      `insert into kernel.app_user (tenant_id, portal, email, display_name, status, subject_id, created_at, updated_at)
       values ($1, $2, $3, $4, 'invited', $5, $6, $6)
       on conflict do nothing returning id`,
      [tenantId, portal, email, displayName, subjectId ?? null, now],
    );
    if (!created) {
      const detail = `${email} already has a login to this ${portal} portal`;
      throw Object.assign(new ConflictError(detail), { errors: [{ pointer: '/email', detail }] });
    }
    const userId = created.id;
    for (const roleId of roleIds) {
      await tx.query('insert into kernel.user_role (user_id, role_id) values ($1, $2)', [userId, roleId]);
    }
    const token = await this.deps.tokens.create(tx, userId, 'invitation', INVITATION_TTL_S);
    await this.audit(tx, tenantId, actor, 'user.invite', userId, {
      after: { email, portal, displayName, roleIds, subjectId: subjectId ?? null, status: 'invited' },
    });
    this.mailAfterCommit(tx, {
      to: email,
      subject: `You are invited to ${place}`,
      text: [
        `You have been invited to sign in to ${place}.`,
        '',
        'Choose your password here (the link works once, within 7 days):',
        `${this.publicUrl}/accept-invitation?token=${token}`,
        '',
        'If you did not expect this invitation, ignore this mail.',
      ].join('\n'),
    });
    return { userId };
  }

  /** Sets the invited user's first password and activates the login; the link then stops working. */
  async acceptInvitation(token: string, password: string): Promise<{ userId: string }> {
    const userId = await this.db.transaction(async (tx) => {
      const userId = await this.deps.tokens.consume(tx, token, 'invitation');
      const user = await this.lockUser(tx, userId);
      if (user?.status !== 'invited') throw invalidLink();
      // Refused passwords roll the transaction back: the link keeps working for a better one.
      await this.setPassword(tx, user, password, 'active');
      await this.audit(tx, user.tenant_id, { type: 'user', id: userId }, 'user.accept-invitation', userId, {
        before: { status: 'invited' },
        after: { status: 'active' },
      });
      return userId;
    });
    return { userId };
  }

  /**
   * Mails an active user of that portal a password-reset link valid 1 hour. Resolves the same
   * way whether the account exists or not, and the mail leaves after commit, so neither the
   * answer nor its timing tells who has an account.
   */
  async requestPasswordReset({
    tenantId,
    portal,
    email,
  }: {
    tenantId: string | null;
    portal: Portal;
    email: string;
  }): Promise<void> {
    if (typeof email !== 'string' || (tenantId !== null && !UUID.test(tenantId))) return;
    await this.db.transaction(async (tx) => {
      const [user] = await tx.query<{ id: string; email: string }>(
        `select id, email from kernel.app_user
         where tenant_id is not distinct from $1::uuid and portal = $2 and lower(email) = lower($3) and status = 'active'`,
        [tenantId, portal, email.trim()],
      );
      if (!user) return;
      const place = await this.placeName(tx, tenantId);
      const token = await this.deps.tokens.create(tx, user.id, 'password-reset', RESET_TTL_S);
      this.mailAfterCommit(tx, {
        to: user.email,
        subject: `Reset your password for ${place}`,
        text: [
          `Someone asked to reset the password of your login to ${place}.`,
          '',
          'Choose a new password here (the link works once, within 1 hour):',
          `${this.publicUrl}/reset-password?token=${token}`,
          '',
          'If it was not you, ignore this mail: your password stays as it is.',
        ].join('\n'),
      });
    });
  }

  /** Sets a new password with a reset link, then runs onPasswordChanged (revoking the user's sessions). */
  async resetPassword(token: string, password: string): Promise<{ userId: string }> {
    const userId = await this.db.transaction(async (tx) => {
      const userId = await this.deps.tokens.consume(tx, token, 'password-reset');
      const user = await this.lockUser(tx, userId);
      if (user?.status !== 'active') throw invalidLink();
      await this.setPassword(tx, user, password, 'active');
      await this.audit(tx, user.tenant_id, { type: 'user', id: userId }, 'user.password-reset', userId);
      return userId;
    });
    await this.deps.onPasswordChanged?.(userId);
    return { userId };
  }

  /**
   * Changes a signed-in user's password after checking the current one (ValidationError on
   * /body/currentPassword or /body/newPassword), then runs onPasswordChanged: every session of
   * the user ends, this one included, so the new password is needed everywhere.
   */
  async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, userId);
      if (user?.status !== 'active') throw new ValidationError('the account cannot change its password', []);
      const [row] = await tx.query<{ password_hash: string | null }>(
        'select password_hash from kernel.app_user where id = $1',
        [userId],
      );
      if (!row?.password_hash || !(await verifyPassword(currentPassword, row.password_hash))) {
        throw new ValidationError('the current password is incorrect', [
          { pointer: '/body/currentPassword', detail: 'is incorrect' },
        ]);
      }
      await this.setPassword(tx, user, newPassword, 'active', '/body/newPassword');
      await this.audit(tx, user.tenant_id, { type: 'user', id: userId }, 'user.password-change', userId);
    });
    await this.deps.onPasswordChanged?.(userId);
  }

  /**
   * Starts TOTP enrolment for an active user: a new secret, stored sealed and not yet required
   * at sign-in until confirmTotp sees a code from it. Refused while TOTP is on.
   */
  async enrollTotp(userId: string): Promise<{ secret: string; uri: string }> {
    const key = this.requireSecretsKey();
    return this.db.transaction(async (tx) => {
      const user = UUID.test(userId) ? await this.lockUser(tx, userId) : undefined;
      if (user?.status !== 'active') throw new NotFoundError(`no active user ${userId}`);
      if (user.totp_enabled) {
        throw new ConflictError('two-step sign-in is already on for this user; turn it off before enrolling again');
      }
      const secret = generateTotpSecret();
      await tx.query('update kernel.app_user set totp_secret = $2, updated_at = $3 where id = $1', [
        userId,
        sealTotpSecret(key, userId, secret),
        this.deps.clock.now(),
      ]);
      await this.audit(tx, user.tenant_id, { type: 'user', id: userId }, 'user.totp-enroll', userId);
      const issuer = await this.placeName(tx, user.tenant_id);
      return { secret, uri: totpUri(secret, { issuer, account: user.email }) };
    });
  }

  /** Turns TOTP on once the user shows a code of the enrolled secret (ValidationError on /code otherwise). */
  async confirmTotp(userId: string, code: string): Promise<void> {
    const outcome = await this.takeTotpStep(userId, code, true);
    if (outcome !== 'accepted') {
      const detail = outcome === 'reused' ? TOTP_CODE_REUSED : TOTP_CODE_INCORRECT;
      throw new ValidationError(detail, [{ pointer: '/code', detail }]);
    }
  }

  /**
   * Checks a one-time code of a user with TOTP on and uses up its step: a code (or an older
   * one) is accepted once. Of two concurrent uses of one code exactly one is accepted.
   */
  async useTotpCode(userId: string, code: string): Promise<TotpCodeOutcome> {
    return this.takeTotpStep(userId, code, false);
  }

  /** Disables a user of `tenantId` (null: a platform user): sign-in refuses it; then runs onDisabled. */
  async disable(tenantId: string | null, userId: string, actor: UserActor): Promise<void> {
    const changed = await this.db.transaction(async (tx) => {
      const user = await this.lockUser(tx, userId, tenantId);
      if (!user) throw new NotFoundError(`no user ${userId}`);
      if (user.status === 'disabled') return false;
      await tx.query(`update kernel.app_user set status = 'disabled', updated_at = $2 where id = $1`, [
        userId,
        this.deps.clock.now(),
      ]);
      await this.audit(tx, user.tenant_id, actor, 'user.disable', userId, {
        before: { status: user.status },
        after: { status: 'disabled' },
      });
      return true;
    });
    if (changed) await this.deps.onDisabled?.(userId);
  }

  /** The users of `tenantId` (null: platform users), of one portal when given, by email. */
  async list(tenantId: string | null, portal?: Portal): Promise<UserRecord[]> {
    if (tenantId !== null && !UUID.test(tenantId)) return [];
    const rows = await this.db.query<UserRow>(
      `${USER_SELECT}
       where u.tenant_id is not distinct from $1::uuid and ($2::text is null or u.portal = $2)
       group by u.id order by lower(u.email), u.portal`,
      [tenantId, portal ?? null],
    );
    return rows.map(toRecord);
  }

  /** One user of `tenantId` (null: a platform user); another tenant's user is NotFoundError. */
  async get(tenantId: string | null, userId: string): Promise<UserRecord> {
    const rows =
      UUID.test(userId) && (tenantId === null || UUID.test(tenantId))
        ? await this.db.query<UserRow>(
            `${USER_SELECT} where u.id = $1 and u.tenant_id is not distinct from $2::uuid group by u.id`,
            [userId, tenantId],
          )
        : [];
    const [row] = rows;
    if (!row) throw new NotFoundError(`no user ${userId}`);
    return toRecord(row);
  }

  private async takeTotpStep(userId: string, code: string, confirming: boolean): Promise<TotpCodeOutcome> {
    const key = this.requireSecretsKey();
    return this.db.transaction(async (tx) => {
      const user = UUID.test(userId) ? await this.lockUser(tx, userId) : undefined;
      if (confirming) {
        if (user?.status !== 'active') throw new NotFoundError(`no active user ${userId}`);
        if (user.totp_enabled) throw new ConflictError('two-step sign-in is already on for this user');
        if (!user.totp_secret) throw new ConflictError('no TOTP enrolment to confirm: enroll first');
      } else if (user?.status !== 'active' || !user.totp_enabled || !user.totp_secret) {
        return 'incorrect';
      }
      const stored = this.openTotp(key, userId, user.totp_secret);
      const step = verifyTotp(stored.secret, code, this.deps.clock.now());
      if (step === undefined) return 'incorrect';
      if (step <= stored.lastStep) return 'reused';
      // The row is locked (lockUser), so a concurrent use of the same code waits and then sees this step.
      await tx.query(
        `update kernel.app_user set totp_secret = $2, totp_enabled = true,
           updated_at = case when $3::boolean then $4 else updated_at end
         where id = $1`,
        [userId, withLastTotpStep(user.totp_secret, step), confirming, this.deps.clock.now()],
      );
      if (confirming) await this.audit(tx, user.tenant_id, { type: 'user', id: userId }, 'user.totp-confirm', userId);
      return 'accepted';
    });
  }

  private openTotp(key: Buffer, userId: string, stored: Buffer) {
    try {
      return openTotpSecret(key, userId, stored);
    } catch (e) {
      throw new DotmacError(
        `the TOTP secret of user ${userId} does not open with this SECRETS_KEY: the key changed, or the row was altered`,
        { cause: e },
      );
    }
  }

  private requireSecretsKey(): Buffer {
    if (this.deps.secretsKey) return this.deps.secretsKey;
    throw new UnavailableError(
      'two-step sign-in needs SECRETS_KEY when the database is external (DATABASE_URL): TOTP secrets are kept sealed with it; set it to 32 random bytes as base64 (`openssl rand -base64 32`)',
    );
  }

  /** The user row, locked for this transaction; restricted to `tenantId` when given. */
  private async lockUser(
    tx: Tx,
    userId: string,
    tenantId?: string | null,
  ): Promise<
    | {
        id: string;
        tenant_id: string | null;
        email: string;
        status: UserStatus;
        totp_enabled: boolean;
        totp_secret: Buffer | null;
      }
    | undefined
  > {
    if (!UUID.test(userId) || (tenantId && !UUID.test(tenantId))) return undefined;
    const scoped = tenantId !== undefined;
    const [row] = await tx.query<{
      id: string;
      tenant_id: string | null;
      email: string;
      status: UserStatus;
      totp_enabled: boolean;
      totp_secret: Buffer | null;
    }>(
      `select id, tenant_id, email, status, totp_enabled, totp_secret from kernel.app_user
       where id = $1 and (not $2::boolean or tenant_id is not distinct from $3::uuid) for update`,
      [userId, scoped, tenantId ?? null],
    );
    return row;
  }

  /** Checks `password` against the policy (ValidationError on /password naming each problem), then stores its hash. */
  private async setPassword(
    tx: Tx,
    user: { id: string; email: string },
    password: string,
    status: UserStatus,
    pointer = '/password',
  ) {
    const problems =
      typeof password === 'string' ? passwordProblems(password, { email: user.email }) : ['must be a string'];
    if (problems.length) {
      throw new ValidationError(
        `the password ${problems.join('; ')}`,
        problems.map((detail) => ({ pointer, detail })),
      );
    }
    const now = this.deps.clock.now();
    await tx.query(
      `update kernel.app_user set password_hash = $2, status = $3, password_changed_at = $4, updated_at = $4 where id = $1`,
      [user.id, await hashPassword(password), status, now],
    );
  }

  /** The tenant's name (NotFoundError when there is none), or the platform's. */
  private async placeName(tx: Tx, tenantId: string | null): Promise<string> {
    if (tenantId === null) return PLATFORM_NAME;
    const [tenant] = await tx.query<{ name: string }>('select name from kernel.tenant where id = $1', [tenantId]);
    if (!tenant) throw new NotFoundError(`no tenant ${tenantId}`);
    return tenant.name;
  }

  /** Refuses roles that are not the tenant's roles of `portal`, naming each. */
  private async checkRoles(tx: Tx, tenantId: string | null, portal: Portal, roleIds: readonly string[]) {
    if (!roleIds.length) return;
    const roles = await tx.query<{ id: string; portal: Portal }>(
      'select id, portal from kernel.role where id = any($1::uuid[]) and tenant_id is not distinct from $2::uuid',
      [roleIds, tenantId],
    );
    const problems = roleIds.flatMap((id, i) => {
      const role = roles.find((r) => r.id === id);
      if (!role) return [{ pointer: `/roleIds/${i}`, detail: `no role ${id} in this tenant` }];
      if (role.portal !== portal) {
        return [
          { pointer: `/roleIds/${i}`, detail: `is a ${role.portal}-portal role; the user signs in to ${portal}` },
        ];
      }
      return [];
    });
    if (problems.length) throw new ValidationError('roles cannot be assigned', problems);
  }

  /** Sends `mail` once `tx` commits; a failure is logged by the mailer and must not reach anyone (nobody waits). */
  private mailAfterCommit(tx: Tx, mail: Mail): void {
    tx.afterCommit(() => {
      this.deps.mailer.send(mail).catch(() => undefined);
    });
  }

  private async audit(
    tx: Tx,
    tenantId: string | null,
    actor: UserActor,
    action: string,
    userId: string,
    change: { before?: Record<string, unknown>; after?: Record<string, unknown> } = {},
  ): Promise<void> {
    await tx.query(
      `insert into kernel.audit_log (at, tenant_id, actor_type, actor_id, action, target, request_id, ip, before, after)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)`,
      [
        this.deps.clock.now(),
        tenantId,
        actor.type,
        actor.id ?? null,
        action,
        `user:${userId}`,
        actor.requestId ?? null,
        actor.ip ?? null,
        change.before ? JSON.stringify(change.before) : null,
        change.after ? JSON.stringify(change.after) : null,
      ],
    );
  }
}

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    portal: row.portal,
    email: row.email,
    displayName: row.display_name,
    status: row.status,
    subjectId: row.subject_id,
    totpEnabled: row.totp_enabled,
    roleIds: row.role_ids,
    createdAt: new Date(row.created_at),
    lastLoginAt: row.last_login_at === null ? null : new Date(row.last_login_at),
  };
}

// The people layer of identity: invitations mailed over real SMTP, accepting them, password
// resets, sign-in with its throttle, TOTP, and logs that never hold a password or a token.
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  type Clock,
  ConflictError,
  type Database,
  type Kernel,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '@dotmac/kernel';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../../../test/support/kernel.ts';
import { toProblem } from '../../src/http/problem.ts';
import { createMailer, type Mailer } from '../../src/identity/mail.ts';
import { INVALID_LINK, OneTimeTokens } from '../../src/identity/one-time-tokens.ts';
import { passwordProblems } from '../../src/identity/passwords.ts';
import { SIGN_IN_REFUSED, SignIn, TOTP_CODE_REQUIRED } from '../../src/identity/sign-in.ts';
import { LoginThrottle } from '../../src/identity/throttle.ts';
import { totpCode } from '../../src/identity/totp.ts';
import { TOTP_CODE_INCORRECT, TOTP_CODE_REUSED, Users } from '../../src/identity/users.ts';

const MAIL_FROM = 'Fast Fibre <no-reply@isp.example.net>';
const PUBLIC_URL = 'https://isp.example.net';
const operator = { type: 'operator', id: 'test', requestId: 'req-1', ip: '192.0.2.1' };

/** Every log line written by the kernel and the code under test. */
const logLines: string[] = [];
const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
/** Every password and token the tests handle: none may appear in a log line. */
const secrets = new Set<string>();

/** A clock the tests move forward; `frozen` stops real time passing (for checks to the second). */
let offsetMs = 0;
let frozenAt: number | undefined;
const clock: Clock = { now: () => new Date((frozenAt ?? Date.now()) + offsetMs) };
const advance = (seconds: number) => {
  offsetMs += seconds * 1000;
};
async function frozen<T>(body: () => Promise<T>): Promise<T> {
  frozenAt = Date.now();
  try {
    return await body();
  } finally {
    offsetMs += Date.now() - frozenAt;
    frozenAt = undefined;
  }
}

interface Received {
  readonly to: readonly string[];
  readonly raw: string;
}
const received: Received[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
      callback();
    });
  },
});

let t: TestKernel;
let kernel: Kernel;
let db: Database;
let tokens: OneTimeTokens;
let users: Users;
let throttle: LoginThrottle;
let signIn: SignIn;
let maxFailures: number;
let windowSeconds: number;
const passwordChanged: string[] = [];
const disabled: string[] = [];
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  t = await bootTestKernel({ logger, clock });
  kernel = t.kernel;
  db = kernel.db;
  ({ LOGIN_MAX_FAILURES: maxFailures, LOGIN_WINDOW_S: windowSeconds } = kernel.config);
  const mailer: Mailer = createMailer({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM }, logger);
  tokens = new OneTimeTokens(db, clock);
  users = new Users(db, {
    mailer,
    clock,
    secretsKey: randomBytes(32),
    publicUrl: `${PUBLIC_URL}/`,
    tokens,
    onPasswordChanged: async (userId) => void passwordChanged.push(userId),
    onDisabled: async (userId) => void disabled.push(userId),
  });
  throttle = new LoginThrottle(db, clock, { maxFailures, windowSeconds });
  signIn = new SignIn(db, { users, throttle, clock });
});

afterAll(async () => {
  await t?.dispose();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

beforeEach(async () => {
  tenantA = await createTenant(db, `isp-a-${unique()}`);
  tenantB = await createTenant(db, `isp-b-${unique()}`);
});

function unique(): string {
  return randomBytes(5).toString('hex');
}
const newEmail = (name = 'ana') => `${name}.${unique()}@isp.example`;
/** A password the policy accepts, remembered as a secret. */
function newPassword(): string {
  const password = `Fibre-Lantern-${randomBytes(6).toString('hex')}`;
  secrets.add(password);
  return password;
}
/** A wrong password, remembered as a secret too (a password typed is a password). */
function wrongPassword(): string {
  const password = `Wrong-Guess-${randomBytes(6).toString('hex')}`;
  secrets.add(password);
  return password;
}
/** A client address no other test uses. */
const newIp = () => `10.${[...randomBytes(3)].join('.')}`;

/** The mails a recipient got so far. */
const mailsTo = (address: string) => received.filter((m) => m.to.includes(address));

/** Waits for the `count`-th mail to `address`. */
async function mailTo(address: string, count = 1): Promise<Received> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const mails = mailsTo(address);
    const mail = mails[count - 1];
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no mail #${count} to ${address} within 10 s (got ${mailsTo(address).length})`);
}

/** The header `name` of a raw message, unfolded. */
function headerOf(mail: Received, name: string): string | undefined {
  const head = mail.raw.split('\r\n\r\n')[0]?.replace(/\r\n[ \t]+/g, ' ') ?? '';
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1];
}

/** The text body of a single-part message, decoded. */
function bodyOf(mail: Received): string {
  const [head = '', ...rest] = mail.raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  const encoding = /^content-transfer-encoding:\s*([\w-]+)/im.exec(head)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}

/** The token of the `path` link in a mail, remembered as a secret. */
function tokenIn(mail: Received, path: 'accept-invitation' | 'reset-password'): string {
  const match = new RegExp(`${PUBLIC_URL}/${path}\\?token=([A-Za-z0-9_-]+)`).exec(bodyOf(mail));
  if (!match?.[1]) throw new Error(`no ${path} link in:\n${bodyOf(mail)}`);
  secrets.add(match[1]);
  return match[1];
}

async function invite(
  tenantId: string | null,
  email: string,
  extra: { portal?: 'admin' | 'customer'; roleIds?: string[] } = {},
) {
  return db.transaction((tx) =>
    users.invite(
      tx,
      { tenantId, portal: tenantId === null ? 'platform' : (extra.portal ?? 'admin'), email, roleIds: extra.roleIds },
      operator,
    ),
  );
}

/** An invited user who accepted: an active login with a password. */
async function activeUser(tenantId: string, portal: 'admin' | 'customer' = 'admin') {
  const email = newEmail();
  const { userId } = await invite(tenantId, email, { portal });
  const password = newPassword();
  await users.acceptInvitation(tokenIn(await mailTo(email), 'accept-invitation'), password);
  return { userId, email, password };
}

const attempt = (tenantId: string, email: string, password: string, ip: string, totp?: string) =>
  signIn.verify({ tenantId, portal: 'admin', email, password, ip, ...(totp === undefined ? {} : { totpCode: totp }) });

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, but it resolved');
}

const statusOf = async (userId: string) =>
  (await db.query<{ status: string }>('select status from kernel.app_user where id = $1', [userId]))[0]?.status;

describe(`identity: users on ${process.env.DOTMAC_TEST_DB}`, () => {
  describe('invitations', () => {
    test('an invitation arrives by SMTP with a link whose token activates the login once, then is refused', async () => {
      const email = newEmail();
      const { userId } = await invite(tenantA, email);
      expect(await statusOf(userId)).toBe('invited');

      const mail = await mailTo(email);
      expect(headerOf(mail, 'from')).toBe(MAIL_FROM);
      expect(headerOf(mail, 'to')).toBe(email);
      expect(headerOf(mail, 'subject')).toContain('invited');
      const token = tokenIn(mail, 'accept-invitation');
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(bodyOf(mail)).toContain('7 days');

      // Only the token's SHA-256 is stored.
      const [row] = await db.query<{ token_hash: Buffer; text: string }>(
        'select t.token_hash, t::text as text from kernel.one_time_token t where user_id = $1',
        [userId],
      );
      expect(row?.token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
      expect(row?.text).not.toContain(token);

      const password = newPassword();
      expect(await users.acceptInvitation(token, password)).toEqual({ userId });
      expect(await statusOf(userId)).toBe('active');
      await expect(attempt(tenantA, email, password, newIp())).resolves.toMatchObject({ userId, tenantId: tenantA });

      const again = await rejection(users.acceptInvitation(token, newPassword()));
      expect(again).toBeInstanceOf(ValidationError);
      expect(again.message).toBe(INVALID_LINK);
      expect((again as ValidationError).errors).toEqual([{ pointer: '/token', detail: INVALID_LINK }]);

      const audit = await db.query<{
        action: string;
        actor_type: string;
        actor_id: string;
        ip: string;
        after: unknown;
      }>('select action, actor_type, actor_id, ip, after from kernel.audit_log where target = $1 order by id', [
        `user:${userId}`,
      ]);
      expect(audit.map((a) => a.action)).toEqual(['user.invite', 'user.accept-invitation']);
      expect(audit[0]).toMatchObject({ actor_type: 'operator', actor_id: 'test', ip: '192.0.2.1' });
      expect(audit[0]?.after).toMatchObject({ email, portal: 'admin', status: 'invited' });
    });

    test('no mail leaves when the inviting transaction rolls back', async () => {
      const lost = newEmail('lost');
      await expect(
        db.transaction(async (tx) => {
          await users.invite(tx, { tenantId: tenantA, portal: 'admin', email: lost }, operator);
          throw new Error('rolled back on purpose');
        }),
      ).rejects.toThrow('rolled back on purpose');
      const kept = newEmail('kept');
      await invite(tenantA, kept);
      await mailTo(kept);
      await new Promise((r) => setTimeout(r, 200));
      expect(mailsTo(lost)).toHaveLength(0);
      expect(await users.list(tenantA)).toEqual([expect.objectContaining({ email: kept })]);
    });

    test('an invitation link works until 7 days have passed, and not after', async () => {
      const early = newEmail();
      const late = newEmail();
      await invite(tenantA, early);
      await invite(tenantA, late);
      const earlyToken = tokenIn(await mailTo(early), 'accept-invitation');
      const lateToken = tokenIn(await mailTo(late), 'accept-invitation');
      advance(7 * 24 * 3600 - 60);
      await expect(users.acceptInvitation(earlyToken, newPassword())).resolves.toBeDefined();
      advance(61);
      await expect(users.acceptInvitation(lateToken, newPassword())).rejects.toThrow(INVALID_LINK);
    });

    test('the password policy names each problem on /password, and a refused password leaves the link usable', async () => {
      const email = newEmail('margarethe');
      const { userId } = await invite(tenantA, email);
      const token = tokenIn(await mailTo(email), 'accept-invitation');

      const short = await rejection(users.acceptInvitation(token, 'short'));
      expect(short).toBeInstanceOf(ValidationError);
      const expected = passwordProblems('short', { email });
      expect(expected.length).toBeGreaterThan(0);
      expect((short as ValidationError).errors).toEqual(expected.map((detail) => ({ pointer: '/password', detail })));
      expect(short.message).toContain(expected[0]);

      const personal = `${email.split('@')[0]}-lantern-2024`;
      const own = await rejection(users.acceptInvitation(token, personal));
      expect((own as ValidationError).errors).toContainEqual({
        pointer: '/password',
        detail: expect.stringContaining('email'),
      });
      expect(await statusOf(userId)).toBe('invited');

      await expect(users.acceptInvitation(token, newPassword())).resolves.toEqual({ userId });
    });

    test('a second login for an email in the same tenant and portal is a 409 naming /email; other portals and tenants may have one', async () => {
      const email = newEmail();
      await invite(tenantA, email);
      const error = await db.transaction(async (tx) => {
        const e = await rejection(
          users.invite(tx, { tenantId: tenantA, portal: 'admin', email: `  ${email.toUpperCase()} ` }, operator),
        );
        // The refusal leaves the caller's transaction usable.
        await expect(tx.query('select 1 as one')).resolves.toEqual([{ one: 1 }]);
        return e;
      });
      expect(error).toBeInstanceOf(ConflictError);
      const problem = toProblem(error, '/users', undefined, logger);
      expect(problem.status).toBe(409);
      expect(problem.errors).toEqual([{ pointer: '/email', detail: expect.stringContaining(email.toUpperCase()) }]);

      await expect(invite(tenantA, email, { portal: 'customer' })).resolves.toBeDefined();
      await expect(invite(tenantB, email)).resolves.toBeDefined();
      expect((await users.list(tenantA)).map((u) => [u.email, u.portal])).toEqual([
        [email, 'admin'],
        [email, 'customer'],
      ]);
    });

    test('roles given to an invitee must be roles of the same tenant and portal', async () => {
      const role = async (tenantId: string, portal: string) =>
        (
          await db.query<{ id: string }>(
            'insert into kernel.role (tenant_id, portal, name) values ($1, $2, $3) returning id',
            [tenantId, portal, `r-${unique()}`],
          )
        )[0]?.id as string;
      const adminRole = await role(tenantA, 'admin');
      const customerRole = await role(tenantA, 'customer');
      const otherTenantRole = await role(tenantB, 'admin');

      const { userId } = await invite(tenantA, newEmail(), { roleIds: [adminRole] });
      expect((await users.get(tenantA, userId)).roleIds).toEqual([adminRole]);

      for (const [roleId, detail] of [
        [customerRole, 'customer-portal role'],
        [otherTenantRole, 'no role'],
      ] as const) {
        const e = await rejection(invite(tenantA, newEmail(), { roleIds: [roleId] }));
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).errors).toEqual([
          { pointer: '/roleIds/0', detail: expect.stringContaining(detail) },
        ]);
      }
    });

    test('only the newest link of a purpose works, and a link serves only its own purpose', async () => {
      const { userId, email, password } = await activeUser(tenantA);
      const [older, newer] = await db.transaction(async (tx) => [
        await tokens.create(tx, userId, 'password-reset', 3600),
        await tokens.create(tx, userId, 'password-reset', 3600),
      ]);
      secrets.add(older as string);
      secrets.add(newer as string);
      await expect(users.resetPassword(older as string, newPassword())).rejects.toThrow(INVALID_LINK);
      await expect(users.acceptInvitation(newer as string, newPassword())).rejects.toThrow(INVALID_LINK);
      await expect(users.resetPassword('not-a-token', newPassword())).rejects.toThrow(INVALID_LINK);
      // The refusals changed nothing.
      await expect(attempt(tenantA, email, password, newIp())).resolves.toMatchObject({ userId });
      await expect(users.resetPassword(newer as string, newPassword())).resolves.toEqual({ userId });
    });
  });

  describe('users', () => {
    test('list and get show users without hashes or secrets; another tenant cannot see them', async () => {
      const { userId, email } = await activeUser(tenantA);
      await users.enrollTotp(userId).then(({ secret }) => secrets.add(secret));
      const customer = await activeUser(tenantA, 'customer');
      const [record] = await users.list(tenantA, 'admin');
      expect(record).toEqual({
        id: userId,
        tenantId: tenantA,
        portal: 'admin',
        email,
        displayName: '',
        status: 'active',
        subjectId: null,
        totpEnabled: false,
        roleIds: [],
        createdAt: expect.any(Date),
        lastLoginAt: null,
      });
      expect((await users.list(tenantA)).map((u) => u.id).sort()).toEqual([userId, customer.userId].sort());
      expect(JSON.stringify(await users.list(tenantA))).not.toMatch(/hash|secret|scrypt/i);
      expect(await users.get(tenantA, userId)).toEqual(record);
      await expect(users.get(tenantB, userId)).rejects.toThrow(NotFoundError);
      await expect(users.get(tenantA, 'not-a-uuid')).rejects.toThrow(NotFoundError);
      expect(await users.list(tenantB)).toEqual([]);
    });

    test('a disabled user cannot sign in, is refused like a wrong password, and only its own tenant can disable it', async () => {
      const { userId, email, password } = await activeUser(tenantA);
      await expect(users.disable(tenantB, userId, operator)).rejects.toThrow(NotFoundError);
      await users.disable(tenantA, userId, operator);
      expect(disabled).toContain(userId);
      expect((await users.get(tenantA, userId)).status).toBe('disabled');
      const e = await rejection(attempt(tenantA, email, password, newIp()));
      expect(e).toBeInstanceOf(UnauthorizedError);
      expect(e.message).toBe(SIGN_IN_REFUSED);
      const [audit] = await db.query<{ before: unknown; after: unknown }>(
        `select before, after from kernel.audit_log where target = $1 and action = 'user.disable'`,
        [`user:${userId}`],
      );
      expect(audit).toEqual({ before: { status: 'active' }, after: { status: 'disabled' } });
    });
  });

  describe('password reset', () => {
    test('a reset request for an unknown email resolves as one for a known email does, and mails nothing', async () => {
      const { email } = await activeUser(tenantA);
      const unknown = newEmail('nobody');
      const answers = [
        await users.requestPasswordReset({ tenantId: tenantA, portal: 'admin', email: unknown }),
        await users.requestPasswordReset({ tenantId: tenantB, portal: 'admin', email }),
        await users.requestPasswordReset({ tenantId: tenantA, portal: 'customer', email }),
        await users.requestPasswordReset({ tenantId: tenantA, portal: 'admin', email: email.toUpperCase() }),
      ];
      expect(answers).toEqual([undefined, undefined, undefined, undefined]);
      const mail = await mailTo(email, 2); // the invitation, then the reset
      expect(bodyOf(mail)).toContain('1 hour');
      await new Promise((r) => setTimeout(r, 200));
      expect(mailsTo(unknown)).toHaveLength(0);
      expect(mailsTo(email)).toHaveLength(2);
    });

    test('a reset link sets a new password once: the old password stops working and sessions are revoked', async () => {
      const { userId, email, password } = await activeUser(tenantA);
      await users.requestPasswordReset({ tenantId: tenantA, portal: 'admin', email });
      const token = tokenIn(await mailTo(email, 2), 'reset-password');
      const weak = await rejection(users.resetPassword(token, 'password'));
      expect((weak as ValidationError).errors?.[0]?.pointer).toBe('/password');

      const fresh = newPassword();
      await expect(users.resetPassword(token, fresh)).resolves.toEqual({ userId });
      expect(passwordChanged).toContain(userId);
      await expect(attempt(tenantA, email, password, newIp())).rejects.toThrow(SIGN_IN_REFUSED);
      await expect(attempt(tenantA, email, fresh, newIp())).resolves.toMatchObject({ userId });
      await expect(users.resetPassword(token, newPassword())).rejects.toThrow(INVALID_LINK);
    });

    test('a reset link expires after an hour', async () => {
      const { email } = await activeUser(tenantA);
      await users.requestPasswordReset({ tenantId: tenantA, portal: 'admin', email });
      const token = tokenIn(await mailTo(email, 2), 'reset-password');
      advance(3601);
      await expect(users.resetPassword(token, newPassword())).rejects.toThrow(INVALID_LINK);
    });
  });

  describe('sign-in', () => {
    test('a wrong password, an unknown email and an invited user are refused with the same 401', async () => {
      const { userId, email, password } = await activeUser(tenantA);
      const invited = newEmail();
      await invite(tenantA, invited);
      const refusals = await Promise.all([
        rejection(attempt(tenantA, email, wrongPassword(), newIp())),
        rejection(attempt(tenantA, newEmail('nobody'), password, newIp())),
        rejection(attempt(tenantA, invited, password, newIp())),
        rejection(attempt(tenantB, email, password, newIp())),
        rejection(signIn.verify({ tenantId: tenantA, portal: 'customer', email, password, ip: newIp() })),
      ]);
      for (const e of refusals) {
        expect(e).toBeInstanceOf(UnauthorizedError);
        expect(e.message).toBe(SIGN_IN_REFUSED);
        expect(toProblem(e, '/sign-in', undefined, logger).status).toBe(401);
      }
      const before = clock.now();
      await expect(attempt(tenantA, ` ${email.toUpperCase()}`, password, newIp())).resolves.toEqual({
        userId,
        tenantId: tenantA,
        portal: 'admin',
      });
      expect((await users.get(tenantA, userId)).lastLoginAt?.getTime()).toBeGreaterThanOrEqual(before.getTime());
    });

    test('after LOGIN_MAX_FAILURES failures the account is refused with 429 even with the right password, until the window ends', async () => {
      // To the second: real time must not move the lock's end while a loaded machine hashes passwords.
      await frozen(async () => {
        const { userId, email, password } = await activeUser(tenantA);
        // Each failure from another address: the account's own count is what locks.
        for (let i = 0; i < maxFailures; i++) {
          await expect(attempt(tenantA, email, wrongPassword(), newIp())).rejects.toThrow(SIGN_IN_REFUSED);
        }
        const locked = await rejection(attempt(tenantA, email, password, newIp()));
        expect(locked).toBeInstanceOf(TooManyRequestsError);
        const retryAfter = (locked as TooManyRequestsError).retryAfterSeconds;
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
        expect(locked.message).toMatch(/^too many failed sign-ins; try again in \d+ minutes?$/);
        const problem = toProblem(locked, '/sign-in', undefined, logger);
        expect(problem).toMatchObject({ status: 429, retryAfter });

        advance(retryAfter - 1);
        await expect(attempt(tenantA, email, password, newIp())).rejects.toThrow(TooManyRequestsError);
        advance(1);
        await expect(attempt(tenantA, email, password, newIp())).resolves.toMatchObject({ userId });
      });
    });

    test('one address is throttled across accounts', async () => {
      const { userId, email, password } = await activeUser(tenantA);
      const ip = newIp();
      for (let i = 0; i < maxFailures; i++) {
        await expect(attempt(tenantA, newEmail('guess'), wrongPassword(), ip)).rejects.toThrow(SIGN_IN_REFUSED);
      }
      await expect(attempt(tenantA, email, password, ip)).rejects.toThrow(TooManyRequestsError);
      await expect(attempt(tenantA, email, password, newIp())).resolves.toMatchObject({ userId });
    });

    test("a sign-in clears the account's failures but not its address's", async () => {
      const { userId, email, password } = await activeUser(tenantA);
      const ip = newIp();
      for (let i = 0; i < maxFailures - 1; i++) {
        await expect(attempt(tenantA, email, wrongPassword(), ip)).rejects.toThrow(SIGN_IN_REFUSED);
      }
      await expect(attempt(tenantA, email, password, ip)).resolves.toMatchObject({ userId });
      // The account starts over: as many failures again, from elsewhere, do not lock it.
      const elsewhere = newIp();
      for (let i = 0; i < maxFailures - 1; i++) {
        await expect(attempt(tenantA, email, wrongPassword(), elsewhere)).rejects.toThrow(SIGN_IN_REFUSED);
      }
      await expect(attempt(tenantA, email, password, elsewhere)).resolves.toMatchObject({ userId });
      // The first address kept its count: one more failure there locks it.
      await expect(attempt(tenantA, newEmail('guess'), wrongPassword(), ip)).rejects.toThrow(SIGN_IN_REFUSED);
      await expect(attempt(tenantA, email, password, ip)).rejects.toThrow(TooManyRequestsError);
    });
  });

  describe('TOTP', () => {
    test('an enrolled user needs a current code once confirmed, and a code is accepted only once', async () => {
      const { userId, email, password } = await activeUser(tenantA);
      const { secret, uri } = await users.enrollTotp(userId);
      secrets.add(secret);
      expect(uri).toContain(`secret=${secret}`);
      expect(uri).toContain(encodeURIComponent(email));
      const [row] = await db.query<{ totp_secret: Buffer; totp_enabled: boolean }>(
        'select totp_secret, totp_enabled from kernel.app_user where id = $1',
        [userId],
      );
      expect(row?.totp_enabled).toBe(false);
      expect(row?.totp_secret.includes(Buffer.from(secret))).toBe(false);

      // The test clock runs with real time: start one second into a 30 s step, so that no step
      // boundary passes between computing a code and checking it (a code two steps old is out
      // of the window, and the last check would see "incorrect" instead of "already used").
      advance((30_000 - (clock.now().getTime() % 30_000) + 1_000) / 1000);
      const ip = newIp();
      // Not required until confirmed.
      await expect(attempt(tenantA, email, password, ip)).resolves.toMatchObject({ userId });
      const wrong = totpCode(secret, new Date(clock.now().getTime() + 300_000));
      const refused = await rejection(users.confirmTotp(userId, wrong));
      expect((refused as ValidationError).errors).toEqual([{ pointer: '/code', detail: TOTP_CODE_INCORRECT }]);
      const first = totpCode(secret, clock.now());
      await users.confirmTotp(userId, first);
      expect((await users.get(tenantA, userId)).totpEnabled).toBe(true);
      await expect(users.enrollTotp(userId)).rejects.toThrow(ConflictError);

      for (const [code, message] of [
        [undefined, TOTP_CODE_REQUIRED],
        [wrong, TOTP_CODE_INCORRECT],
        [first, TOTP_CODE_REUSED],
      ] as const) {
        const e = await rejection(attempt(tenantA, email, password, ip, code));
        expect(e).toBeInstanceOf(UnauthorizedError);
        expect(e.message).toBe(message);
      }
      // A right code with a wrong password is still a wrong password.
      advance(30);
      const second = totpCode(secret, clock.now());
      await expect(attempt(tenantA, email, wrongPassword(), ip, second)).rejects.toThrow(SIGN_IN_REFUSED);
      await expect(attempt(tenantA, email, password, ip, second)).resolves.toMatchObject({ userId });
      await expect(attempt(tenantA, email, password, ip, second)).rejects.toThrow(TOTP_CODE_REUSED);
      // An older code, still inside the window, is refused once a newer one was used.
      advance(30);
      const third = totpCode(secret, clock.now());
      await expect(attempt(tenantA, email, password, newIp(), third)).resolves.toMatchObject({ userId });
      await expect(attempt(tenantA, email, password, newIp(), second)).rejects.toThrow(TOTP_CODE_REUSED);
    });
  });

  describe('logs', () => {
    test('without SMTP_URL mail is only named in a warning: recipient and subject, never the body', async () => {
      const token = randomBytes(32).toString('base64url');
      secrets.add(token);
      const before = logLines.length;
      await createMailer({ MAIL_FROM }, logger).send({
        to: 'dev@isp.example',
        subject: 'Reset your password',
        text: `${PUBLIC_URL}/reset-password?token=${token}`,
      });
      const lines = logLines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([
        expect.objectContaining({ level: 40, to: 'dev@isp.example', subject: 'Reset your password' }),
      ]);
      expect(String(lines[0]?.msg)).toContain('SMTP_URL is unset');
      expect(JSON.stringify(lines)).not.toContain('reset-password?');
    });

    test('no log line holds a password or a token', () => {
      expect(logLines.some((l) => l.includes('"mail sent"'))).toBe(true);
      expect(secrets.size).toBeGreaterThan(20);
      const leaks = logLines.filter((line) => [...secrets].some((secret) => line.includes(secret)));
      expect(leaks).toEqual([]);
    });
  });
});

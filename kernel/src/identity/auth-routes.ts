// Signing in and out, for every portal: password (and TOTP) for an access token and a rotating
// refresh token; refresh; logout; the JWKS; invitations, password resets and TOTP enrolment.
import type { Context } from 'hono';
import type { Database } from '../db/database.ts';
import { UnauthorizedError, ValidationError } from '../errors.ts';
import { clientAddress } from '../http/app.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import type { AccessTokens } from './access-tokens.ts';
import { hostnameOf } from './authenticate.ts';
import { PORTALS, type Portal } from './principal.ts';
import type { RefreshTokens } from './refresh-tokens.ts';
import type { SignIn } from './sign-in.ts';
import type { SigningKeys } from './signing-keys.ts';
import type { Tenants } from './tenants.ts';
import type { Users } from './users.ts';

export interface AuthRouteDependencies {
  readonly db: Database;
  readonly signIn: SignIn;
  readonly users: Users;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  readonly signingKeys: SigningKeys;
  readonly tenants: Pick<Tenants, 'requireActive' | 'byHostname'>;
  readonly platformHosts: readonly string[];
}

const passwordSchema = { type: 'string', minLength: 1, maxLength: 1024, description: 'The password.' } as const;
const tokenSchema = { type: 'string', minLength: 16, maxLength: 200, description: 'The token from the link.' } as const;
/** What a link from a mail (invitation, reset) is redeemed with. */
const tokenAndPassword = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'password'],
  properties: { token: tokenSchema, password: passwordSchema },
} as const;
const tenantSlug = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
  description: "The tenant's slug, for API clients not calling on the tenant's host name.",
} as const;

interface TenantRow {
  id: string;
  status: string;
}

/** The tokens a successful sign-in or refresh answers. */
interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
}

export function registerAuthRoutes(routes: HttpRoutes, deps: AuthRouteDependencies): void {
  const platformHosts = new Set(deps.platformHosts.map((h) => h.toLowerCase()));

  /** The tenant a sign-in is for: its host name, or (on the platform host) the slug given. */
  const tenantFor = async (c: Context, portal: Portal, slug: string | undefined): Promise<string | null> => {
    const host = hostnameOf(c);
    const onPlatform = !host || platformHosts.has(host);
    if (portal === 'platform') {
      if (!onPlatform) throw new ValidationError('platform accounts sign in on the platform host name', []);
      return null;
    }
    if (onPlatform && !slug) {
      throw new ValidationError('name the tenant: sign in on its host name or give its slug', [
        { pointer: '/body/tenant', detail: 'is required on the platform host name' },
      ]);
    }
    const [tenant] = onPlatform
      ? await deps.db.query<TenantRow>('select id, status from kernel.tenant where slug = $1', [slug ?? ''])
      : [await deps.tenants.byHostname(host)];
    // An unknown tenant is refused like a wrong password: sign-in tells nobody which tenants exist.
    if (!tenant || tenant.status === 'closed') throw new UnauthorizedError('email or password is incorrect');
    return tenant.id;
  };

  const issue = async (
    userId: string,
    tenantId: string | null,
    portal: Portal,
    sessionId: string,
    refreshToken: string,
  ) => {
    const access = await deps.accessTokens.issue({ sub: userId, tid: tenantId, portal, sid: sessionId });
    const pair: TokenPair = {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken,
    };
    return pair;
  };

  routes.add(
    defineRoute<{ email: string; password: string; portal: Portal; totpCode?: string; tenant?: string }>({
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Sign in to a portal: an access token and a refresh token',
      tags: ['auth'],
      access: 'public',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'password', 'portal'],
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 254, description: 'The account’s email.' },
            password: passwordSchema,
            portal: { type: 'string', enum: [...PORTALS], description: 'The portal signed in to.' },
            totpCode: { type: 'string', pattern: '^[0-9]{6}$', description: 'The authenticator app’s code.' },
            tenant: tenantSlug,
          },
        },
      },
      responses: { 200: { description: 'Signed in.' } },
      handler: async ({ c, body }) => {
        const tenantId = await tenantFor(c, body.portal, body.tenant);
        const who = await deps.signIn.verify({
          tenantId,
          portal: body.portal,
          email: body.email,
          password: body.password,
          totpCode: body.totpCode,
          ip: clientAddress(c) ?? 'unknown',
        });
        if (tenantId) await deps.tenants.requireActive(tenantId);
        const session = await deps.refreshTokens.issue(deps.db, { userId: who.userId, tenantId: who.tenantId });
        return c.json(await issue(who.userId, who.tenantId, who.portal, session.sessionId, session.token));
      },
    }),
  );

  routes.add(
    defineRoute<{ refreshToken: string }>({
      method: 'post',
      path: '/api/v1/auth/refresh',
      summary: 'Trade a refresh token for new tokens (the old one stops working; a reused one ends the session)',
      tags: ['auth'],
      access: 'public',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['refreshToken'],
          properties: { refreshToken: { ...tokenSchema, description: 'The refresh token.' } },
        },
      },
      responses: { 200: { description: 'New tokens.' } },
      handler: async ({ c, body }) => {
        const next = await deps.refreshTokens.rotate(body.refreshToken);
        const [user] = await deps.db.query<{ portal: Portal; status: string; tenant_status: string | null }>(
          `select u.portal, u.status, t.status as tenant_status
           from kernel.app_user u left join kernel.tenant t on t.id = u.tenant_id where u.id = $1`,
          [next.userId],
        );
        if (user?.status !== 'active' || (user.tenant_status !== null && user.tenant_status !== 'active')) {
          await deps.refreshTokens.revokeSession(next.sessionId);
          throw new UnauthorizedError('the account can no longer sign in');
        }
        return c.json(await issue(next.userId, next.tenantId, user.portal, next.sessionId, next.token));
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'Sign out: the session’s access and refresh tokens stop working at once',
      tags: ['auth'],
      access: 'authenticated',
      responses: { 204: { description: 'Signed out.' } },
      handler: async ({ c, principal }) => {
        if (principal?.kind !== 'user') {
          throw new ValidationError('only a signed-in user has a session to end', []);
        }
        await deps.refreshTokens.revokeSession(principal.sessionId);
        return c.body(null, 204);
      },
    }),
  );

  routes.add(
    defineRoute<{ currentPassword: string; newPassword: string }>({
      method: 'post',
      path: '/api/v1/auth/password',
      summary: 'Change the signed-in user’s password; every session of the user ends, this one included',
      tags: ['auth'],
      access: 'authenticated',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['currentPassword', 'newPassword'],
          properties: {
            currentPassword: { ...passwordSchema, description: 'The password now.' },
            newPassword: { ...passwordSchema, description: 'The new password.' },
          },
        },
      },
      responses: { 204: { description: 'Changed; sign in again with the new password.' } },
      handler: async ({ c, body, principal }) => {
        if (principal?.kind !== 'user' && !(principal?.kind === 'operator' && principal.userId)) {
          throw new ValidationError('only a signed-in user has a password to change', []);
        }
        await deps.users.changePassword(principal.userId as string, body.currentPassword, body.newPassword);
        return c.body(null, 204);
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/me',
      summary: 'Who the credentials belong to, and what they may do',
      tags: ['auth'],
      access: 'authenticated',
      responses: { 200: { description: 'The caller.' } },
      handler: ({ c, principal, tenantId }) => {
        const p = principal as NonNullable<typeof principal>;
        return c.json({
          kind: p.kind,
          tenantId: tenantId ?? null,
          ...(p.kind === 'user'
            ? {
                userId: p.userId,
                portal: p.portal,
                subjectId: p.subjectId ?? null,
                permissions: [...p.permissions].sort(),
              }
            : {}),
          ...(p.kind === 'api-key' ? { keyId: p.keyId, permissions: [...p.permissions].sort() } : {}),
          ...(p.kind === 'operator' ? { userId: p.userId ?? null } : {}),
        });
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'The public keys access tokens are signed with',
      tags: ['auth'],
      access: 'public',
      responses: { 200: { description: 'A JSON Web Key Set.' } },
      handler: async ({ c }) => c.json(await deps.signingKeys.jwks()),
    }),
  );

  routes.add(
    defineRoute<{ token: string; password: string }>({
      method: 'post',
      path: '/api/v1/auth/invitations/accept',
      summary: 'Accept an invitation: choose a password',
      tags: ['auth'],
      access: 'public',
      request: { body: tokenAndPassword },
      responses: { 200: { description: 'The account is active; sign in.' } },
      handler: async ({ c, body }) => c.json(await deps.users.acceptInvitation(body.token, body.password)),
    }),
  );

  routes.add(
    defineRoute<{ email: string; portal: Portal; tenant?: string }>({
      method: 'post',
      path: '/api/v1/auth/password-reset',
      summary: 'Ask for a password reset link (answered the same whether or not the account exists)',
      tags: ['auth'],
      access: 'public',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'portal'],
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 254, description: 'The account’s email.' },
            portal: { type: 'string', enum: [...PORTALS], description: 'The portal of the account.' },
            tenant: tenantSlug,
          },
        },
      },
      responses: { 202: { description: 'If the account exists, a link is on its way.' } },
      handler: async ({ c, body }) => {
        const tenantId = await tenantFor(c, body.portal, body.tenant).catch((e) => {
          if (e instanceof UnauthorizedError) return undefined; // unknown tenant: the same answer
          throw e;
        });
        if (tenantId !== undefined) {
          await deps.users.requestPasswordReset({ tenantId, portal: body.portal, email: body.email });
        }
        return c.json({ accepted: true }, 202);
      },
    }),
  );

  routes.add(
    defineRoute<{ token: string; password: string }>({
      method: 'post',
      path: '/api/v1/auth/password-reset/confirm',
      summary: 'Set a new password with the link’s token (signs out every session)',
      tags: ['auth'],
      access: 'public',
      request: { body: tokenAndPassword },
      responses: { 200: { description: 'The password is changed.' } },
      handler: async ({ c, body }) => c.json(await deps.users.resetPassword(body.token, body.password)),
    }),
  );

  routes.add(
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/totp',
      summary: 'Start two-step sign-in: a secret for an authenticator app (on once confirmed)',
      tags: ['auth'],
      access: 'authenticated',
      responses: { 200: { description: 'The secret and its otpauth:// URI.' } },
      handler: async ({ c, principal }) => c.json(await deps.users.enrollTotp(signedInUser(principal))),
    }),
  );

  routes.add(
    defineRoute<{ code: string }>({
      method: 'post',
      path: '/api/v1/auth/totp/confirm',
      summary: 'Confirm two-step sign-in with the app’s current code',
      tags: ['auth'],
      access: 'authenticated',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['code'],
          properties: { code: { type: 'string', pattern: '^[0-9]{6}$', description: 'The app’s current code.' } },
        },
      },
      responses: { 204: { description: 'Two-step sign-in is on.' } },
      handler: async ({ c, body, principal }) => {
        await deps.users.confirmTotp(signedInUser(principal), body.code);
        return c.body(null, 204);
      },
    }),
  );
}

/** The user behind the credentials: staff, operators, customers… (not an API key or the admin token). */
function signedInUser(principal: { kind: string; userId?: string } | undefined): string {
  if (!principal?.userId) throw new ValidationError('only a signed-in user can set up two-step sign-in', []);
  return principal.userId;
}

// Who is calling, for every request: the operator's ADMIN_TOKEN, an API key (dmk_…), or an
// access token of a signed-in user; and which tenant the request is for, from the credentials
// or the host name. A suspended tenant's users and keys are refused here, on every request.
import type { Context } from 'hono';
import type { Database } from '../db/database.ts';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { type Authenticate, bearerOf, isAdminToken, operatorTenant, type RequestIdentity } from '../http/app.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { ApiKeys } from './api-keys.ts';
import type { Principal, TenantPortal } from './principal.ts';
import type { Roles } from './rbac.ts';
import type { RefreshTokens } from './refresh-tokens.ts';

/** The prefix of API keys, which tells them from access tokens. */
export const API_KEY_PREFIX = 'dmk_';

interface TenantState {
  readonly id: string;
  readonly slug: string;
  readonly status: 'active' | 'suspended' | 'closed';
  readonly suspended_reason: string | null;
}

export interface AuthenticatorDependencies {
  readonly db: Database;
  readonly adminToken: string | undefined;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: Pick<RefreshTokens, 'isSessionActive'>;
  readonly apiKeys: Pick<ApiKeys, 'verify'>;
  readonly roles: Pick<Roles, 'permissionsOf'>;
  /** Host names of the platform (operator) rather than of a tenant. */
  readonly platformHosts: readonly string[];
}

/** Builds the `authenticate` the HTTP app calls on every request. */
export function createAuthenticator(deps: AuthenticatorDependencies): Authenticate {
  const platformHosts = new Set(deps.platformHosts.map((h) => h.toLowerCase()));

  const tenantById = async (id: string): Promise<TenantState | undefined> =>
    (
      await deps.db.query<TenantState>('select id, slug, status, suspended_reason from kernel.tenant where id = $1', [
        id,
      ])
    )[0];

  const tenantByHost = async (c: Context): Promise<TenantState | undefined> => {
    const host = hostnameOf(c);
    if (!host || platformHosts.has(host)) return undefined;
    const [tenant] = await deps.db.query<TenantState>(
      `select t.id, t.slug, t.status, t.suspended_reason
       from kernel.tenant_hostname h join kernel.tenant t on t.id = h.tenant_id where h.hostname = $1`,
      [host],
    );
    return tenant;
  };

  /** Refuses a tenant that is not active, saying why. */
  const checkActive = (tenant: TenantState | undefined): TenantState => {
    if (!tenant || tenant.status === 'closed') throw new UnauthorizedError('the account of this tenant is closed');
    if (tenant.status === 'suspended') {
      throw new ForbiddenError(
        `${tenant.slug} is suspended${tenant.suspended_reason ? `: ${tenant.suspended_reason}` : ''}. Its data is kept; contact your provider to restore access`,
      );
    }
    return tenant;
  };

  const sameTenant = (hostTenant: TenantState | undefined, tenantId: string) => {
    if (hostTenant && hostTenant.id !== tenantId) {
      throw new UnauthorizedError('these credentials belong to another tenant than this host name');
    }
  };

  return async (c, required): Promise<RequestIdentity> => {
    const hostTenant = await tenantByHost(c);
    const bearer = bearerOf(c);
    if (!bearer) {
      if (!required && hostTenant) return { tenantId: checkActive(hostTenant).id };
      return {};
    }
    if (isAdminToken(bearer, deps.adminToken)) {
      return { principal: { kind: 'operator' }, tenantId: operatorTenant(c) };
    }
    if (bearer.startsWith(API_KEY_PREFIX)) {
      const key = await deps.apiKeys.verify(bearer);
      if (!key) throw new UnauthorizedError('the API key is not valid, or was revoked');
      const tenant = checkActive(await tenantById(key.tenantId));
      sameTenant(hostTenant, tenant.id);
      const principal: Principal = {
        kind: 'api-key',
        keyId: key.id,
        tenantId: tenant.id,
        permissions: new Set(key.permissions),
      };
      return { principal, tenantId: tenant.id };
    }
    const claims = await deps.accessTokens.verify(bearer);
    if (!(await deps.refreshTokens.isSessionActive(claims.sid))) {
      throw new UnauthorizedError('the session was signed out; sign in again');
    }
    const [user] = await deps.db.query<{ status: string; tenant_id: string | null; subject_id: string | null }>(
      'select status, tenant_id, subject_id from kernel.app_user where id = $1',
      [claims.sub],
    );
    if (user?.status !== 'active' || user.tenant_id !== claims.tid) {
      throw new UnauthorizedError('the account is disabled');
    }
    if (claims.portal === 'platform') {
      if (hostTenant) throw new UnauthorizedError('platform accounts sign in on the platform host name');
      return { principal: { kind: 'operator', userId: claims.sub }, tenantId: operatorTenant(c) };
    }
    const tenant = checkActive(await tenantById(claims.tid as string));
    sameTenant(hostTenant, tenant.id);
    const principal: Principal = {
      kind: 'user',
      userId: claims.sub,
      tenantId: tenant.id,
      portal: claims.portal as TenantPortal,
      ...(user.subject_id ? { subjectId: user.subject_id } : {}),
      permissions: await deps.roles.permissionsOf(claims.sub),
      sessionId: claims.sid,
    };
    return { principal, tenantId: tenant.id };
  };
}

/** The request's host name, lowercased, without port (IPv6 literals keep their brackets). */
export function hostnameOf(c: Context): string | undefined {
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  if (!host) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(host.trim().toLowerCase());
  return match?.[1];
}

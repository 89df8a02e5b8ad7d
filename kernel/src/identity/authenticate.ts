// Who is calling, for every request: the operator's ADMIN_TOKEN, an API key (dmk_…), or an
// access token of a signed-in user; and which tenant the request is for, from the credentials
// or the host name. A suspended tenant's users and keys are refused here, on every request.
import type { Context } from 'hono';
import type { Database } from '../db/database.ts';
import { UnauthorizedError } from '../errors.ts';
import { type Authenticate, bearerOf, isAdminToken, operatorTenant, type RequestIdentity } from '../http/app.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { ApiKeys } from './api-keys.ts';
import type { Principal, TenantPortal } from './principal.ts';
import type { Roles } from './rbac.ts';
import type { RefreshTokens } from './refresh-tokens.ts';
import { inactiveTenantError, normalizeHostname, type TenantRecord, type Tenants } from './tenants.ts';

/** The prefix of API keys, which tells them from access tokens. */
export const API_KEY_PREFIX = 'dmk_';

export interface AuthenticatorDependencies {
  readonly db: Database;
  readonly adminToken: string | undefined;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: Pick<RefreshTokens, 'isSessionActive'>;
  readonly apiKeys: Pick<ApiKeys, 'verify'>;
  readonly roles: Pick<Roles, 'permissionsOf'>;
  readonly tenants: Pick<Tenants, 'byHostname' | 'status'>;
  /** Host names of the platform (operator) rather than of a tenant. */
  readonly platformHosts: readonly string[];
}

/** Builds the `authenticate` the HTTP app calls on every request. */
export function createAuthenticator(deps: AuthenticatorDependencies): Authenticate {
  const platformHosts = new Set(deps.platformHosts.map((h) => h.toLowerCase()));

  /** The tenant owning the request's host name; none on the platform's own host names. */
  const tenantByHost = async (c: Context): Promise<TenantRecord | undefined> => {
    const host = hostnameOf(c);
    if (!host || platformHosts.has(host)) return undefined;
    return deps.tenants.byHostname(host);
  };

  /** Refuses a tenant that is not active, saying why; answers its id. */
  const activeTenant = async (tenantId: string): Promise<string> => {
    const standing = await deps.tenants.status(tenantId);
    if (!standing) throw new UnauthorizedError('these credentials belong to no tenant');
    const refusal = inactiveTenantError(standing);
    if (refusal) throw refusal;
    return tenantId;
  };

  const sameTenant = (hostTenant: TenantRecord | undefined, tenantId: string) => {
    if (hostTenant && hostTenant.id !== tenantId) {
      throw new UnauthorizedError('these credentials belong to another tenant than this host name');
    }
  };

  return async (c, required): Promise<RequestIdentity> => {
    const hostTenant = await tenantByHost(c);
    const bearer = bearerOf(c);
    if (!bearer) {
      if (!required && hostTenant) return { tenantId: await activeTenant(hostTenant.id) };
      return {};
    }
    if (isAdminToken(bearer, deps.adminToken)) {
      return { principal: { kind: 'operator' }, tenantId: operatorTenant(c) };
    }
    if (bearer.startsWith(API_KEY_PREFIX)) {
      const key = await deps.apiKeys.verify(bearer);
      if (!key) throw new UnauthorizedError('the API key is not valid, or was revoked');
      const tenantId = await activeTenant(key.tenantId);
      sameTenant(hostTenant, tenantId);
      const principal: Principal = { kind: 'api-key', keyId: key.id, tenantId, permissions: new Set(key.permissions) };
      return { principal, tenantId };
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
    const tenantId = await activeTenant(claims.tid as string);
    sameTenant(hostTenant, tenantId);
    const principal: Principal = {
      kind: 'user',
      userId: claims.sub,
      tenantId,
      portal: claims.portal as TenantPortal,
      ...(user.subject_id ? { subjectId: user.subject_id } : {}),
      permissions: await deps.roles.permissionsOf(claims.sub),
      sessionId: claims.sid,
    };
    return { principal, tenantId };
  };
}

/** The request's host name, as tenants' hostnames are kept (lowercase, no port or trailing dot). */
export function hostnameOf(c: Context): string | undefined {
  return normalizeHostname(c.req.header('host') ?? new URL(c.req.url).host) || undefined;
}

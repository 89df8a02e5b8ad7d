// Identity and tenancy, put together: who may call (the authenticator the HTTP app runs on every
// request), the audit of mutating requests, and the routes of sign-in, tenant administration
// and the operator's tenant management.
import { join } from 'node:path';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { EventBus } from '../events/bus.ts';
import type { Authenticate } from '../http/app.ts';
import type { HttpRoutes } from '../http/routes.ts';
import type { Logger } from '../log.ts';
import type { PluginHost } from '../plugins/host.ts';
import { AccessTokens } from './access-tokens.ts';
import { ApiKeys } from './api-keys.ts';
import { type RequestRecord, registerAuditRoutes, requestAuditor } from './audit.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { createAuthenticator } from './authenticate.ts';
import { registerBrandingRoute } from './branding-route.ts';
import { createMailer, type Mailer } from './mail.ts';
import { OneTimeTokens } from './one-time-tokens.ts';
import { Plans } from './plans.ts';
import { registerPlatformRoutes } from './platform-routes.ts';
import { Roles } from './rbac.ts';
import { RefreshTokens } from './refresh-tokens.ts';
import { SignIn } from './sign-in.ts';
import { SigningKeys } from './signing-keys.ts';
import { registerTenantAdminRoutes } from './tenant-admin-routes.ts';
import { registerTenantRoutes } from './tenant-routes.ts';
import { Tenants } from './tenants.ts';
import { LoginThrottle } from './throttle.ts';
import { Users } from './users.ts';

export interface IdentityDependencies {
  readonly config: Config;
  readonly db: Database;
  readonly bus: EventBus;
  readonly routes: HttpRoutes;
  readonly plugins: PluginHost;
  readonly clock: Clock;
  readonly log: Logger;
  readonly secretsKey: Buffer | undefined;
  /** Where mail goes; default: SMTP_URL (or the log, without bodies, when unset). */
  readonly mailer?: Mailer;
}

/** What the kernel holds of identity once built. */
export interface Identity {
  readonly authenticate: Authenticate;
  readonly recordRequest: (record: RequestRecord) => Promise<void>;
  readonly tenants: Tenants;
  readonly users: Users;
  readonly roles: Roles;
  readonly plans: Plans;
  readonly signingKeys: SigningKeys;
  readonly refreshTokens: RefreshTokens;
  readonly apiKeys: ApiKeys;
}

/** Builds identity on the kernel's services and registers its routes. */
export function createIdentity(deps: IdentityDependencies): Identity {
  const { config, db, clock } = deps;
  const manifests = deps.plugins.list().map((p) => p.manifest);
  const publicUrl = config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  const platformHosts = config.PLATFORM_HOSTNAMES.split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);

  const signingKeys = new SigningKeys(db, deps.secretsKey, clock);
  const accessTokens = new AccessTokens(
    signingKeys,
    { issuer: publicUrl, ttlSeconds: config.ACCESS_TOKEN_TTL_S },
    clock,
  );
  const refreshTokens = new RefreshTokens(db, clock, config.REFRESH_TOKEN_TTL_S);
  const apiKeys = new ApiKeys(db, clock);
  const roles = new Roles(db, manifests);
  const plans = new Plans(db, manifests);
  deps.plugins.onChange((installed) => {
    roles.setInstalled(installed);
    plans.setInstalled(installed);
  });
  const users = new Users(db, {
    mailer: deps.mailer ?? createMailer(config, deps.log),
    clock,
    secretsKey: deps.secretsKey,
    publicUrl,
    tokens: new OneTimeTokens(db, clock),
    onPasswordChanged: (userId) => refreshTokens.revokeUser(userId),
    onDisabled: (userId) => refreshTokens.revokeUser(userId),
  });
  const throttle = new LoginThrottle(db, clock, {
    maxFailures: config.LOGIN_MAX_FAILURES,
    windowSeconds: config.LOGIN_WINDOW_S,
  });
  const signIn = new SignIn(db, { users, throttle, clock });

  const tenants = new Tenants(
    db,
    deps.bus,
    plans,
    {
      // A new tenant gets its built-in roles and its first admin, invited as owner, in the
      // creating transaction (Tenants switches on the modules its plan allows).
      async onCreated(tx, tenant, admin) {
        const roleIds = await roles.createBuiltins(tx, tenant.id);
        await users.invite(
          tx,
          {
            tenantId: tenant.id,
            portal: 'admin',
            email: admin.email,
            displayName: admin.displayName,
            roleIds: [roleIds['admin/owner'] as string],
          },
          { type: 'operator' },
        );
      },
    },
    clock,
  );

  registerAuthRoutes(deps.routes, {
    db,
    signIn,
    users,
    accessTokens,
    refreshTokens,
    signingKeys,
    tenants,
    platformHosts,
  });
  registerTenantAdminRoutes(deps.routes, { db, users, roles, apiKeys, refreshTokens, plans, plugins: deps.plugins });
  registerTenantRoutes(deps.routes, tenants, plans, join(config.DATA_DIR, 'exports'));
  registerAuditRoutes(deps.routes, db);
  registerBrandingRoute(deps.routes, tenants, platformHosts);
  registerPlatformRoutes(deps.routes, { db, users, signingKeys });

  return {
    authenticate: createAuthenticator({
      db,
      adminToken: config.ADMIN_TOKEN,
      accessTokens,
      refreshTokens,
      apiKeys,
      roles,
      tenants,
      platformHosts,
    }),
    recordRequest: requestAuditor(db, deps.log),
    tenants,
    users,
    roles,
    plans,
    signingKeys,
    refreshTokens,
    apiKeys,
  };
}

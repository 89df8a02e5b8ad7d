// A tenant's administration of its own people and modules, in its admin portal: users of every
// portal, roles and their permissions, API keys, and which modules (of those its plan allows)
// are on. Every route works on the caller's tenant only; another tenant's object is a 404.
import type { Database } from '../db/database.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import type { PluginHost } from '../plugins/host.ts';
import type { ApiKeys } from './api-keys.ts';
import { actorOf, appendAudit } from './audit.ts';
import type { Plans } from './plans.ts';
import type { Principal, TenantPortal } from './principal.ts';
import { isAllowed, type Roles } from './rbac.ts';
import type { RefreshTokens } from './refresh-tokens.ts';
import type { Users } from './users.ts';

export interface TenantAdminDependencies {
  readonly db: Database;
  readonly users: Users;
  readonly roles: Roles;
  readonly apiKeys: ApiKeys;
  readonly refreshTokens: RefreshTokens;
  readonly plans: Plans;
  readonly plugins: PluginHost;
}

const TENANT_PORTALS = ['admin', 'customer', 'reseller', 'technician'] as const;
const uuid = (description: string) => ({ type: 'string', format: 'uuid', description }) as const;
const permissionList = {
  type: 'array',
  maxItems: 500,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 200 },
  description: 'Permission names (GET /api/v1/permissions lists them).',
} as const;

/** Who made a change, for services that audit it themselves. */
function actor(principal: Principal | undefined, requestId: string | undefined) {
  const { actorType, actorId } = actorOf(principal as Principal);
  return { type: actorType, ...(actorId ? { id: actorId } : {}), ...(requestId ? { requestId } : {}) };
}

/** A module's sandbox state (degraded: its calls fail fast until the operator resets it) and this tenant's calls and faults. */
function moduleHealth(plugins: PluginHost) {
  return (pluginId: string, tenantId: string) => {
    const stats = plugins.stats(pluginId);
    const mine = stats.tenants.find((s) => s.tenantId === tenantId);
    return { state: stats.state, calls: mine?.calls ?? 0, faults: mine?.faults ?? 0 };
  };
}

export function registerTenantAdminRoutes(routes: HttpRoutes, deps: TenantAdminDependencies): void {
  const { db, users, roles, apiKeys } = deps;
  const healthFor = moduleHealth(deps.plugins);

  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/permissions',
      summary: 'Every permission a role can hold: the kernel’s and those of the installed modules',
      tags: ['roles'],
      access: { permission: 'kernel.roles.manage' },
      responses: { 200: { description: 'The permissions.' } },
      handler: ({ c }) => c.json({ items: roles.permissions() }),
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/roles',
      summary: 'The tenant’s roles of every portal',
      tags: ['roles'],
      access: { permission: 'kernel.users.read' },
      responses: { 200: { description: 'The roles.' } },
      handler: async ({ c, tenantId }) => c.json({ items: await roles.list(tenantId as string) }),
    }),
  );

  routes.add(
    defineRoute<{ portal: TenantPortal; name: string; description?: string; permissions: string[] }>({
      method: 'post',
      path: '/api/v1/roles',
      summary: 'Create a role',
      tags: ['roles'],
      access: { permission: 'kernel.roles.manage' },
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['portal', 'name', 'permissions'],
          properties: {
            portal: { type: 'string', enum: [...TENANT_PORTALS], description: 'The portal whose users it is for.' },
            name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$', description: 'Lowercase name (billing-clerk).' },
            description: { type: 'string', maxLength: 500, description: 'What the role is for.' },
            permissions: permissionList,
          },
        },
      },
      responses: { 201: { description: 'The role.' } },
      handler: async ({ c, body, tenantId, principal }) => {
        const role = await db.transaction(async (tx) => {
          const created = await roles.create(tx, tenantId as string, body);
          await appendAudit(tx, {
            tenantId: tenantId as string,
            ...actorOf(principal as Principal),
            action: 'role.create',
            target: `role:${created.id}`,
            after: created,
            requestId: c.get('requestId'),
          });
          return created;
        });
        return c.json(role, 201);
      },
    }),
  );

  routes.add(
    defineRoute<{ permissions: string[] }, Record<string, never>, { roleId: string }>({
      method: 'put',
      path: '/api/v1/roles/:roleId/permissions',
      summary: 'Replace what a role may do',
      tags: ['roles'],
      access: { permission: 'kernel.roles.manage' },
      request: {
        params: { type: 'object', properties: { roleId: uuid('The role.') } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['permissions'],
          properties: { permissions: permissionList },
        },
      },
      responses: { 200: { description: 'The role.' } },
      handler: async ({ c, body, params, tenantId, principal }) => {
        const after = await db.transaction(async (tx) => {
          const change = await roles.setPermissions(tx, tenantId as string, params.roleId, body.permissions);
          await appendAudit(tx, {
            tenantId: tenantId as string,
            ...actorOf(principal as Principal),
            action: 'role.permissions',
            target: `role:${params.roleId}`,
            before: change.before,
            after: change.after,
            requestId: c.get('requestId'),
          });
          return change.after;
        });
        return c.json(after);
      },
    }),
  );

  routes.add(
    defineRoute<unknown, { portal?: TenantPortal }>({
      method: 'get',
      path: '/api/v1/users',
      summary: 'The tenant’s users (of one portal, when asked)',
      tags: ['users'],
      access: { permission: 'kernel.users.read' },
      request: {
        query: {
          type: 'object',
          properties: { portal: { type: 'string', enum: [...TENANT_PORTALS], description: 'Only this portal.' } },
        },
      },
      responses: { 200: { description: 'The users; never a password or secret.' } },
      handler: async ({ c, query, tenantId }) => c.json({ items: await users.list(tenantId as string, query.portal) }),
    }),
  );

  routes.add(
    defineRoute<{ email: string; displayName?: string; portal: TenantPortal; roleIds?: string[]; subjectId?: string }>({
      method: 'post',
      path: '/api/v1/users',
      summary: 'Invite someone to a portal of the tenant (they get an email with a link)',
      tags: ['users'],
      access: { permission: 'kernel.users.manage' },
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'portal'],
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 254, description: 'Where the invitation goes.' },
            displayName: { type: 'string', maxLength: 200, description: 'The name shown for them.' },
            portal: { type: 'string', enum: [...TENANT_PORTALS], description: 'The portal they will sign in to.' },
            roleIds: {
              type: 'array',
              maxItems: 50,
              items: uuid('A role of that portal.'),
              description: 'Their roles.',
            },
            subjectId: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description: 'For a customer, reseller or technician: the record this login acts as.',
            },
          },
        },
      },
      responses: { 201: { description: 'Invited.' } },
      handler: async ({ c, body, tenantId, principal }) => {
        const invited = await db.transaction((tx) =>
          users.invite(tx, { ...body, tenantId: tenantId as string }, actor(principal, c.get('requestId'))),
        );
        return c.json(invited, 201);
      },
    }),
  );

  routes.add(
    defineRoute<{ roleIds: string[] }, Record<string, never>, { userId: string }>({
      method: 'put',
      path: '/api/v1/users/:userId/roles',
      summary: 'Replace a user’s roles',
      tags: ['users'],
      access: { permission: 'kernel.users.manage' },
      request: {
        params: { type: 'object', properties: { userId: uuid('The user.') } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['roleIds'],
          properties: { roleIds: { type: 'array', maxItems: 50, items: uuid('A role.'), description: 'Their roles.' } },
        },
      },
      responses: { 200: { description: 'The user.' } },
      handler: async ({ c, body, params, tenantId, principal }) => {
        const tenant = tenantId as string;
        const before = await users.get(tenant, params.userId);
        await db.transaction(async (tx) => {
          await roles.assign(tx, tenant, params.userId, body.roleIds);
          await appendAudit(tx, {
            tenantId: tenant,
            ...actorOf(principal as Principal),
            action: 'user.roles',
            target: `user:${params.userId}`,
            before: { roleIds: before.roleIds },
            after: { roleIds: body.roleIds },
            requestId: c.get('requestId'),
          });
        });
        return c.json(await users.get(tenant, params.userId));
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { userId: string }>({
      method: 'post',
      path: '/api/v1/users/:userId/disable',
      summary: 'Disable a user: their sessions end at once',
      tags: ['users'],
      access: { permission: 'kernel.users.manage' },
      request: { params: { type: 'object', properties: { userId: uuid('The user.') } } },
      responses: { 204: { description: 'Disabled.' } },
      handler: async ({ c, params, tenantId, principal }) => {
        await users.disable(tenantId as string, params.userId, actor(principal, c.get('requestId')));
        await deps.refreshTokens.revokeUser(params.userId);
        return c.body(null, 204);
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/api-keys',
      summary: 'The tenant’s API keys (never their secrets)',
      tags: ['api-keys'],
      access: { permission: 'kernel.api-keys.manage' },
      responses: { 200: { description: 'The keys.' } },
      handler: async ({ c, tenantId }) => c.json({ items: await apiKeys.list(tenantId as string) }),
    }),
  );

  routes.add(
    defineRoute<{ name: string; permissions: string[] }>({
      method: 'post',
      path: '/api/v1/api-keys',
      summary: 'Create an API key for an integration (its secret is shown this once)',
      tags: ['api-keys'],
      access: { permission: 'kernel.api-keys.manage' },
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'permissions'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200, description: 'What the key is for.' },
            permissions: permissionList,
          },
        },
      },
      responses: { 201: { description: 'The key, with its secret.' } },
      handler: async ({ c, body, tenantId, principal }) => {
        const p = principal as Principal;
        // A key can do no more than whoever makes it: no way up through an integration.
        if (p.kind !== 'operator') {
          const beyond = body.permissions.filter((perm) => !isAllowed(p.permissions, perm));
          if (beyond.length) throw new ForbiddenError(`a key cannot hold permissions you lack: ${beyond.join(', ')}`);
        }
        const known = new Set(roles.permissions().map((x) => x.name));
        const unknown = body.permissions.filter((perm) => !known.has(perm));
        if (unknown.length) throw new NotFoundError(`no installed module defines ${unknown.join(', ')}`);
        const created = await apiKeys.create(tenantId as string, body, p.kind === 'user' ? p.userId : null);
        await appendAudit(db, {
          tenantId: tenantId as string,
          ...actorOf(p),
          action: 'api-key.create',
          target: `api-key:${created.id}`,
          after: { name: body.name, permissions: body.permissions, prefix: created.prefix },
          requestId: c.get('requestId'),
        });
        return c.json(created, 201);
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { keyId: string }>({
      method: 'delete',
      path: '/api/v1/api-keys/:keyId',
      summary: 'Revoke an API key (refused at once)',
      tags: ['api-keys'],
      access: { permission: 'kernel.api-keys.manage' },
      request: { params: { type: 'object', properties: { keyId: uuid('The key.') } } },
      responses: { 204: { description: 'Revoked.' } },
      handler: async ({ c, params, tenantId, principal }) => {
        await apiKeys.revoke(tenantId as string, params.keyId);
        await appendAudit(db, {
          tenantId: tenantId as string,
          ...actorOf(principal as Principal),
          action: 'api-key.revoke',
          target: `api-key:${params.keyId}`,
          requestId: c.get('requestId'),
        });
        return c.body(null, 204);
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/modules',
      summary: 'The installed modules: which the tenant’s plan allows and which are on',
      tags: ['modules'],
      access: { permission: 'kernel.plugins.manage' },
      responses: { 200: { description: 'The modules, each with its health as this tenant sees it.' } },
      handler: async ({ c, tenantId }) => {
        const tenant = tenantId as string;
        const items = await deps.plugins.enablement.list(tenant);
        const allowed = await Promise.all(items.map((m) => deps.plans.allows(tenant, m.pluginId)));
        return c.json({
          items: items.map((m, i) => ({ ...m, allowedByPlan: allowed[i], health: healthFor(m.pluginId, tenant) })),
        });
      },
    }),
  );

  routes.add(
    defineRoute<{ enabled: boolean }, Record<string, never>, { pluginId: string }>({
      method: 'put',
      path: '/api/v1/modules/:pluginId',
      summary: 'Switch a module on or off for the tenant (within what its plan allows)',
      tags: ['modules'],
      access: { permission: 'kernel.plugins.manage' },
      request: {
        params: {
          type: 'object',
          properties: { pluginId: { type: 'string', minLength: 1, description: 'Module id.' } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled'],
          properties: { enabled: { type: 'boolean', description: 'On or off.' } },
        },
      },
      responses: { 200: { description: 'The module’s state.' } },
      handler: async ({ c, body, params, tenantId, principal }) => {
        const tenant = tenantId as string;
        const who = { ...actor(principal, c.get('requestId')) };
        if (body.enabled) {
          if (!(await deps.plans.allows(tenant, params.pluginId))) {
            throw new ForbiddenError(`your plan does not include ${params.pluginId}; ask your provider to add it`);
          }
          await deps.plugins.enablement.enable(tenant, params.pluginId, who);
        } else {
          await deps.plugins.enablement.disable(tenant, params.pluginId, who);
        }
        return c.json({ pluginId: params.pluginId, enabled: body.enabled });
      },
    }),
  );
}

// The operator's admin API for plugins: which are installed and healthy, and which each tenant
// has on (with its configuration).
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import type { PluginHost } from './host.ts';

const tenantParam = { type: 'string', format: 'uuid', description: 'Tenant id.' } as const;
const pluginParam = { type: 'string', minLength: 1, description: 'Plugin id, e.g. dotmac.billing.' } as const;
const actorOf = (requestId: string | undefined) => ({ type: 'operator', requestId });

export function registerPluginAdminRoutes(routes: HttpRoutes, host: PluginHost): void {
  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/plugins',
      summary: 'Installed plugins and the health of their sandboxes',
      tags: ['admin'],
      access: 'admin',
      responses: { 200: { description: 'The plugins, with state ready, degraded or closed.' } },
      handler: ({ c }) =>
        c.json({
          items: host.list().map((p) => ({ name: p.manifest.name ?? p.manifest.id, ...p.sandbox.stats() })),
        }),
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { pluginId: string }>({
      method: 'post',
      path: '/api/v1/admin/plugins/:pluginId/reset',
      summary: 'Close a degraded plugin’s circuit breaker so it is called again',
      tags: ['admin'],
      access: 'admin',
      request: { params: { type: 'object', properties: { pluginId: pluginParam } } },
      responses: { 200: { description: 'Reset.' } },
      handler: ({ c, params }) => {
        host.reset(params.pluginId);
        return c.json({ pluginId: params.pluginId, state: host.stats(params.pluginId).state });
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { tenantId: string }>({
      method: 'get',
      path: '/api/v1/admin/tenants/:tenantId/plugins',
      summary: 'Installed plugins and whether the tenant has each on',
      tags: ['admin'],
      access: 'admin',
      request: { params: { type: 'object', properties: { tenantId: tenantParam } } },
      responses: { 200: { description: 'The plugins.' } },
      handler: async ({ c, params }) => c.json({ items: await host.enablement.list(params.tenantId) }),
    }),
  );

  routes.add(
    defineRoute<{ enabled: boolean }, Record<string, never>, { tenantId: string; pluginId: string }>({
      method: 'put',
      path: '/api/v1/admin/tenants/:tenantId/plugins/:pluginId',
      summary: 'Switch a plugin on or off for a tenant (takes effect on the next request)',
      tags: ['admin'],
      access: 'admin',
      request: {
        params: { type: 'object', properties: { tenantId: tenantParam, pluginId: pluginParam } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled'],
          properties: { enabled: { type: 'boolean', description: 'On or off.' } },
        },
      },
      responses: { 200: { description: 'Done.' } },
      handler: async ({ c, params, body }) => {
        const actor = actorOf(c.get('requestId') as string | undefined);
        if (body.enabled) await host.enablement.enable(params.tenantId, params.pluginId, actor);
        else await host.enablement.disable(params.tenantId, params.pluginId, actor);
        return c.json({ pluginId: params.pluginId, enabled: body.enabled });
      },
    }),
  );

  routes.add(
    defineRoute<Record<string, unknown>, Record<string, never>, { tenantId: string; pluginId: string }>({
      method: 'put',
      path: '/api/v1/admin/tenants/:tenantId/plugins/:pluginId/config',
      summary: 'Replace a tenant’s configuration of a plugin (validated against the plugin’s schema)',
      tags: ['admin'],
      access: 'admin',
      request: {
        params: { type: 'object', properties: { tenantId: tenantParam, pluginId: pluginParam } },
        body: { type: 'object', description: 'The configuration.' },
      },
      responses: { 200: { description: 'Saved.' } },
      handler: async ({ c, params, body }) => {
        const actor = actorOf(c.get('requestId') as string | undefined);
        await host.enablement.setConfig(params.tenantId, params.pluginId, body, actor);
        return c.json(await host.enablement.config(params.tenantId, params.pluginId));
      },
    }),
  );
}

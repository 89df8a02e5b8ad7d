// The operator's admin API for plugin secrets: which a tenant has set, and setting or removing
// one. Values go in and never come out.
import manifestSchema from '@dotmac/schemas/plugin-manifest.schema.json' with { type: 'json' };
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import { type PluginSecrets, secretValueSchema } from './secrets.ts';

const tenantParam = { type: 'string', format: 'uuid', description: 'Tenant id.' } as const;
const pluginParam = { type: 'string', minLength: 1, description: 'Plugin id, e.g. dotmac.billing.' } as const;
const nameParam = {
  type: 'string',
  pattern: manifestSchema.$defs.secret.properties.name.pattern,
  maxLength: manifestSchema.$defs.secret.properties.name.maxLength,
  description: 'Secret name as the plugin declares it, e.g. STRIPE_API_KEY.',
} as const;
const secretParams = {
  type: 'object',
  properties: { tenantId: tenantParam, pluginId: pluginParam, name: nameParam },
} as const;
const actorOf = (requestId: string | undefined) => ({ type: 'operator', requestId });

type SecretParams = { tenantId: string; pluginId: string; name: string };

export function registerPluginSecretRoutes(routes: HttpRoutes, secrets: PluginSecrets): void {
  routes.add(
    defineRoute<unknown, Record<string, never>, { tenantId: string; pluginId: string }>({
      method: 'get',
      path: '/api/v1/admin/tenants/:tenantId/plugins/:pluginId/secrets',
      summary: 'The secrets a plugin declares and whether the tenant has set each (never their values)',
      tags: ['admin'],
      access: 'admin',
      request: { params: { type: 'object', properties: { tenantId: tenantParam, pluginId: pluginParam } } },
      responses: { 200: { description: 'The declared secrets: name, description, set, updatedAt.' } },
      handler: async ({ c, params }) => c.json({ items: await secrets.list(params.tenantId, params.pluginId) }),
    }),
  );

  routes.add(
    defineRoute<{ value: string }, Record<string, never>, SecretParams>({
      method: 'put',
      path: '/api/v1/admin/tenants/:tenantId/plugins/:pluginId/secrets/:name',
      summary: 'Set a tenant’s value of a plugin secret (stored encrypted, readable only by that plugin)',
      tags: ['admin'],
      access: 'admin',
      request: {
        params: secretParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['value'],
          properties: { value: secretValueSchema },
        },
      },
      responses: { 204: { description: 'Set.' } },
      handler: async ({ c, params, body }) => {
        const actor = actorOf(c.get('requestId') as string | undefined);
        await secrets.set(params.tenantId, params.pluginId, params.name, body.value, actor);
        return c.body(null, 204);
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, SecretParams>({
      method: 'delete',
      path: '/api/v1/admin/tenants/:tenantId/plugins/:pluginId/secrets/:name',
      summary: 'Remove a tenant’s value of a plugin secret',
      tags: ['admin'],
      access: 'admin',
      request: { params: secretParams },
      responses: { 204: { description: 'Removed (or was not set).' } },
      handler: async ({ c, params }) => {
        const actor = actorOf(c.get('requestId') as string | undefined);
        await secrets.delete(params.tenantId, params.pluginId, params.name, actor);
        return c.body(null, 204);
      },
    }),
  );
}

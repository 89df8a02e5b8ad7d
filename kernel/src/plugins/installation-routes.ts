// The operator's API for plugin packages: browse the registries, preview what an install would
// do and ask, install (from a registry or a file), upgrade, uninstall, list.
import { readRawBody } from '../http/app.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import type { Actor } from './enablement.ts';
import type { InstallRequest, PluginInstaller } from './installer.ts';
import { DEFAULT_PACKAGE_LIMITS } from './package.ts';

const pluginParam = {
  type: 'object',
  properties: { pluginId: { type: 'string', minLength: 1, maxLength: 56, description: 'Plugin id.' } },
} as const;
const version = { type: 'string', minLength: 5, maxLength: 64, description: 'An exact version, e.g. 1.2.0.' } as const;
const registry = {
  type: 'string',
  minLength: 8,
  maxLength: 2000,
  description: 'A configured registry’s URL.',
} as const;
const approved = {
  type: 'array',
  maxItems: 500,
  items: { type: 'string', minLength: 1, maxLength: 500 },
  description: 'The capabilities the operator approves, exactly as the preview lists them.',
} as const;
const actorOf = (requestId: string | undefined): Actor => ({ type: 'operator', requestId });

export function registerInstallationRoutes(routes: HttpRoutes, installer: PluginInstaller): void {
  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/registries',
      summary: 'The plugin registries this installation installs from, with the publisher keys it trusts',
      tags: ['admin'],
      access: 'admin',
      responses: { 200: { description: 'The registries.' } },
      handler: ({ c }) => c.json({ items: installer.registries() }),
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, string>>({
      method: 'get',
      path: '/api/v1/admin/marketplace/plugins',
      summary: 'Search the configured registries (each answer marked compatible with this kernel or not)',
      tags: ['admin'],
      access: 'admin',
      request: {
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200, description: 'Words in the id, name or description.' },
            capability: { type: 'string', maxLength: 200, description: 'Only plugins asking for this capability.' },
            portal: { type: 'string', maxLength: 40, description: 'Only plugins with screens in this portal.' },
          },
        },
      },
      responses: { 200: { description: 'Matches by registry.' } },
      handler: async ({ c, query }) => c.json({ items: await installer.browse(query) }),
    }),
  );

  const installBody = {
    type: 'object',
    additionalProperties: false,
    required: ['pluginId'],
    properties: {
      pluginId: { type: 'string', minLength: 1, maxLength: 56, description: 'Plugin id.' },
      version,
      registry,
      installDependencies: { type: 'boolean', description: 'Install missing dependencies at compatible versions.' },
    },
  } as const;

  routes.add(
    defineRoute<Omit<InstallRequest, 'approvedCapabilities'>>({
      method: 'post',
      path: '/api/v1/admin/installations/preview',
      summary:
        'What installing a plugin would install, who signed it and what it asks to be allowed (installs nothing)',
      tags: ['admin'],
      access: 'admin',
      request: { body: installBody },
      responses: { 200: { description: 'The plan to approve.' } },
      handler: async ({ c, body }) => c.json(await installer.preview(body)),
    }),
  );

  routes.add(
    defineRoute<InstallRequest>({
      method: 'post',
      path: '/api/v1/admin/installations',
      summary: 'Install a plugin from a registry, verified, with the capabilities the operator approves',
      tags: ['admin'],
      access: 'admin',
      request: {
        body: {
          ...installBody,
          required: ['pluginId', 'approvedCapabilities'],
          properties: { ...installBody.properties, approvedCapabilities: approved },
        },
      },
      responses: { 201: { description: 'Installed; tenants may now switch it on.' } },
      handler: async ({ c, body }) =>
        c.json(await installer.install(body, actorOf(c.get('requestId') as string | undefined)), 201),
    }),
  );

  routes.add(
    defineRoute<unknown, { approve?: string; installDependencies?: boolean }>({
      method: 'post',
      path: '/api/v1/admin/installations/file',
      summary: 'Install a signed package file (air-gapped installations): the same checks as from a registry',
      tags: ['admin'],
      access: 'admin',
      request: {
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            approve: {
              type: 'string',
              maxLength: 20000,
              description:
                'The approved capabilities, each on its own line (newline-separated), as the preview lists them.',
            },
            installDependencies: { type: 'boolean', description: 'Install missing dependencies from the registries.' },
          },
        },
      },
      responses: { 201: { description: 'Installed.' } },
      handler: async ({ c, query }) => {
        const bytes = await readRawBody(c, DEFAULT_PACKAGE_LIMITS.maxBytes);
        const approvedCapabilities = (query.approve ?? '')
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean);
        const result = await installer.installFile(
          bytes,
          { approvedCapabilities, installDependencies: query.installDependencies ?? false },
          actorOf(c.get('requestId') as string | undefined),
        );
        return c.json(result, 201);
      },
    }),
  );

  routes.add(
    defineRoute<Omit<InstallRequest, 'pluginId' | 'installDependencies'>, Record<string, never>, { pluginId: string }>({
      method: 'post',
      path: '/api/v1/admin/installations/:pluginId/upgrade',
      summary: 'Upgrade an installed plugin; rolled back to the old version if a migration or the activation fails',
      tags: ['admin'],
      access: 'admin',
      request: {
        params: pluginParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['approvedCapabilities'],
          properties: { version, registry, approvedCapabilities: approved },
        },
      },
      responses: { 200: { description: 'Upgraded.' } },
      handler: async ({ c, params, body }) =>
        c.json(await installer.upgrade(params.pluginId, body, actorOf(c.get('requestId') as string | undefined))),
    }),
  );

  routes.add(
    defineRoute<unknown, { schema?: 'keep' | 'drop' }, { pluginId: string }>({
      method: 'delete',
      path: '/api/v1/admin/installations/:pluginId',
      summary: 'Uninstall a plugin: switched off for every tenant, then removed; its schema kept or dropped',
      tags: ['admin'],
      access: 'admin',
      request: {
        params: pluginParam,
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            schema: {
              type: 'string',
              enum: ['keep', 'drop'],
              description: 'Keep or drop the plugin’s schema (required when it has one).',
            },
          },
        },
      },
      responses: { 204: { description: 'Uninstalled.' } },
      handler: async ({ c, params, query }) => {
        await installer.uninstall(params.pluginId, query.schema, actorOf(c.get('requestId') as string | undefined));
        return c.body(null, 204);
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/installations',
      summary: 'Plugins installed from packages, with who signed them and their registry’s warnings',
      tags: ['admin'],
      access: 'admin',
      responses: { 200: { description: 'The installed packages.' } },
      handler: async ({ c }) => c.json({ items: await installer.list() }),
    }),
  );
}

// The catalog: search, plugin pages, versions and their packages (counted), and the two
// changes a publisher may make to a published version: deprecate it, or yank it.

import { defineRoute, type HttpRoutes, NotFoundError, ValidationError } from '@dotmac/kernel';
import manifestSchema from '@dotmac/schemas/plugin-manifest.schema.json' with { type: 'json' };
import semver from 'semver';
import { bySemverDescending, type CatalogFilter, offeredVersion, searchCatalog } from './catalog.ts';
import { pluginIdParam, pluginRef, signingPublisher, versionParam } from './requests.ts';
import type { RegistryStore, StoredVersion } from './store.ts';

const PORTALS = manifestSchema.$defs.uiContribution.properties.portal.enum;

type VersionParams = { id: string; version: string };

const versionParams = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: pluginIdParam, version: versionParam },
} as const;

const capabilities = {
  type: 'array',
  items: { type: 'string' },
  description: 'What installing it grants, as the operator approves it (db, egress: api.example.com, ui: admin).',
} as const;

const versionSchema = {
  type: 'object',
  required: ['version', 'publishedAt', 'kernel', 'capabilities', 'sha256', 'keyId', 'downloads'],
  properties: {
    version: { type: 'string' },
    publishedAt: { type: 'string', format: 'date-time' },
    kernel: { type: 'string', description: 'engines.kernel: the kernel versions it runs on.' },
    dependencies: { type: 'object', description: 'Plugin ids and the version ranges it needs.' },
    capabilities,
    portals: { type: 'array', items: { type: 'string' }, description: 'Portals its UI contributes to.' },
    changelog: { type: ['string', 'null'], description: 'CHANGELOG.md of the package.' },
    sha256: { type: 'string', description: 'SHA-256 (hex) of the package.' },
    keyId: { type: 'string', description: 'The publisher key that signed it.' },
    size: { type: 'integer', description: 'Package size in bytes.' },
    downloads: { type: 'integer' },
    deprecated: { type: ['string', 'null'], description: 'Why it should no longer be used, if deprecated.' },
    yanked: { type: ['string', 'null'], description: 'Why it is withdrawn from new installs, if yanked.' },
  },
} as const;

const itemSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    publisher: { type: 'string' },
    latest: { type: 'string', description: 'The version offered for new installs.' },
    versions: { type: 'integer', description: 'Versions published.' },
    capabilities,
    portals: { type: 'array', items: { type: 'string' } },
    kernel: { type: 'string' },
    downloads: { type: 'integer' },
  },
} as const;

export function registerPluginRoutes(routes: HttpRoutes, store: RegistryStore): void {
  routes.add(
    defineRoute<unknown, CatalogFilter>({
      method: 'get',
      path: '/api/v1/plugins',
      summary: 'Search plugins; each is described by the version offered for new installs',
      tags: ['plugins'],
      access: 'public',
      request: {
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200, description: 'Text in the id, name or description (any case).' },
            capability: {
              type: 'string',
              maxLength: 200,
              description: 'Prefix of a capability it asks for (egress, events.publish, ui: admin).',
            },
            portal: { type: 'string', enum: PORTALS, description: 'A portal its UI contributes to.' },
            kernel: {
              type: 'string',
              description: 'Kernel version: offer the highest version that runs on it, and only plugins that have one.',
            },
          },
        },
      },
      responses: {
        200: {
          description: 'The plugins, by id.',
          schema: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } },
        },
      },
      handler: async ({ c, query }) => {
        if (query.kernel !== undefined && !semver.valid(query.kernel)) {
          throw new ValidationError('invalid query: /query/kernel must be a semver version like 0.1.0', [
            { pointer: '/query/kernel', detail: 'must be a semver version like 0.1.0' },
          ]);
        }
        return c.json({ items: searchCatalog(await store.versionFacts(), query) });
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { id: string }>({
      method: 'get',
      path: '/api/v1/plugins/:id',
      summary: 'A plugin’s page: its publisher, readme and every version, newest first',
      tags: ['plugins'],
      access: 'public',
      request: { params: { type: 'object', required: ['id'], properties: { id: pluginIdParam } } },
      responses: {
        200: {
          description: 'The plugin.',
          schema: {
            type: 'object',
            properties: {
              ...itemSchema.properties,
              latest: { type: ['string', 'null'], description: 'The version offered for new installs, if any.' },
              readme: { type: ['string', 'null'], description: 'README.md of the latest version.' },
              versions: { type: 'array', items: versionSchema },
            },
          },
        },
      },
      handler: async ({ c, params }) => {
        const { id } = pluginRef(params);
        const plugin = await store.plugin(id);
        const versions = [...(plugin?.versions ?? [])].sort(bySemverDescending);
        const offered = offeredVersion(versions);
        // Described by the version offered, or by the newest when every version is yanked.
        const shown = offered ?? versions[0];
        if (!plugin || !shown) throw new NotFoundError(`no plugin ${id} is published here`);
        const { readme } = await store.version(id, shown.version);
        return c.json({
          id,
          name: shown.name,
          description: shown.description,
          publisher: plugin.owner,
          latest: offered?.version ?? null,
          readme,
          downloads: versions.reduce((sum, v) => sum + v.downloads, 0),
          versions: versions.map(versionView),
        });
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, VersionParams>({
      method: 'get',
      path: '/api/v1/plugins/:id/versions/:version',
      summary: 'One version, with its manifest',
      tags: ['plugins'],
      access: 'public',
      request: { params: versionParams },
      responses: {
        200: {
          description: 'The version.',
          schema: {
            type: 'object',
            properties: {
              pluginId: { type: 'string' },
              publisher: { type: 'string' },
              ...versionSchema.properties,
              manifest: { type: 'object', description: 'Its plugin.json.' },
            },
          },
        },
      },
      handler: async ({ c, params }) => {
        const { id, version } = pluginRef(params);
        const [stored, owner] = await Promise.all([store.version(id, version), store.ownerOf(id)]);
        return c.json({
          pluginId: id,
          name: stored.name,
          description: stored.description,
          publisher: owner,
          ...versionView(stored),
          manifest: stored.manifest,
        });
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, VersionParams>({
      method: 'get',
      path: '/api/v1/plugins/:id/versions/:version/package',
      summary: 'Download a version’s package (counted); yanked versions stay downloadable for existing installs',
      tags: ['plugins'],
      access: 'public',
      request: { params: versionParams },
      responses: { 200: { description: 'The signed .tgz.', contentType: 'application/gzip' } },
      handler: async ({ c, params }) => {
        const { id, version } = pluginRef(params);
        const pkg = await store.download(id, version);
        return c.body(new Uint8Array(pkg.tgz.buffer as ArrayBuffer, pkg.tgz.byteOffset, pkg.tgz.byteLength), 200, {
          'content-type': 'application/gzip',
          'content-disposition': `attachment; filename="${id}-${version}.tgz"`,
          'repr-digest': `sha-256=:${Buffer.from(pkg.sha256, 'hex').toString('base64')}:`,
        });
      },
    }),
  );

  // Deprecate and yank: the owner marks a version with a text, in a request signed by its key.
  const marks = [
    {
      action: 'deprecate',
      field: 'message',
      summary: 'Deprecate a version (a request signed by a key of the owning publisher)',
      description: 'What users should do instead (shown wherever the version is).',
      done: 'Deprecated.',
      mark: (id: string, version: string, text: string) => store.deprecate(id, version, text),
    },
    {
      action: 'yank',
      field: 'reason',
      summary: 'Yank a version: no longer offered for new installs (a request signed by the owning publisher)',
      description: 'Why (a security hole, data loss): operators with it installed are warned with it.',
      done: 'Yanked.',
      mark: (id: string, version: string, text: string) => store.yank(id, version, text),
    },
  ] as const;
  for (const m of marks) {
    routes.add(
      defineRoute<Record<string, string>, Record<string, never>, VersionParams>({
        method: 'post',
        path: `/api/v1/plugins/:id/versions/:version/${m.action}`,
        summary: m.summary,
        tags: ['plugins'],
        access: 'public',
        request: {
          params: versionParams,
          body: {
            type: 'object',
            additionalProperties: false,
            required: [m.field],
            properties: { [m.field]: { type: 'string', minLength: 1, maxLength: 1000, description: m.description } },
          },
        },
        responses: { 200: { description: m.done, schema: versionSchema } },
        handler: async ({ c, params, body }) => {
          const { id, version } = pluginRef(params);
          await signedByOwner(c, store, id, version);
          return c.json(versionView(await m.mark(id, version, body[m.field] as string)));
        },
      }),
    );
  }
}

/** Refuses unless the request is signed by a key of the publisher owning the plugin. */
async function signedByOwner(
  c: Parameters<typeof signingPublisher>[0],
  store: RegistryStore,
  id: string,
  version: string,
): Promise<void> {
  const owner = await store.ownerOf(id);
  if (!owner) throw new NotFoundError(`${id}@${version} is not published here`);
  await signingPublisher(c, store, owner);
}

function versionView(v: StoredVersion) {
  return {
    version: v.version,
    publishedAt: v.publishedAt,
    kernel: v.kernel,
    dependencies: v.dependencies,
    capabilities: v.capabilities,
    portals: v.portals,
    changelog: v.changelog,
    sha256: v.sha256,
    keyId: v.keyId,
    size: v.size,
    downloads: v.downloads,
    deprecated: v.deprecated,
    yanked: v.yanked,
  };
}

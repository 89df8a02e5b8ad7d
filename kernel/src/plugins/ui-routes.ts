// What the shell needs to assemble a portal: the UI manifest (each remote and contribution of
// the plugins a tenant has on) and the remotes' files, served from each plugin's dist/ui.
import { join } from 'node:path';
import { REMOTE_ENTRY, remoteName, UI_DIR, uiAssetsPath } from '@dotmac/schemas/contract/ui';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import { isFile, serveFile } from '../http/static-files.ts';
import { type PluginHost, tenantOf } from './host.ts';

const PORTALS = ['admin', 'customer', 'reseller', 'technician', 'platform'] as const;

export function registerPluginUiRoutes(routes: HttpRoutes, host: PluginHost): void {
  routes.add(
    defineRoute<unknown, { portal: (typeof PORTALS)[number] }>({
      method: 'get',
      path: '/api/v1/ui/manifest',
      summary: "A portal's UI for the calling tenant: the remotes to load and where each contribution goes",
      tags: ['ui'],
      access: 'authenticated',
      request: {
        query: {
          type: 'object',
          required: ['portal'],
          properties: { portal: { type: 'string', enum: [...PORTALS], description: 'Which portal.' } },
        },
      },
      responses: { 200: { description: 'Remotes and contributions of the plugins the tenant has on.' } },
      handler: async ({ c, query, tenantId, principal }) => {
        // A user sees the screens of the portal they signed in to, and no other portal's.
        if (principal?.kind === 'user' && principal.portal !== query.portal) {
          throw new ForbiddenError(
            `you are signed in to the ${principal.portal} portal, not the ${query.portal} portal`,
          );
        }
        // The platform portal is the operator's, above every tenant: each installed plugin's screens.
        const enabled = query.portal === 'platform' ? undefined : await host.enablement.enabledFor(tenantOf(tenantId));
        const remotes = [];
        const contributions = [];
        for (const { manifest, dir } of host.list()) {
          if (enabled ? !enabled.has(manifest.id) : principal?.kind !== 'operator') continue;
          // A contribution needing a permission is shown to those who hold it (the operator sees all).
          const mine = (manifest.ui ?? []).filter(
            (u) =>
              u.portal === query.portal &&
              (!u.permission || principal?.kind === 'operator' || principal?.permissions.has(u.permission) === true),
          );
          if (!mine.length || !(await isFile(join(dir, UI_DIR, REMOTE_ENTRY)))) continue;
          remotes.push({
            pluginId: manifest.id,
            version: manifest.version,
            name: remoteName(manifest.id),
            entry: `${uiAssetsPath(manifest.id, manifest.version)}/${REMOTE_ENTRY}`,
          });
          for (const u of mine) {
            contributions.push({
              pluginId: manifest.id,
              remote: remoteName(manifest.id),
              slot: u.slot,
              path: u.path,
              ...(u.module ? { module: u.module } : {}),
              ...(u.title ? { title: u.title } : {}),
              ...(u.order !== undefined ? { order: u.order } : {}),
              ...(u.permission ? { permission: u.permission } : {}),
            });
          }
        }
        return c.json({ portal: query.portal, remotes, contributions });
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { pluginId: string; version: string; file: string }>({
      method: 'get',
      path: '/plugins/:pluginId/:version/ui/:file{.+}',
      summary: "A file of a plugin version's UI remote (immutable: the version is in the path)",
      tags: ['ui'],
      access: 'public',
      responses: { 200: { description: 'The file.' } },
      handler: async ({ c, params }) => {
        const plugin = host.list().find((p) => p.manifest.id === params.pluginId);
        if (!plugin || plugin.manifest.version !== params.version) throw new NotFoundError(`no UI file ${c.req.path}`);
        return serveFile(c, join(plugin.dir, UI_DIR), params.file, {
          'cache-control': 'public, max-age=31536000, immutable',
        });
      },
    }),
  );
}

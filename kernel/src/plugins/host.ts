// Loads the installed plugins into the kernel: resolves them, migrates their schemas, starts a
// sandbox per plugin, mounts their routes at /api/v1/p/<id>/… and subscribes their event
// handlers — each gated per tenant by enablement, checked on every request and event.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'hono';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { defineRoute, type HttpMethod, type HttpRoutes } from '../http/routes.ts';
import type { Logger } from '../log.ts';
import type { JsonSchema } from '../validation.ts';
import { createHostRouter, registerPublishedEvents } from './capabilities.ts';
import { migratePlugin } from './db/index.ts';
import { PluginEnablement } from './enablement.ts';
import type { PluginManifest } from './manifest.ts';
import { discoverPlugins, resolvePlugins } from './resolver.ts';
import { PluginSandbox, type SandboxStats } from './sandbox/index.ts';

/** Where a plugin's built server bundle is, relative to its folder (`dotmac-plugin build` writes it). */
export const SERVER_BUNDLE = 'dist/server.js';

/**
 * Until identity lands, plugin routes are the operator's: the admin token, plus this header
 * naming the tenant the call is for.
 */
export const TENANT_HEADER = 'x-dotmac-tenant';

/** The entry names the SDK's definePlugin registers handlers under. */
export const routeEntry = (method: string, path: string) => `route:${method.toUpperCase()} ${path}`;
export const EVENT_ENTRY = 'event';

export interface PluginHostDependencies {
  readonly db: Database;
  readonly bus: EventBus;
  readonly routes: HttpRoutes;
  readonly clock: Clock;
  readonly log: Logger;
  readonly kernelVersion: string;
}

/** A plugin the host runs. */
export interface LoadedPlugin {
  readonly manifest: PluginManifest;
  readonly dir: string;
  readonly sandbox: PluginSandbox;
}

export class PluginHost {
  private constructor(
    readonly enablement: PluginEnablement,
    private readonly plugins: ReadonlyMap<string, LoadedPlugin>,
  ) {}

  /** Discovers, resolves and activates the plugins under `roots` (in dependency order). */
  static async load(roots: readonly string[], deps: PluginHostDependencies): Promise<PluginHost> {
    const discovered = await discoverPlugins(roots);
    const order = resolvePlugins(
      discovered.map((d) => d.manifest),
      deps.kernelVersion,
    );
    const dirs = new Map(discovered.map((d) => [d.manifest.id, d.dir]));
    const enablement = new PluginEnablement(deps.db, deps.bus, order);
    const plugins = new Map<string, LoadedPlugin>();
    try {
      for (const manifest of order) {
        const dir = dirs.get(manifest.id) as string;
        plugins.set(manifest.id, await activate(manifest, dir, enablement, deps));
      }
    } catch (e) {
      await Promise.all([...plugins.values()].map((p) => p.sandbox.close()));
      throw e;
    }
    if (plugins.size) deps.log.info({ plugins: [...plugins.keys()] }, 'plugins loaded');
    return new PluginHost(enablement, plugins);
  }

  list(): LoadedPlugin[] {
    return [...this.plugins.values()];
  }

  /** The sandbox's health: state (ready/degraded), breaker, per-tenant CPU and faults. */
  stats(pluginId: string): SandboxStats {
    return this.plugin(pluginId).sandbox.stats();
  }

  /** Closes a degraded plugin's breaker (an operator's decision after fixing the cause). */
  reset(pluginId: string): void {
    this.plugin(pluginId).sandbox.reset();
  }

  async close(): Promise<void> {
    await Promise.all(this.list().map((p) => p.sandbox.close()));
  }

  private plugin(pluginId: string): LoadedPlugin {
    const plugin = this.plugins.get(pluginId);
    if (!plugin) throw new NotFoundError(`plugin ${pluginId} is not installed`);
    return plugin;
  }
}

async function activate(
  manifest: PluginManifest,
  dir: string,
  enablement: PluginEnablement,
  deps: PluginHostDependencies,
): Promise<LoadedPlugin> {
  const code = await readFile(join(dir, SERVER_BUNDLE), 'utf8').catch(() => {
    throw new NotFoundError(
      `plugin ${manifest.id}@${manifest.version} has no server bundle at ${join(dir, SERVER_BUNDLE)}: run dotmac-plugin build ${dir}`,
    );
  });
  if (manifest.capabilities?.db) await migratePlugin(deps.db, manifest.id, await readMigrations(manifest, dir));
  registerPublishedEvents(deps.bus.schemas, manifest);
  const sandbox = new PluginSandbox({
    pluginId: manifest.id,
    version: manifest.version,
    code,
    memoryMb: manifest.limits?.memoryMb ?? 64,
    callTimeoutMs: manifest.limits?.callTimeoutMs ?? 5000,
    idleMs: 10 * 60_000,
    log: deps.log.child({ plugin: manifest.id }),
    host: createHostRouter(manifest, { db: deps.db, bus: deps.bus, enablement, clock: deps.clock }),
  });
  mountRoutes(manifest, sandbox, enablement, deps.routes);
  const patterns = manifest.capabilities?.events?.subscribe ?? [];
  if (patterns.length) {
    deps.bus.subscribe({
      id: `plugin:${manifest.id}`,
      patterns,
      async handle(event) {
        // Tenant-less (platform) events and tenants that have the plugin off are not delivered.
        if (!event.tenantId || !(await enablement.isEnabled(event.tenantId, manifest.id))) return;
        await sandbox.invoke(event.tenantId, EVENT_ENTRY, event);
      },
    });
  }
  return { manifest, dir, sandbox };
}

async function readMigrations(manifest: PluginManifest, dir: string): Promise<{ name: string; sql: string }[]> {
  const db = manifest.capabilities?.db;
  const folder = join(dir, typeof db === 'object' && db.migrations ? db.migrations : 'migrations');
  const files = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (f) => ({ name: f.replace(/\.sql$/, ''), sql: await readFile(join(folder, f), 'utf8') })),
  );
}

function mountRoutes(
  manifest: PluginManifest,
  sandbox: PluginSandbox,
  enablement: PluginEnablement,
  routes: HttpRoutes,
) {
  for (const route of manifest.capabilities?.http?.routes ?? []) {
    const ok = Object.keys(route.responses)
      .map(Number)
      .filter((s) => s >= 200 && s < 300)
      .sort((a, b) => a - b)[0];
    routes.add(
      defineRoute<unknown, Record<string, unknown>, Record<string, string>>({
        method: route.method.toLowerCase() as HttpMethod,
        path: `/api/v1/p/${manifest.id}${route.path === '/' ? '' : route.path}`,
        summary: route.summary,
        tags: [manifest.id],
        access: 'admin',
        request: {
          body: route.request?.body as JsonSchema | undefined,
          query: route.request?.query as JsonSchema | undefined,
          params: route.request?.params as JsonSchema | undefined,
        },
        responses: Object.fromEntries(
          Object.entries(route.responses).map(([status, r]) => [
            Number(status),
            { description: r.description, schema: r.schema as JsonSchema | undefined },
          ]),
        ),
        handler: async ({ c, body, query, params }) => {
          const tenantId = tenantOf(c);
          // A plugin the tenant has off does not exist for it: 404, as for an unknown route.
          if (!(await enablement.isEnabled(tenantId, manifest.id))) {
            throw new NotFoundError(`no route ${c.req.method} ${c.req.path}`);
          }
          const answer = await sandbox.invoke(tenantId, routeEntry(route.method, route.path), { params, query, body });
          return c.json(answer ?? null, (ok ?? 200) as 200);
        },
      }),
    );
  }
}

function tenantOf(c: Context): string {
  const tenantId = c.req.header(TENANT_HEADER);
  if (!tenantId || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)) {
    throw new ValidationError(`plugin routes need the tenant's id in the ${TENANT_HEADER} header`, [
      { pointer: `/headers/${TENANT_HEADER}`, detail: 'must be a tenant id (uuid)' },
    ]);
  }
  return tenantId;
}

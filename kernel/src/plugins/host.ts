// Loads the installed plugins into the kernel: resolves them, migrates their schemas, starts a
// sandbox per plugin, mounts their routes at /api/v1/p/<id>/…, subscribes their event
// handlers and defines their jobs — each gated per tenant by enablement, checked on every
// request, event and job.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Entry,
  type EventOutcome,
  FILE_NAME,
  type FileAnswer,
  type RouteCaller,
  type RouteKey,
} from '@dotmac/schemas/contract/entries';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { ConflictError, DotmacError, NotFoundError, ValidationError } from '../errors.ts';
import type { EventBus, EventEnvelope } from '../events/bus.ts';
import { TENANT_HEADER } from '../http/app.ts';
import { defineRoute, type HttpMethod, type HttpRoutes } from '../http/routes.ts';
import type { Principal } from '../identity/principal.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import { compileSchema, type JsonSchema, toFieldProblems } from '../validation.ts';
import { createHostRouter, registerPublishedEvents } from './capabilities.ts';
import type { DatagramPolicy } from './datagram.ts';
import { migratePlugin } from './db/index.ts';
import type { EgressPolicy } from './egress.ts';
import { PluginEnablement } from './enablement.ts';
import { type PluginEnqueueOptions, PluginJobs } from './jobs.ts';
import type { PluginManifest } from './manifest.ts';
import { PluginRouteProblem, routeProblem } from './refusal.ts';
import { type DiscoveredPlugin, dependantsOf, discoverPlugins, resolvePlugins } from './resolver.ts';
import { type CallerScope, PluginSandbox, type SandboxStats } from './sandbox/index.ts';
import { PluginSecrets } from './secrets.ts';
import { PluginServices } from './services.ts';

/** Where a plugin's built server bundle is, relative to its folder (`dotmac-plugin build` writes it). */
export const SERVER_BUNDLE = 'dist/server.js';

/** Most events handed to a plugin in one call (one bridge crossing); they share its call timeout. */
export const EVENT_BATCH_MAX = 16;

/** A plugin route answered a body its manifest's response schema refuses: the plugin's bug, a 500. */
export class PluginResponseError extends DotmacError {
  override readonly type = 'plugin-response';
  override readonly title = 'The plugin answered what it does not promise';
}

export interface PluginHostDependencies {
  readonly db: Database;
  readonly bus: EventBus;
  readonly routes: HttpRoutes;
  readonly queue: JobQueue;
  /** Key that encrypts plugin secrets (see loadSecretsKey); undefined: secrets refuse to work. */
  readonly secretsKey: Buffer | undefined;
  /** What the operator allows plugin egress beyond declared public hosts. */
  readonly egress: EgressPolicy;
  /** The networks the operator allows plugins' datagrams to (DATAGRAM_ALLOW_NETWORKS); absent: none. */
  readonly datagram?: DatagramPolicy;
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
  private readonly listeners: ((installed: readonly PluginManifest[]) => void)[] = [];
  /** Sandboxes of replaced versions, finishing their calls before they close. */
  private readonly draining = new Set<PluginSandbox>();
  /** One install, upgrade or uninstall at a time in this process. */
  private changing: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly enablement: PluginEnablement,
    /** Per-tenant secrets of the plugins (set by operators, read by the plugin that declares them). */
    readonly secrets: PluginSecrets,
    private readonly jobs: PluginJobs,
    private readonly services: PluginServices,
    private readonly deps: PluginHostDependencies,
    private readonly plugins: Map<string, LoadedPlugin>,
  ) {}

  /**
   * Discovers, resolves and activates the plugins under `roots` (in dependency order).
   * `installed`: plugins installed from packages, which take the place of a bundled plugin
   * with the same id.
   */
  static async load(
    roots: readonly string[],
    deps: PluginHostDependencies,
    installed: readonly DiscoveredPlugin[] = [],
  ): Promise<PluginHost> {
    const replaced = new Set(installed.map((p) => p.manifest.id));
    const discovered = [...(await discoverPlugins(roots)).filter((p) => !replaced.has(p.manifest.id)), ...installed];
    const order = resolvePlugins(
      discovered.map((d) => d.manifest),
      deps.kernelVersion,
    );
    const dirs = new Map(discovered.map((d) => [d.manifest.id, d.dir]));
    const enablement = new PluginEnablement(deps.db, deps.bus, order);
    const services = new PluginServices(enablement);
    const host = new PluginHost(
      enablement,
      new PluginSecrets(deps.db, deps.secretsKey, order),
      new PluginJobs(deps.queue, enablement, deps.log),
      services,
      deps,
      new Map(),
    );
    try {
      for (const manifest of order) {
        const dir = dirs.get(manifest.id) as string;
        const loaded = await host.prepare(manifest, dir, false);
        await host.migrate(manifest, dir);
        host.register(loaded);
      }
    } catch (e) {
      await Promise.all(host.list().map((p) => p.sandbox.close()));
      throw e;
    }
    if (host.plugins.size) deps.log.info({ plugins: [...host.plugins.keys()] }, 'plugins loaded');
    return host;
  }

  /** Calls `listener` with the installed plugins after every install, upgrade and uninstall. */
  onChange(listener: (installed: readonly PluginManifest[]) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Activates a plugin in the running kernel, as one more plugin or (`replace`) in place of the
   * installed version of the same id. Refused, with nothing changed, when it does not resolve
   * with the plugins installed (kernel range, dependencies, events), its bundle does not start,
   * or a migration fails (its migrations run in one transaction). An upgrade swaps the routes,
   * event subscription, jobs and services to the new version and lets the old sandbox finish
   * its calls before it closes.
   */
  activate(manifest: PluginManifest, dir: string, mode: 'add' | 'replace'): Promise<void> {
    return this.serially(async () => {
      const old = this.plugins.get(manifest.id);
      if (mode === 'add' && old) {
        throw new ConflictError(`plugin ${manifest.id} is already installed (${old.manifest.version}): upgrade it`);
      }
      if (mode === 'replace' && !old) throw new NotFoundError(`plugin ${manifest.id} is not installed`);
      const others = this.list()
        .map((p) => p.manifest)
        .filter((m) => m.id !== manifest.id);
      const order = resolvePlugins([...others, manifest], this.deps.kernelVersion);
      const loaded = await this.prepare(manifest, dir, true);
      await this.migrate(manifest, dir);
      if (old) this.unregister(old);
      this.setInstalled(order);
      this.register(loaded);
      await this.jobs.scheduleInstalled(manifest, old?.manifest);
      if (old) this.drain(old.sandbox);
      this.deps.log.info(
        { plugin: manifest.id, version: manifest.version, replaced: old?.manifest.version },
        old ? 'plugin upgraded' : 'plugin installed',
      );
    });
  }

  /**
   * Removes an installed plugin from the running kernel: refused while another installed
   * plugin depends on it or a tenant has it on (switch it off everywhere first).
   */
  deactivate(pluginId: string): Promise<void> {
    return this.serially(async () => {
      const plugin = this.plugin(pluginId);
      const dependants = dependantsOf(
        pluginId,
        this.list().map((p) => p.manifest),
      );
      if (dependants.length) {
        throw new ConflictError(
          `cannot uninstall ${pluginId}: ${dependants.map((m) => `${m.id}@${m.version}`).join(', ')} depend${dependants.length > 1 ? '' : 's'} on it`,
        );
      }
      const tenants = await this.enablement.tenantsWith(pluginId);
      if (tenants.length) {
        throw new ConflictError(
          `cannot uninstall ${pluginId}: ${tenants.length} tenant${tenants.length > 1 ? 's have' : ' has'} it on; switch it off everywhere first`,
        );
      }
      this.unregister(plugin);
      await this.jobs.unregister(pluginId);
      this.plugins.delete(pluginId);
      this.setInstalled(this.list().map((p) => p.manifest));
      await plugin.sandbox.close();
      this.deps.log.info({ plugin: pluginId, version: plugin.manifest.version }, 'plugin uninstalled');
    });
  }

  /** Starts hearing enablement changes; with `workers`, also schedules the plugins' cron jobs. */
  async start(workers: boolean): Promise<void> {
    await this.enablement.start();
    if (workers) await this.jobs.schedule();
  }

  /** Enqueues a plugin's job for a tenant, as the plugin's `jobs.enqueue` would; answers the job id. */
  enqueueJob(
    pluginId: string,
    tenantId: string,
    job: string,
    data: unknown = null,
    options?: PluginEnqueueOptions,
  ): Promise<string> {
    return this.jobs.enqueue(pluginId, tenantId, job, data, options);
  }

  /** Runs a cron job's schedule now: enqueues it for each tenant with the plugin on; answers the job ids. */
  runCron(pluginId: string, job: string): Promise<string[]> {
    return this.jobs.runCron(pluginId, job);
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
    await this.enablement.close();
    await Promise.all([...this.list().map((p) => p.sandbox.close()), ...[...this.draining].map((s) => s.close())]);
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changing.then(change, change);
    this.changing = next.catch(() => undefined);
    return next;
  }

  /** The plugin's sandbox, not yet serving; with `check`, its bundle is started once first. */
  private async prepare(manifest: PluginManifest, dir: string, check: boolean): Promise<LoadedPlugin> {
    const code = await readFile(join(dir, SERVER_BUNDLE), 'utf8').catch(() => {
      throw new NotFoundError(
        `plugin ${manifest.id}@${manifest.version} has no server bundle at ${join(dir, SERVER_BUNDLE)}: run dotmac-plugin build ${dir}`,
      );
    });
    const deps = this.deps;
    const options = {
      pluginId: manifest.id,
      version: manifest.version,
      code,
      memoryMb: manifest.limits?.memoryMb ?? 64,
      callTimeoutMs: manifest.limits?.callTimeoutMs ?? 5000,
      idleMs: 10 * 60_000,
      log: deps.log.child({ plugin: manifest.id }),
      host: createHostRouter(manifest, {
        db: deps.db,
        bus: deps.bus,
        enablement: this.enablement,
        clock: deps.clock,
        jobs: this.jobs,
        secrets: this.secrets,
        services: this.services,
        egress: deps.egress,
        datagram: deps.datagram,
      }),
    };
    if (check) await PluginSandbox.check(options);
    return { manifest, dir, sandbox: new PluginSandbox(options) };
  }

  private async migrate(manifest: PluginManifest, dir: string): Promise<void> {
    if (manifest.capabilities?.db) await migratePlugin(this.deps.db, manifest.id, await readMigrations(manifest, dir));
  }

  /** Serves a prepared plugin: its routes, events, jobs and services. */
  private register(plugin: LoadedPlugin): void {
    const { manifest, sandbox } = plugin;
    registerPublishedEvents(this.deps.bus.schemas, manifest);
    mountRoutes(manifest, sandbox, this.enablement, this.deps.routes);
    this.jobs.register(manifest, sandbox);
    this.services.register(manifest, sandbox);
    const patterns = manifest.capabilities?.events?.subscribe ?? [];
    if (patterns.length) {
      const deliver = batchedDelivery(manifest.id, sandbox);
      const enablement = this.enablement;
      this.deps.bus.subscribe({
        id: subscriberId(manifest.id),
        patterns,
        async handle(event) {
          // Tenant-less (platform) events and tenants that have the plugin off are not delivered.
          if (!event.tenantId || !(await enablement.isEnabled(event.tenantId, manifest.id))) return;
          await deliver(event.tenantId, event);
        },
      });
    }
    this.plugins.set(manifest.id, plugin);
  }

  /** Stops serving a plugin's routes, events and services (its jobs follow the next registration). */
  private unregister({ manifest }: LoadedPlugin): void {
    const prefix = `/api/v1/p/${manifest.id}`;
    this.deps.routes.remove((d) => d.path === prefix || d.path.startsWith(`${prefix}/`));
    this.deps.bus.unsubscribe(subscriberId(manifest.id));
    this.services.unregister(manifest.id);
  }

  private setInstalled(order: readonly PluginManifest[]): void {
    this.enablement.setInstalled(order);
    this.secrets.setInstalled(order);
    for (const listener of this.listeners) listener(order);
  }

  /** Closes a replaced version's sandbox once its calls can have finished (they time out by then). */
  private drain(sandbox: PluginSandbox): void {
    this.draining.add(sandbox);
    const timer = setTimeout(() => {
      this.draining.delete(sandbox);
      void sandbox.close();
    }, sandbox.callTimeoutMs + 1000);
    timer.unref();
  }

  private plugin(pluginId: string): LoadedPlugin {
    const plugin = this.plugins.get(pluginId);
    if (!plugin) throw new NotFoundError(`plugin ${pluginId} is not installed`);
    return plugin;
  }
}

const subscriberId = (pluginId: string) => `plugin:${pluginId}`;

interface PendingEvent {
  readonly event: EventEnvelope;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Delivers events to a plugin in batches: the events of one tenant that arrive together (the
 * dispatcher has many in flight) cross the bridge in one `events` call, up to EVENT_BATCH_MAX;
 * each settles with its own outcome. An event whose batch failed as a whole (timeout, fault)
 * is retried alone, so one slow event cannot keep failing its neighbours.
 */
function batchedDelivery(
  pluginId: string,
  sandbox: PluginSandbox,
): (tenantId: string, event: EventEnvelope) => Promise<void> {
  const pending = new Map<string, PendingEvent[]>();
  const alone = new Set<string>();

  const flush = async (tenantId: string) => {
    const queued = pending.get(tenantId) ?? [];
    pending.delete(tenantId);
    for (let i = 0; i < queued.length; i += EVENT_BATCH_MAX) {
      const batch = queued.slice(i, i + EVENT_BATCH_MAX);
      try {
        const outcomes = (await sandbox.invoke(
          tenantId,
          Entry.events,
          batch.map((p) => p.event),
        )) as EventOutcome[];
        if (!Array.isArray(outcomes) || outcomes.length !== batch.length) {
          throw new DotmacError(`${pluginId} answered an events batch of ${batch.length} without one outcome each`);
        }
        batch.forEach((p, k) => {
          const outcome = outcomes[k];
          if (outcome?.ok === true) p.resolve();
          else p.reject(new DotmacError(`${pluginId} failed event ${p.event.id}: ${outcome?.error ?? 'no outcome'}`));
        });
      } catch (e) {
        for (const p of batch) {
          alone.add(p.event.id);
          p.reject(e);
        }
      }
    }
  };

  return async (tenantId, event) => {
    if (alone.delete(event.id)) {
      await sandbox.invoke(tenantId, Entry.event, event);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const queue = pending.get(tenantId);
      if (queue) {
        queue.push({ event, resolve, reject });
        return;
      }
      pending.set(tenantId, [{ event, resolve, reject }]);
      setImmediate(() => void flush(tenantId));
    });
  };
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
    const okSchema = ok === undefined ? undefined : (route.responses[String(ok)]?.schema as JsonSchema | undefined);
    const fileType = ok === undefined ? undefined : route.responses[String(ok)]?.contentType;
    const validateAnswer = okSchema ? compileSchema(okSchema) : undefined;
    routes.add(
      defineRoute<unknown, Record<string, unknown>, Record<string, string>>({
        method: route.method.toLowerCase() as HttpMethod,
        path: `/api/v1/p/${manifest.id}${route.path === '/' ? '' : route.path}`,
        summary: route.summary,
        tags: [manifest.id],
        access: route.public ? 'public' : { permission: route.permission as string },
        request: {
          body: route.request?.body as JsonSchema | undefined,
          query: route.request?.query as JsonSchema | undefined,
          params: route.request?.params as JsonSchema | undefined,
        },
        responses: Object.fromEntries(
          Object.entries(route.responses).map(([status, r]) => [
            Number(status),
            {
              description: r.description,
              schema: r.schema as JsonSchema | undefined,
              ...(r.contentType ? { contentType: r.contentType } : {}),
            },
          ]),
        ),
        handler: async ({ c, body, query, params, principal, tenantId: requestTenant }) => {
          const tenantId = tenantOf(requestTenant);
          // A plugin the tenant has off does not exist for it: 404, as for an unknown route.
          if (!(await enablement.isEnabled(tenantId, manifest.id))) {
            throw new NotFoundError(`no route ${c.req.method} ${c.req.path}`);
          }
          const answer = await sandbox.invoke(
            tenantId,
            Entry.route(`${route.method} ${route.path}` as RouteKey),
            {
              params,
              query,
              body,
              caller: callerOf(principal),
            },
            scopeOf(principal),
          );
          const problem = routeProblem(answer);
          if (problem) throw new PluginRouteProblem(manifest.id, problem);
          if (fileType) {
            const file = fileBody(answer);
            if (typeof file === 'string') {
              throw new PluginResponseError(
                `plugin ${manifest.id}@${manifest.version} answered ${route.method} ${route.path}, a ${fileType} file, with ${file}`,
              );
            }
            return new Response(file.body, {
              status: ok ?? 200,
              headers: {
                'content-type': fileType.startsWith('text/') ? `${fileType}; charset=utf-8` : fileType,
                'content-disposition': `attachment; filename="${file.filename}"`,
                'x-content-type-options': 'nosniff',
              },
            });
          }
          // Validated out as well as in: a plugin cannot answer what its manifest does not promise.
          if (validateAnswer && !validateAnswer(answer ?? null)) {
            throw new PluginResponseError(
              `plugin ${manifest.id}@${manifest.version} answered ${route.method} ${route.path} with a body its manifest's ${ok} response schema refuses: ${toFieldProblems(
                validateAnswer.errors,
                '',
              )
                .map((p) => `${p.pointer || '/'} ${p.detail}`)
                .join('; ')}`,
            );
          }
          return c.json(answer ?? null, (ok ?? 200) as 200);
        },
      }),
    );
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The body and name of a route's file answer (FileAnswer), or what is wrong with it. */
function fileBody(answer: unknown): { body: ArrayBuffer | string; filename: string } | string {
  if (answer === null || typeof answer !== 'object') return 'no file (the answer is not a FileAnswer object)';
  const { filename, base64, text } = answer as Partial<FileAnswer>;
  if (typeof filename !== 'string' || !FILE_NAME.test(filename)) {
    return 'a file name that is not letters, digits, ".", "-" and "_"';
  }
  if (typeof base64 === 'string' && text === undefined) {
    if (base64.length % 4 !== 0 || !BASE64.test(base64)) return 'a base64 body that is not base64';
    const bytes = Buffer.from(base64, 'base64');
    return { body: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, filename };
  }
  if (typeof text === 'string' && base64 === undefined) return { body: text, filename };
  return 'neither a base64 nor a text body (exactly one is needed)';
}

/** The tenant a request is for, which plugin routes and the UI manifest need. */
export function tenantOf(tenantId: string | undefined): string {
  if (!tenantId) {
    throw new ValidationError(
      `no tenant: call on the tenant's host name, with a tenant's credentials, or as the operator with the ${TENANT_HEADER} header`,
      [{ pointer: `/headers/${TENANT_HEADER}`, detail: 'must be a tenant id (uuid)' }],
    );
  }
  return tenantId;
}

/** The portal user a request serves, whose scope the plugin's database work runs in. */
function scopeOf(principal: Principal | undefined): CallerScope | undefined {
  if (principal?.kind !== 'user') return undefined;
  return {
    portal: principal.portal,
    userId: principal.userId,
    ...(principal.subjectId ? { subjectId: principal.subjectId } : {}),
  };
}

/** Who is calling, as a plugin route sees it: plain data, never a credential. */
function callerOf(principal: Principal | undefined): RouteCaller {
  if (!principal) return { kind: 'anonymous' };
  if (principal.kind === 'operator') return { kind: 'operator' };
  if (principal.kind === 'api-key')
    return { kind: 'api-key', keyId: principal.keyId, permissions: [...principal.permissions] };
  return {
    kind: 'user',
    userId: principal.userId,
    portal: principal.portal,
    ...(principal.subjectId ? { subjectId: principal.subjectId } : {}),
    permissions: [...principal.permissions],
  };
}

// The composition root: builds the kernel's services in a DI container, and runs and stops
// them in order. `npm start`, `npm run worker` and the tests all boot through here.
import 'reflect-metadata';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerType, serve } from '@hono/node-server';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { type Clock, systemClock } from './clock.ts';
import { type Config, loadConfig, networkList, pluginRegistries, trustedPluginKeys } from './config.ts';
import { Database } from './db/database.ts';
import { ConfigError } from './errors.ts';
import { EventBus } from './events/bus.ts';
import { EventDispatcher } from './events/dispatcher.ts';
import { EventSchemas } from './events/schemas.ts';
import { createApp } from './http/app.ts';
import { REPLAY_DEAD_LETTERS_JOB, registerKernelRoutes } from './http/kernel-routes.ts';
import { Metrics } from './http/metrics.ts';
import { HttpRoutes } from './http/routes.ts';
import { registerShellRoutes } from './http/shell-routes.ts';
import { createIdentity, type Identity } from './identity/index.ts';
import type { Mailer } from './identity/mail.ts';
import { BullMqJobQueue } from './jobs/bullmq.ts';
import { InProcessJobQueue } from './jobs/in-process.ts';
import type { JobQueue } from './jobs/queue.ts';
import { createLogger, type Logger } from './log.ts';
import { registerPluginAdminRoutes } from './plugins/admin-routes.ts';
import type { EgressPolicy } from './plugins/egress.ts';
import { PluginHost } from './plugins/host.ts';
import { registerInstallationRoutes } from './plugins/installation-routes.ts';
import { PluginInstaller, restorePackages } from './plugins/installer.ts';
import { registerPluginMetrics } from './plugins/metrics.ts';
import { registerPluginSecretRoutes } from './plugins/secret-routes.ts';
import { loadSecretsKey } from './plugins/secrets.ts';
import { registerPluginUiRoutes } from './plugins/ui-routes.ts';
import { Tokens } from './tokens.ts';

/** The kernel's version: the host API plugins are checked against. */
export const KERNEL_VERSION = '0.1.0';

/** What a process runs: the HTTP API, the background work (jobs, event delivery), or both. */
export type KernelRole = 'all' | 'api' | 'worker';

/** Adds subscribers, jobs or routes to a kernel before it starts. */
export type KernelModule = (kernel: Kernel) => void | Promise<void>;

export interface KernelOptions {
  readonly role?: KernelRole;
  /** Defaults to loadConfig(env). */
  readonly config?: Config;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly modules?: readonly KernelModule[];
  /**
   * Folders whose sub-folders are plugins (each with a plugin.json). Default: the repository's
   * plugins-core/ and plugins-contrib/, and DATA_DIR/plugins (installed packages).
   */
  readonly pluginRoots?: readonly string[];
  /** The built shell (index.html and assets/); default shell-ui/dist in the repository. */
  readonly shellDir?: string;
  /** Where identity's mail goes (invitations, resets); default: SMTP_URL. */
  readonly mailer?: Mailer;
  /** Overrides the operator's egress policy from config (tests resolve made-up host names with `lookup`). */
  readonly egress?: Partial<EgressPolicy>;
}

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

/** Deletes delivered outbox events after this long. */
const OUTBOX_RETENTION_DAYS = 30;
const PRUNE_OUTBOX_JOB = 'kernel.outbox.prune';

export class Kernel {
  private server: ServerType | undefined;
  private accepting = true;
  private stopping: Promise<void> | undefined;
  /** Base URL of the HTTP server once listening. */
  url: string | undefined;

  private constructor(
    readonly container: DependencyContainer,
    readonly role: KernelRole,
  ) {}

  get config(): Config {
    return this.container.resolve(Tokens.Config);
  }
  get log(): Logger {
    return this.container.resolve(Tokens.Logger);
  }
  get db(): Database {
    return this.container.resolve(Tokens.Database);
  }
  get bus(): EventBus {
    return this.container.resolve(Tokens.EventBus);
  }
  get dispatcher(): EventDispatcher {
    return this.container.resolve(Tokens.EventDispatcher);
  }
  get queue(): JobQueue {
    return this.container.resolve(Tokens.JobQueue);
  }
  get routes(): HttpRoutes {
    return this.container.resolve(Tokens.HttpRoutes);
  }
  get metrics(): Metrics {
    return this.container.resolve(Tokens.Metrics);
  }
  get plugins(): PluginHost {
    return this.container.resolve(Tokens.PluginHost);
  }
  get installer(): PluginInstaller {
    return this.container.resolve(Tokens.PluginInstaller);
  }
  get identity(): Identity {
    return this.container.resolve(Tokens.Identity);
  }

  /** Whether this process runs jobs and delivers events. */
  get runsWorkers(): boolean {
    return this.role === 'worker' || (this.role === 'all' && this.config.RUN_WORKERS);
  }

  /** Connects to the database and queue, migrates, and registers everything; starts nothing yet. */
  static async boot(options: KernelOptions = {}): Promise<Kernel> {
    const role = options.role ?? 'all';
    const config = options.config ?? loadConfig(options.env);
    if (role === 'worker' && (!config.DATABASE_URL || !config.REDIS_URL)) {
      throw new ConfigError([
        'a worker process needs DATABASE_URL and REDIS_URL: the embedded database and in-process queue live inside `npm start`',
      ]);
    }
    const log = options.logger ?? createLogger(config.LOG_LEVEL);
    const container = rootContainer.createChildContainer();
    container.register(Tokens.Config, { useValue: config });
    container.register(Tokens.Logger, { useValue: log });
    container.register(Tokens.Clock, { useValue: options.clock ?? systemClock });

    const db = await Database.open(config, log);
    container.register(Tokens.Database, { useValue: db });
    try {
      const applied = await db.migrate();
      if (applied.length) log.info({ migrations: applied }, 'kernel migrations applied');
      const queue: JobQueue = config.REDIS_URL
        ? new BullMqJobQueue(config.REDIS_URL, config.QUEUE_PREFIX, log)
        : new InProcessJobQueue(log);
      container.register(Tokens.JobQueue, { useValue: queue });
      container.register(Tokens.EventSchemas, { useValue: EventSchemas.fromRepository() });
      container.registerSingleton(Tokens.EventBus, EventBus);
      container.registerSingleton(Tokens.EventDispatcher, EventDispatcher);
      container.register(Tokens.Metrics, { useValue: new Metrics() });
      container.register(Tokens.HttpRoutes, { useValue: new HttpRoutes() });

      const kernel = new Kernel(container, role);
      kernel.registerKernelWork();
      const roots = options.pluginRoots ?? [
        join(REPOSITORY, 'plugins-core'),
        join(REPOSITORY, 'plugins-contrib'),
        join(config.DATA_DIR, 'plugins'),
      ];
      const secretsKey = await loadSecretsKey(config);
      const installed = await restorePackages(db, config.DATA_DIR);
      const host = await PluginHost.load(
        roots,
        {
          db,
          bus: kernel.bus,
          routes: kernel.routes,
          queue,
          secretsKey,
          egress: {
            allowNetworks: networkList(config.PLUGIN_EGRESS_ALLOW_NETWORKS),
            allowHttp: config.PLUGIN_EGRESS_ALLOW_HTTP,
            ...options.egress,
          },
          datagram: { allowNetworks: networkList(config.DATAGRAM_ALLOW_NETWORKS) },
          clock: options.clock ?? systemClock,
          log,
          kernelVersion: KERNEL_VERSION,
        },
        installed,
      );
      container.register(Tokens.PluginHost, { useValue: host });
      registerPluginAdminRoutes(kernel.routes, host);
      const installer = new PluginInstaller(
        {
          db,
          host,
          registries: pluginRegistries(config),
          trustedKeys: trustedPluginKeys(config),
          dataDir: config.DATA_DIR,
          kernelVersion: KERNEL_VERSION,
          log,
        },
        installed,
      );
      container.register(Tokens.PluginInstaller, { useValue: installer });
      registerInstallationRoutes(kernel.routes, installer);
      registerPluginSecretRoutes(kernel.routes, host.secrets);
      registerPluginMetrics(kernel.metrics, host);
      registerPluginUiRoutes(kernel.routes, host);
      registerShellRoutes(kernel.routes, options.shellDir ?? join(REPOSITORY, 'shell-ui', 'dist'));
      const identity = createIdentity({
        config,
        db,
        bus: kernel.bus,
        routes: kernel.routes,
        plugins: host,
        clock: options.clock ?? systemClock,
        log,
        secretsKey,
        mailer: options.mailer,
      });
      container.register(Tokens.Identity, { useValue: identity });
      for (const module of options.modules ?? []) await module(kernel);
      return kernel;
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** Boots and starts in one call. */
  static async start(options: KernelOptions = {}): Promise<Kernel> {
    const kernel = await Kernel.boot(options);
    try {
      await kernel.start();
    } catch (e) {
      await kernel.stop();
      throw e;
    }
    return kernel;
  }

  /** Starts background work (if this process runs it) and the HTTP server (unless a worker). */
  async start(): Promise<void> {
    if (this.runsWorkers) {
      await this.queue.startWorkers();
      await this.queue.schedule(PRUNE_OUTBOX_JOB, '17 3 * * *', PRUNE_OUTBOX_JOB, {});
    }
    await this.plugins.start(this.runsWorkers);
    // Other processes share the database (PostgreSQL): follow the installs they make.
    if (this.db.kind === 'postgresql') this.installer.follow();
    if (this.runsWorkers) await this.dispatcher.start();
    if (this.role !== 'worker') await this.listen();
    this.log.info(
      { role: this.role, workers: this.runsWorkers, db: this.db.kind, queue: this.queue.kind, url: this.url },
      'kernel started',
    );
  }

  /**
   * Graceful shutdown: refuse new connections, let requests in flight finish (up to
   * SHUTDOWN_TIMEOUT_MS), stop event delivery and jobs, close the pools. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    const timeoutMs = this.config.SHUTDOWN_TIMEOUT_MS;
    if (this.server) await closeServer(this.server, timeoutMs);
    await this.dispatcher.stop();
    await this.queue.close(timeoutMs);
    if (this.container.isRegistered(Tokens.PluginInstaller)) await this.installer.stop();
    if (this.container.isRegistered(Tokens.PluginHost)) await this.plugins.close();
    await this.db.close();
    this.log.info('kernel stopped');
  }

  private async listen(): Promise<void> {
    // Rebuilt when the routes change (a plugin installed, upgraded or removed): hono's router
    // is fixed once it has matched, and a rebuild is cheap next to how rarely that happens.
    const build = () => ({
      version: this.routes.version,
      app: createApp({
        routes: this.routes,
        log: this.log,
        metrics: this.metrics,
        adminToken: this.config.ADMIN_TOKEN,
        authenticate: this.identity.authenticate,
        recordRequest: this.identity.recordRequest,
      }),
    });
    let current = build();
    const fetch = (request: Request, env: unknown) => {
      if (current.version !== this.routes.version) current = build();
      return current.app.fetch(request, env);
    };
    await new Promise<void>((resolve, reject) => {
      const server = serve({ fetch, port: this.config.PORT, hostname: this.config.HOST }, (info) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        this.url = `http://${host}:${info.port}`;
        resolve();
      });
      server.once('error', reject);
      this.server = server;
    });
  }

  private registerKernelWork(): void {
    registerKernelRoutes(this.routes, {
      db: this.db,
      queue: this.queue,
      dispatcher: this.dispatcher,
      metrics: this.metrics,
      version: KERNEL_VERSION,
      accepting: () => this.accepting,
    });
    this.queue.define<{ subscriber?: string; eventName?: string }>(REPLAY_DEAD_LETTERS_JOB, async (job) => ({
      replayed: await this.dispatcher.replay(job.data),
      pid: process.pid,
    }));
    this.queue.define(PRUNE_OUTBOX_JOB, async () => ({
      deleted: (
        await this.db.query(
          `delete from kernel.outbox_event o
           where o.dispatched_at < now() - make_interval(days => $1)
             and not exists (select 1 from kernel.event_delivery d where d.event_id = o.id and d.status <> 'delivered')
           returning o.id`,
          [OUTBOX_RETENTION_DAYS],
        )
      ).length,
    }));
    this.metrics.gauge('dotmac_job_queue_depth', 'Jobs in the queue, by state.', ['state'], async (set) => {
      for (const [state, n] of Object.entries(await this.queue.counts())) set({ state }, n);
    });
    this.metrics.gauge(
      'dotmac_outbox_lag_seconds',
      'Age of the oldest committed event not yet delivered to every subscriber.',
      [],
      async (set) => set({}, await this.dispatcher.lagSeconds()),
    );
  }
}

async function closeServer(server: ServerType, timeoutMs: number): Promise<void> {
  const http = server as import('node:http').Server;
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeIdleConnections?.();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  if ((await Promise.race([closed, timeout])) === 'timeout') http.closeAllConnections?.();
  clearTimeout(timer);
  await closed;
}

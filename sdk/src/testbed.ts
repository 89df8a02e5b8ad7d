// The testbed: a plugin running in the real kernel and sandbox, against a real database
// (embedded PGlite in a temp folder, or a fresh PostgreSQL database), with a clock the test
// moves. Tests speak to it as operators and clients do: HTTP to the kernel, events on the bus,
// jobs on the queue. Loaded lazily by testing.ts, so unit tests never pay for the kernel.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Clock,
  createScratchDatabase,
  type JobStatus,
  Kernel,
  loadConfig,
  pluginDbNames,
  readManifest,
} from '@dotmac/kernel';
import { pino } from 'pino';

/** Where the plugin is: `dotmac-plugin test` sets it to the folder it tests. */
export const PLUGIN_DIR_ENV = 'DOTMAC_PLUGIN_DIR';
/** A PostgreSQL server URL: set, each testbed gets a fresh database there instead of PGlite. */
export const DATABASE_URL_ENV = 'DOTMAC_TEST_DATABASE_URL';
/** Set (to anything), the testbed also prints every kernel and plugin log line to stderr. */
export const LOG_ENV = 'DOTMAC_TEST_LOG';
/** Until identity lands, plugin routes take the operator's token and name the tenant in this header. */
const TENANT_HEADER = 'x-dotmac-tenant';
const ROUTE = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/;
const POLL_MS = 20;

/** The injected clock: it stands still until the test moves it. */
export class TestClock implements Clock {
  private current: number;

  constructor(start: Date | string = new Date()) {
    this.current = toTime(start, 'clock');
  }

  /** The testbed's now; the plugin's `ctx.clock.now()` answers the same. */
  now(): Date {
    return new Date(this.current);
  }

  /** Moves the clock to `date` (backwards too). */
  set(date: Date | string): Date {
    this.current = toTime(date, 'clock.set');
    return this.now();
  }

  /** Moves the clock `ms` milliseconds forward (negative: back); answers the new now. */
  advance(ms: number): Date {
    if (!Number.isFinite(ms)) throw new TypeError(`clock.advance: ${ms} is not a number of milliseconds`);
    this.current += ms;
    return this.now();
  }
}

function toTime(date: Date | string, what: string): number {
  const time = new Date(date).getTime();
  if (Number.isNaN(time)) throw new TypeError(`${what}: ${String(date)} is not a date`);
  return time;
}

/** How to set up a testbed. */
export interface TestbedOptions {
  /** The plugin's folder, built. Default: $DOTMAC_PLUGIN_DIR (set by `dotmac-plugin test`), else the working directory. */
  readonly dir?: string | URL;
  /** Folders of plugins it depends on, built; `tenant()` enables them first, in this order. */
  readonly with?: readonly (string | URL)[];
  /** Where the clock starts. Default: the real time when the testbed starts. */
  readonly clock?: Date | string;
  /** A PostgreSQL server URL to create the test database on. Default: $DOTMAC_TEST_DATABASE_URL, else embedded PGlite. */
  readonly databaseUrl?: string;
  /** More kernel settings, as environment keys (`{ EVENT_MAX_ATTEMPTS: '2' }`, `{ DATAGRAM_ALLOW_NETWORKS: '127.0.0.0/8' }`). */
  readonly settings?: Readonly<Record<string, string>>;
}

/** An HTTP answer: status and body (parsed JSON, problem+json included; text for text/*; bytes (Uint8Array) for other files; null when empty). */
export interface TestResponse<Body = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Body;
}

/** What `request` may add. */
export interface RequestOptions {
  /** Another loaded plugin's routes (one given in `with`). Default: the plugin under test. */
  readonly plugin?: string;
  /** More request headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An event in the outbox. */
export interface RecordedEvent {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string | null;
  readonly payload: Record<string, unknown>;
  readonly occurredAt: string;
}

/** The delivery of one event to one subscriber (`plugin:<id>` for a plugin's handler). */
export interface Delivery {
  readonly subscriber: string;
  readonly status: 'pending' | 'delivered' | 'dead';
  readonly attempts: number;
  readonly lastError: string | null;
}

/** One log line a plugin wrote (`ctx.log`), or the kernel wrote about it (faults). */
export interface LogLine {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly message: string;
  readonly plugin: string;
  readonly tenantId?: string;
  readonly data?: unknown;
  /** Set on the lines the sandbox writes when a call faults (`timeout`, `error`, …). */
  readonly fault?: string;
}

/** How long a wait may take. */
export interface WaitOptions {
  /** Default 15 s. */
  readonly timeoutMs?: number;
}

/** A running kernel with the plugin loaded; close it when done. */
export interface Testbed {
  /** The plugin under test. */
  readonly pluginId: string;
  /** The kernel's base URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The kernel's admin token, for calls `request` does not make. */
  readonly adminToken: string;
  /** The clock the kernel and every plugin read. */
  readonly clock: TestClock;
  /** The kernel itself, for what the testbed does not offer. */
  readonly kernel: Kernel;
  /** Log lines of the plugins, oldest first. */
  readonly logs: readonly LogLine[];
  /** Creates a tenant and enables the `with` plugins and then the plugin for it; answers its id. */
  tenant(slug?: string): Promise<string>;
  /** Switches a plugin (default: the one under test) on or off for a tenant, as an operator does. */
  setEnabled(tenant: string, enabled: boolean, pluginId?: string): Promise<void>;
  /** Calls a plugin route for a tenant: `request(t, 'POST /notices', { … })`; the path is the manifest's, query string allowed. */
  request<Body = unknown>(
    tenant: string,
    route: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<TestResponse<Body>>;
  /** Replaces the tenant's configuration of the plugin (validated against its config schema). */
  setConfig(tenant: string, config: Record<string, unknown>, pluginId?: string): Promise<void>;
  /** Sets one of the plugin's declared secrets for a tenant, as an operator does. */
  setSecret(tenant: string, name: string, value: string, pluginId?: string): Promise<void>;
  /** Publishes an event for a tenant, as the kernel would (any name in the catalogue); answers its id. */
  publish(tenant: string, name: string, payload: Record<string, unknown>): Promise<string>;
  /** Events in the outbox, oldest first, filtered by tenant and name. */
  events(filter?: { readonly tenant?: string; readonly name?: string }): Promise<RecordedEvent[]>;
  /** Waits until event `eventId` reached every subscriber; rejects if one dead-lettered it. */
  delivered(eventId: string, options?: WaitOptions): Promise<Delivery[]>;
  /** Waits until every published event is delivered and no job waits or runs; rejects on a new dead letter. */
  settle(options?: WaitOptions): Promise<void>;
  /** Enqueues the plugin's job for a tenant and waits for it; rejects if it fails. */
  runJob(
    tenant: string,
    name: string,
    data?: unknown,
    options?: WaitOptions & { readonly delayMs?: number; readonly key?: string },
  ): Promise<JobStatus>;
  /** Runs a job's cron schedule now (the job for every tenant with the plugin on) and waits for each run. */
  runCron(name: string, options?: WaitOptions): Promise<JobStatus[]>;
  /** One statement as the kernel: no row-level security, the plugin's schema first on the search_path. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Stops the kernel and removes its database and temp folders. */
  close(): Promise<void>;
}

/** Starts a kernel with the plugin (and `with` plugins) loaded, on a database of its own. */
export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  const dir = folder(options.dir ?? process.env[PLUGIN_DIR_ENV] ?? process.cwd());
  const dependencies = (options.with ?? []).map(folder);
  const manifest = await readManifest(dir);
  const dependencyIds = await Promise.all(dependencies.map(async (d) => (await readManifest(d)).id));

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const temp = await mkdtemp(join(tmpdir(), 'dotmac-testbed-'));
    cleanups.push(() => rm(temp, { recursive: true, force: true }));
    // The kernel loads every plugin folder under its plugin roots: give it one with links to these.
    const roots = join(temp, 'plugins');
    await mkdir(roots);
    for (const [i, d] of [dir, ...dependencies].entries()) await symlink(d, join(roots, `${i}-${basename(d)}`), 'dir');

    const env: Record<string, string> = {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATA_DIR: join(temp, 'data'),
      ADMIN_TOKEN: randomBytes(24).toString('hex'),
      SECRETS_KEY: randomBytes(32).toString('base64'),
      // Few, quick retries: a failing handler dead-letters in a second or two, not in hours.
      EVENT_MAX_ATTEMPTS: '3',
      EVENT_BACKOFF_MS: '5',
      EVENT_LEASE_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    const server = options.databaseUrl ?? process.env[DATABASE_URL_ENV];
    if (server) {
      const database = await createScratchDatabase(server).catch((e: Error) => {
        throw new Error(`${DATABASE_URL_ENV}: ${e.message}`);
      });
      cleanups.push(database.drop);
      env.DATABASE_URL = database.url;
    }
    const logs: LogLine[] = [];
    const clock = new TestClock(options.clock);
    const kernel = await Kernel.start({
      config: loadConfig({ ...env, ...options.settings }),
      clock,
      logger: captureLogs(logs),
      pluginRoots: [roots],
    });
    cleanups.push(() => kernel.stop());
    return new RunningTestbed(kernel, manifest.id, dependencyIds, clock, logs, cleanup);
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function folder(dir: string | URL): string {
  return resolve(dir instanceof URL ? fileURLToPath(dir) : dir);
}

const LEVELS: Record<number, LogLine['level']> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** A logger keeping the plugins' lines in `logs` (and echoing every line to stderr when $DOTMAC_TEST_LOG is set). */
function captureLogs(logs: LogLine[]) {
  const echo = Boolean(process.env[LOG_ENV]);
  return pino(
    { level: echo ? 'debug' : 'info', base: { service: 'dotmac' }, timestamp: pino.stdTimeFunctions.isoTime },
    {
      write(line: string) {
        if (echo) process.stderr.write(line);
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (typeof entry.plugin !== 'string') return;
        logs.push({
          level: LEVELS[entry.level as number] ?? 'info',
          message: String(entry.msg ?? ''),
          plugin: entry.plugin,
          ...(typeof entry.tenantId === 'string' && { tenantId: entry.tenantId }),
          ...(entry.data !== undefined && { data: entry.data }),
          ...(typeof entry.fault === 'string' && { fault: entry.fault }),
        });
      },
    },
  );
}

class RunningTestbed implements Testbed {
  readonly url: string;
  readonly adminToken: string;
  private tenants = 0;
  private readonly reportedDead = new Set<string>();

  constructor(
    readonly kernel: Kernel,
    readonly pluginId: string,
    private readonly dependencyIds: readonly string[],
    readonly clock: TestClock,
    readonly logs: LogLine[],
    readonly close: () => Promise<void>,
  ) {
    this.url = kernel.url as string;
    this.adminToken = kernel.config.ADMIN_TOKEN as string;
  }

  async tenant(slug = `tenant-${++this.tenants}`): Promise<string> {
    const [row] = await this.kernel.db.query<{ id: string }>(
      'insert into kernel.tenant (slug, name) values ($1, $1) returning id',
      [slug],
    );
    const id = (row as { id: string }).id;
    for (const pluginId of [...this.dependencyIds, this.pluginId]) await this.setEnabled(id, true, pluginId);
    return id;
  }

  async setEnabled(tenant: string, enabled: boolean, pluginId = this.pluginId): Promise<void> {
    await this.admin('PUT', `/api/v1/admin/tenants/${tenant}/plugins/${pluginId}`, { enabled });
  }

  async setConfig(tenant: string, config: Record<string, unknown>, pluginId = this.pluginId): Promise<void> {
    await this.admin('PUT', `/api/v1/admin/tenants/${tenant}/plugins/${pluginId}/config`, config);
  }

  async setSecret(tenant: string, name: string, value: string, pluginId = this.pluginId): Promise<void> {
    await this.admin('PUT', `/api/v1/admin/tenants/${tenant}/plugins/${pluginId}/secrets/${encodeURIComponent(name)}`, {
      value,
    });
  }

  async request<Body = unknown>(
    tenant: string,
    route: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<TestResponse<Body>> {
    const match = ROUTE.exec(route);
    if (!match)
      throw new TypeError(`request: "${route}" must be "<GET|POST|PUT|PATCH|DELETE> /path", as in plugin.json`);
    const [, method, path] = match as unknown as [string, string, string];
    const mount = `/api/v1/p/${options.plugin ?? this.pluginId}`;
    return this.fetch<Body>(method, path === '/' ? mount : `${mount}${path}`, body, {
      ...options.headers,
      [TENANT_HEADER]: tenant,
    });
  }

  async publish(tenant: string, name: string, payload: Record<string, unknown>): Promise<string> {
    const event = await this.kernel.db.transaction((tx) =>
      this.kernel.bus.publish(tx, { name, payload, tenantId: tenant }),
    );
    return event.id;
  }

  async events(filter: { readonly tenant?: string; readonly name?: string } = {}): Promise<RecordedEvent[]> {
    const rows = await this.kernel.db.query<{
      id: string;
      name: string;
      tenant_id: string | null;
      payload: Record<string, unknown>;
      occurred_at: Date;
    }>(
      `select id, name, tenant_id, payload, occurred_at from kernel.outbox_event
        where ($1::uuid is null or tenant_id = $1) and ($2::text is null or name = $2) order by seq`,
      [filter.tenant ?? null, filter.name ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      tenantId: r.tenant_id,
      payload: r.payload,
      occurredAt: new Date(r.occurred_at).toISOString(),
    }));
  }

  async delivered(eventId: string, options: WaitOptions = {}): Promise<Delivery[]> {
    let last: { dispatched: boolean; deliveries: Delivery[] } | undefined;
    const done = await poll(options, `event ${eventId} to be delivered`, async () => {
      const rows = await this.kernel.db.query<{
        name: string;
        dispatched: boolean;
        subscriber: string | null;
        status: Delivery['status'] | null;
        attempts: number | null;
        last_error: string | null;
      }>(
        `select o.name, o.dispatched_at is not null as dispatched, d.subscriber, d.status, d.attempts, d.last_error
           from kernel.outbox_event o left join kernel.event_delivery d on d.event_id = o.id
          where o.id = $1 order by d.subscriber`,
        [eventId],
      );
      const first = rows[0];
      if (!first) throw new Error(`delivered: there is no event ${eventId} in the outbox`);
      const deliveries = rows.flatMap((r) =>
        r.subscriber === null
          ? []
          : [
              {
                subscriber: r.subscriber,
                status: r.status as Delivery['status'],
                attempts: r.attempts ?? 0,
                lastError: r.last_error,
              },
            ],
      );
      last = { dispatched: first.dispatched, deliveries };
      const dead = deliveries.find((d) => d.status === 'dead');
      if (dead) {
        this.reportedDead.add(`${eventId} ${dead.subscriber}`);
        throw new Error(
          `event ${first.name} ${eventId} was dead-lettered by ${dead.subscriber} after ${dead.attempts} attempts: ${dead.lastError}`,
        );
      }
      return first.dispatched && deliveries.every((d) => d.status === 'delivered') ? deliveries : undefined;
    }).catch((e: Error) => {
      throw last && e.message.startsWith('timed out') ? new Error(`${e.message}; now: ${JSON.stringify(last)}`) : e;
    });
    return done;
  }

  async settle(options: WaitOptions = {}): Promise<void> {
    await poll(options, 'events to be delivered and jobs to finish', async () => {
      const [row] = await this.kernel.db.query<{ undispatched: number; pending: number }>(
        `select (select count(*)::int from kernel.outbox_event where dispatched_at is null) as undispatched,
                (select count(*)::int from kernel.event_delivery where status = 'pending') as pending`,
      );
      const counts = await this.kernel.queue.counts();
      return row?.undispatched === 0 && row.pending === 0 && counts.waiting === 0 && counts.active === 0
        ? true
        : undefined;
    });
    const dead = await this.kernel.db.query<{ event_id: string; name: string; subscriber: string; last_error: string }>(
      `select d.event_id, o.name, d.subscriber, d.last_error from kernel.event_delivery d
         join kernel.outbox_event o on o.id = d.event_id where d.status = 'dead' order by o.seq`,
    );
    const fresh = dead.filter((d) => !this.reportedDead.has(`${d.event_id} ${d.subscriber}`));
    for (const d of fresh) this.reportedDead.add(`${d.event_id} ${d.subscriber}`);
    if (fresh.length > 0) {
      throw new Error(
        `events were dead-lettered: ${fresh.map((d) => `${d.name} ${d.event_id} by ${d.subscriber}: ${d.last_error}`).join('; ')}`,
      );
    }
  }

  async runJob(
    tenant: string,
    name: string,
    data: unknown = null,
    options: WaitOptions & { readonly delayMs?: number; readonly key?: string } = {},
  ): Promise<JobStatus> {
    const { timeoutMs, ...enqueue } = options;
    const id = await this.kernel.plugins.enqueueJob(this.pluginId, tenant, name, data, enqueue);
    return this.job(id, name, { ...(timeoutMs !== undefined && { timeoutMs }) });
  }

  async runCron(name: string, options: WaitOptions = {}): Promise<JobStatus[]> {
    const ids = await this.kernel.plugins.runCron(this.pluginId, name);
    return Promise.all(ids.map((id) => this.job(id, name, options)));
  }

  async query<Row extends object = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<Row[]> {
    const schema = pluginDbNames(this.pluginId).schema;
    return this.kernel.db.transaction(async (tx) => {
      await tx.query(`set local search_path to "${schema}", public`);
      return tx.query<Row>(sql, params);
    });
  }

  /** Waits for job `id` to complete; rejects with its error when it failed for good. */
  private job(id: string, name: string, options: WaitOptions): Promise<JobStatus> {
    return poll(options, `job ${name} ${id} to finish`, async () => {
      const status = await this.kernel.queue.status(id);
      if (!status) throw new Error(`job ${name} ${id} is not in the queue`);
      if (status.state === 'failed') {
        throw new Error(`job ${name} ${id} failed after ${status.attempts} attempt(s): ${status.error}`);
      }
      return status.state === 'completed' ? status : undefined;
    });
  }

  private async admin(method: string, path: string, body: unknown): Promise<void> {
    const answer = await this.fetch(method, path, body, {});
    if (answer.status >= 300) {
      const problem = answer.body as { detail?: string; errors?: unknown } | null;
      throw new Error(
        `${method} ${path} answered ${answer.status}: ${problem?.detail ?? JSON.stringify(answer.body)}${
          problem?.errors ? ` ${JSON.stringify(problem.errors)}` : ''
        }`,
      );
    }
  }

  private async fetch<Body>(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<TestResponse<Body>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const type = response.headers.get('content-type') ?? '';
    // A file that is not text (a PDF) stays bytes.
    if (type !== '' && !/json|^text\//.test(type)) {
      return {
        status: response.status,
        headers: response.headers,
        body: new Uint8Array(await response.arrayBuffer()) as Body,
      };
    }
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? null : /json/.test(type) ? JSON.parse(text) : text) as Body,
    };
  }
}

/** Calls `check` until it answers something other than undefined; its throw ends the wait. */
async function poll<T>(options: WaitOptions, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

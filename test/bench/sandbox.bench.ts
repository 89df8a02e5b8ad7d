// The plugin sandbox's costs: an HTTP route served by a sandboxed plugin against the same
// handler native in the kernel, events delivered one call each against batches, and what
// one more tenant context costs in time and isolate heap.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import {
  createLogger,
  defineRoute,
  type EventEnvelope,
  type Kernel,
  NotFoundError,
  PluginSandbox,
} from '@dotmac/kernel';
import { type Baseline, type BenchContext, type BenchResult, defineBench, figure, perSecond } from './report.ts';

const PLUGIN_ID = 'bench.echo';
const PLUGIN_ROUTE = `/api/v1/p/${PLUGIN_ID}/ping`;
const NATIVE_ROUTE = '/api/v1/bench/ping';
const CHECKED_ROUTE = '/api/v1/bench/ping-checked';

/** Request rounds (one request to each route) before measuring, and measured. */
const ROUTE_WARMUP_ROUNDS = 1_000;
const ROUTE_ROUNDS = 5_000;
/** Sandbox invokes timed on their own, without HTTP. */
const DIRECT_CALLS = 2_000;
/** Longest wait for one HTTP answer. */
const REQUEST_TIMEOUT_MS = 5_000;

const EVENTS = 32_000;
const EVENTS_WARMUP = 4_000;
const BATCH = 64;
/** The batch size the kernel's event delivery is adopting (EVENT_BATCH_MAX), measured as well. */
const HOST_BATCH = 16;
const IN_FLIGHT = 64;

/** New tenants whose context is created and timed; the heap growth is averaged over them too. */
const TENANTS = 100;

/**
 * The fixture bundle, loaded both by the kernel (as plugin bench.echo) and by the sandboxes this
 * suite builds itself. `event` and `events` do the same per event (count it); `events` is the
 * batch entry: an array of event envelopes in, an array of `{ ok: true } | { ok: false, error }`
 * out, in the same order.
 */
const BUNDLE = `
let delivered = 0;
const onEvent = async (event, ctx) => {
  if (event.tenantId !== ctx.tenantId) throw new Error('event for another tenant');
  delivered += 1;
};
dotmac.register({
  'route:GET /ping': async (req) => ({ pong: true, n: req.query.n ?? 0 }),
  event: onEvent,
  events: async (batch, ctx) => {
    const answers = [];
    for (const event of batch) {
      try {
        await onEvent(event, ctx);
        answers.push({ ok: true });
      } catch (error) {
        answers.push({ ok: false, error: String(error) });
      }
    }
    return answers;
  },
  delivered: async () => delivered,
  ping: async () => null,
  gc: async () => {
    if (typeof gc !== 'function') return false;
    gc();
    return true;
  },
});
`;

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { n: { type: 'integer', minimum: 0, description: 'Echoed back.' } },
} as const;
const pongSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['pong', 'n'],
  properties: { pong: { type: 'boolean', description: 'Always true.' }, n: { type: 'integer', description: 'n.' } },
} as const;

const manifest = {
  id: PLUGIN_ID,
  version: '1.0.0',
  name: 'Bench echo',
  description: 'Answers GET /ping with a small JSON body, for the sandbox benchmark.',
  publisher: 'DotMac bench',
  engines: { kernel: '^0.1.0' },
  capabilities: {
    http: {
      routes: [
        {
          method: 'GET',
          path: '/ping',
          summary: 'Pong',
          public: true,
          request: { query: querySchema },
          responses: { 200: { description: 'Pong.', schema: pongSchema } },
        },
      ],
    },
  },
};

export default defineBench(async (ctx) => [
  ...(await measureRoutes(ctx)),
  ...(await measureEvents(ctx)),
  ...(await measureTenantContexts(ctx)),
]);

// ---- HTTP route: sandboxed plugin against native kernel route ------------------------------

async function measureRoutes(ctx: BenchContext): Promise<BenchResult[]> {
  // The kernel finds installed plugins under DATA_DIR/plugins: the suite brings its own data
  // folder, removed once the kernel has stopped (or when the process exits, after Ctrl-C).
  const dataDir = mkdtempSync(join(tmpdir(), 'dotmac-bench-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  let kernel: Kernel | undefined;
  try {
    const pluginDir = join(dataDir, 'plugins', PLUGIN_ID);
    mkdirSync(join(pluginDir, 'dist'), { recursive: true });
    writeFileSync(join(pluginDir, 'plugin.json'), JSON.stringify(manifest));
    writeFileSync(join(pluginDir, 'dist', 'server.js'), BUNDLE);
    const adminToken = randomBytes(16).toString('hex');
    kernel = await ctx.bootKernel({
      env: { DATA_DIR: dataDir, ADMIN_TOKEN: adminToken },
      modules: [addNativeRoutes],
    });
    return await measureRoutesOn(ctx, kernel, adminToken);
  } finally {
    await kernel?.stop();
    removeDataDir();
    process.off('exit', removeDataDir);
  }
}

/**
 * The baseline: the plugin's handler written as a kernel route, with the same schemas, access
 * and answer. And the same once more with the one thing a plugin route does besides calling its
 * sandbox: checking that the tenant (from the x-dotmac-tenant header) has the plugin on.
 */
function addNativeRoutes(kernel: Kernel): void {
  const native = {
    method: 'get',
    access: 'admin',
    request: { query: querySchema },
    responses: { 200: { description: 'Pong.', schema: pongSchema } },
  } as const;
  kernel.routes.add(
    defineRoute<unknown, { n?: number }>({
      ...native,
      path: NATIVE_ROUTE,
      summary: 'Pong, native (sandbox benchmark baseline)',
      handler: ({ c, query }) => c.json({ pong: true, n: query.n ?? 0 }, 200),
    }),
  );
  const enablement = kernel.plugins.enablement;
  kernel.routes.add(
    defineRoute<unknown, { n?: number }>({
      ...native,
      path: CHECKED_ROUTE,
      summary: 'Pong, native, after the enablement check plugin routes make (sandbox benchmark)',
      handler: async ({ c, query }) => {
        if (!(await enablement.isEnabled(c.req.header('x-dotmac-tenant') ?? '', PLUGIN_ID))) {
          throw new NotFoundError(`no route ${c.req.method} ${c.req.path}`);
        }
        return c.json({ pong: true, n: query.n ?? 0 }, 200);
      },
    }),
  );
}

async function measureRoutesOn(ctx: BenchContext, kernel: Kernel, adminToken: string): Promise<BenchResult[]> {
  await kernel.start();
  if (!kernel.url) throw new Error('the kernel has no HTTP server: it was started without one');
  const [tenant] = await kernel.db.query<{ id: string }>(
    `insert into kernel.tenant (slug, name) values ('bench-sandbox', 'Bench sandbox') returning id`,
  );
  if (!tenant) throw new Error('the bench tenant was not created');
  const url = new URL(kernel.url);
  const connection = await HttpConnection.open(url.hostname, Number(url.port));
  try {
    const headers = `Host: ${url.host}\r\nAuthorization: Bearer ${adminToken}\r\nX-Dotmac-Tenant: ${tenant.id}\r\n`;
    const enable = JSON.stringify({ enabled: true });
    const enabled = await connection.send(
      Buffer.from(
        `PUT /api/v1/admin/tenants/${tenant.id}/plugins/${PLUGIN_ID} HTTP/1.1\r\n${headers}` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(enable)}\r\n\r\n${enable}`,
      ),
    );
    if (enabled.status !== 200) throw new Error(`enabling ${PLUGIN_ID} answered ${enabled.status}: ${enabled.body}`);

    const get = (path: string) => Buffer.from(`GET ${path}?n=7 HTTP/1.1\r\n${headers}\r\n`, 'latin1');
    const routes = { native: get(NATIVE_ROUTE), checked: get(CHECKED_ROUTE), sandboxed: get(PLUGIN_ROUTE) };
    const expected = JSON.stringify({ pong: true, n: 7 });
    for (const [name, request] of Object.entries(routes)) {
      const answer = await connection.send(request);
      if (answer.status !== 200 || answer.body !== expected) {
        throw new Error(`GET ${name} answered ${answer.status} ${answer.body}, expected 200 ${expected}`);
      }
    }

    // One keep-alive connection; the routes take turns, in an order that rotates every round,
    // so that drift (GC, CPU boost, the dispatcher's polls, other processes) hits all alike.
    const names = Object.keys(routes) as (keyof typeof routes)[];
    const latencies = { native: [] as number[], checked: [] as number[], sandboxed: [] as number[] };
    const runRounds = async (rounds: number, record: boolean) => {
      for (let i = 0; i < rounds; i++) {
        for (let j = 0; j < names.length; j++) {
          const name = names[(i + j) % names.length] as keyof typeof routes;
          const answer = await connection.send(routes[name]);
          if (answer.status !== 200) throw new Error(`GET ${name} answered ${answer.status}: ${answer.body}`);
          if (record) latencies[name].push(answer.us);
        }
      }
    };
    ctx.progress(`route: warm-up, ${ROUTE_WARMUP_ROUNDS} requests to each route`);
    await runRounds(ROUTE_WARMUP_ROUNDS, false);
    ctx.progress(`route: ${ROUTE_ROUNDS} requests to each route, taking turns`);
    await runRounds(ROUTE_ROUNDS, true);

    // The sandbox's part alone: the plugin's route handler invoked directly, without HTTP.
    const plugin = kernel.plugins.list().find((p) => p.manifest.id === PLUGIN_ID);
    if (!plugin) throw new Error(`the kernel did not load ${PLUGIN_ID}`);
    const routePayload = { params: {}, query: { n: 7 }, body: undefined };
    ctx.progress(`route: ${DIRECT_CALLS} sandbox invokes of the route's handler, without HTTP`);
    const invokeUs = await timeEach(DIRECT_CALLS, () =>
      plugin.sandbox.invoke(tenant.id, 'route:GET /ping', routePayload),
    );

    const [nativeMedian, checkedMedian, sandboxedMedian] = [
      latencies.native,
      latencies.checked,
      latencies.sandboxed,
    ].map(median) as [number, number, number];
    const [nativeP99, checkedP99, sandboxedP99] = [latencies.native, latencies.checked, latencies.sandboxed].map((l) =>
      quantile(l, 0.99),
    ) as [number, number, number];
    ctx.progress(
      `route: median / p99: native ${nativeMedian.toFixed(0)} / ${nativeP99.toFixed(0)} us, ` +
        `native + enablement check ${checkedMedian.toFixed(0)} / ${checkedP99.toFixed(0)} us, ` +
        `sandboxed ${sandboxedMedian.toFixed(0)} / ${sandboxedP99.toFixed(0)} us`,
    );
    const sameRun = `native kernel route (same schemas, access admin, JSON), same kernel, same connection, same run`;
    const nativeMedianBase: Baseline = { name: `median of ${sameRun}`, value: nativeMedian };
    const nativeP99Base: Baseline = { name: `p99 of ${sameRun}`, value: nativeP99 };
    return [
      figure('route_overhead_us_median', sandboxedMedian - nativeMedian, 'us', nativeMedianBase),
      figure('route_overhead_us_p99', sandboxedP99 - nativeP99, 'us', nativeP99Base),
      figure('route_sandboxed_us_median', sandboxedMedian, 'us', nativeMedianBase),
      figure('route_sandboxed_us_p99', sandboxedP99, 'us', nativeP99Base),
      figure('route_native_us_median', nativeMedian, 'us'),
      figure('route_native_us_p99', nativeP99, 'us'),
      figure('route_enablement_check_us_median', checkedMedian - nativeMedian, 'us', nativeMedianBase),
      figure('route_enablement_check_us_p99', checkedP99 - nativeP99, 'us', nativeP99Base),
      figure('route_sandbox_invoke_us_median', median(invokeUs), 'us'),
      figure('route_sandbox_invoke_us_p99', quantile(invokeUs, 0.99), 'us'),
    ];
  } finally {
    connection.close();
  }
}

/** One HTTP answer and how long it took, from writing the request to its last byte. */
interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly us: number;
}

/**
 * One keep-alive HTTP/1.1 connection over a raw socket, one request at a time: node's own
 * client costs more per request than the handlers measured here, and would add its noise.
 */
class HttpConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting:
    | { resolve: (answer: HttpAnswer) => void; reject: (error: Error) => void; started: number }
    | undefined;
  private broken: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => this.fail(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  static open(host: string, port: number): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new HttpConnection(socket));
      });
    });
  }

  send(request: Buffer): Promise<HttpAnswer> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.waiting) return Promise.reject(new Error('one request at a time on a connection'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, started: performance.now() };
      this.socket.write(request);
    });
  }

  close(): void {
    this.broken ??= new Error('the connection was closed');
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    const ended = performance.now();
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *([0-9]+)/i.exec(head);
    if (!length) {
      this.fail(new Error(`response without content-length: ${head}`));
      return;
    }
    const end = headEnd + 4 + Number(length[1]);
    if (this.buffered.length < end) return;
    const body = this.buffered.toString('utf8', headEnd + 4, end);
    this.buffered = this.buffered.subarray(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ status: Number(head.slice(9, 12)), body, us: (ended - waiting.started) * 1000 });
  }

  private fail(error: Error): void {
    this.broken ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
    this.socket.destroy();
  }
}

// ---- events: one call per event against batches --------------------------------------------

/** A sandbox built directly, as the kernel builds one, with a host router that answers nothing. */
function benchSandbox(memoryMb: number): PluginSandbox {
  return new PluginSandbox({
    pluginId: PLUGIN_ID,
    version: '1.0.0',
    code: BUNDLE,
    memoryMb,
    callTimeoutMs: 5_000,
    idleMs: 10 * 60_000,
    host: async () => null,
    log: createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'),
  });
}

function eventsFor(tenantId: string, count: number): EventEnvelope[] {
  const occurredAt = new Date().toISOString();
  return Array.from({ length: count }, (_, n) => ({
    id: randomUUID(),
    name: 'bench.invoice.paid',
    tenantId,
    payload: { invoiceId: randomUUID(), amountCents: 1000 + n, currency: 'EUR' },
    occurredAt,
  }));
}

async function measureEvents(ctx: BenchContext): Promise<BenchResult[]> {
  const sandbox = benchSandbox(64);
  try {
    const tenant = randomUUID();
    const events = eventsFor(tenant, EVENTS);
    const inBatches = (size: number) => {
      const batches: EventEnvelope[][] = [];
      for (let i = 0; i < events.length; i += size) batches.push(events.slice(i, i + size));
      return batches;
    };
    const batchesOf = new Map([BATCH, HOST_BATCH].map((size) => [size, inBatches(size)]));

    let expected = 0;
    /** Runs `deliver` and checks the handler counted every event; returns events per second. */
    const run = async (count: number, deliver: () => Promise<void>) => {
      const started = performance.now();
      await deliver();
      const ms = performance.now() - started;
      expected += count;
      const delivered = await sandbox.invoke(tenant, 'delivered', null);
      if (delivered !== expected) throw new Error(`the handler counted ${delivered} events, ${expected} were sent`);
      return perSecond(count, ms);
    };
    const unbatched = (list: readonly EventEnvelope[], inFlight: number) =>
      run(list.length, () => inLanes(list, inFlight, (event) => sandbox.invoke(tenant, 'event', event)));
    const batched = (list: readonly EventEnvelope[][]) =>
      run(
        list.reduce((sum, b) => sum + b.length, 0),
        async () => {
          for (const batch of list) {
            const answers = await sandbox.invoke(tenant, 'events', batch);
            if (!Array.isArray(answers) || answers.length !== batch.length || answers.some((a) => a?.ok !== true)) {
              throw new Error(`the events entry answered ${JSON.stringify(answers).slice(0, 200)}`);
            }
          }
        },
      );

    ctx.progress(`events: warm-up, ${EVENTS_WARMUP} events each way`);
    await unbatched(events.slice(0, EVENTS_WARMUP), IN_FLIGHT);
    for (const size of [BATCH, HOST_BATCH]) await batched(inBatches(size).slice(0, EVENTS_WARMUP / size));

    // Each way twice, in an order symmetric in time, so drift hits all alike; the better run counts.
    const rates = new Map<number, number[]>();
    for (const size of [1, BATCH, HOST_BATCH, HOST_BATCH, BATCH, 1]) {
      const rate = size === 1 ? await unbatched(events, IN_FLIGHT) : await batched(batchesOf.get(size) ?? []);
      ctx.progress(
        `events: ${EVENTS} ${size === 1 ? `one per call, ${IN_FLIGHT} in flight` : `in calls of ${size}, one in flight`}: ${Math.round(rate)} events/s`,
      );
      rates.set(size, [...(rates.get(size) ?? []), rate]);
    }
    const best = (size: number) => Math.max(...(rates.get(size) ?? []));
    const sequential = await unbatched(events.slice(0, EVENTS / 4), 1);
    ctx.progress(`events: ${EVENTS / 4} one per call, one in flight: ${Math.round(sequential)} events/s`);

    const base: Baseline = {
      name: `one invoke('event') per event, ${IN_FLIGHT} in flight, same sandbox, same run`,
      value: best(1),
    };
    return [
      figure('events_per_s_unbatched', base.value, 'events/s'),
      figure('events_per_s_batched', best(BATCH), 'events/s', base),
      figure(`events_per_s_batched_${HOST_BATCH}`, best(HOST_BATCH), 'events/s', base),
      figure('events_per_s_unbatched_sequential', sequential, 'events/s', base),
    ];
  } finally {
    await sandbox.close();
  }
}

/** Calls `work` on every item, `lanes` calls in flight at a time. */
async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

// ---- tenant contexts: creation time and heap ---------------------------------------------

async function measureTenantContexts(ctx: BenchContext): Promise<BenchResult[]> {
  const sandbox = benchSandbox(512);
  try {
    // The probe tenant's context is created while V8 exposes gc() to new contexts (the flag is
    // read when a context is made, and switched off again right after): it compiles the bundle
    // (once per isolate) and can collect the isolate's garbage before each heap reading.
    const probe = randomUUID();
    const exposed = typeof (globalThis as { gc?: unknown }).gc === 'function'; // node --expose-gc
    if (!exposed) setFlagsFromString('--expose-gc');
    try {
      await sandbox.invoke(probe, 'ping', null);
    } finally {
      if (!exposed) setFlagsFromString('--no-expose-gc');
    }
    const collected = (await sandbox.invoke(probe, 'gc', null)) === true;
    const heapUsed = async () => {
      if (collected) await sandbox.invoke(probe, 'gc', null);
      const stats = await sandbox.heapStatistics();
      if (!stats) throw new Error('the bench sandbox has no isolate running');
      return stats.used_heap_size;
    };

    const before = await heapUsed();
    ctx.progress(`tenant contexts: creating ${TENANTS}, one at a time`);
    const createMs: number[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const tenant = randomUUID();
      let started = performance.now();
      await sandbox.invoke(tenant, 'ping', null);
      const first = performance.now() - started;
      started = performance.now();
      await sandbox.invoke(tenant, 'ping', null);
      createMs.push(first - (performance.now() - started));
    }
    const after = await heapUsed();
    const alive = sandbox.stats().contextsAlive;
    if (alive !== TENANTS + 1) throw new Error(`${alive} contexts alive, expected ${TENANTS + 1}`);
    const mibPerContext = (after - before) / TENANTS / 2 ** 20;
    ctx.progress(
      `tenant contexts: heap used ${(before / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after` +
        (collected ? ', both after a full GC' : ', without GC (gc() was not available in the isolate)'),
    );
    return [
      figure('tenant_context_create_ms', median(createMs), 'ms'),
      figure('tenant_context_mb', mibPerContext, 'MiB'),
    ];
  } finally {
    await sandbox.close();
  }
}

// ---- statistics ----------------------------------------------------------------------------

/** Microseconds each of `count` sequential calls of `work` took. */
async function timeEach(count: number, work: () => Promise<unknown>): Promise<number[]> {
  const us: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await work();
    us.push((performance.now() - started) * 1000);
  }
  return us;
}

/** Nearest-rank quantile (0 < q <= 1). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

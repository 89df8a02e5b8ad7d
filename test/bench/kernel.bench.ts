// The kernel's own costs: events through the transactional outbox and dispatcher against
// plain inserts into the same database, and GET /healthz against a bare hono app.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Kernel, Tx } from '@dotmac/kernel';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type Baseline, type BenchContext, type BenchResult, defineBench, figure, perSecond } from './report.ts';

const EVENTS = 5_000;
const EVENTS_PER_TX = 50;
/** Longest wait for the dispatcher to deliver a batch before the bench gives up. */
const DELIVERY_TIMEOUT_MS = 60_000;
const EVENT_NAME = 'bench.ping';

const LOAD_CONCURRENCY = 32;
const LOAD_WARMUP_MS = 1_000;
const LOAD_DURATION_MS = 5_000;

export default defineBench(async (ctx) => {
  const kernel = await ctx.bootKernel();
  const received = countDeliveries(kernel);
  const outbox = await measureOutbox(ctx, kernel, received);
  const healthz = await measureHealthz(ctx, kernel);
  return [...outbox, ...healthz];
});

/** Distinct `bench.ping` events the subscriber has seen (delivery is at least once), and a way to await a count. */
interface Deliveries {
  reached(count: number, timeoutMs: number): Promise<void>;
}

function countDeliveries(kernel: Kernel): Deliveries {
  kernel.bus.schemas.register({
    $id: EVENT_NAME,
    type: 'object',
    additionalProperties: false,
    required: ['n'],
    properties: { n: { type: 'integer' } },
  });
  const seen = new Set<string>();
  let waiter: { count: number; resolve: () => void } | undefined;
  kernel.bus.subscribe({
    id: 'bench.counter',
    patterns: ['bench.*'],
    async handle(event) {
      seen.add(event.id);
      if (waiter && seen.size >= waiter.count) waiter.resolve();
    },
  });
  return {
    reached(count, timeoutMs) {
      if (seen.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`the subscriber received ${seen.size} of ${count} events in ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiter = undefined;
            resolve();
          },
        };
      });
    },
  };
}

/** Runs `count` writes in transactions of EVENTS_PER_TX, one after another; returns the milliseconds taken. */
async function inTransactions(
  kernel: Kernel,
  count: number,
  write: (tx: Tx, n: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  for (let first = 0; first < count; first += EVENTS_PER_TX) {
    await kernel.db.transaction(async (tx) => {
      for (let n = first; n < Math.min(count, first + EVENTS_PER_TX); n++) await write(tx, n);
    });
  }
  return performance.now() - started;
}

async function measureOutbox(ctx: BenchContext, kernel: Kernel, received: Deliveries): Promise<BenchResult[]> {
  await kernel.db.query(
    `create table bench_plain_event (
       id uuid primary key, name text not null, tenant_id uuid, payload jsonb not null, occurred_at timestamptz not null)`,
  );
  const insertPlain = (tx: Tx, n: number) =>
    tx.query(
      `insert into bench_plain_event (id, name, tenant_id, payload, occurred_at) values ($1, $2, $3, $4::jsonb, $5)`,
      [randomUUID(), EVENT_NAME, null, JSON.stringify({ n }), new Date().toISOString()],
    );
  const publish = (tx: Tx, n: number) => kernel.bus.publish(tx, { name: EVENT_NAME, payload: { n } });

  ctx.progress('outbox: warm-up');
  await inTransactions(kernel, EVENTS_PER_TX, insertPlain);
  await inTransactions(kernel, EVENTS_PER_TX, publish);

  ctx.progress(`outbox: ${EVENTS} plain inserts (baseline)`);
  const baseline: Baseline = {
    name: `plain-table insert of the same rows, ${EVENTS_PER_TX} per transaction, same database, same run`,
    value: perSecond(EVENTS, await inTransactions(kernel, EVENTS, insertPlain)),
  };

  ctx.progress(`outbox: publishing ${EVENTS} events, dispatcher stopped`);
  const publishMs = await inTransactions(kernel, EVENTS, publish);

  // The backlog: the warm-up events and those just published, delivered by a dispatcher that starts now.
  const backlog = EVENTS_PER_TX + EVENTS;
  ctx.progress(`outbox: starting the dispatcher on a backlog of ${backlog} events`);
  const drainStarted = performance.now();
  await kernel.dispatcher.start();
  await received.reached(backlog, DELIVERY_TIMEOUT_MS);
  const drainMs = performance.now() - drainStarted;

  // From here on the whole kernel runs (HTTP server, job workers), as in production.
  await kernel.start();
  ctx.progress(`outbox: publishing ${EVENTS} events while the dispatcher delivers them`);
  const endToEndStarted = performance.now();
  const livePublishMs = await inTransactions(kernel, EVENTS, publish);
  await received.reached(backlog + EVENTS, DELIVERY_TIMEOUT_MS);
  const endToEndMs = performance.now() - endToEndStarted;

  return [
    figure('outbox_events_per_s', perSecond(EVENTS, endToEndMs), 'events/s', baseline),
    figure('outbox_publish_per_s', perSecond(EVENTS, publishMs), 'events/s', baseline),
    figure('outbox_publish_while_dispatching_per_s', perSecond(EVENTS, livePublishMs), 'events/s', baseline),
    figure('outbox_drain_per_s', perSecond(backlog, drainMs), 'events/s'),
    figure('plain_insert_rows_per_s', baseline.value, 'rows/s'),
  ];
}

async function measureHealthz(ctx: BenchContext, kernel: Kernel): Promise<BenchResult[]> {
  if (!kernel.url) throw new Error('the kernel has no HTTP server: it was started without one');
  const kernelUrl = `${kernel.url}/healthz`;
  const bare = await serveBareHono();
  try {
    ctx.progress(`healthz: warm-up, ${LOAD_WARMUP_MS} ms each`);
    await driveLoad(kernelUrl, LOAD_WARMUP_MS);
    await driveLoad(bare.url, LOAD_WARMUP_MS);
    // Kernel, bare, bare, kernel: drift over the run (CPU boost, GC, PostgreSQL) hits both alike.
    const kernelRuns: LoadOutcome[] = [];
    const bareRuns: LoadOutcome[] = [];
    for (const [name, url, into] of [
      ['kernel', kernelUrl, kernelRuns],
      ['bare hono', bare.url, bareRuns],
      ['bare hono', bare.url, bareRuns],
      ['kernel', kernelUrl, kernelRuns],
    ] as const) {
      const run = await driveLoad(url, LOAD_DURATION_MS);
      ctx.progress(
        `healthz: ${name}, ${LOAD_CONCURRENCY} connections for ${LOAD_DURATION_MS} ms: ${Math.round(run.rps)} req/s, ` +
          `server busy ${run.serverBusyUsPerRequest.toFixed(1)} us/req`,
      );
      into.push(run);
    }
    const bareName = 'bare hono app on @hono/node-server, same run';
    const rps: Baseline = { name: bareName, value: Math.max(...bareRuns.map((r) => r.rps)) };
    const cost: Baseline = { name: bareName, value: Math.min(...bareRuns.map((r) => r.serverBusyUsPerRequest)) };
    return [
      figure('healthz_rps', Math.max(...kernelRuns.map((r) => r.rps)), 'req/s', rps),
      figure('bare_hono_healthz_rps', rps.value, 'req/s'),
      figure(
        'healthz_server_busy_us_per_req',
        Math.min(...kernelRuns.map((r) => r.serverBusyUsPerRequest)),
        'us',
        cost,
      ),
      figure('bare_hono_healthz_server_busy_us_per_req', cost.value, 'us'),
    ];
  } finally {
    await bare.close();
  }
}

/** The baseline server: hono's smallest app with the same route and body as the kernel's /healthz. */
async function serveBareHono(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = new Hono().get('/healthz', (c) => c.json({ status: 'ok' }));
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  const http = server as import('node:http').Server;
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/healthz`,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

// The load generator runs in a worker thread, so that on a small machine the client does not
// share the server's event loop, and speaks HTTP/1.1 over raw keep-alive sockets: node's http
// client costs more CPU per request than a hono server does, and would measure itself. Plain
// JavaScript, so the worker loads no TypeScript.
const LOAD_WORKER = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const { url, concurrency, durationMs } = workerData;
const target = new URL(url);
const request = Buffer.from('GET ' + target.pathname + ' HTTP/1.1\r\nHost: ' + target.host + '\r\n\r\n', 'latin1');
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n', 'latin1');
let ok = 0;
let failed = 0;
let firstError;
const started = performance.now();
const deadline = started + durationMs;

// One connection, one request in flight: send, read one whole response, send the next.
function lane() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port) });
    let buffered = Buffer.alloc(0);
    const fail = (why) => {
      failed++;
      firstError ??= why;
      socket.destroy();
      resolve();
    };
    socket.setNoDelay(true);
    socket.setTimeout(5000, () => fail('no answer in 5 s'));
    socket.on('error', (e) => fail(e.message));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffered.toString('latin1', 0, headEnd);
        const length = /\r\ncontent-length: *([0-9]+)/i.exec(head);
        let end;
        if (length) end = headEnd + 4 + Number(length[1]);
        else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
          const at = buffered.indexOf(CHUNKED_END, headEnd);
          end = at < 0 ? Infinity : at + CHUNKED_END.length;
        } else return fail('response has neither content-length nor chunked encoding');
        if (buffered.length < end) return;
        const status = head.slice(9, 12);
        if (status === '200') ok++;
        else {
          failed++;
          firstError ??= 'HTTP ' + status;
        }
        buffered = buffered.subarray(end);
        if (performance.now() >= deadline) {
          socket.end();
          return resolve();
        }
        socket.write(request);
      }
    });
  });
}

Promise.all(Array.from({ length: concurrency }, lane)).then(() => {
  parentPort.postMessage({ ok, failed, firstError, ms: performance.now() - started });
});
`;

/** What one load run measured. */
interface LoadOutcome {
  /** Requests answered 200 per second. */
  readonly rps: number;
  /** Time this thread's event loop (the server's) was busy, per request: the server's cost. */
  readonly serverBusyUsPerRequest: number;
}

/** Drives `url` with LOAD_CONCURRENCY keep-alive connections, one request in flight on each, for `durationMs`. */
async function driveLoad(url: string, durationMs: number): Promise<LoadOutcome> {
  const before = performance.eventLoopUtilization();
  const worker = new Worker(LOAD_WORKER, {
    eval: true,
    execArgv: [],
    workerData: { url, concurrency: LOAD_CONCURRENCY, durationMs },
  });
  const outcome = await new Promise<{ ok: number; failed: number; firstError?: string; ms: number }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`load generator exited with code ${code} before reporting`)));
    },
  );
  const busy = performance.eventLoopUtilization(before);
  await worker.terminate();
  if (outcome.failed > 0) {
    throw new Error(
      `${outcome.failed} of ${outcome.ok + outcome.failed} requests to ${url} failed: ${outcome.firstError}`,
    );
  }
  if (outcome.ok === 0) throw new Error(`no request to ${url} was answered in ${durationMs} ms`);
  return { rps: perSecond(outcome.ok, outcome.ms), serverBusyUsPerRequest: (busy.active * 1000) / outcome.ok };
}

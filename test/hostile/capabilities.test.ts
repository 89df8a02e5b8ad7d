// Hostile plugins at the capability level, in a running kernel: a plugin that reaches for what
// its manifest does not grant (capabilities, events, jobs, secrets, services), for other
// tenants' rows or other schemas, for private and metadata addresses (by URL or by datagram),
// for loopback services on undeclared ports, or that spins in a route or a job. Each attack
// fails, is logged with the plugin's id, and meanwhile another tenant's requests keep being
// answered within the latency budget.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../support/kernel.ts';
import { createPluginRoot, type JsonResponse, operatorClient } from '../support/plugins.ts';

/** A request to a healthy plugin normally takes a few ms; a kernel stalled by an attack would take seconds. */
const LATENCY_BUDGET_MS = 500;
const ADMIN_TOKEN = 'hostile-capabilities-admin-token';
const root = createPluginRoot();

// A UDP port on loopback the hostile plugin declares: every datagram that reaches it is a breach,
// since the operator allows datagrams only to 10.99.0.0/16.
const trap = createSocket('udp4');
const trapped: string[] = [];
trap.on('message', (message) => trapped.push(message.toString()));
trap.bind(0, '127.0.0.1');
await once(trap, 'listening');
const trapPort = (trap.address() as AddressInfo).port;

const route = (method: string, path: string, query = false) => ({
  method,
  path,
  summary: path,
  public: true,
  responses: { 200: { description: 'What happened.' } },
  ...(query ? { request: { query: { type: 'object', properties: { q: { type: 'string' } } } } } : {}),
});

root.write(
  'hostile',
  {
    id: 'test.hostile',
    version: '6.6.6',
    name: 'Hostile',
    description: 'Reaches for what it was not granted.',
    limits: { callTimeoutMs: 1000 },
    capabilities: {
      db: true,
      jobs: [{ name: 'spin', attempts: 1 }],
      egress: [
        { host: 'metadata.example.test', ports: [80] },
        { host: 'intranet.example.test', ports: [80] },
      ],
      datagram: { ports: [3799, trapPort] },
      http: {
        routes: [
          route('GET', '/undeclared'),
          route('GET', '/sql', true),
          route('POST', '/note', true),
          route('GET', '/fetch', true),
          route('GET', '/datagram', true),
          route('GET', '/spin'),
        ],
      },
    },
  },
  `const attempt = async (work) => { try { return { ok: await work() }; } catch (e) { return { error: e.name + ': ' + e.message }; } };
  dotmac.register({
    'route:GET /undeclared': async (req, ctx) => ({
      publish: await attempt(() => ctx.call('events', 'publish', { name: 'billing.invoice.issued', payload: {} })),
      batchPublish: await attempt(() => ctx.call('db', 'batch', { statements: [{ sql: 'select 1' }], events: [{ name: 'tenant.created', payload: {} }] })),
      job: await attempt(() => ctx.call('jobs', 'enqueue', { name: 'kernel.outbox.prune' })),
      secret: await attempt(() => ctx.call('secrets', 'get', { name: 'STRIPE_API_KEY' })),
      service: await attempt(() => ctx.call('services', 'call', { target: 'test.bystander.secrets', input: {} })),
      unknown: await attempt(() => ctx.call('fs', 'readFile', { path: '/etc/passwd' })),
      proto: await attempt(() => ctx.call('__proto__', 'constructor', {})),
      method: await attempt(() => ctx.call('db', 'drop', {})),
    }),
    'route:GET /sql': (req, ctx) => attempt(() => ctx.call('db', 'query', { sql: req.query.q })),
    'route:POST /note': (req, ctx) =>
      attempt(() => ctx.call('db', 'query', { sql: 'insert into notes (tenant_id, text) values ($1::uuid, $2)', params: [ctx.tenantId, req.query.q] })),
    'route:GET /fetch': (req, ctx) => attempt(() => ctx.call('egress', 'fetch', { url: req.query.q })),
    'route:GET /datagram': (req, ctx) => attempt(() => ctx.call('egress', 'datagram', JSON.parse(req.query.q))),
    'route:GET /spin': async () => { for (;;) {} },
    'job:spin': async () => { for (;;) {} },
  })`,
  { '0001-notes.sql': 'create table notes (tenant_id uuid not null, text text not null);' },
);

root.write(
  'bystander',
  {
    id: 'test.bystander',
    version: '1.0.0',
    name: 'Bystander',
    description: 'Another plugin, serving another tenant.',
    capabilities: { db: true, http: { routes: [route('GET', '/ping')] } },
  },
  `dotmac.register({ 'route:GET /ping': async (req, ctx) => ({ pong: (await ctx.call('db', 'query', { sql: 'select count(*)::int as n from items' }))[0].n }) })`,
  { '0001-items.sql': 'create table items (tenant_id uuid not null, name text not null);' },
);

let t: TestKernel;
let op: ReturnType<typeof operatorClient>;
let tenantA: string;
let tenantB: string;
const lines: { level: number; msg: string; plugin?: string; tenantId?: string }[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  t = await bootTestKernel({
    env: { ADMIN_TOKEN, DATAGRAM_ALLOW_NETWORKS: '10.99.0.0/16' },
    logger,
    pluginRoots: [root.dir],
    // No network is allowed beyond the default: public addresses of declared hosts only.
    egress: {
      allowHttp: true,
      lookup: async (host) => {
        const address = { 'metadata.example.test': '169.254.169.254', 'intranet.example.test': '10.1.2.3' }[host];
        if (!address) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
        return [{ address, family: 4 }];
      },
    },
  });
  await t.kernel.start();
  op = operatorClient(t.kernel.url as string, ADMIN_TOKEN);
  tenantA = await createTenant(t.kernel.db, 'attacker');
  tenantB = await createTenant(t.kernel.db, 'bystander');
  await op.setEnabled(tenantA, 'test.hostile', true);
  await op.setEnabled(tenantB, 'test.hostile', true);
  await op.setEnabled(tenantB, 'test.bystander', true);
  await op.call('/api/v1/p/test.hostile/note?q=B-private', { method: 'POST', tenant: tenantB });
});

afterAll(async () => {
  await t?.dispose();
  root.remove();
  trap.close();
});

const attack = (path: string) => op.call(`/api/v1/p/test.hostile${path}`, { tenant: tenantA });

/** Runs `work` while tenant B calls its plugin every 20 ms; answers what `work` got and B's worst latency. */
async function whileBystanderServed<T>(
  work: () => Promise<T>,
): Promise<{ result: T; worstMs: number; served: number }> {
  let done = false;
  let worstMs = 0;
  let served = 0;
  const serving = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await op.call('/api/v1/p/test.bystander/ping', { tenant: tenantB });
      expect(res).toEqual({ status: 200, body: { pong: 0 } });
      worstMs = Math.max(worstMs, performance.now() - started);
      served++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const result = await work().finally(() => {
    done = true;
  });
  await serving;
  return { result, worstMs, served };
}

function expectServedMeanwhile(run: { worstMs: number; served: number }): void {
  expect(run.served).toBeGreaterThan(0);
  expect(run.worstMs).toBeLessThan(LATENCY_BUDGET_MS);
}

/** Warn-or-worse lines of the hostile plugin that contain `text`. */
const loggedFor = (text: string) =>
  lines.filter((l) => l.level >= 40 && l.plugin === 'test.hostile' && l.msg.includes(text));

describe('a hostile plugin, at the capability level', () => {
  test('calls to capabilities, events, jobs, secrets and services its manifest does not declare are refused and logged', async () => {
    const run = await whileBystanderServed(() => attack('/undeclared'));
    expectServedMeanwhile(run);
    const { body } = run.result as JsonResponse;
    expect(body).toEqual({
      publish: { error: expect.stringMatching(/^CapabilityDeniedError: .*may not publish billing\.invoice\.issued/) },
      batchPublish: { error: expect.stringMatching(/^CapabilityDeniedError: .*may not publish tenant\.created/) },
      job: { error: expect.stringMatching(/^CapabilityDeniedError: .*may not enqueue job kernel\.outbox\.prune/) },
      secret: { error: expect.stringMatching(/^CapabilityDeniedError: .*may not read secret STRIPE_API_KEY/) },
      service: { error: expect.stringMatching(/^CapabilityDeniedError: .*may not call test\.bystander\.secrets/) },
      unknown: { error: expect.stringMatching(/^CapabilityDeniedError: .*unknown capability fs/) },
      proto: { error: expect.stringMatching(/^CapabilityDeniedError: .*unknown capability __proto__/) },
      method: { error: expect.stringMatching(/^ValidationError: .*db\.drop, which does not exist/) },
    });
    for (const what of [
      'events.publish refused',
      'jobs.enqueue refused',
      'secrets.get refused',
      'fs.readFile refused',
    ]) {
      expect(loggedFor(what), what).not.toHaveLength(0);
    }
    expect(loggedFor('events.publish refused')[0]?.tenantId).toBe(tenantA);
  });

  test("an unscoped query sees only the calling tenant's rows; other schemas, roles and tenant settings are out of reach", async () => {
    await op.call('/api/v1/p/test.hostile/note?q=A-own', { method: 'POST', tenant: tenantA });
    const statements = [
      'select * from plugin_test_bystander.items',
      'select * from kernel.tenant',
      'select * from kernel.plugin_secret',
      'set role postgres',
      'reset role',
      `set app.tenant_id = '${tenantB}'`,
      `select set_config('app.tenant_id', '${tenantB}', false)`,
      'select 1; delete from notes',
      "select pg_read_file('/etc/passwd')",
      "copy notes to program 'id'",
      'alter table notes disable row level security',
      'drop policy if exists tenant_isolation on notes',
    ];
    const run = await whileBystanderServed(async () => {
      const outcomes: Record<string, JsonResponse> = {};
      outcomes.unscoped = await attack(`/sql?q=${encodeURIComponent('select text from notes')}`);
      for (const sql of statements) outcomes[sql] = await attack(`/sql?q=${encodeURIComponent(sql)}`);
      return outcomes;
    });
    expectServedMeanwhile(run);
    expect(run.result.unscoped?.body).toEqual({ ok: [{ text: 'A-own' }] });
    for (const sql of statements) {
      expect(run.result[sql]?.body.error, sql).toMatch(/^(PluginQueryError|ValidationError|CapabilityDeniedError): /);
    }
    expect(loggedFor('db.query refused')).not.toHaveLength(0);
    // B's row is still there, untouched, for B.
    const [row] = await t.kernel.db.query<{ n: number }>(
      'select count(*)::int as n from plugin_test_hostile.notes where tenant_id = $1',
      [tenantB],
    );
    expect(row?.n).toBe(1);
  });

  test('egress to loopback, metadata and private addresses is refused, by literal or through a declared name', async () => {
    const targets = [
      'http://127.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://[::1]/',
      'http://metadata.example.test/latest/meta-data/',
      'http://intranet.example.test/admin',
    ];
    const run = await whileBystanderServed(async () => {
      const outcomes: Record<string, JsonResponse> = {};
      for (const url of targets) outcomes[url] = await attack(`/fetch?q=${encodeURIComponent(url)}`);
      return outcomes;
    });
    expectServedMeanwhile(run);
    for (const url of targets) expect(run.result[url]?.body.error, url).toMatch(/^EgressRefusedError: /);
    expect(run.result['http://metadata.example.test/latest/meta-data/']?.body.error).toContain('169.254.169.254');
    expect(run.result['http://intranet.example.test/admin']?.body.error).toContain('10.1.2.3');
    expect(loggedFor('egress.fetch refused')).toHaveLength(targets.length);
  });

  test('datagrams to loopback services, undeclared ports, names, metadata, multicast and broadcast are refused; none leaves', async () => {
    const payload = Buffer.from('PING').toString('base64');
    const targets: [string, number][] = [
      ['127.0.0.1', 6379], // Redis's port: not declared
      ['127.0.0.1', 5432], // PostgreSQL's port: not declared
      ['127.0.0.1', trapPort], // declared, but loopback is outside the allowed networks
      ['::ffff:127.0.0.1', trapPort],
      ['::1', trapPort],
      ['localhost', trapPort],
      ['169.254.169.254', 3799],
      ['10.0.0.1', 3799],
      ['224.0.0.1', 3799],
      ['255.255.255.255', 3799],
      ['10.99.255.255', 6379],
    ];
    const run = await whileBystanderServed(async () => {
      const outcomes: Record<string, JsonResponse> = {};
      for (const [host, port] of targets) {
        const q = encodeURIComponent(JSON.stringify({ host, port, payload }));
        outcomes[`${host} ${port}`] = await attack(`/datagram?q=${q}`);
      }
      outcomes.badPort = await attack(
        `/datagram?q=${encodeURIComponent(JSON.stringify({ host: '127.0.0.1', port: '6379', payload }))}`,
      );
      return outcomes;
    });
    expectServedMeanwhile(run);
    for (const [host, port] of targets) {
      expect(run.result[`${host} ${port}`]?.body.error, `${host} ${port}`).toMatch(/^EgressRefusedError: /);
    }
    expect(run.result['127.0.0.1 6379']?.body.error).toContain('port 6379 is not declared');
    expect(run.result[`127.0.0.1 ${trapPort}`]?.body.error).toContain('DATAGRAM_ALLOW_NETWORKS');
    expect(run.result['255.255.255.255 3799']?.body.error).toContain('multicast, broadcast or unspecified');
    expect(run.result.badPort?.body.error).toMatch(/^ValidationError: .*\/args\/port/);
    expect(loggedFor('egress.datagram refused')).toHaveLength(targets.length + 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(trapped).toEqual([]);
  });

  test('a route that spins forever fails at its call timeout, logged, while the other tenant is served', async () => {
    const run = await whileBystanderServed(() => attack('/spin'));
    expectServedMeanwhile(run);
    expect(run.result.status).toBe(500);
    expect(loggedFor('1000 ms')).not.toHaveLength(0);
    expect(run.served).toBeGreaterThan(5);
  });

  test('a job that spins forever fails at its call timeout, logged, while the other tenant is served', async () => {
    const run = await whileBystanderServed(async () => {
      const id = await t.kernel.plugins.enqueueJob('test.hostile', tenantA, 'spin');
      await expect.poll(async () => (await t.kernel.queue.status(id))?.state, { timeout: 15_000 }).toBe('failed');
      return t.kernel.queue.status(id);
    });
    expectServedMeanwhile(run);
    expect(run.result?.error).toMatch(/test\.hostile/);
    expect(lines.some((l) => l.level >= 50 && l.plugin === 'test.hostile' && /job:spin/.test(JSON.stringify(l)))).toBe(
      true,
    );
  });
});

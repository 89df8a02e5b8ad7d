// The capabilities a plugin reaches beyond its database, in a running kernel: jobs (enqueue,
// cron, paused while off), secrets, egress, services of another plugin, batched event delivery
// and route refusals. Each is granted only as the manifest declares, for the calling tenant.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kernel } from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../../../test/support/kernel.ts';
import { createPluginRoot, operatorClient } from '../../../test/support/plugins.ts';

const ADMIN_TOKEN = 'plugin-capabilities-admin-token';
const root = createPluginRoot();

const ok = { 200: { description: 'OK.' } };
const get = (path: string) => ({ method: 'GET', path, summary: path, public: true, responses: ok });
const post = (path: string) => ({ method: 'POST', path, summary: path, public: true, responses: ok });

/** The plugin under test: every capability, each route trying one thing and answering what happened. */
function writeDirectory(egressPort: number) {
  root.write(
    'directory',
    {
      id: 'test.directory',
      version: '1.0.0',
      name: 'Directory',
      description: 'Exercises capabilities.',
      capabilities: {
        db: true,
        jobs: [{ name: 'tally' }, { name: 'nightly', cron: '0 2 * * *' }],
        secrets: [{ name: 'API_TOKEN', description: 'Token of the directory service.' }],
        egress: [
          { host: 'api.example.test', ports: [egressPort] },
          { host: 'internal.example.test', ports: [egressPort] },
          { host: 'metadata.example.test', ports: [80] },
        ],
        events: {
          publish: [
            {
              name: 'directory.pinged',
              description: 'A ping.',
              schema: {
                type: 'object',
                required: ['n'],
                properties: {
                  n: { type: 'integer', description: 'Sequence.' },
                  fail: { type: 'boolean', description: 'Fail it.' },
                },
              },
            },
          ],
          subscribe: ['directory.pinged'],
        },
        services: {
          exports: [
            {
              name: 'findCustomer',
              description: 'Finds a customer by name.',
              input: {
                type: 'object',
                additionalProperties: false,
                required: ['name'],
                properties: { name: { type: 'string', minLength: 1, description: 'Name.' } },
              },
              output: {
                type: 'object',
                required: ['name', 'tenantId'],
                properties: {
                  name: { type: 'string', description: 'Name.' },
                  tenantId: { type: 'string', description: 'Tenant.' },
                },
              },
            },
          ],
        },
        http: {
          routes: [
            {
              ...post('/enqueue'),
              request: {
                body: {
                  type: 'object',
                  properties: { note: { type: 'string' }, key: { type: 'string' } },
                },
              },
            },
            get('/runs'),
            get('/token'),
            get('/undeclared'),
            { ...get('/fetch'), request: { query: { type: 'object', properties: { host: { type: 'string' } } } } },
            get('/refuse'),
            get('/pings'),
          ],
        },
      },
    },
    `const attempt = async (work) => { try { return { ok: await work() }; } catch (e) { return { error: e.name + ': ' + e.message }; } };
    dotmac.register({
      'route:POST /enqueue': (req, ctx) => attempt(() =>
        ctx.call('jobs', 'enqueue', { name: 'tally', data: { note: req.body.note }, key: req.body.key })),
      'route:GET /runs': async (req, ctx) =>
        (await ctx.call('db', 'query', { sql: 'select job, note from runs order by job, note' })),
      'route:GET /token': (req, ctx) => attempt(() => ctx.call('secrets', 'get', { name: 'API_TOKEN' })),
      'route:GET /undeclared': async (req, ctx) => ({
        job: await attempt(() => ctx.call('jobs', 'enqueue', { name: 'not-declared' })),
        secret: await attempt(() => ctx.call('secrets', 'get', { name: 'OTHER_TOKEN' })),
        call: await attempt(() => ctx.call('services', 'call', { target: 'test.portal.whoami', input: {} })),
      }),
      'route:GET /fetch': (req, ctx) =>
        attempt(() => ctx.call('egress', 'fetch', { url: 'http://' + req.query.host + '/hello', headers: { 'x-plugin': 'directory' } })),
      'route:GET /refuse': async () => ({ $problem: { status: 404, detail: 'no customer named Bob', errors: [{ pointer: '/query/name', detail: 'unknown' }] } }),
      'route:GET /pings': async (req, ctx) =>
        (await ctx.call('db', 'query', { sql: 'select n from pings order by n' })).map((r) => r.n),
      'job:tally': async (data, ctx) => {
        await ctx.call('db', 'query', { sql: 'insert into runs (tenant_id, job, note) values ($1::uuid, $2, $3)', params: [ctx.tenantId, 'tally', data.note] });
      },
      'job:nightly': async (data, ctx) => {
        await ctx.call('db', 'query', { sql: 'insert into runs (tenant_id, job, note) values ($1::uuid, $2, $3)', params: [ctx.tenantId, 'nightly', String(data)] });
      },
      'service:findCustomer': async (input, ctx) =>
        input.name === 'Nobody'
          ? { $problem: { status: 404, detail: 'no customer named Nobody' } }
          : { name: input.name, tenantId: ctx.tenantId },
      event: async (event, ctx) => {
        if (event.payload.fail) throw new Error('ping ' + event.payload.n + ' refused');
        await ctx.call('db', 'query', { sql: 'insert into pings (tenant_id, n) values ($1::uuid, $2)', params: [ctx.tenantId, event.payload.n] });
      },
    })`,
    {
      '0001-runs.sql': `create table runs (tenant_id uuid not null, job text not null, note text);
        create table pings (tenant_id uuid not null, n int not null);`,
    },
  );
}

root.write(
  'portal',
  {
    id: 'test.portal',
    version: '1.0.0',
    name: 'Portal',
    description: 'Calls the directory.',
    dependencies: { 'test.directory': '^1.0.0' },
    capabilities: {
      services: { calls: ['test.directory.findCustomer'] },
      http: {
        routes: [{ ...get('/who'), request: { query: { type: 'object', properties: { name: { type: 'string' } } } } }],
      },
    },
  },
  `dotmac.register({
    'route:GET /who': async (req, ctx) => {
      try {
        return { ok: await ctx.call('services', 'call', { target: 'test.directory.findCustomer', input: { name: req.query.name ?? '' } }) };
      } catch (e) { return { error: e.name + ': ' + e.message }; }
    },
  })`,
);

let t: TestKernel;
let kernel: Kernel;
let server: Server;
const seenByServer: { path: string; header: string | undefined }[] = [];
let tenantA: string;
let tenantB: string;
let op: ReturnType<typeof operatorClient>;

const jobDone = async (id: string) => {
  await expect.poll(async () => (await kernel.queue.status(id))?.state, { timeout: 10_000 }).toBe('completed');
  return kernel.queue.status(id);
};

beforeAll(async () => {
  server = createServer((req, res) => {
    seenByServer.push({ path: req.url ?? '', header: req.headers['x-plugin'] as string | undefined });
    res.setHeader('content-type', 'text/plain');
    res.end('hello from the directory service');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  writeDirectory(port);
  const addresses: Record<string, string> = {
    'api.example.test': '127.0.0.1',
    'internal.example.test': '10.0.0.5',
    'metadata.example.test': '169.254.169.254',
  };
  t = await bootTestKernel({
    env: { ADMIN_TOKEN, SECRETS_KEY: randomBytes(32).toString('base64') },
    pluginRoots: [root.dir],
    egress: {
      allowHttp: true,
      allowNetworks: ['127.0.0.1/32'],
      lookup: async (host) => {
        const address = addresses[host];
        if (!address) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
        return [{ address, family: 4 }];
      },
    },
  });
  kernel = t.kernel;
  await kernel.start();
  op = operatorClient(kernel.url as string, ADMIN_TOKEN);
  tenantA = await createTenant(kernel.db, 'isp-a');
  tenantB = await createTenant(kernel.db, 'isp-b');
  for (const tenant of [tenantA, tenantB]) {
    expect((await op.setEnabled(tenant, 'test.directory', true)).status).toBe(200);
    expect((await op.setEnabled(tenant, 'test.portal', true)).status).toBe(200);
  }
});

afterAll(async () => {
  await t?.dispose();
  await new Promise((resolve) => server?.close(resolve));
  root.remove();
});

const plugin = (path: string, tenant: string, init: { method?: string; body?: unknown } = {}) =>
  op.call(`/api/v1/p/test.directory${path}`, { ...init, tenant });

describe(`plugin capabilities on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('a job the plugin enqueues runs in its sandbox for the tenant that enqueued it', async () => {
    const enqueued = await plugin('/enqueue', tenantA, { method: 'POST', body: { note: 'first' } });
    expect(enqueued.body.ok.id).toEqual(expect.any(String));
    expect(await jobDone(enqueued.body.ok.id)).toMatchObject({ result: { ran: true } });
    expect((await plugin('/runs', tenantA)).body).toEqual([{ job: 'tally', note: 'first' }]);
    expect((await plugin('/runs', tenantB)).body).toEqual([]);
  });

  test("a job key is idempotent within a tenant and never collides with another tenant's", async () => {
    const once = await plugin('/enqueue', tenantA, { method: 'POST', body: { note: 'keyed', key: 'k1' } });
    const twice = await plugin('/enqueue', tenantA, { method: 'POST', body: { note: 'keyed again', key: 'k1' } });
    const other = await plugin('/enqueue', tenantB, { method: 'POST', body: { note: 'keyed B', key: 'k1' } });
    expect(twice.body.ok.id).toBe(once.body.ok.id);
    expect(other.body.ok.id).not.toBe(once.body.ok.id);
    await jobDone(once.body.ok.id);
    await jobDone(other.body.ok.id);
    expect((await plugin('/runs', tenantA)).body.filter((r: { note: string }) => r.note.startsWith('keyed'))).toEqual([
      { job: 'tally', note: 'keyed' },
    ]);
    expect((await plugin('/runs', tenantB)).body).toEqual([{ job: 'tally', note: 'keyed B' }]);
  });

  test('a cron run enqueues the job once for each tenant that has the plugin on', async () => {
    const third = await createTenant(kernel.db, 'isp-c-off');
    const ids = await kernel.plugins.runCron('test.directory', 'nightly');
    expect(ids).toHaveLength(2);
    for (const id of ids) await jobDone(id);
    for (const tenant of [tenantA, tenantB]) {
      expect((await plugin('/runs', tenant)).body.filter((r: { job: string }) => r.job === 'nightly')).toEqual([
        { job: 'nightly', note: 'null' },
      ]);
    }
    expect(await kernel.plugins.enablement.isEnabled(third, 'test.directory')).toBe(false);
  });

  test('a job of a tenant that has the plugin off waits (paused) instead of running', async () => {
    expect((await op.setEnabled(tenantB, 'test.portal', false)).status).toBe(200);
    expect((await op.setEnabled(tenantB, 'test.directory', false)).status).toBe(200);
    const id = await kernel.plugins.enqueueJob('test.directory', tenantB, 'tally', { note: 'while off' });
    const status = await jobDone(id);
    const requeued = (status?.result as { requeued?: string } | undefined)?.requeued ?? 'none';
    expect(status?.result).toEqual({ paused: true, requeued: expect.any(String) });
    expect((await kernel.queue.status(requeued))?.state).toBe('delayed');
    expect((await op.setEnabled(tenantB, 'test.directory', true)).status).toBe(200);
    expect((await op.setEnabled(tenantB, 'test.portal', true)).status).toBe(200);
    expect((await plugin('/runs', tenantB)).body.map((r: { note: string }) => r.note)).not.toContain('while off');
  });

  test('a secret set by the operator is readable by its plugin for that tenant only, and never listed', async () => {
    expect((await plugin('/token', tenantA)).body).toEqual({ ok: null });
    const put = await op.call(`/api/v1/admin/tenants/${tenantA}/plugins/test.directory/secrets/API_TOKEN`, {
      method: 'PUT',
      body: { value: 's3cret-for-a' },
    });
    expect(put.status).toBe(204);
    expect((await plugin('/token', tenantA)).body).toEqual({ ok: 's3cret-for-a' });
    expect((await plugin('/token', tenantB)).body).toEqual({ ok: null });
    const listed = await op.call(`/api/v1/admin/tenants/${tenantA}/plugins/test.directory/secrets`);
    expect(JSON.stringify(listed.body)).not.toContain('s3cret-for-a');
  });

  test('jobs, secrets and service calls the manifest does not declare are refused by name', async () => {
    const { body } = await plugin('/undeclared', tenantA);
    expect(body.job.error).toBe(
      'CapabilityDeniedError: plugin test.directory@1.0.0 may not enqueue job not-declared: its manifest does not declare it',
    );
    expect(body.secret.error).toBe(
      'CapabilityDeniedError: plugin test.directory@1.0.0 may not read secret OTHER_TOKEN: its manifest does not declare it',
    );
    expect(body.call.error).toBe(
      'CapabilityDeniedError: plugin test.directory@1.0.0 may not call test.portal.whoami: its manifest does not declare the call',
    );
  });

  test('egress reaches a declared host the operator allows, and refuses private and metadata addresses', async () => {
    const port = (server.address() as AddressInfo).port;
    const fetched = await plugin(`/fetch?host=api.example.test:${port}`, tenantA);
    expect(fetched.body.ok).toMatchObject({ status: 200, body: 'hello from the directory service' });
    expect(seenByServer.at(-1)).toEqual({ path: '/hello', header: 'directory' });

    const internal = await plugin(`/fetch?host=internal.example.test:${port}`, tenantA);
    expect(internal.body.error).toMatch(/^EgressRefusedError: .*10\.0\.0\.5/);
    const metadata = await plugin('/fetch?host=metadata.example.test', tenantA);
    expect(metadata.body.error).toMatch(/^EgressRefusedError: .*169\.254\.169\.254/);
    const literal = await plugin(`/fetch?host=127.0.0.1:${port}`, tenantA);
    expect(literal.body.error).toMatch(/^EgressRefusedError: /);
    const undeclared = await plugin('/fetch?host=elsewhere.example.test', tenantA);
    expect(undeclared.body.error).toMatch(/^EgressRefusedError: .*elsewhere\.example\.test/);
    expect(seenByServer).toHaveLength(1);
  });

  test("a service call runs the exporter's function for the caller's tenant, validated against its schema", async () => {
    const who = await op.call('/api/v1/p/test.portal/who?name=Ada', { tenant: tenantB });
    expect(who.body).toEqual({ ok: { name: 'Ada', tenantId: tenantB } });
    const bad = await op.call('/api/v1/p/test.portal/who', { tenant: tenantB });
    expect(bad.body.error).toMatch(/^ValidationError: .*test\.directory@1\.0\.0's schema.*\/input\/name/);
  });

  test('a service that refuses a call (RouteError) gives the caller that refusal, and it is not a fault', async () => {
    const faults = () => kernel.plugins.stats('test.directory').tenants.find((s) => s.tenantId === tenantB)?.faults;
    const before = faults();
    const who = await op.call('/api/v1/p/test.portal/who?name=Nobody', { tenant: tenantB });
    expect(who.body).toEqual({ error: 'PluginRouteProblem: test.directory: no customer named Nobody' });
    expect(faults()).toBe(before);
  });

  test('a route refusal is answered as problem+json with its 4xx and does not count as a fault', async () => {
    const before = kernel.plugins.stats('test.directory').tenants.find((s) => s.tenantId === tenantA)?.faults;
    const refused = await plugin('/refuse', tenantA);
    expect(refused).toEqual({
      status: 404,
      body: expect.objectContaining({
        status: 404,
        detail: 'test.directory: no customer named Bob',
        errors: [{ pointer: '/query/name', detail: 'unknown' }],
      }),
    });
    expect(kernel.plugins.stats('test.directory').tenants.find((s) => s.tenantId === tenantA)?.faults).toBe(before);
  });

  test('events arriving together cross into the sandbox in batches; a failing event fails alone', async () => {
    const callsBefore = kernel.plugins.stats('test.directory').tenants.find((s) => s.tenantId === tenantA)?.calls ?? 0;
    await kernel.db.transaction(async (tx) => {
      for (let n = 1; n <= 40; n++) {
        await kernel.bus.publish(tx, { name: 'directory.pinged', tenantId: tenantA, payload: { n, fail: n === 7 } });
      }
    });
    const expected = Array.from({ length: 40 }, (_, i) => i + 1).filter((n) => n !== 7);
    await expect.poll(async () => (await plugin('/pings', tenantA)).body, { timeout: 15_000 }).toEqual(expected);
    const callsAfter = kernel.plugins.stats('test.directory').tenants.find((s) => s.tenantId === tenantA)?.calls ?? 0;
    // 40 events and one /pings poll or more: far fewer sandbox calls than one per event.
    expect(callsAfter - callsBefore).toBeLessThan(30);
    const [failed] = await kernel.db.query<{ last_error: string }>(
      `select d.last_error from kernel.event_delivery d join kernel.outbox_event e on e.id = d.event_id
       where d.subscriber = 'plugin:test.directory' and e.payload->>'n' = '7'`,
    );
    expect(failed?.last_error).toContain('ping 7 refused');
  });

  test('each plugin’s CPU, calls and faults per tenant, and whether it is degraded, are Prometheus metrics', async () => {
    const text = await (await fetch(`${kernel.url}/metrics`)).text();
    const value = (metric: string) => Number(text.match(new RegExp(`^${metric} (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
    const labels = `{plugin="test.directory",tenant="${tenantA}"}`;
    expect(value(`dotmac_plugin_calls_total${labels}`)).toBeGreaterThan(10);
    expect(value(`dotmac_plugin_cpu_seconds_total${labels}`)).toBeGreaterThan(0);
    expect(value(`dotmac_plugin_faults_total${labels}`)).toBe(0);
    expect(value('dotmac_plugin_degraded{plugin="test.directory"}')).toBe(0);
    expect(value('dotmac_plugin_contexts{plugin="test.directory"}')).toBe(2);
  });
});

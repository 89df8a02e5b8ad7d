// Specification of the testbed (@dotmac/sdk/testing createTestbed): a built plugin in the real
// kernel and sandbox, on a database of its own, driven over HTTP, the event bus and the job
// queue, with a clock the test moves.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_DATABASE_URL } from '../../test/support/services.ts';
import { buildPlugin } from '../src/cli/build.ts';
import { createTestbed, type Testbed } from '../src/testing.ts';
import { scaffold } from './support.ts';

const PROBE_SERVER = `
import { definePlugin } from '@dotmac/sdk';
export default definePlugin({
  routes: {
    'GET /now': async (ctx) => ({ now: (await ctx.clock.now()).toISOString(), tenant: ctx.tenantId }),
    'POST /pings': async (ctx, { body }) => {
      await ctx.db.transaction(
        [{ sql: 'insert into pings (tenant_id, note) values ($1, $2)', params: [ctx.tenantId, body.note] }],
        { events: [{ name: 'probe.pinged', payload: { note: body.note } }] },
      );
      return { ok: true };
    },
    'GET /pings': async (ctx) => ({ notes: (await ctx.db.query('select note from pings order by id')).map((r) => r.note) }),
    'GET /config': async (ctx) => ctx.config.get(),
  },
  async onEvent(ctx, event) {
    if (event.payload.note === 'poison') throw new Error('cannot digest poison');
    await ctx.log.info('heard', { note: event.payload.note });
  },
  jobs: {
    tally: async (ctx, data) => {
      await ctx.db.query('insert into pings (tenant_id, note) values ($1, $2)', [ctx.tenantId, 'tally ' + data.label]);
    },
    explode: async () => { throw new Error('boom'); },
  },
});
`;

const PROBE_MANIFEST = {
  id: 'acme.probe',
  version: '0.1.0',
  name: 'Probe',
  description: 'Exercises the testbed.',
  publisher: 'Acme',
  engines: { kernel: '^0.1.0' },
  capabilities: {
    db: true,
    events: {
      publish: [
        {
          name: 'probe.pinged',
          description: 'A ping.',
          schema: { type: 'object', required: ['note'], properties: { note: { type: 'string' } } },
        },
      ],
      subscribe: ['probe.pinged'],
    },
    http: {
      routes: [
        { method: 'GET', path: '/now', summary: 'Now', public: true, responses: { '200': { description: 'ok' } } },
        {
          method: 'POST',
          path: '/pings',
          summary: 'Ping',
          public: true,
          request: {
            body: { type: 'object', required: ['note'], properties: { note: { type: 'string', minLength: 1 } } },
          },
          responses: { '201': { description: 'ok' } },
        },
        { method: 'GET', path: '/pings', summary: 'Pings', public: true, responses: { '200': { description: 'ok' } } },
        {
          method: 'GET',
          path: '/config',
          summary: 'Config',
          public: true,
          responses: { '200': { description: 'ok' } },
        },
      ],
    },
    jobs: [{ name: 'tally' }, { name: 'explode', attempts: 1 }],
    config: { type: 'object', additionalProperties: false, properties: { greeting: { type: 'string' } } },
  },
};

/** The probe plugin, built, in a repository temp folder. */
async function probe(): Promise<string> {
  const dir = await scaffold(PROBE_SERVER);
  await writeFile(join(dir, 'plugin.json'), JSON.stringify(PROBE_MANIFEST));
  await writeFile(
    join(dir, 'migrations/0001-init.sql'),
    'create table pings (id bigint generated always as identity primary key, tenant_id uuid not null, note text not null);',
  );
  await buildPlugin(dir);
  return dir;
}

describe('a testbed on embedded PGlite', () => {
  let bed: Testbed;
  let a: string;
  let b: string;

  beforeAll(async () => {
    bed = await createTestbed({ dir: await probe(), clock: '2026-05-01T10:00:00Z' });
    a = await bed.tenant('isp-a');
    b = await bed.tenant('isp-b');
  });
  afterAll(() => bed?.close());

  test('runs the plugin for the tenant of each request, on the clock the test moves', async () => {
    expect(bed.pluginId).toBe('acme.probe');
    expect(await bed.request(a, 'GET /now')).toMatchObject({
      status: 200,
      body: { now: '2026-05-01T10:00:00.000Z', tenant: a },
    });
    bed.clock.advance(90 * 60_000);
    expect((await bed.request(b, 'GET /now')).body).toEqual({ now: '2026-05-01T11:30:00.000Z', tenant: b });
    bed.clock.set('2027-01-01T00:00:00Z');
    expect((await bed.request(a, 'GET /now')).body).toMatchObject({ now: '2027-01-01T00:00:00.000Z' });
  });

  test('answers problem+json for bad input, and 404 once the tenant has the plugin off', async () => {
    const bad = await bed.request(a, 'POST /pings', { note: '' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ errors: [{ pointer: '/body/note' }] });
    const tenant = await bed.tenant();
    await bed.setEnabled(tenant, false);
    expect((await bed.request(tenant, 'GET /now')).status).toBe(404);
    await expect(bed.request(a, 'FETCH /now')).rejects.toThrow('must be "<GET|POST|PUT|PATCH|DELETE> /path"');
  });

  test('delivers published events to the handler, and reports a dead-lettered one', async () => {
    expect((await bed.request(a, 'POST /pings', { note: 'first' })).status).toBe(201);
    const [pinged] = await bed.events({ tenant: a, name: 'probe.pinged' });
    expect(pinged).toMatchObject({ tenantId: a, payload: { note: 'first' } });
    expect(await bed.delivered(pinged?.id as string)).toEqual([
      { subscriber: 'plugin:acme.probe', status: 'delivered', attempts: expect.any(Number), lastError: null },
    ]);
    expect(bed.logs).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'heard',
        plugin: 'acme.probe',
        tenantId: a,
        data: { note: 'first' },
      }),
    );

    const published = await bed.publish(b, 'probe.pinged', { note: 'from the test' });
    await bed.delivered(published);
    expect(bed.logs).toContainEqual(expect.objectContaining({ tenantId: b, data: { note: 'from the test' } }));

    const poison = await bed.publish(b, 'probe.pinged', { note: 'poison' });
    await expect(bed.delivered(poison)).rejects.toThrow(
      /dead-lettered by plugin:acme\.probe after \d+ attempts: .*poison/,
    );
    await bed.settle();
  });

  test('runs jobs for a tenant and cron fan-outs for every tenant, rejecting with the error of a failed one', async () => {
    expect(await bed.runJob(a, 'tally', { label: 'one' })).toMatchObject({ state: 'completed' });
    expect((await bed.request(a, 'GET /pings')).body).toMatchObject({ notes: expect.arrayContaining(['tally one']) });
    expect((await bed.request(b, 'GET /pings')).body).not.toMatchObject({
      notes: expect.arrayContaining(['tally one']),
    });
    await expect(bed.runJob(a, 'explode')).rejects.toThrow(/job explode .* failed after 1 attempt\(s\): .*boom/);
  });

  test('queries as the kernel, across tenants, in the plugin schema', async () => {
    await bed.request(b, 'POST /pings', { note: 'second' });
    const rows = await bed.query<{ tenant_id: string; note: string }>(
      "select tenant_id, note from pings where note in ('first', 'second') order by id",
    );
    expect(rows).toEqual([
      { tenant_id: a, note: 'first' },
      { tenant_id: b, note: 'second' },
    ]);
  });

  test("sets a tenant's config through the admin API, validated against the plugin's schema", async () => {
    await bed.setConfig(a, { greeting: 'hi' });
    expect((await bed.request(a, 'GET /config')).body).toEqual({ greeting: 'hi' });
    await expect(bed.setConfig(a, { colour: 'blue' })).rejects.toThrow(/answered 400/);
  });
});

/** A built plugin that depends on the probe. */
async function dependant(): Promise<string> {
  const dir = await scaffold(`
import { definePlugin } from '@dotmac/sdk';
export default definePlugin({ routes: { 'GET /hello': async (ctx) => ({ hello: ctx.tenantId }) } });
`);
  await writeFile(
    join(dir, 'plugin.json'),
    JSON.stringify({
      id: 'acme.dependant',
      version: '0.1.0',
      name: 'Dependant',
      description: 'Needs the probe.',
      publisher: 'Acme',
      engines: { kernel: '^0.1.0' },
      dependencies: { 'acme.probe': '^0.1.0' },
      capabilities: {
        http: {
          routes: [
            { method: 'GET', path: '/hello', summary: 'Hi', public: true, responses: { '200': { description: 'ok' } } },
          ],
        },
      },
    }),
  );
  await buildPlugin(dir);
  return dir;
}

describe('a testbed on PostgreSQL, with a dependency', () => {
  test('gets a fresh database on the server it is given, enables the dependencies first, and drops the database when closed', async () => {
    const exists = async (name: string) => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
      } finally {
        await client.end();
      }
    };
    const bed = await createTestbed({ dir: await dependant(), with: [await probe()], databaseUrl: TEST_DATABASE_URL });
    try {
      expect(bed.kernel.db.kind).toBe('postgresql');
      const [current] = await bed.kernel.db.query<{ name: string }>('select current_database() as name');
      expect(current?.name).toMatch(/^dotmac_t_[0-9a-f]{12}$/);
      const tenant = await bed.tenant();
      expect(await bed.request(tenant, 'GET /hello')).toMatchObject({ status: 200, body: { hello: tenant } });
      const pinged = await bed.request(tenant, 'POST /pings', { note: 'on postgres' }, { plugin: 'acme.probe' });
      expect(pinged.status).toBe(201);
      // The dependency cannot be switched off while the plugin under test is on.
      await expect(bed.setEnabled(tenant, false, 'acme.probe')).rejects.toThrow(/409.*acme\.dependant depends on it/);
      await bed.close();
      expect(await exists(current?.name as string)).toBe(false);
    } finally {
      await bed.close();
    }
  });
});

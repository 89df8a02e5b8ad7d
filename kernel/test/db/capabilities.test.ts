// Capabilities as a plugin sees them: a real sandbox, the host router, and the database of the
// project's engine. Each call is granted exactly what the manifest declares, for the tenant of
// the call's envelope.
import type { Kernel } from '@dotmac/kernel';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../../../test/support/kernel.ts';
import { createHostRouter, registerPublishedEvents } from '../../src/plugins/capabilities.ts';
import { migratePlugin } from '../../src/plugins/db/index.ts';
import { PluginEnablement } from '../../src/plugins/enablement.ts';
import { PluginJobs } from '../../src/plugins/jobs.ts';
import { parseManifest } from '../../src/plugins/manifest.ts';
import { PluginSandbox } from '../../src/plugins/sandbox/index.ts';
import { PluginSecrets } from '../../src/plugins/secrets.ts';
import { PluginServices } from '../../src/plugins/services.ts';

const notes = parseManifest(
  {
    id: 'test.notes',
    version: '1.0.0',
    name: 'Notes',
    description: 'Keeps notes.',
    publisher: 'Test',
    engines: { kernel: '^0.1.0' },
    capabilities: {
      db: true,
      config: { type: 'object', properties: { greeting: { type: 'string' } }, additionalProperties: false },
      events: {
        publish: [
          {
            name: 'note.added',
            description: 'A note was added.',
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['text'],
              properties: { text: { type: 'string', description: 'The note.' } },
            },
          },
        ],
      },
    },
  },
  'test.notes/plugin.json',
);
const bare = parseManifest(
  {
    id: 'test.bare',
    version: '1.0.0',
    name: 'Bare',
    description: 'Asks for nothing.',
    publisher: 'Test',
    engines: { kernel: '^0.1.0' },
  },
  'test.bare/plugin.json',
);

// A plugin's server bundle, as the SDK would build it: handlers that call capabilities and
// report what came back (or the message of what was refused).
const BUNDLE = `
const attempt = async (fn) => { try { return { ok: await fn() } } catch (e) { return { refused: e.message } } };
dotmac.register({
  add: (p, ctx) => attempt(() => ctx.call('db', 'batch', {
    statements: [{ sql: 'insert into notes (tenant_id, text) values ($1::uuid, $2)', params: [ctx.tenantId, p.text] }],
    events: [{ name: 'note.added', payload: { text: p.text } }],
  })),
  addBroken: (p, ctx) => attempt(() => ctx.call('db', 'batch', {
    statements: [
      { sql: 'insert into notes (tenant_id, text) values ($1::uuid, $2)', params: [ctx.tenantId, p.text] },
      { sql: 'insert into notes (tenant_id, text) values ($1::uuid, null)', params: [ctx.tenantId] },
    ],
    events: [{ name: 'note.added', payload: { text: p.text } }],
  })),
  list: (p, ctx) => attempt(() => ctx.call('db', 'query', { sql: 'select text from notes order by text' })),
  query: (p, ctx) => attempt(() => ctx.call('db', 'query', { sql: p.sql, params: p.params ?? [] })),
  publish: (p, ctx) => attempt(() => ctx.call('events', 'publish', p)),
  config: (p, ctx) => attempt(() => ctx.call('config', 'get', {})),
  now: (p, ctx) => attempt(() => ctx.call('clock', 'now', {})),
  other: (p, ctx) => attempt(() => ctx.call(p.capability, p.method, {})),
});`;

let t: TestKernel;
let kernel: Kernel;
let tenantA: string;
let tenantB: string;
let notesSandbox: PluginSandbox;
let bareSandbox: PluginSandbox;
const clock = { now: () => new Date('2027-01-31T23:59:00Z') };

function sandboxFor(manifest: typeof notes, enablement: PluginEnablement): PluginSandbox {
  return new PluginSandbox({
    pluginId: manifest.id,
    version: manifest.version,
    code: BUNDLE,
    memoryMb: 32,
    callTimeoutMs: 5000,
    idleMs: 60_000,
    log: pino({ level: 'silent' }),
    host: createHostRouter(manifest, {
      db: kernel.db,
      bus: kernel.bus,
      enablement,
      clock,
      jobs: new PluginJobs(kernel.queue, enablement, kernel.log),
      secrets: new PluginSecrets(kernel.db, undefined, [notes, bare]),
      services: new PluginServices(enablement),
      egress: {},
    }),
  });
}

beforeAll(async () => {
  t = await bootTestKernel();
  kernel = t.kernel;
  tenantA = await createTenant(kernel.db, 'isp-a');
  tenantB = await createTenant(kernel.db, 'isp-b');
  await migratePlugin(kernel.db, notes.id, [
    { name: '0001-notes', sql: 'create table notes (tenant_id uuid not null, text text not null)' },
  ]);
  registerPublishedEvents(kernel.bus.schemas, notes);
  const enablement = new PluginEnablement(kernel.db, kernel.bus, [notes, bare]);
  await enablement.setConfig(tenantA, notes.id, { greeting: 'hello A' }, { type: 'operator' });
  notesSandbox = sandboxFor(notes, enablement);
  bareSandbox = sandboxFor(bare, enablement);
});

afterAll(async () => {
  await notesSandbox?.close();
  await bareSandbox?.close();
  await t?.dispose();
});

const outbox = (tenantId: string) =>
  kernel.db.query<{ name: string; payload: unknown }>(
    'select name, payload from kernel.outbox_event where tenant_id = $1 order by seq',
    [tenantId],
  );

describe(`plugin capabilities on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('a write and the event it publishes commit together, for the tenant of the call', async () => {
    expect(await notesSandbox.invoke(tenantA, 'add', { text: 'a1' })).toEqual({ ok: [[]] });
    expect(await outbox(tenantA)).toEqual([{ name: 'note.added', payload: { text: 'a1' } }]);
    expect(await outbox(tenantB)).toEqual([]);
  });

  test('a batch that fails part-way writes nothing and publishes nothing', async () => {
    const before = await outbox(tenantB);
    const answer = (await notesSandbox.invoke(tenantB, 'addBroken', { text: 'b-lost' })) as { refused: string };
    expect(answer.refused).toBeDefined();
    expect(await outbox(tenantB)).toEqual(before);
    expect(await notesSandbox.invoke(tenantB, 'list', {})).toEqual({ ok: [] });
  });

  test("a deliberately unscoped query sees only the calling tenant's rows", async () => {
    await notesSandbox.invoke(tenantB, 'add', { text: 'b1' });
    expect(await notesSandbox.invoke(tenantA, 'list', {})).toEqual({ ok: [{ text: 'a1' }] });
    expect(await notesSandbox.invoke(tenantB, 'list', {})).toEqual({ ok: [{ text: 'b1' }] });
    expect(await notesSandbox.invoke(tenantA, 'query', { sql: 'select count(*)::int as n from notes' })).toEqual({
      ok: [{ n: 1 }],
    });
  });

  test("writing a row under another tenant's id is refused", async () => {
    const answer = (await notesSandbox.invoke(tenantA, 'query', {
      sql: 'insert into notes (tenant_id, text) values ($1::uuid, $2)',
      params: [tenantB, 'planted'],
    })) as { refused: string };
    expect(answer.refused).toContain('row-level security');
    expect(await notesSandbox.invoke(tenantB, 'list', {})).toEqual({ ok: [{ text: 'b1' }] });
  });

  test("the kernel's tables and escalations are out of reach", async () => {
    for (const sql of [
      'select * from kernel.tenant',
      "select set_config('app.tenant_id', '" + tenantB + "', true)",
      'reset role',
    ]) {
      const answer = (await notesSandbox.invoke(tenantA, 'query', { sql })) as { refused?: string };
      expect(answer.refused, sql).toBeDefined();
    }
  });

  test('publishing an event the manifest does not declare is refused, naming the plugin and the event', async () => {
    expect(await notesSandbox.invoke(tenantA, 'publish', { name: 'invoice.paid', payload: {} })).toEqual({
      refused: 'plugin test.notes@1.0.0 may not publish invoice.paid: its manifest does not declare it',
    });
    const bad = (await notesSandbox.invoke(tenantA, 'publish', { name: 'note.added', payload: { text: 3 } })) as {
      refused: string;
    };
    expect(bad.refused).toContain('/payload/text must be string');
  });

  test('a plugin without the db capability cannot query, and unknown capabilities are refused', async () => {
    expect(await bareSandbox.invoke(tenantA, 'list', {})).toEqual({
      refused: 'plugin test.bare@1.0.0 has no db capability: its manifest does not declare one',
    });
    expect(await bareSandbox.invoke(tenantA, 'other', { capability: 'process', method: 'exit' })).toEqual({
      refused: 'plugin test.bare@1.0.0 called unknown capability process',
    });
  });

  test("config is the calling tenant's, and the clock is the kernel's injectable one", async () => {
    expect(await notesSandbox.invoke(tenantA, 'config', {})).toEqual({ ok: { greeting: 'hello A' } });
    expect(await notesSandbox.invoke(tenantB, 'config', {})).toEqual({ ok: {} });
    expect(await notesSandbox.invoke(tenantA, 'now', {})).toEqual({ ok: '2027-01-31T23:59:00.000Z' });
  });
});

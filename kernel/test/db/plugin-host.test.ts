// Plugins in a running kernel: routes mounted per plugin, served from the sandbox for the
// calling tenant, switched on and off per tenant on the next request, and events delivered
// only to tenants that have the plugin on.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kernel } from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, type TestKernel } from '../../../test/support/kernel.ts';

const ADMIN_TOKEN = 'plugin-host-test-admin-token';
const roots = mkdtempSync(join(tmpdir(), 'dotmac-plugins-'));

function writePlugin(
  name: string,
  manifest: Record<string, unknown>,
  bundle: string,
  migrations: Record<string, string> = {},
) {
  const dir = join(roots, name);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'dist', 'server.js'), bundle);
  if (Object.keys(migrations).length) {
    mkdirSync(join(dir, 'migrations'));
    for (const [file, sql] of Object.entries(migrations)) writeFileSync(join(dir, 'migrations', file), sql);
  }
}

const base = { publisher: 'Test', engines: { kernel: '^0.1.0' } };
writePlugin(
  'notes',
  {
    ...base,
    id: 'test.notes',
    version: '1.0.0',
    name: 'Notes',
    description: 'Keeps notes per tenant.',
    capabilities: {
      db: true,
      events: {
        publish: [
          {
            name: 'note.added',
            description: 'A note was added.',
            schema: {
              type: 'object',
              required: ['text'],
              properties: { text: { type: 'string', description: 'Text.' } },
            },
          },
        ],
        subscribe: ['note.added'],
      },
      http: {
        routes: [
          {
            method: 'GET',
            path: '/notes',
            summary: 'List notes',
            public: true,
            responses: { 200: { description: 'Notes.' } },
          },
          {
            method: 'POST',
            path: '/notes',
            summary: 'Add a note',
            public: true,
            request: {
              body: {
                type: 'object',
                additionalProperties: false,
                required: ['text'],
                properties: { text: { type: 'string', minLength: 1, description: 'Text.' } },
              },
            },
            responses: { 201: { description: 'Added.' } },
          },
        ],
      },
    },
  },
  `dotmac.register({
    'route:GET /notes': async (req, ctx) => ({
      notes: (await ctx.call('db', 'query', { sql: 'select text from notes order by text' })).map((r) => r.text),
      seen: (await ctx.call('db', 'query', { sql: 'select count(*)::int as n from seen' }))[0].n,
    }),
    'route:POST /notes': async (req, ctx) => {
      await ctx.call('db', 'batch', {
        statements: [{ sql: 'insert into notes (tenant_id, text) values ($1::uuid, $2)', params: [ctx.tenantId, req.body.text] }],
        events: [{ name: 'note.added', payload: { text: req.body.text } }],
      });
      return { added: req.body.text };
    },
    event: async (event, ctx) => {
      await ctx.call('db', 'query', { sql: 'insert into seen (tenant_id, event_id) values ($1::uuid, $2::uuid)', params: [ctx.tenantId, event.id] });
    },
  })`,
  {
    '0001-notes.sql': `create table notes (tenant_id uuid not null, text text not null);
      create table seen (tenant_id uuid not null, event_id uuid not null);`,
  },
);
writePlugin(
  'digest',
  {
    ...base,
    id: 'test.digest',
    version: '1.0.0',
    name: 'Digest',
    description: 'Depends on notes.',
    dependencies: { 'test.notes': '^1.0.0' },
  },
  'dotmac.register({})',
);

let t: TestKernel;
let kernel: Kernel;
let url: string;
let tenantA: string;
let tenantB: string;

const call = (path: string, init: { method?: string; tenant?: string; body?: unknown } = {}) =>
  fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(init.tenant ? { 'x-dotmac-tenant': init.tenant } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;
const json = (res: Response) => res.json() as Promise<Json>;
const setEnabled = (tenant: string, pluginId: string, enabled: boolean) =>
  call(`/api/v1/admin/tenants/${tenant}/plugins/${pluginId}`, { method: 'PUT', body: { enabled } });
const notesOf = async (tenant: string) => {
  const res = await call('/api/v1/p/test.notes/notes', { tenant });
  return { status: res.status, body: await json(res) };
};

beforeAll(async () => {
  t = await bootTestKernel({ env: { ADMIN_TOKEN, LOG_LEVEL: process.env.DBG_LOG ?? 'silent' }, pluginRoots: [roots] });
  kernel = t.kernel;
  await kernel.start();
  url = kernel.url as string;
  const created = await kernel.db.query<{ id: string }>(
    `insert into kernel.tenant (slug, name) values ('isp-a', 'A'), ('isp-b', 'B') returning id`,
  );
  [tenantA, tenantB] = created.map((r) => r.id) as [string, string];
});

afterAll(async () => {
  await t?.dispose();
  rmSync(roots, { recursive: true, force: true });
});

describe(`plugin host on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('a plugin route is 404 for a tenant until the plugin is enabled for it', async () => {
    expect((await notesOf(tenantA)).status).toBe(404);
    expect((await setEnabled(tenantA, 'test.notes', true)).status).toBe(200);
    expect(await notesOf(tenantA)).toEqual({ status: 200, body: { notes: [], seen: 0 } });
    expect((await notesOf(tenantB)).status).toBe(404);
  });

  test("each tenant's calls run in the sandbox for that tenant and see only its rows", async () => {
    await setEnabled(tenantB, 'test.notes', true);
    const added = await call('/api/v1/p/test.notes/notes', {
      method: 'POST',
      tenant: tenantA,
      body: { text: 'from A' },
    });
    expect(added.status).toBe(201);
    expect(await json(added)).toEqual({ added: 'from A' });
    await call('/api/v1/p/test.notes/notes', { method: 'POST', tenant: tenantB, body: { text: 'from B' } });
    const a = await notesOf(tenantA);
    expect(a, JSON.stringify(a)).toMatchObject({ status: 200 });
    expect(a.body.notes).toEqual(['from A']);
    expect((await notesOf(tenantB)).body.notes).toEqual(['from B']);
  });

  test('the event a plugin publishes is delivered to its handler for the same tenant', async () => {
    await expect.poll(async () => (await notesOf(tenantA)).body.seen, { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await notesOf(tenantB)).body.seen, { timeout: 10_000 }).toBe(1);
  });

  test('disabling a plugin for one tenant takes effect on its next request and leaves the other alone', async () => {
    expect((await setEnabled(tenantA, 'test.notes', false)).status).toBe(200);
    expect((await notesOf(tenantA)).status).toBe(404);
    expect((await notesOf(tenantB)).status).toBe(200);
    expect((await setEnabled(tenantA, 'test.notes', true)).status).toBe(200);
    expect((await notesOf(tenantA)).body.notes).toEqual(['from A']);
  });

  test('disabling a plugin that an enabled plugin depends on is refused, naming the dependant', async () => {
    expect((await setEnabled(tenantA, 'test.digest', true)).status).toBe(200);
    const refused = await setEnabled(tenantA, 'test.notes', false);
    expect(refused.status).toBe(409);
    expect((await json(refused)).detail).toBe(
      'cannot disable test.notes for this tenant: test.digest depends on it; disable it first',
    );
  });

  test('plugin routes need the tenant header, validate input and are listed in the OpenAPI document', async () => {
    const noTenant = await call('/api/v1/p/test.notes/notes');
    expect(noTenant.status).toBe(400);
    expect((await json(noTenant)).errors).toEqual([
      { pointer: '/headers/x-dotmac-tenant', detail: 'must be a tenant id (uuid)' },
    ]);
    const bad = await call('/api/v1/p/test.notes/notes', { method: 'POST', tenant: tenantA, body: { text: '' } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].pointer).toBe('/body/text');
    const doc = await json(await fetch(`${url}/openapi.json`));
    expect(Object.keys(doc.paths)).toContain('/api/v1/p/test.notes/notes');
    const plugins = await json(await call('/api/v1/admin/plugins'));
    expect(plugins.items.map((p: { pluginId: string; state: string }) => [p.pluginId, p.state])).toEqual([
      ['test.notes', 'ready'],
      ['test.digest', 'ready'],
    ]);
  });
});

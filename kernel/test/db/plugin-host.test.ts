// Plugins in a running kernel: routes mounted per plugin, served from the sandbox for the
// calling tenant, switched on and off per tenant on the next request, and events delivered
// only to tenants that have the plugin on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kernel } from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, type TestKernel } from '../../../test/support/kernel.ts';
import { createPluginRoot, operatorClient } from '../../../test/support/plugins.ts';

const ADMIN_TOKEN = 'plugin-host-test-admin-token';
const root = createPluginRoot();
const writePlugin = root.write;

writePlugin(
  'notes',
  {
    id: 'test.notes',
    version: '1.0.0',
    name: 'Notes',
    description: 'Keeps notes per tenant.',
    ui: [
      { portal: 'admin', slot: 'route', path: '/notes', module: './NoteList', title: 'Notes' },
      { portal: 'customer', slot: 'dashboard-widget', path: '/', module: './LatestNote' },
      { portal: 'platform', slot: 'nav', path: '/notes', title: 'Notes of every tenant', order: 5 },
    ],
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
            method: 'GET',
            path: '/count',
            summary: 'How many notes (answers a string: a broken plugin)',
            public: true,
            responses: {
              200: {
                description: 'The count.',
                schema: {
                  type: 'object',
                  required: ['n'],
                  properties: { n: { type: 'integer', description: 'Notes.' } },
                },
              },
            },
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
    'route:GET /count': async () => ({ n: 'three' }),
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
    id: 'test.digest',
    version: '1.0.0',
    name: 'Digest',
    description: 'Depends on notes.',
    dependencies: { 'test.notes': '^1.0.0' },
  },
  'dotmac.register({})',
);

// What `dotmac-plugin build` would leave in dist/ui: a remote entry and a chunk beside it.
mkdirSync(join(root.dir, 'notes', 'dist', 'ui', 'assets'), { recursive: true });
writeFileSync(join(root.dir, 'notes', 'dist', 'ui', 'remoteEntry.js'), 'export const init = () => {};');
writeFileSync(join(root.dir, 'notes', 'dist', 'ui', 'assets', 'NoteList.js'), 'export default 1;');
// A page would run on the kernel's origin, beside the shell's stored session: never served from a plugin.
writeFileSync(join(root.dir, 'notes', 'dist', 'ui', 'page.html'), '<script>steal()</script>');

let t: TestKernel;
let kernel: Kernel;
let url: string;
let tenantA: string;
let tenantB: string;

let op: ReturnType<typeof operatorClient>;
const call = (path: string, init: { method?: string; tenant?: string; body?: unknown } = {}) => op.call(path, init);
const setEnabled = (tenant: string, pluginId: string, enabled: boolean) => op.setEnabled(tenant, pluginId, enabled);
const notesOf = (tenant: string) => {
  return call('/api/v1/p/test.notes/notes', { tenant });
};

beforeAll(async () => {
  t = await bootTestKernel({
    env: { ADMIN_TOKEN, LOG_LEVEL: process.env.DBG_LOG ?? 'silent' },
    pluginRoots: [root.dir],
  });
  kernel = t.kernel;
  await kernel.start();
  url = kernel.url as string;
  op = operatorClient(url, ADMIN_TOKEN);
  const created = await kernel.db.query<{ id: string }>(
    `insert into kernel.tenant (slug, name) values ('isp-a', 'A'), ('isp-b', 'B') returning id`,
  );
  [tenantA, tenantB] = created.map((r) => r.id) as [string, string];
});

afterAll(async () => {
  await t?.dispose();
  root.remove();
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
    expect(added.body).toEqual({ added: 'from A' });
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

  test("disabling a plugin for A while both tenants' requests run: A's next request is 404, B never notices", async () => {
    let running = true;
    const seen = { a: [] as number[], b: [] as number[] };
    const load = (tenant: string, into: number[]) =>
      (async () => {
        while (running) into.push((await notesOf(tenant)).status);
      })();
    const loops = [load(tenantA, seen.a), load(tenantB, seen.b), load(tenantB, seen.b)];
    // Both tenants are served before the switch (waited for, not timed: a loaded machine is slow).
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(() => seen.a.length >= 2 && seen.b.length >= 2);
    expect((await setEnabled(tenantA, 'test.notes', false)).status).toBe(200);
    const afterDisable = await notesOf(tenantA);
    const bBefore = seen.b.length;
    await until(() => seen.b.length >= bBefore + 4 && seen.a.at(-1) === 404);
    running = false;
    await Promise.all(loops);
    expect(afterDisable.status).toBe(404);
    // A's requests flipped from 200 to 404 once, and B's were all served.
    expect(seen.a.join(','), `A saw ${seen.a.join(',')}`).toMatch(/^(200,)+(404,?)+$/);
    expect(new Set(seen.b), `B saw ${seen.b.join(',')}`).toEqual(new Set([200]));
    expect((await setEnabled(tenantA, 'test.notes', true)).status).toBe(200);
    expect((await notesOf(tenantA)).status).toBe(200);
  });

  test('disabling a plugin that an enabled plugin depends on is refused, naming the dependant', async () => {
    expect((await setEnabled(tenantA, 'test.digest', true)).status).toBe(200);
    const refused = await setEnabled(tenantA, 'test.notes', false);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(
      'cannot disable test.notes for this tenant: test.digest depends on it; disable it first',
    );
  });

  test('plugin routes need the tenant header, validate input and are listed in the OpenAPI document', async () => {
    const noTenant = await call('/api/v1/p/test.notes/notes');
    expect(noTenant.status).toBe(400);
    expect(noTenant.body.errors).toEqual([
      { pointer: '/headers/x-dotmac-tenant', detail: 'must be a tenant id (uuid)' },
    ]);
    const bad = await call('/api/v1/p/test.notes/notes', { method: 'POST', tenant: tenantA, body: { text: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('/body/text');
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/v1/p/test.notes/notes');
    const plugins = (await call('/api/v1/admin/plugins')).body;
    expect(plugins.items.map((p: { pluginId: string; state: string }) => [p.pluginId, p.state])).toEqual([
      ['test.notes', 'ready'],
      ['test.digest', 'ready'],
    ]);
  });

  test("the UI manifest lists the remotes and contributions of the tenant's enabled plugins for one portal", async () => {
    const admin = await call('/api/v1/ui/manifest?portal=admin', { tenant: tenantA });
    expect(admin.body).toEqual({
      portal: 'admin',
      remotes: [
        {
          pluginId: 'test.notes',
          version: '1.0.0',
          name: 'test__notes',
          entry: '/plugins/test.notes/1.0.0/ui/remoteEntry.js',
        },
      ],
      contributions: [
        {
          pluginId: 'test.notes',
          remote: 'test__notes',
          slot: 'route',
          path: '/notes',
          module: './NoteList',
          title: 'Notes',
        },
      ],
    });
    const customer = await call('/api/v1/ui/manifest?portal=customer', { tenant: tenantA });
    expect(customer.body.contributions.map((u: { module: string }) => u.module)).toEqual(['./LatestNote']);
    const bad = await call('/api/v1/ui/manifest?portal=nope', { tenant: tenantA });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('/query/portal');
  });

  test('a tenant that switches a plugin off loses its UI contributions on the next request', async () => {
    const [other] = await kernel.db.query<{ id: string }>(
      `insert into kernel.tenant (slug, name) values ('isp-ui', 'UI') returning id`,
    );
    const tenant = other?.id as string;
    expect((await call('/api/v1/ui/manifest?portal=admin', { tenant })).body.remotes).toEqual([]);
    await setEnabled(tenant, 'test.notes', true);
    expect((await call('/api/v1/ui/manifest?portal=admin', { tenant })).body.remotes).toHaveLength(1);
    await setEnabled(tenant, 'test.notes', false);
    expect((await call('/api/v1/ui/manifest?portal=admin', { tenant })).body).toMatchObject({
      remotes: [],
      contributions: [],
    });
  });

  test("the platform portal's manifest lists every installed plugin's platform screens, whatever tenants have on", async () => {
    const platform = await call('/api/v1/ui/manifest?portal=platform');
    expect(platform.status).toBe(200);
    expect(platform.body.remotes.map((r: { pluginId: string }) => r.pluginId)).toEqual(['test.notes']);
    // A nav entry needs no module; its order travels to the shell.
    expect(platform.body.contributions).toEqual([
      {
        pluginId: 'test.notes',
        remote: 'test__notes',
        slot: 'nav',
        path: '/notes',
        title: 'Notes of every tenant',
        order: 5,
      },
    ]);
    // Acting for a tenant does not narrow it: the platform portal is above tenants.
    expect((await call('/api/v1/ui/manifest?portal=platform', { tenant: tenantB })).body.contributions).toHaveLength(1);
  });

  test("a plugin version's UI files are served from its dist/ui, and nothing outside it", async () => {
    const entry = await fetch(`${url}/plugins/test.notes/1.0.0/ui/remoteEntry.js`);
    expect(entry.status).toBe(200);
    expect(entry.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(entry.headers.get('cache-control')).toContain('immutable');
    expect(await entry.text()).toBe('export const init = () => {};');
    expect((await fetch(`${url}/plugins/test.notes/1.0.0/ui/assets/NoteList.js`)).status).toBe(200);
    for (const path of [
      '/plugins/test.notes/2.0.0/ui/remoteEntry.js',
      '/plugins/test.notes/1.0.0/ui/..%2fserver.js',
      '/plugins/test.notes/1.0.0/ui/%2e%2e/server.js',
      '/plugins/test.notes/1.0.0/ui/..%2f..%2fplugin.json',
      '/plugins/test.notes/1.0.0/ui/page.html',
      '/plugins/test.nope/1.0.0/ui/remoteEntry.js',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
  });

  test('a plugin answering what its manifest does not promise gets a 500 naming the field, not a silent pass', async () => {
    const res = await call('/api/v1/p/test.notes/count', { tenant: tenantA });
    expect(res.status).toBe(500);
    expect(res.body.type).toBe('https://dotmac.dev/problems/plugin-response');
    expect(res.body.detail).toBe(
      "plugin test.notes@1.0.0 answered GET /count with a body its manifest's 200 response schema refuses: /n must be integer",
    );
  });
});

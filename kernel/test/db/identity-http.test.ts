// Identity over HTTP, as an ISP's staff, its integrations and the platform operator meet it:
// tenants created by the operator, admins invited by mail, sign-in per tenant host name,
// tokens, API keys, suspension — and a walk over every route in /openapi.json proving that
// tenant B's credentials never read or change tenant A's objects, with the database's row-level
// security holding the same wall when the application's check is bypassed.
import { randomBytes } from 'node:crypto';
import type { Kernel } from '@dotmac/kernel';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, type HttpAnswer } from '../../../test/support/http.ts';
import { bootTestKernel, type TestKernel } from '../../../test/support/kernel.ts';
import { createPluginRoot } from '../../../test/support/plugins.ts';
import type { Mail } from '../../src/identity/mail.ts';
import { pluginTransaction } from '../../src/plugins/db/index.ts';

const ADMIN_TOKEN = randomBytes(24).toString('hex');
const root = createPluginRoot();
const ok = (status: number) => ({ [status]: { description: 'OK.' } });
const noteParams = { type: 'object', properties: { noteId: { type: 'string', format: 'uuid' } } };
root.write(
  'notes',
  {
    id: 'test.notes',
    version: '1.0.0',
    name: 'Notes',
    description: 'Notes per tenant.',
    permissions: [
      { name: 'test.notes.notes.read', description: 'Read notes.' },
      { name: 'test.notes.notes.write', description: 'Write notes.' },
      { name: 'test.notes.bills.read', description: 'Read bills.' },
    ],
    capabilities: {
      db: true,
      http: {
        routes: [
          { method: 'GET', path: '/notes', summary: 'Notes', permission: 'test.notes.notes.read', responses: ok(200) },
          {
            method: 'POST',
            path: '/notes',
            summary: 'Add',
            permission: 'test.notes.notes.write',
            request: {
              body: {
                type: 'object',
                required: ['text'],
                properties: { text: { type: 'string', minLength: 1, description: 'Text.' } },
              },
            },
            responses: ok(201),
          },
          { method: 'GET', path: '/bills', summary: 'Bills', permission: 'test.notes.bills.read', responses: ok(200) },
          {
            method: 'GET',
            path: '/notes/:noteId',
            summary: 'One',
            permission: 'test.notes.notes.read',
            request: { params: noteParams },
            responses: ok(200),
          },
          {
            method: 'DELETE',
            path: '/notes/:noteId',
            summary: 'Delete',
            permission: 'test.notes.notes.write',
            request: { params: noteParams },
            responses: ok(200),
          },
        ],
      },
    },
  },
  `const notFound = { $problem: { status: 404, detail: 'no such note' } };
  dotmac.register({
    'route:GET /notes': async (req, ctx) => ({ items: await ctx.call('db', 'query', { sql: 'select id, text from notes order by text' }) }),
    'route:POST /notes': async (req, ctx) =>
      (await ctx.call('db', 'query', { sql: 'insert into notes (tenant_id, text) values ($1::uuid, $2) returning id, text', params: [ctx.tenantId, req.body.text] }))[0],
    'route:GET /bills': async (req, ctx) => ({
      caller: req.caller,
      items: await ctx.call('db', 'query', { sql: 'select customer_id, amount from bills order by amount' }),
    }),
    'route:GET /notes/:noteId': async (req, ctx) =>
      (await ctx.call('db', 'query', { sql: 'select id, text from notes where id = $1::uuid', params: [req.params.noteId] }))[0] ?? notFound,
    'route:DELETE /notes/:noteId': async (req, ctx) =>
      (await ctx.call('db', 'query', { sql: 'delete from notes where id = $1::uuid returning id', params: [req.params.noteId] }))[0] ?? notFound,
  })`,
  {
    '0001-notes.sql': `create table notes (id uuid primary key default gen_random_uuid(), tenant_id uuid not null, text text not null);
      create table bills (id serial primary key, tenant_id uuid not null, customer_id text not null, amount int not null);`,
  },
);

let t: TestKernel;
let kernel: Kernel;
let url: string;
const mails: Mail[] = [];
const logLines: string[] = [];
/** Every secret the suite handles; none may ever reach the log. */
const secrets: string[] = [ADMIN_TOKEN];

interface TenantFixture {
  id: string;
  host: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
  apiKey: string;
  apiKeyId: string;
  noteId: string;
  roleId: string;
  userId: string;
  customerId: string;
}
const tenants: Record<'a' | 'b', TenantFixture> = {} as never;

const operator = (path: string, init: { method?: string; body?: unknown } = {}) =>
  call(url, path, { ...init, token: ADMIN_TOKEN });

async function login(host: string, email: string, password: string): Promise<HttpAnswer> {
  return call(url, '/api/v1/auth/login', { method: 'POST', host, body: { email, password, portal: 'admin' } });
}

function tokenIn(mail: Mail | undefined): string {
  const token = /token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error(`no link in ${JSON.stringify(mail?.subject)}`);
  secrets.push(token);
  return token;
}

async function makeTenant(key: 'a' | 'b'): Promise<TenantFixture> {
  const host = `${key}.isp.test`;
  const email = `owner@${key}.isp.test`;
  const created = await operator('/api/v1/platform/tenants', {
    method: 'POST',
    body: {
      name: `ISP ${key.toUpperCase()}`,
      slug: `isp-${key}`,
      hostnames: [host],
      currency: 'USD',
      timeZone: 'UTC',
      locale: 'en',
      planId: 'basic',
      admin: { email },
    },
  });
  expect(created.status, created.text).toBe(201);
  const password = `correct horse ${key} battery staple`;
  secrets.push(password);
  const accepted = await call(url, '/api/v1/auth/invitations/accept', {
    method: 'POST',
    body: { token: tokenIn(mails.findLast((m) => m.to === email)), password },
  });
  expect(accepted.status, accepted.text).toBe(200);
  const signedIn = await login(host, email, password);
  expect(signedIn.status, signedIn.text).toBe(200);
  const access = signedIn.body.accessToken as string;
  const refresh = signedIn.body.refreshToken as string;
  secrets.push(access, refresh);
  const as = (path: string, init: { method?: string; body?: unknown } = {}) =>
    call(url, path, { ...init, host, token: access });
  const note = await as('/api/v1/p/test.notes/notes', { method: 'POST', body: { text: `secret note of ${key}` } });
  expect(note.status, note.text).toBe(201);
  const role = await as('/api/v1/roles', {
    method: 'POST',
    body: { portal: 'admin', name: 'note-reader', permissions: ['test.notes.notes.read'] },
  });
  expect(role.status, role.text).toBe(201);
  const customer = await as('/api/v1/users', {
    method: 'POST',
    body: { email: `customer@${key}.isp.test`, portal: 'customer', subjectId: `account-${key}` },
  });
  expect(customer.status, customer.text).toBe(201);
  const key_ = await as('/api/v1/api-keys', {
    method: 'POST',
    body: { name: 'billing sync', permissions: ['test.notes.notes.read'] },
  });
  expect(key_.status, key_.text).toBe(201);
  secrets.push(key_.body.key);
  const me = await as('/api/v1/auth/me');
  return {
    id: created.body.id,
    host,
    email,
    password,
    access,
    refresh,
    apiKey: key_.body.key,
    apiKeyId: key_.body.id,
    noteId: note.body.id,
    roleId: role.body.id,
    userId: me.body.userId,
    customerId: customer.body.userId,
  };
}

beforeAll(async () => {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  t = await bootTestKernel({
    env: { ADMIN_TOKEN, SECRETS_KEY: randomBytes(32).toString('base64'), LOGIN_MAX_FAILURES: '3' },
    logger,
    pluginRoots: [root.dir],
    mailer: { send: async (mail) => void mails.push(mail) },
  });
  kernel = t.kernel;
  await kernel.start();
  url = kernel.url as string;
  const plan = await operator('/api/v1/platform/plans/basic', {
    method: 'PUT',
    body: { name: 'Basic', modules: ['test.notes'] },
  });
  expect(plan.status, plan.text).toBeLessThan(300);
  tenants.a = await makeTenant('a');
  tenants.b = await makeTenant('b');
});

afterAll(async () => {
  await t?.dispose();
  root.remove();
});

describe(`identity over HTTP on ${process.env.DOTMAC_TEST_DB}`, () => {
  test("an invited admin signs in on the tenant's host name and acts for that tenant as owner", async () => {
    const me = await call(url, '/api/v1/auth/me', { host: tenants.a.host, token: tenants.a.access });
    expect(me.body).toMatchObject({ kind: 'user', tenantId: tenants.a.id, portal: 'admin' });
    expect(me.body.permissions).toEqual(expect.arrayContaining(['kernel.users.manage', 'test.notes.notes.write']));
    const modules = await call(url, '/api/v1/modules', { host: tenants.a.host, token: tenants.a.access });
    expect(modules.body.items).toEqual([
      expect.objectContaining({ pluginId: 'test.notes', enabled: true, allowedByPlan: true }),
    ]);
  });

  test("walking every route in /openapi.json with B's credentials never reaches A's objects", async () => {
    const a = tenants.a;
    const b = tenants.b;
    const doc = (await call(url, '/openapi.json')).body as {
      paths: Record<string, Record<string, { 'x-permission'?: string }>>;
    };
    const aValues: Record<string, string> = {
      tenantId: a.id,
      userId: a.customerId,
      roleId: a.roleId,
      keyId: a.apiKeyId,
      noteId: a.noteId,
      pluginId: 'test.notes',
      planId: 'basic',
      name: 'API_TOKEN',
      id: a.noteId,
      jobId: a.noteId,
      file: 'remoteEntry.js',
      version: '1.0.0',
    };
    const bodies: Record<string, unknown> = {
      'put /api/v1/roles/{roleId}/permissions': { permissions: [] },
      'put /api/v1/users/{userId}/roles': { roleIds: [] },
      'put /api/v1/modules/{pluginId}': { enabled: true },
      'put /api/v1/admin/tenants/{tenantId}/plugins/{pluginId}': { enabled: false },
      'patch /api/v1/platform/tenants/{tenantId}': { name: 'Taken over' },
      'post /api/v1/platform/tenants/{tenantId}/suspend': { reason: 'taken over' },
    };
    const aSecrets = [a.noteId, 'secret note of a', a.email, a.customerId, a.roleId, a.apiKeyId];
    // A session of B's own for the walk (which leaves out signing it out).
    const walker = await login(b.host, b.email, b.password);
    secrets.push(walker.body.accessToken, walker.body.refreshToken);
    const statuses: number[] = [];
    let walked = 0;
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (template === '/api/v1/auth/logout') continue;
        const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(aValues[name] ?? a.id));
        const touchesA = params.some((p) => ['tenantId', 'userId', 'roleId', 'keyId', 'noteId'].includes(p));
        for (const credential of [walker.body.accessToken as string, b.apiKey]) {
          const res = await call(url, path, {
            method: method.toUpperCase(),
            host: b.host,
            token: credential,
            body: bodies[`${method} ${template}`] ?? (method === 'get' || method === 'delete' ? undefined : {}),
          });
          walked++;
          if (credential !== b.apiKey) statuses.push(res.status);
          const label = `${method.toUpperCase()} ${path} → ${res.status}`;
          if (touchesA) expect(res.status, label).toBeGreaterThanOrEqual(400);
          if (res.status < 300) {
            // B's audit log records B's own attempts, with the ids B sent: only A's data counts there.
            const checked = template === '/api/v1/audit' ? ['secret note of a', a.email] : aSecrets;
            for (const secret of checked) expect(res.text, `${label} leaks ${secret}`).not.toContain(secret);
          }
        }
      }
    }
    expect(walked).toBeGreaterThan(60);
    // The owner's session stayed valid throughout: refusals came from the tenant wall, not a dead token.
    expect(statuses.filter((s) => s === 401)).toEqual([]);
    expect((await call(url, '/api/v1/auth/me', { host: b.host, token: walker.body.accessToken })).status).toBe(200);
    // A's objects are all as they were.
    const as = (path: string) => call(url, path, { host: a.host, token: a.access });
    expect((await as(`/api/v1/p/test.notes/notes/${a.noteId}`)).body).toEqual({
      id: a.noteId,
      text: 'secret note of a',
    });
    const roles = (await as('/api/v1/roles')).body.items as { id: string; permissions: string[] }[];
    expect(roles.find((r) => r.id === a.roleId)?.permissions).toEqual(['test.notes.notes.read']);
    expect((await call(url, '/api/v1/auth/me', { host: a.host, token: a.apiKey })).status).toBe(200);
    expect((await as('/api/v1/modules')).body.items[0].enabled).toBe(true);
    const [tenantRow] = await kernel.db.query<{ name: string; status: string }>(
      'select name, status from kernel.tenant where id = $1',
      [a.id],
    );
    expect(tenantRow).toEqual({ name: 'ISP A', status: 'active' });
  });

  test("with the application's check bypassed, row-level security still hides A's rows from B", async () => {
    const seen = await pluginTransaction(kernel.db, 'test.notes', tenants.b.id, async (q) => ({
      rows: await q('select id, text from notes', []),
      updated: await q("update notes set text = 'taken over' returning id", []),
      deleted: await q('delete from notes where id = $1::uuid returning id', [tenants.a.noteId]),
    }));
    expect(seen.rows.map((r) => (r as { text: string }).text)).toEqual(['secret note of b']);
    expect(seen.updated.map((r) => (r as { id: string }).id)).not.toContain(tenants.a.noteId);
    expect(seen.deleted).toEqual([]);
    const [row] = await kernel.db.query<{ text: string }>('select text from plugin_test_notes.notes where id = $1', [
      tenants.a.noteId,
    ]);
    expect(row?.text).toBe('secret note of a');
  });

  test("a token is refused on another tenant's host name, tampered, or after logout", async () => {
    const onB = await call(url, '/api/v1/auth/me', { host: tenants.b.host, token: tenants.a.access });
    expect(onB.status).toBe(401);
    const [h, p, s] = tenants.a.access.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('A') ? 'B' : 'A'}`;
    expect((await call(url, '/api/v1/auth/me', { host: tenants.a.host, token: tampered })).status).toBe(401);
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${p}.`;
    expect((await call(url, '/api/v1/auth/me', { host: tenants.a.host, token: none })).status).toBe(401);

    const session = await login(tenants.a.host, tenants.a.email, tenants.a.password);
    secrets.push(session.body.accessToken, session.body.refreshToken);
    const out = await call(url, '/api/v1/auth/logout', {
      method: 'POST',
      host: tenants.a.host,
      token: session.body.accessToken,
    });
    expect(out.status).toBe(204);
    const after = await call(url, '/api/v1/auth/me', { host: tenants.a.host, token: session.body.accessToken });
    expect(after.status).toBe(401);
    expect(after.body.detail).toMatch(/signed out/);
  });

  test('a refresh token works once; using it again ends the whole session', async () => {
    const session = await login(tenants.a.host, tenants.a.email, tenants.a.password);
    const first = await call(url, '/api/v1/auth/refresh', {
      method: 'POST',
      body: { refreshToken: session.body.refreshToken },
    });
    expect(first.status).toBe(200);
    secrets.push(session.body.accessToken, session.body.refreshToken, first.body.accessToken, first.body.refreshToken);
    const reused = await call(url, '/api/v1/auth/refresh', {
      method: 'POST',
      body: { refreshToken: session.body.refreshToken },
    });
    expect(reused.status).toBe(401);
    expect((await call(url, '/api/v1/auth/me', { host: tenants.a.host, token: first.body.accessToken })).status).toBe(
      401,
    );
    const next = await call(url, '/api/v1/auth/refresh', {
      method: 'POST',
      body: { refreshToken: first.body.refreshToken },
    });
    expect(next.status).toBe(401);
  });

  test('suspending a tenant blocks its users and API keys at once and keeps its data; reactivating restores them', async () => {
    const a = tenants.a;
    const suspended = await operator(`/api/v1/platform/tenants/${a.id}/suspend`, {
      method: 'POST',
      body: { reason: 'invoice 2026-11 unpaid' },
    });
    expect(suspended.status, suspended.text).toBe(200);
    for (const credential of [a.access, a.apiKey]) {
      const refused = await call(url, '/api/v1/p/test.notes/notes', { host: a.host, token: credential });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('invoice 2026-11 unpaid');
    }
    expect((await login(a.host, a.email, a.password)).status).toBe(403);
    expect(
      (await call(url, '/api/v1/p/test.notes/notes', { host: tenants.b.host, token: tenants.b.access })).status,
    ).toBe(200);
    const [kept] = await kernel.db.query<{ n: number }>(
      'select count(*)::int as n from plugin_test_notes.notes where tenant_id = $1',
      [a.id],
    );
    expect(kept?.n).toBe(1);
    expect((await operator(`/api/v1/platform/tenants/${a.id}/reactivate`, { method: 'POST' })).status).toBe(200);
    const back = await call(url, '/api/v1/p/test.notes/notes', { host: a.host, token: a.apiKey });
    expect(back.status).toBe(200);
    expect(back.body.items.map((n: { text: string }) => n.text)).toEqual(['secret note of a']);
  });

  test("mutating requests are in the audit log, readable by the tenant's admin for its tenant only", async () => {
    const log = await call(url, '/api/v1/audit?limit=500', { host: tenants.b.host, token: tenants.b.access });
    expect(log.status).toBe(200);
    const rows = log.body.items as { tenantId: string; action: string; ip: string | null }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.tenantId))).toEqual(new Set([tenants.b.id]));
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['POST /api/v1/p/test.notes/notes', 'api-key.create']),
    );
    expect(rows.find((r) => r.action.startsWith('POST '))?.ip).toMatch(/127\.0\.0\.1/);
    // Newest first by number (not by the id's text: 9 before 10), and a page goes on where the last ended.
    const ids = (log.body.items as { id: number }[]).map((r) => BigInt(r.id));
    expect(ids.length).toBeGreaterThan(10);
    expect(ids).toEqual([...ids].sort((x, y) => (x > y ? -1 : x < y ? 1 : 0)));
    const first = await call(url, '/api/v1/audit?limit=3', { host: tenants.b.host, token: tenants.b.access });
    const next = await call(url, `/api/v1/audit?limit=3&before=${first.body.items[2].id}`, {
      host: tenants.b.host,
      token: tenants.b.access,
    });
    expect([...first.body.items, ...next.body.items].map((r: { id: number }) => BigInt(r.id))).toEqual(ids.slice(0, 6));
    await expect(kernel.db.query('delete from kernel.audit_log')).rejects.toThrow(/append-only/);
  });

  test('a customer signs in to the customer portal and sees only their own account, whatever the plugin queries', async () => {
    const a = tenants.a;
    await kernel.db.query(
      `insert into plugin_test_notes.bills (tenant_id, customer_id, amount)
       values ($1, 'account-a', 10), ($1, 'account-other', 20), ($2, 'account-a', 30)`,
      [a.id, tenants.b.id],
    );
    const roles = (await call(url, '/api/v1/roles', { host: a.host, token: a.access })).body.items as {
      id: string;
      portal: string;
      name: string;
    }[];
    const customerRole = roles.find((r) => r.portal === 'customer' && r.name === 'customer')?.id as string;
    const granted = await call(url, `/api/v1/roles/${customerRole}/permissions`, {
      method: 'PUT',
      host: a.host,
      token: a.access,
      body: { permissions: ['test.notes.bills.read'] },
    });
    expect(granted.status, granted.text).toBe(200);
    const assigned = await call(url, `/api/v1/users/${a.customerId}/roles`, {
      method: 'PUT',
      host: a.host,
      token: a.access,
      body: { roleIds: [customerRole] },
    });
    expect(assigned.status, assigned.text).toBe(200);
    const password = 'a subscriber who likes long passphrases';
    secrets.push(password);
    const accepted = await call(url, '/api/v1/auth/invitations/accept', {
      method: 'POST',
      body: { token: tokenIn(mails.findLast((m) => m.to === 'customer@a.isp.test')), password },
    });
    expect(accepted.status, accepted.text).toBe(200);
    const signedIn = await call(url, '/api/v1/auth/login', {
      method: 'POST',
      host: a.host,
      body: { email: 'customer@a.isp.test', password, portal: 'customer' },
    });
    expect(signedIn.status, signedIn.text).toBe(200);
    secrets.push(signedIn.body.accessToken, signedIn.body.refreshToken);
    const bills = await call(url, '/api/v1/p/test.notes/bills', { host: a.host, token: signedIn.body.accessToken });
    expect(bills.status, bills.text).toBe(200);
    expect(bills.body.items).toEqual([{ customer_id: 'account-a', amount: 10 }]);
    expect(bills.body.caller).toMatchObject({ kind: 'user', portal: 'customer', subjectId: 'account-a' });
    // The customer's role does not include reading notes: the route says which permission is missing.
    const notes = await call(url, '/api/v1/p/test.notes/notes', { host: a.host, token: signedIn.body.accessToken });
    expect(notes.status).toBe(403);
    expect(notes.body.detail).toContain('test.notes.notes.read');
    // The customer gets the customer portal's screens, not the admin portal's.
    const ui = (portal: string) =>
      call(url, `/api/v1/ui/manifest?portal=${portal}`, { host: a.host, token: signedIn.body.accessToken });
    expect((await ui('customer')).status).toBe(200);
    expect((await ui('admin')).status).toBe(403);
    // Staff of the same tenant see every account's bills.
    const staff = await call(url, '/api/v1/p/test.notes/bills', { host: a.host, token: a.access });
    expect(staff.body.items.map((b: { amount: number }) => b.amount)).toEqual([10, 20]);
  });

  test('an operator account signs in on the platform host; rotating the signing key logs nobody out', async () => {
    const invited = await operator('/api/v1/platform/users', { method: 'POST', body: { email: 'ops@platform.test' } });
    expect(invited.status, invited.text).toBe(201);
    const password = 'the night shift keeps the lights on';
    secrets.push(password);
    const token = tokenIn(mails.findLast((m) => m.to === 'ops@platform.test'));
    expect(
      (await call(url, '/api/v1/auth/invitations/accept', { method: 'POST', body: { token, password } })).status,
    ).toBe(200);
    const signedIn = await call(url, '/api/v1/auth/login', {
      method: 'POST',
      body: { email: 'ops@platform.test', password, portal: 'platform' },
    });
    expect(signedIn.status, signedIn.text).toBe(200);
    const before = signedIn.body.accessToken as string;
    secrets.push(before, signedIn.body.refreshToken);
    expect((await call(url, '/api/v1/platform/tenants', { token: before })).status).toBe(200);
    expect((await call(url, '/api/v1/auth/me', { host: tenants.a.host, token: before })).status).toBe(401);

    const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()).kid;
    const rotated = await call(url, '/api/v1/platform/signing-keys/rotate', { method: 'POST', token: before });
    expect(rotated.status).toBe(200);
    expect(rotated.body.kid).not.toBe(kidOf(before));
    expect((await call(url, '/api/v1/platform/tenants', { token: before })).status).toBe(200);
    const again = await call(url, '/api/v1/auth/login', {
      method: 'POST',
      body: { email: 'ops@platform.test', password, portal: 'platform' },
    });
    secrets.push(again.body.accessToken, again.body.refreshToken);
    expect(kidOf(again.body.accessToken)).toBe(rotated.body.kid);
    const jwks = (await call(url, '/.well-known/jwks.json')).body as { keys: { kid: string; alg: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kidOf(before), rotated.body.kid]));
    expect(new Set(jwks.keys.map((k) => k.alg))).toEqual(new Set(['EdDSA']));
  });

  test("a tenant's branding is public before sign-in, by slug or by its host name, and checked field by field", async () => {
    const a = tenants.a;
    const asOperator = (body: unknown) => operator(`/api/v1/platform/tenants/${a.id}`, { method: 'PATCH', body });
    const bad = await asOperator({ branding: { primaryColor: 'red', logoUrl: 'javascript:alert(1)' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/body/branding/logoUrl',
      '/body/branding/primaryColor',
    ]);
    const set = await asOperator({ branding: { logoUrl: 'https://cdn.isp-a.test/logo.svg', primaryColor: '#0B5FFF' } });
    expect(set.status, set.text).toBe(200);
    const expected = {
      tenant: {
        slug: 'isp-a',
        name: 'ISP A',
        locale: 'en',
        currency: 'USD',
        timeZone: 'UTC',
        branding: { logoUrl: 'https://cdn.isp-a.test/logo.svg', primaryColor: '#0b5fff', accentColor: null },
      },
    };
    expect((await call(url, '/api/v1/ui/branding?tenant=isp-a')).body).toEqual(expected);
    expect((await call(url, '/api/v1/ui/branding', { host: a.host })).body).toEqual(expected);
    // The platform host without a slug has no tenant; an unknown slug is a 404 problem.
    expect((await call(url, '/api/v1/ui/branding')).body).toEqual({ tenant: null });
    const unknown = await call(url, '/api/v1/ui/branding?tenant=no-such-isp');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('no tenant no-such-isp');
    expect((await call(url, '/api/v1/ui/branding?tenant=Bad%20Slug')).body.errors[0].pointer).toBe('/query/tenant');
    // Branding alone changes nothing else; the event names the field.
    expect((await asOperator({ branding: {} })).body.branding).toEqual({
      logoUrl: null,
      primaryColor: null,
      accentColor: null,
    });
  });

  test("a tenant's module list shows each module's health as the tenant sees it", async () => {
    const modules = await call(url, '/api/v1/modules', { host: tenants.a.host, token: tenants.a.access });
    expect(modules.body.items).toEqual([
      expect.objectContaining({
        pluginId: 'test.notes',
        health: { state: 'ready', calls: expect.any(Number), faults: 0 },
      }),
    ]);
    expect(modules.body.items[0].health.calls).toBeGreaterThan(0);
  });

  test('a user changes their password with the current one; every session ends and only the new one signs in', async () => {
    const b = tenants.b;
    const email = 'clerk@b.isp.test';
    const invited = await call(url, '/api/v1/users', {
      method: 'POST',
      host: b.host,
      token: b.access,
      body: { email, portal: 'admin' },
    });
    expect(invited.status, invited.text).toBe(201);
    const first = 'first teller secret 1';
    const next = 'second teller secret 2';
    secrets.push(first, next);
    const accepted = await call(url, '/api/v1/auth/invitations/accept', {
      method: 'POST',
      body: { token: tokenIn(mails.findLast((m) => m.to === email)), password: first },
    });
    expect(accepted.status, accepted.text).toBe(200);
    const signed = await login(b.host, email, first);
    expect(signed.status, signed.text).toBe(200);
    const session = signed.body;
    secrets.push(session.accessToken, session.refreshToken);
    const change = (body: unknown) =>
      call(url, '/api/v1/auth/password', { method: 'POST', host: b.host, token: session.accessToken, body });
    const wrong = await change({ currentPassword: 'not my password', newPassword: next });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([{ pointer: '/body/currentPassword', detail: 'is incorrect' }]);
    const weak = await change({ currentPassword: first, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0].pointer).toBe('/body/newPassword');
    // Refused changes changed nothing: the first password still signs in.
    expect((await login(b.host, email, first)).status).toBe(200);
    expect((await change({ currentPassword: first, newPassword: next })).status).toBe(204);
    expect((await call(url, '/api/v1/auth/me', { host: b.host, token: session.accessToken })).status).toBe(401);
    const again = await login(b.host, email, next);
    expect(again.status).toBe(200);
    secrets.push(again.body.accessToken, again.body.refreshToken);
    // The old password no longer matches (checked here, not by a failed sign-in that would count against this address).
    const old = await call(url, '/api/v1/auth/password', {
      method: 'POST',
      host: b.host,
      token: again.body.accessToken,
      body: { currentPassword: first, newPassword: 'third teller secret 3' },
    });
    expect(old.body.errors).toEqual([{ pointer: '/body/currentPassword', detail: 'is incorrect' }]);
  });

  test('after the allowed failures, sign-in is refused with 429 and Retry-After, even with the right password', async () => {
    const host = tenants.b.host;
    for (let i = 0; i < 3; i++) expect((await login(host, tenants.b.email, 'wrong password!!')).status).toBe(401);
    const locked = await login(host, tenants.b.email, tenants.b.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.body.detail).toMatch(/too many failed sign-ins/);
  });

  test('no password, token or key ever reaches the log', () => {
    const text = logLines.join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of secrets)
      expect(text.includes(secret), `a secret of ${secret.length} characters was logged`).toBe(false);
  });
});

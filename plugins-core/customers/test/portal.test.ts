// The customer portal: a customer reads their own account and nothing else. The testbed calls
// routes as the operator, so these tests call the plugin's route handlers in its sandbox the
// way the kernel does for a signed-in customer: with the caller and the database scope of a
// customer-portal user acting as their account.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

let bed: Testbed;
let isp: string;
let mine: Json;
let theirs: Json;

beforeAll(async () => {
  bed = await createTestbed();
  isp = await bed.tenant('isp-portal');
  const create = async (name: string, email: string) =>
    (
      await bed.request<Json>(isp, 'POST /accounts', {
        kind: 'residential',
        name,
        contacts: [{ name, email, portalAccess: true }],
        addresses: [{ kind: 'service', street: '1 Shared Street', city: 'Portalville', country: 'US' }],
      })
    ).body;
  mine = await create('Portal Customer', 'me@example.com');
  theirs = await create('Other Customer', 'other@example.com');
  await bed.request(isp, `POST /accounts/${mine.id}/notes`, { body: 'internal: slow payer' });
});
afterAll(() => bed?.close());

/** Calls route `key` as a customer-portal user whose login acts as `accountId`. */
async function asCustomer(
  accountId: string,
  key: string,
  request: { params?: object; query?: object; body?: unknown },
) {
  const plugin = bed.kernel.plugins.list().find((p) => p.manifest.id === 'dotmac.customers');
  const caller = {
    kind: 'user',
    userId: '00000000-0000-4000-8000-000000000001',
    portal: 'customer',
    subjectId: accountId,
    permissions: ['dotmac.customers.accounts.read', 'dotmac.customers.accounts.write'],
  };
  return (await plugin?.sandbox.invoke(
    isp,
    `route:${key}`,
    { params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null, caller },
    { portal: 'customer', userId: caller.userId, subjectId: accountId },
  )) as Json;
}

describe('a customer-portal user', () => {
  test('reads their own account, and finds only it, whatever they search for', async () => {
    expect(await asCustomer(mine.id, 'GET /me', {})).toMatchObject({ id: mine.id, name: 'Portal Customer' });
    expect(await asCustomer(mine.id, 'GET /accounts/:accountId', { params: { accountId: mine.id } })).toMatchObject({
      id: mine.id,
      contacts: [{ email: 'me@example.com' }],
    });
    const listed = await asCustomer(mine.id, 'GET /accounts', { query: { sort: 'name', limit: 50 } });
    expect(listed.items.map((a: Json) => a.id)).toEqual([mine.id]);
    const searched = await asCustomer(mine.id, 'GET /accounts', {
      query: { q: 'shared street', sort: 'name', limit: 50 },
    });
    expect(searched.items.map((a: Json) => a.id)).toEqual([mine.id]);
  });

  test('cannot read, nor change, another account', async () => {
    const other = await asCustomer(mine.id, 'GET /accounts/:accountId', { params: { accountId: theirs.id } });
    expect(other.$problem).toMatchObject({ status: 404 });
    const contacts = await asCustomer(mine.id, 'GET /accounts/:accountId/contacts', {
      params: { accountId: theirs.id },
    });
    expect(contacts.$problem).toMatchObject({ status: 404 });
    const added = await asCustomer(mine.id, 'POST /accounts/:accountId/contacts', {
      params: { accountId: theirs.id },
      body: { name: 'Intruder' },
    });
    expect(added.$problem).toMatchObject({ status: 404 });
    const contactsOfTheirs = await bed.request<Json>(isp, `GET /accounts/${theirs.id}/contacts`);
    expect(contactsOfTheirs.body.items.map((c: Json) => c.name)).toEqual(['Other Customer']);
  });

  test('keeps their own contacts up to date, but not their status, and never sees staff notes', async () => {
    const added = await asCustomer(mine.id, 'POST /accounts/:accountId/contacts', {
      params: { accountId: mine.id },
      body: { name: 'Partner', phone: '555 0199' },
    });
    expect(added).toMatchObject({ name: 'Partner', accountId: mine.id, isPrimary: false });
    const status = await asCustomer(mine.id, 'POST /accounts/:accountId/status', {
      params: { accountId: mine.id },
      body: { status: 'terminated', reason: 'bye' },
    });
    expect(status.$problem).toMatchObject({ status: 403 });
    const notes = await asCustomer(mine.id, 'GET /accounts/:accountId/notes', {
      params: { accountId: mine.id },
      query: { limit: 50 },
    });
    expect(notes.$problem).toMatchObject({ status: 403 });
    const imports = await asCustomer(mine.id, 'GET /imports', { query: { limit: 50 } });
    expect(imports.$problem).toMatchObject({ status: 403 });
  });

  test('GET /me is for customer-portal users only', async () => {
    const staff = await bed.request<Json>(isp, 'GET /me');
    expect(staff.status).toBe(404);
  });
});

describe('the API document', () => {
  test('lists every route in /openapi.json, each guarded by a permission this plugin declares', async () => {
    const doc = (await (await fetch(`${bed.url}/openapi.json`)).json()) as Json;
    const routes = Object.entries(doc.paths as Record<string, Record<string, Json>>).filter(([path]) =>
      path.startsWith('/api/v1/p/dotmac.customers/'),
    );
    expect(routes.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        '/api/v1/p/dotmac.customers/accounts',
        '/api/v1/p/dotmac.customers/accounts/{accountId}',
        '/api/v1/p/dotmac.customers/imports/{importId}/parts/{part}',
      ]),
    );
    for (const [path, methods] of routes) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(operation['x-permission'], `${method} ${path}`).toMatch(
          /^dotmac\.customers\.(accounts\.read|accounts\.write|import)$/,
        );
      }
    }
  });
});

// Resellers: staff assign accounts to a reseller (resellerId); a reseller-portal user, acting as
// that reseller, finds, reads and counts only those accounts, and cannot reach the others'
// contacts, addresses or notes. As in portal.test.ts, the reseller's calls are made the way the
// kernel makes them: the route handler in the sandbox, with the caller and the row scope of a
// reseller-portal user.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

const NORTH = 'reseller-north';
const SOUTH = 'reseller-south';

let bed: Testbed;
let isp: string;
const accounts = { ada: {} as Json, bob: {} as Json, carol: {} as Json, direct: {} as Json };

beforeAll(async () => {
  bed = await createTestbed();
  isp = await bed.tenant('isp-resellers');
  const create = async (name: string, resellerId?: string) => {
    const created = await bed.request<Json>(isp, 'POST /accounts', {
      kind: 'residential',
      name,
      ...(resellerId && { resellerId }),
      contacts: [{ name, email: `${name.split(' ')[0]?.toLowerCase()}@example.com` }],
      addresses: [{ kind: 'service', street: '7 Reseller Road', city: 'Partnerville', country: 'US' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  accounts.ada = await create('Ada North', NORTH);
  accounts.bob = await create('Bob South', SOUTH);
  accounts.carol = await create('Carol North');
  accounts.direct = await create('Dave Direct');
  // Carol moves to north after she was created.
  const moved = await bed.request<Json>(isp, `PATCH /accounts/${accounts.carol.id}`, { resellerId: NORTH });
  expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  expect(moved.body.resellerId).toBe(NORTH);
});
afterAll(() => bed?.close());

/** Calls route `key` as a reseller-portal user acting as `resellerId`. */
async function asReseller(
  resellerId: string,
  key: string,
  request: { params?: object; query?: object; body?: unknown } = {},
) {
  const plugin = bed.kernel.plugins.list().find((p) => p.manifest.id === 'dotmac.customers');
  const caller = {
    kind: 'user',
    userId: '00000000-0000-4000-8000-000000000002',
    portal: 'reseller',
    subjectId: resellerId,
    permissions: ['dotmac.customers.accounts.read', 'dotmac.customers.accounts.write'],
  };
  return (await plugin?.sandbox.invoke(
    isp,
    `route:${key}`,
    { params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null, caller },
    { portal: 'reseller', userId: caller.userId, subjectId: resellerId },
  )) as Json;
}

const names = (page: Json) => page.items.map((a: Json) => a.name);

describe('accounts of a reseller', () => {
  test('an account answers the reseller it belongs to, and staff can filter by it', async () => {
    expect(accounts.ada.resellerId).toBe(NORTH);
    expect(accounts.direct.resellerId).toBeNull();
    const north = await bed.request<Json>(isp, `GET /accounts?resellerId=${NORTH}`);
    expect(names(north.body)).toEqual(['Ada North', 'Carol North']);
    const all = await bed.request<Json>(isp, 'GET /accounts');
    expect(all.body.items).toHaveLength(4);
  });

  test('a reseller lists, searches and counts their own accounts only', async () => {
    const listed = await asReseller(NORTH, 'GET /accounts', { query: { sort: 'name', limit: 50 } });
    expect(names(listed)).toEqual(['Ada North', 'Carol North']);
    const searched = await asReseller(NORTH, 'GET /accounts', {
      query: { q: 'reseller road', sort: 'name', limit: 50 },
    });
    expect(names(searched)).toEqual(['Ada North', 'Carol North']);
    const south = await asReseller(SOUTH, 'GET /accounts', { query: { sort: 'name', limit: 50 } });
    expect(names(south)).toEqual(['Bob South']);
    const stats = await asReseller(NORTH, 'GET /stats');
    expect(stats).toMatchObject({ total: 2, byStatus: { active: 2 } });
  });

  test("a reseller reads their customer's account, but nothing of another's", async () => {
    const mine = await asReseller(NORTH, 'GET /accounts/:accountId', { params: { accountId: accounts.ada.id } });
    expect(mine).toMatchObject({ id: accounts.ada.id, contacts: [{ email: 'ada@example.com' }] });
    for (const other of [accounts.bob, accounts.direct]) {
      const read = await asReseller(NORTH, 'GET /accounts/:accountId', { params: { accountId: other.id } });
      expect(read.$problem).toMatchObject({ status: 404 });
      const contacts = await asReseller(NORTH, 'GET /accounts/:accountId/contacts', {
        params: { accountId: other.id },
      });
      expect(contacts.$problem).toMatchObject({ status: 404 });
    }
  });

  test("a reseller cannot change another's contacts or addresses, nor move accounts between resellers", async () => {
    const bob = accounts.bob;
    const contact = await asReseller(NORTH, 'PATCH /accounts/:accountId/contacts/:contactId', {
      params: { accountId: bob.id, contactId: bob.contacts[0].id },
      body: { name: 'Taken Over' },
    });
    expect(contact.$problem).toMatchObject({ status: 404 });
    const address = await asReseller(NORTH, 'DELETE /accounts/:accountId/addresses/:addressId', {
      params: { accountId: bob.id, addressId: bob.addresses[0].id },
    });
    expect(address.$problem).toMatchObject({ status: 404 });
    const after = await bed.request<Json>(isp, `GET /accounts/${bob.id}`);
    expect(after.body.contacts[0].name).toBe('Bob South');
    expect(after.body.addresses).toHaveLength(1);

    const reassigned = await asReseller(NORTH, 'PATCH /accounts/:accountId', {
      params: { accountId: accounts.ada.id },
      body: { resellerId: SOUTH },
    });
    expect(reassigned.$problem).toMatchObject({ status: 403 });
  });

  test('an account a reseller creates is theirs', async () => {
    const created = await asReseller(SOUTH, 'POST /accounts', { body: { kind: 'business', name: 'South Shop' } });
    expect(created).toMatchObject({ name: 'South Shop', resellerId: SOUTH });
    const forOther = await asReseller(SOUTH, 'POST /accounts', {
      body: { kind: 'business', name: 'Not Mine', resellerId: NORTH },
    });
    expect(forOther.$problem).toMatchObject({ status: 403 });
  });

  test('the getAccount service answers the reseller, for billing and the others', async () => {
    const plugin = bed.kernel.plugins.list().find((p) => p.manifest.id === 'dotmac.customers');
    const answer = await plugin?.sandbox.invoke(isp, 'service:getAccount', { accountId: accounts.carol.id });
    expect(answer).toMatchObject({ id: accounts.carol.id, resellerId: NORTH });
  });
});

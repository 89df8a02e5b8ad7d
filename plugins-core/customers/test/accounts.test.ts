// Customer accounts in the real kernel and sandbox: creating, reading, changing, statuses and
// their history, payers, contacts, addresses, notes, custom fields and the getAccount service.
import { createTestbed, type RecordedEvent, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

const START = '2026-03-02T08:00:00.000Z';

let bed: Testbed;
let isp: string;

beforeAll(async () => {
  bed = await createTestbed({ clock: START });
  isp = await bed.tenant('isp-accounts');
});
afterAll(() => bed?.close());

const post = (path: string, body: unknown, tenant = isp) => bed.request<Json>(tenant, `POST ${path}`, body);
const get = (path: string, tenant = isp) => bed.request<Json>(tenant, `GET ${path}`);
const patch = (path: string, body: unknown, tenant = isp) => bed.request<Json>(tenant, `PATCH ${path}`, body);
const remove = (path: string, tenant = isp) => bed.request<Json>(tenant, `DELETE ${path}`);

async function createAccount(body: Record<string, unknown>, tenant = isp) {
  const created = await post('/accounts', body, tenant);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

const eventsOf = async (name: string, accountId: string): Promise<RecordedEvent[]> =>
  (await bed.events({ tenant: isp, name })).filter((e) => e.payload.accountId === accountId);

describe('accounts', () => {
  test('an account is created with its contacts and addresses, numbered from the tenant sequence', async () => {
    const account = await createAccount({
      kind: 'residential',
      name: 'Ada Lovelace',
      tags: ['vip'],
      contacts: [
        { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0001', portalAccess: true },
        { name: 'Charles Babbage', phone: '+44 20 7946 0002', role: 'technical' },
      ],
      addresses: [
        {
          kind: 'service',
          street: '12 Marylebone Rd',
          city: 'London',
          postalCode: 'NW1 5LR',
          country: 'GB',
          lat: 51.5226,
          lon: -0.1571,
        },
        { kind: 'billing', street: 'PO Box 7', city: 'London', country: 'GB' },
      ],
    });
    expect(account).toMatchObject({
      kind: 'residential',
      name: 'Ada Lovelace',
      status: 'active',
      parentId: null,
      payerId: account.id,
      currency: 'USD',
      tags: ['vip'],
      custom: {},
      primaryContact: { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0001' },
      createdAt: START,
    });
    expect(account.number).toMatch(/^\d{6}$/);
    expect(account.contacts.map((c: Json) => [c.name, c.isPrimary, c.portalAccess])).toEqual([
      ['Ada Lovelace', true, true],
      ['Charles Babbage', false, false],
    ]);
    expect(account.addresses.map((a: Json) => a.kind)).toEqual(['billing', 'service']);
    expect(account.addresses[1]).toMatchObject({ lat: 51.5226, lon: -0.1571, postalCode: 'NW1 5LR' });

    const next = await createAccount({ kind: 'business', name: 'Analytical Engines Ltd' });
    expect(Number(next.number)).toBe(Number(account.number) + 1);
    expect((await get(`/accounts/${account.id}`)).body).toEqual(account);
  });

  test('creating an account publishes customer.created and writes the first history row', async () => {
    const account = await createAccount({ kind: 'business', name: 'Difference Co', status: 'lead' });
    const [created] = await eventsOf('customer.created', account.id);
    expect(created?.payload).toEqual({
      accountId: account.id,
      number: account.number,
      name: 'Difference Co',
      kind: 'business',
    });
    const history = await get(`/accounts/${account.id}/history`);
    expect(history.body.items).toEqual([
      expect.objectContaining({ from: null, to: 'lead', reason: 'created', changedBy: 'operator' }),
    ]);
  });

  test('numbers and currencies follow the tenant settings; a number given by hand is kept and the sequence moves past it', async () => {
    const tenant = await bed.tenant('isp-settings');
    await bed.setConfig(tenant, { defaultCurrency: 'EUR', accountNumberPrefix: 'C-', accountNumberDigits: 4 });
    const first = await createAccount({ kind: 'residential', name: 'Grace Hopper' }, tenant);
    expect(first).toMatchObject({ number: 'C-0001', currency: 'EUR' });
    const kept = await createAccount({ kind: 'residential', name: 'Kept Number', number: 'C-0041' }, tenant);
    expect(kept.number).toBe('C-0041');
    expect((await createAccount({ kind: 'residential', name: 'After' }, tenant)).number).toBe('C-0042');
    const legacy = await createAccount({ kind: 'residential', name: 'Legacy', number: 'OLD-77' }, tenant);
    expect(legacy.number).toBe('OLD-77');
    const taken = await post('/accounts', { kind: 'residential', name: 'Again', number: 'OLD-77' }, tenant);
    expect(taken.status).toBe(409);
    expect(taken.body.errors).toEqual([{ pointer: '/body/number', detail: 'OLD-77 is the number of another account' }]);
  });

  test('numbers stay unique when many accounts are created at once', async () => {
    const tenant = await bed.tenant('isp-concurrent');
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post('/accounts', { kind: 'residential', name: `Parallel ${i}` }, tenant)),
    );
    expect(created.map((c) => c.status)).toEqual(Array(12).fill(201));
    const numbers = created.map((c) => Number(c.body.number)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  test('invalid accounts are refused with problem+json naming each field, and nothing is stored', async () => {
    const before = await bed.query<{ n: number }>('select count(*)::int as n from accounts');
    const refused = await post('/accounts', {
      kind: 'household',
      name: '',
      currency: 'euro',
      contacts: [{ name: 'X', email: 'not-an-email' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const pointers = refused.body.errors.map((e: Json) => e.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining(['/body/kind', '/body/name', '/body/currency', '/body/contacts/0/email']),
    );

    const rules = await post('/accounts', {
      kind: 'residential',
      name: 'Rules',
      contacts: [
        { name: 'A', isPrimary: true },
        { name: 'B', isPrimary: true, portalAccess: true },
      ],
      addresses: [
        { kind: 'billing', street: 'a', city: 'b', country: 'US', lat: 10 },
        { kind: 'billing', street: 'c', city: 'd', country: 'US' },
      ],
    });
    expect(rules.status).toBe(400);
    expect(rules.body.errors).toEqual([
      { pointer: '/body/contacts/1/isPrimary', detail: 'only one contact can be primary (/body/contacts/0 is)' },
      { pointer: '/body/contacts/1/email', detail: 'is required for portal access' },
      { pointer: '/body/addresses/1/kind', detail: 'an account has one billing address (/body/addresses/0 is)' },
      { pointer: '/body/addresses/0/lon', detail: 'lat and lon come together' },
    ]);
    expect(await bed.query('select count(*)::int as n from accounts')).toEqual(before);
  });

  test('an unknown account is 404, a malformed id 400 naming the parameter', async () => {
    expect((await get('/accounts/6f1c1f0e-9a0b-4c1e-8f00-000000000000')).status).toBe(404);
    const malformed = await get('/accounts/42');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ pointer: '/params/accountId' })]);
  });

  test('an account is changed with PATCH; its number never changes', async () => {
    const account = await createAccount({ kind: 'residential', name: 'Alan Turing', tags: ['a'] });
    bed.clock.advance(60_000);
    const changed = await patch(`/accounts/${account.id}`, {
      name: 'Alan M. Turing',
      kind: 'business',
      tags: ['b', 'c'],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'Alan M. Turing',
      kind: 'business',
      tags: ['b', 'c'],
      number: account.number,
    });
    expect(changed.body.updatedAt).not.toBe(account.updatedAt);
    const refused = await patch(`/accounts/${account.id}`, { number: '999' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ pointer: '/body/number', detail: 'is not an allowed property' }]);
    bed.clock.set(START);
  });
});

describe('statuses', () => {
  test('a status change writes a history row and publishes customer.status-changed, in one transaction', async () => {
    const account = await createAccount({ kind: 'residential', name: 'Status Walker', status: 'lead' });
    const steps: [string, string][] = [
      ['active', 'signed the contract'],
      ['suspended', 'unpaid invoice 2026-02'],
      ['active', 'paid'],
      ['terminated', 'moved away'],
      ['active', 'came back'],
    ];
    for (const [status, reason] of steps) {
      const changed = await post(`/accounts/${account.id}/status`, { status, reason });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body.status).toBe(status);
    }
    const history = await get(`/accounts/${account.id}/history`);
    expect(history.body.items.map((h: Json) => [h.from, h.to, h.reason])).toEqual([
      ['terminated', 'active', 'came back'],
      ['active', 'terminated', 'moved away'],
      ['suspended', 'active', 'paid'],
      ['active', 'suspended', 'unpaid invoice 2026-02'],
      ['lead', 'active', 'signed the contract'],
      [null, 'lead', 'created'],
    ]);
    const events = await eventsOf('customer.status-changed', account.id);
    expect(events.map((e) => e.payload)).toEqual(
      steps.map(([to, reason], i) => ({
        accountId: account.id,
        from: i === 0 ? 'lead' : steps[i - 1]?.[0],
        to,
        reason,
      })),
    );
  });

  test('a transition the life of an account does not allow is refused with 409 naming the status, and changes nothing', async () => {
    const account = await createAccount({ kind: 'residential', name: 'Lead Only', status: 'lead' });
    const refused = await post(`/accounts/${account.id}/status`, { status: 'suspended', reason: 'why not' });
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([
      { pointer: '/body/status', detail: 'a lead account cannot become suspended; it can become active or terminated' },
    ]);
    const same = await post(`/accounts/${account.id}/status`, { status: 'lead', reason: 'again' });
    expect(same.status).toBe(409);
    const noReason = await post(`/accounts/${account.id}/status`, { status: 'active' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([{ pointer: '/body/reason', detail: 'is required' }]);
    expect(await eventsOf('customer.status-changed', account.id)).toEqual([]);
    expect((await get(`/accounts/${account.id}/history`)).body.items).toHaveLength(1);
  });

  test('two concurrent changes of one account: each transition is judged on the status it really leaves', async () => {
    const account = await createAccount({ kind: 'residential', name: 'Racer' });
    const [a, b] = await Promise.all([
      post(`/accounts/${account.id}/status`, { status: 'suspended', reason: 'first' }),
      post(`/accounts/${account.id}/status`, { status: 'suspended', reason: 'second' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await eventsOf('customer.status-changed', account.id)).toHaveLength(1);
    expect((await get(`/accounts/${account.id}/history`)).body.items).toHaveLength(2);
  });
});

describe('payers', () => {
  test('a child account is paid for by its parent; payerId says who pays', async () => {
    const parent = await createAccount({ kind: 'business', name: 'Head Office', currency: 'GBP' });
    const child = await createAccount({ kind: 'business', name: 'Branch', parentId: parent.id });
    expect(child).toMatchObject({ parentId: parent.id, payerId: parent.id, currency: 'GBP' });
    const children = await get(`/accounts?parentId=${parent.id}`);
    expect(children.body.items.map((a: Json) => a.id)).toEqual([child.id]);

    const loose = await patch(`/accounts/${child.id}`, { parentId: null });
    expect(loose.body).toMatchObject({ parentId: null, payerId: child.id });
  });

  test('one level only, one currency, no terminated payer, and a payer with live children is not terminated', async () => {
    const parent = await createAccount({ kind: 'business', name: 'Payer', currency: 'GBP' });
    const child = await createAccount({ kind: 'business', name: 'Paid', parentId: parent.id });
    const grandchild = await post('/accounts', { kind: 'business', name: 'Too deep', parentId: child.id });
    expect(grandchild.status).toBe(400);
    expect(grandchild.body.errors[0]).toMatchObject({ pointer: '/body/parentId' });
    expect(grandchild.body.errors[0].detail).toContain('a payer cannot have a payer');

    const other = await createAccount({ kind: 'business', name: 'Other payer' });
    const payerOfPayer = await patch(`/accounts/${parent.id}`, { parentId: other.id });
    expect(payerOfPayer.status).toBe(400);
    expect(payerOfPayer.body.errors[0].detail).toContain('pays for 1 other account');

    const currency = await post('/accounts', {
      kind: 'business',
      name: 'Dollars',
      parentId: parent.id,
      currency: 'USD',
    });
    expect(currency.body.errors).toEqual([
      { pointer: '/body/currency', detail: `must be GBP, the currency of the paying account ${parent.number}` },
    ]);
    const itself = await patch(`/accounts/${other.id}`, { parentId: other.id });
    expect(itself.body.errors).toEqual([{ pointer: '/body/parentId', detail: 'an account cannot pay for itself' }]);

    const terminate = await post(`/accounts/${parent.id}/status`, { status: 'terminated', reason: 'closing' });
    expect(terminate.status).toBe(409);
    expect(terminate.body.detail).toContain('pays for 1 account(s) that are not terminated');
    await post(`/accounts/${child.id}/status`, { status: 'terminated', reason: 'branch closed' });
    expect((await post(`/accounts/${parent.id}/status`, { status: 'terminated', reason: 'closing' })).status).toBe(200);
    const revive = await post(`/accounts/${child.id}/status`, { status: 'active', reason: 'reopened' });
    expect(revive.status).toBe(409);
    expect(revive.body.detail).toContain('is terminated');
  });

  test('the getAccount service answers what subscriptions need, the payer included', async () => {
    const parent = await createAccount({ kind: 'business', name: 'Service Payer', currency: 'EUR' });
    const child = await createAccount({ kind: 'residential', name: 'Service Child', parentId: parent.id });
    const plugin = bed.kernel.plugins.list().find((p) => p.manifest.id === 'dotmac.customers');
    const answer = await plugin?.sandbox.invoke(isp, 'service:getAccount', { accountId: child.id });
    expect(answer).toEqual({
      id: child.id,
      number: child.number,
      name: 'Service Child',
      status: 'active',
      currency: 'EUR',
      payerId: parent.id,
      resellerId: null,
    });
  });

  test('getAccount refuses an account the tenant does not have with a 404, which is not a fault of the plugin', async () => {
    const plugin = bed.kernel.plugins.list().find((p) => p.manifest.id === 'dotmac.customers');
    const missing = '6f1c1f0e-9a0b-4c1e-8f00-000000000001';
    for (let i = 0; i < 6; i++) {
      const answer = await plugin?.sandbox.invoke(isp, 'service:getAccount', { accountId: missing });
      expect(answer).toEqual({ $problem: { status: 404, detail: `no account ${missing} in this tenant` } });
    }
    expect(bed.kernel.plugins.stats('dotmac.customers').state).toBe('ready');
  });
});

describe('contacts and addresses', () => {
  test('one primary contact: a new primary replaces the old, and the primary is not removed while others remain', async () => {
    const account = await createAccount({ kind: 'residential', name: 'Contact Holder' });
    const first = await post(`/accounts/${account.id}/contacts`, { name: 'First', email: 'first@example.com' });
    expect(first.status).toBe(201);
    expect(first.body.isPrimary).toBe(true);
    const second = await post(`/accounts/${account.id}/contacts`, { name: 'Second', phone: '555 0101' });
    expect(second.body.isPrimary).toBe(false);
    const promoted = await patch(`/accounts/${account.id}/contacts/${second.body.id}`, { isPrimary: true });
    expect(promoted.body.isPrimary).toBe(true);
    const list = await get(`/accounts/${account.id}/contacts`);
    expect(list.body.items.map((c: Json) => [c.name, c.isPrimary])).toEqual([
      ['Second', true],
      ['First', false],
    ]);
    expect((await get(`/accounts/${account.id}`)).body.primaryContact.name).toBe('Second');

    expect((await remove(`/accounts/${account.id}/contacts/${second.body.id}`)).status).toBe(409);
    expect((await remove(`/accounts/${account.id}/contacts/${first.body.id}`)).body).toEqual({
      id: first.body.id,
      deleted: true,
    });
    expect((await remove(`/accounts/${account.id}/contacts/${second.body.id}`)).status).toBe(200);
  });

  test('portal access needs an email, whichever way it is asked for', async () => {
    const account = await createAccount({ kind: 'residential', name: 'Portal User' });
    const refused = await post(`/accounts/${account.id}/contacts`, { name: 'No Mail', portalAccess: true });
    expect(refused.body.errors).toEqual([{ pointer: '/body/email', detail: 'is required for portal access' }]);
    const contact = await post(`/accounts/${account.id}/contacts`, {
      name: 'Mail',
      email: 'm@example.com',
      portalAccess: true,
    });
    const cleared = await patch(`/accounts/${account.id}/contacts/${contact.body.id}`, { email: null });
    expect(cleared.status).toBe(400);
    expect(cleared.body.errors).toEqual([{ pointer: '/body/email', detail: 'is required for portal access' }]);
  });

  test('service addresses, one billing address, coordinates in pairs', async () => {
    const account = await createAccount({ kind: 'business', name: 'Many Sites' });
    const site = { kind: 'service', street: '1 Main St', city: 'Springfield', country: 'US' };
    expect((await post(`/accounts/${account.id}/addresses`, site)).status).toBe(201);
    expect(
      (await post(`/accounts/${account.id}/addresses`, { ...site, street: '2 Main St', label: 'Depot' })).status,
    ).toBe(201);
    const billing = await post(`/accounts/${account.id}/addresses`, { ...site, kind: 'billing' });
    expect(billing.status).toBe(201);
    const second = await post(`/accounts/${account.id}/addresses`, { ...site, kind: 'billing' });
    expect(second.status).toBe(409);
    expect(second.body.errors).toEqual([{ pointer: '/body/kind', detail: 'an account has one billing address' }]);
    const half = await patch(`/accounts/${account.id}/addresses/${billing.body.id}`, { lat: 10 });
    expect(half.status).toBe(400);
    expect(half.body.errors[0].pointer).toBe('/body/lat');
    const both = await patch(`/accounts/${account.id}/addresses/${billing.body.id}`, { lat: 10.5, lon: -20.25 });
    expect(both.body).toMatchObject({ lat: 10.5, lon: -20.25 });
    expect((await get(`/accounts/${account.id}/addresses`)).body.items).toHaveLength(3);
    expect((await remove(`/accounts/${account.id}/addresses/${billing.body.id}`)).status).toBe(200);
  });
});

describe('notes', () => {
  test('staff notes: pinned first, then newest first, paged', async () => {
    const account = await createAccount({ kind: 'residential', name: 'Noted' });
    for (let i = 1; i <= 5; i++) {
      bed.clock.advance(1000);
      expect((await post(`/accounts/${account.id}/notes`, { body: `note ${i}`, pinned: i === 2 })).status).toBe(201);
    }
    const first = await get(`/accounts/${account.id}/notes?limit=3`);
    expect(first.body.items.map((n: Json) => n.body)).toEqual(['note 2', 'note 5', 'note 4']);
    const rest = await get(`/accounts/${account.id}/notes?limit=3&cursor=${first.body.nextCursor}`);
    expect(rest.body.items.map((n: Json) => n.body)).toEqual(['note 3', 'note 1']);
    expect(rest.body.nextCursor).toBeNull();
    expect(first.body.items[0].author).toBe('operator');
    bed.clock.set(START);
  });
});

describe('custom fields', () => {
  test('values are checked against the tenant’s definitions: known keys, types, options, required', async () => {
    const tenant = await bed.tenant('isp-custom');
    const defined = await bed.request<Json>(tenant, 'PUT /custom-fields', {
      fields: [
        { key: 'contract_id', label: 'Contract ID', type: 'text', required: true },
        { key: 'floor', label: 'Floor', type: 'number' },
        { key: 'router', label: 'Router', type: 'select', options: ['mikrotik', 'ubiquiti'] },
        { key: 'since', label: 'Customer since', type: 'date' },
      ],
    });
    expect(defined.status).toBe(200);
    expect(defined.body.fields.map((f: Json) => f.key)).toEqual(['contract_id', 'floor', 'router', 'since']);

    const refused = await post(
      '/accounts',
      {
        kind: 'residential',
        name: 'Custom',
        custom: { floor: 'third', router: 'cisco', since: '2026-02-30', color: 'red' },
      },
      tenant,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { pointer: '/body/custom/floor', detail: 'must be a number' },
      { pointer: '/body/custom/router', detail: 'must be one of "mikrotik", "ubiquiti"' },
      { pointer: '/body/custom/since', detail: 'must be a date like 2026-03-01' },
      { pointer: '/body/custom/color', detail: 'is not a custom field of this tenant (see GET /custom-fields)' },
      { pointer: '/body/custom/contract_id', detail: 'is required (Contract ID)' },
    ]);
    const account = await createAccount(
      { kind: 'residential', name: 'Custom', custom: { contract_id: 'K-1', floor: 3, router: 'mikrotik' } },
      tenant,
    );
    expect(account.custom).toEqual({ contract_id: 'K-1', floor: 3, router: 'mikrotik' });
    const changed = await patch(`/accounts/${account.id}`, { custom: { floor: null, since: '2020-01-31' } }, tenant);
    expect(changed.body.custom).toEqual({ contract_id: 'K-1', router: 'mikrotik', since: '2020-01-31' });
    const required = await patch(`/accounts/${account.id}`, { custom: { contract_id: null } }, tenant);
    expect(required.body.errors).toEqual([
      { pointer: '/body/custom/contract_id', detail: 'is required (Contract ID)' },
    ]);

    const inconsistent = await bed.request<Json>(tenant, 'PUT /custom-fields', {
      fields: [
        { key: 'a', label: 'A', type: 'select' },
        { key: 'a', label: 'A again', type: 'text', options: ['x'] },
      ],
    });
    expect(inconsistent.body.errors).toEqual([
      { pointer: '/body/fields/0/options', detail: 'a select field needs at least one option' },
      { pointer: '/body/fields/1/key', detail: 'repeats /body/fields/0/key' },
      { pointer: '/body/fields/1/options', detail: 'only a select field has options, not a text field' },
    ]);
  });
});

describe('tenants', () => {
  test('each tenant sees only its own accounts, though all sit in one table', async () => {
    const a = await bed.tenant('isp-wall-a');
    const b = await bed.tenant('isp-wall-b');
    const inA = await createAccount({ kind: 'residential', name: 'Wall Resident' }, a);
    const inB = await createAccount({ kind: 'residential', name: 'Wall Resident' }, b);
    expect(inA.number).toBe(inB.number); // one sequence per tenant
    expect((await get('/accounts?q=wall', a)).body.items.map((x: Json) => x.id)).toEqual([inA.id]);
    expect((await get(`/accounts/${inA.id}`, b)).status).toBe(404);
    expect((await post(`/accounts/${inA.id}/status`, { status: 'suspended', reason: 'x' }, b)).status).toBe(404);
    const childAcross = await post('/accounts', { kind: 'residential', name: 'Across', parentId: inA.id }, b);
    expect(childAcross.body.errors[0]).toEqual({
      pointer: '/body/parentId',
      detail: `no account ${inA.id} in this tenant`,
    });
  });
});

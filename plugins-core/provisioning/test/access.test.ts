// Access credentials, the listings, and the walls: between tenants, and around a customer's own
// services in the customer portal.
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  aaaAccount,
  activeSubscriber,
  callsTo,
  events,
  expectStatus,
  newTenant,
  type Problem,
  publish,
  readService,
  type Service,
  setPppoe,
  startWorld,
  subscriber,
} from './support/world.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await startWorld();
});
afterAll(() => bed?.close());

const putAccess = (tenant: string, subscriptionId: string, body: Record<string, unknown>) =>
  bed.request<Problem & Record<string, unknown>>(tenant, `PUT /services/${subscriptionId}/access`, body);

describe('access credentials', () => {
  test('a username another service of the tenant uses is refused, naming it, and nothing is written', async () => {
    const tenant = await newTenant(bed);
    const ada = await activeSubscriber(bed, tenant, 'ada@fibre');
    const bob = await activeSubscriber(bed, tenant, 'bob@fibre');
    const snapshot = () =>
      Promise.all([
        bed.query('select * from access_credentials where tenant_id = $1 order by subscription_id', [tenant]),
        bed.query('select * from services where tenant_id = $1 order by subscription_id', [tenant]),
        bed.query('select count(*)::int as n from service_history where tenant_id = $1', [tenant]),
      ]);
    const before = await snapshot();
    const calls = (await callsTo(bed, 'radius', tenant)).length;

    const taken = await putAccess(tenant, bob.subscriptionId, {
      access: 'pppoe',
      username: 'ada@fibre',
      password: 'another-secret',
    });
    expect(taken.status).toBe(409);
    expect(taken.headers.get('content-type')).toContain('application/problem+json');
    expect(taken.body.errors).toEqual([{ pointer: '/body/username', detail: 'is used by another service' }]);
    // A service not yet known to provisioning is refused the same way.
    const early = await putAccess(tenant, subscriber().subscriptionId, {
      access: 'pppoe',
      username: 'ada@fibre',
      password: 'another-secret',
    });
    expect(early.status).toBe(409);
    await bed.settle();
    expect(await snapshot()).toEqual(before);
    expect(await callsTo(bed, 'radius', tenant)).toHaveLength(calls);
    expect((await readService(bed, tenant, ada.subscriptionId)).access).toMatchObject({ username: 'ada@fibre' });
    // Whatever the request's own check missed (two requests at once), the database refuses.
    await expect(
      bed.query(
        `insert into access_credentials (tenant_id, subscription_id, access, username, password, created_at, updated_at)
         values ($1, gen_random_uuid(), 'pppoe', 'ada@fibre', 'secret-2', now(), now())`,
        [tenant],
      ),
    ).rejects.toThrow(/access_credentials_username/);

    // The same username in another tenant is another subscriber.
    const other = await newTenant(bed);
    await setPppoe(bed, other, subscriber().subscriptionId, 'ada@fibre');
  });

  test('PPPoE needs a password of 6 to 128 characters and takes no option 82, IPoE no password; the password is never answered', async () => {
    const tenant = await newTenant(bed);
    const id = subscriber().subscriptionId;
    const missing = await putAccess(tenant, id, { access: 'pppoe', username: 'nopass@fibre' });
    expect([missing.status, missing.body.errors?.[0]?.pointer]).toEqual([400, '/body/password']);
    const short = await putAccess(tenant, id, { access: 'pppoe', username: 'short@fibre', password: '12345' });
    expect([short.status, short.body.errors?.[0]?.pointer]).toEqual([400, '/body/password']);
    const long = await putAccess(tenant, id, { access: 'pppoe', username: 'long@fibre', password: 'x'.repeat(129) });
    expect(long.status).toBe(400);
    const option82 = await putAccess(tenant, id, {
      access: 'pppoe',
      username: 'mixed@fibre',
      password: 'secret-1',
      circuitId: 'olt1/1/1',
    });
    expect([option82.status, option82.body.errors?.[0]?.pointer]).toEqual([400, '/body/circuitId']);
    const ipoePassword = await putAccess(tenant, id, { access: 'ipoe', username: 'port-7', password: 'secret-1' });
    expect([ipoePassword.status, ipoePassword.body.errors?.[0]?.pointer]).toEqual([400, '/body/password']);
    const quoted = await putAccess(tenant, id, { access: 'pppoe', username: 'o"brien', password: 'secret-1' });
    expect([quoted.status, quoted.body.errors?.[0]?.pointer]).toEqual([400, '/body/username']);
    expect((await bed.query('select 1 from access_credentials where tenant_id = $1', [tenant])).length).toBe(0);

    const set = expectStatus(
      await putAccess(tenant, id, { access: 'pppoe', username: 'ok@fibre', password: 'secret-1' }),
      200,
    );
    expect(set).toEqual({
      subscriptionId: id,
      access: 'pppoe',
      username: 'ok@fibre',
      hasPassword: true,
      circuitId: null,
      remoteId: null,
      updatedAt: expect.any(String),
      state: null,
    });
  });

  test("IPoE takes the DHCP option 82 ids and no password; without access named, the tenant's accessDefault applies", async () => {
    const tenant = await newTenant(bed, { accessDefault: 'ipoe' });
    const s = subscriber();
    const set = expectStatus(
      await putAccess(tenant, s.subscriptionId, { username: 'olt1-1-1-7', circuitId: 'olt1/1/1:7', remoteId: 'onu-7' }),
      200,
    );
    expect(set).toMatchObject({ access: 'ipoe', hasPassword: false, circuitId: 'olt1/1/1:7', remoteId: 'onu-7' });
    await publish(bed, tenant, 'subscription.activated', events.activated(s));
    const service = await readService(bed, tenant, s.subscriptionId);
    expect(service).toMatchObject({
      state: 'active',
      access: { access: 'ipoe', username: 'olt1-1-1-7', hasPassword: false, circuitId: 'olt1/1/1:7' },
    });
    expect((await callsTo(bed, 'radius', tenant))[0]?.input).toMatchObject({ access: 'ipoe', password: null });
  });

  test('new credentials of a running service reach its AAA account; the same ones again change nothing', async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'old-name@fibre');
    await setPppoe(bed, tenant, s.subscriptionId, 'new-name@fibre', 'new-secret');
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('active');
    expect((await aaaAccount(bed, s.subscriptionId))?.username).toBe('new-name@fibre');
    const upserts = (await callsTo(bed, 'radius', tenant)).filter((c) => c.fn === 'upsertAccount');
    expect(upserts.map((c) => [c.input.username, c.input.password])).toEqual([
      ['old-name@fibre', 'correct-horse'],
      ['new-name@fibre', 'new-secret'],
    ]);
    await setPppoe(bed, tenant, s.subscriptionId, 'new-name@fibre', 'new-secret');
    expect(await callsTo(bed, 'radius', tenant)).toHaveLength(upserts.length);
  });
});

describe('listings and walls', () => {
  test('GET /services filters by state and account, a page at a time', async () => {
    const tenant = await newTenant(bed);
    const running = await activeSubscriber(bed, tenant, 'list-1@fibre');
    const sameAccount = await activeSubscriber(bed, tenant, 'list-2@fibre', undefined, running.accountId);
    const waiting = subscriber();
    await publish(bed, tenant, 'subscription.activated', events.activated(waiting));

    type Page = { items: Service[]; nextCursor: string | null };
    const ids = (page: Page) => page.items.map((i) => i.subscriptionId).sort();
    const byState = expectStatus(await bed.request<Page>(tenant, 'GET /services?state=awaiting-credentials'), 200);
    expect(ids(byState)).toEqual([waiting.subscriptionId]);
    expect(byState.items[0]).not.toHaveProperty('history');
    const byAccount = expectStatus(
      await bed.request<Page>(tenant, `GET /services?accountId=${running.accountId}`),
      200,
    );
    expect(ids(byAccount)).toEqual([running.subscriptionId, sameAccount.subscriptionId].sort());

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page: Page = expectStatus(await bed.request<Page>(tenant, `GET /services?limit=2${query}`), 200);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.subscriptionId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual([running.subscriptionId, sameAccount.subscriptionId, waiting.subscriptionId].sort());
    expect((await bed.request(tenant, 'GET /services?cursor=zz')).status).toBe(400);
    expect((await bed.request(tenant, 'GET /reconciliations?cursor=00')).status).toBe(400);
  });

  test("each tenant sees and changes only its own services, and events of one never reach another's", async () => {
    const a = await newTenant(bed);
    const b = await newTenant(bed);
    const ofA = await activeSubscriber(bed, a, 'wall@fibre');
    expect((await bed.request(b, `GET /services/${ofA.subscriptionId}`)).status).toBe(404);
    expect((await bed.request<{ items: unknown[] }>(b, 'GET /services')).body.items).toEqual([]);
    expect((await bed.request(b, `POST /services/${ofA.subscriptionId}/retry`)).status).toBe(404);
    // B's billing asks to suspend A's subscription: B knows no such service.
    await publish(
      bed,
      b,
      'service.suspension-requested',
      events.suspensionRequested(ofA.accountId, [ofA.subscriptionId], 'reject'),
    );
    expect((await readService(bed, a, ofA.subscriptionId)).state).toBe('active');
    expect(await callsTo(bed, 'radius', b)).toEqual([]);
    // B may use the same username for its own subscriber.
    await setPppoe(bed, b, subscriber().subscriptionId, 'wall@fibre');
    const owners = await bed.query<{ tenant_id: string }>(
      'select distinct tenant_id from access_credentials where username = $1',
      ['wall@fibre'],
    );
    expect(owners.map((o) => o.tenant_id).sort()).toEqual([a, b].sort());
  });

  test("a customer-portal user sees only their own account's services, and no reconciliation", async () => {
    const tenant = await newTenant(bed);
    const mine = await activeSubscriber(bed, tenant, 'me@fibre');
    const theirs = await activeSubscriber(bed, tenant, 'them@fibre');
    // The testbed calls routes as the operator until it signs users in: call the route the way
    // the kernel does for a customer signed in to the portal, with their row scope.
    const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === bed.pluginId)?.sandbox;
    const asCustomer = (route: string, params: Record<string, string> = {}, body: unknown = null) => {
      const scope = { portal: 'customer', userId: 'user-me', subjectId: mine.accountId } as const;
      const caller = { kind: 'user', ...scope, permissions: ['dotmac.provisioning.read', 'dotmac.provisioning.write'] };
      return sandbox?.invoke(tenant, `route:${route}`, { params, query: {}, body, caller }, scope);
    };
    const listed = (await asCustomer('GET /services')) as { items: Service[] };
    expect(listed.items.map((i) => i.subscriptionId)).toEqual([mine.subscriptionId]);
    expect(await asCustomer('GET /services/:subscriptionId', { subscriptionId: mine.subscriptionId })).toMatchObject({
      subscriptionId: mine.subscriptionId,
      access: { username: 'me@fibre', hasPassword: true },
    });
    expect(await asCustomer('GET /services/:subscriptionId', { subscriptionId: theirs.subscriptionId })).toMatchObject({
      $problem: { status: 404 },
    });
    expect(await asCustomer('GET /reconciliations')).toMatchObject({ $problem: { status: 403 } });
    expect(await asCustomer('POST /reconciliations', {}, { fix: true })).toMatchObject({ $problem: { status: 403 } });
    expect((await bed.request<{ items: unknown[] }>(tenant, 'GET /services')).body.items).toHaveLength(2);
  });

  test("a technician-portal user sees every service of the tenant for today's work, and no reconciliation", async () => {
    const tenant = await newTenant(bed);
    const running = await activeSubscriber(bed, tenant, 'running@fibre');
    // Activated without credentials: it waits for its installation.
    const waiting = subscriber();
    await publish(bed, tenant, 'subscription.activated', events.activated(waiting));
    expect((await readService(bed, tenant, waiting.subscriptionId)).state).toBe('awaiting-credentials');
    // Provisioning's tables scope customers (customer_id), not technicians: a technician, who
    // works for every customer, sees every service; the record their login acts as changes nothing.
    const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === bed.pluginId)?.sandbox;
    const asTechnician = (route: string, query: Record<string, unknown> = {}, body: unknown = null) => {
      const scope = { portal: 'technician', userId: 'user-tech', subjectId: 'technician-7' } as const;
      const caller = { kind: 'user', ...scope, permissions: ['dotmac.provisioning.read', 'dotmac.provisioning.write'] };
      return sandbox?.invoke(tenant, `route:${route}`, { params: {}, query, body, caller }, scope);
    };
    const all = (await asTechnician('GET /services')) as { items: Service[] };
    expect(all.items.map((i) => i.subscriptionId).sort()).toEqual(
      [running.subscriptionId, waiting.subscriptionId].sort(),
    );
    const today = (await asTechnician('GET /services', { state: 'awaiting-credentials' })) as { items: Service[] };
    expect(today.items.map((i) => i.subscriptionId)).toEqual([waiting.subscriptionId]);
    expect(await asTechnician('GET /reconciliations')).toMatchObject({ $problem: { status: 403 } });
    expect(await asTechnician('POST /reconciliations', {}, { fix: false })).toMatchObject({
      $problem: { status: 403 },
    });
  });

  test('/openapi.json lists every route with its permission', async () => {
    const doc = (await (await fetch(`${bed.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-permission'?: string }>>;
    };
    const mount = '/api/v1/p/dotmac.provisioning';
    const mine = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith(`${mount}/`))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => [
          `${method.toUpperCase()} ${path.slice(mount.length)}`,
          operation['x-permission'],
        ]),
      );
    const read = 'dotmac.provisioning.read';
    const write = 'dotmac.provisioning.write';
    expect(Object.fromEntries(mine)).toEqual({
      'GET /services': read,
      'GET /services/{subscriptionId}': read,
      'PUT /services/{subscriptionId}/access': write,
      'POST /services/{subscriptionId}/retry': write,
      'POST /reconciliations': write,
      'GET /reconciliations': read,
      'GET /reconciliations/{reconciliationId}': read,
    });
  });
});

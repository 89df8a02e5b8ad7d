// Address allocation in the real kernel and sandbox: a thousand requests at once never share an
// address, a full pool says so, IPv6 pools delegate prefixes, static assignments and
// reservations take exactly what they ask for, and tenants never see each other's pools.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allocationStatements } from '../src/server/allocator.ts';
import { parseAddress, parseCidr } from '../src/server/ip.ts';
import {
  type Assignment,
  accepted,
  assign,
  createPool,
  freshUuid,
  type Page,
  type Pool,
  pointersOf,
  refused,
  START,
} from './support.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ clock: START });
});
afterAll(() => bed?.close());

/** The value of an IPv4 address, as a number. */
const v4 = (text: string) => Number(parseAddress(text)?.value);

describe('dynamic allocation', () => {
  test('1,000 parallel allocations from a /22 give 1,000 distinct addresses; the pool then fills and says so', async () => {
    const isp = await bed.tenant('parallel');
    const pool = await createPool(bed, isp, { name: 'CGNAT harbour', cidr: '100.64.0.0/22' });
    expect(pool.utilisation).toEqual({ size: 1022, used: 0, reserved: 0, free: 1022, percent: 0 });

    const subscriptions = Array.from({ length: 1000 }, () => freshUuid());
    const started = performance.now();
    const answers = await Promise.all(
      subscriptions.map((subscriptionId) =>
        bed.request<Assignment>(isp, `POST /pools/${pool.id}/assignments`, { subscriptionId }),
      ),
    );
    const took = performance.now() - started;
    const failed = answers.filter((a) => a.status !== 201);
    expect(failed.map((a) => a.body).slice(0, 3)).toEqual([]);

    const addresses = answers.map((a) => a.body.address);
    expect(new Set(addresses).size).toBe(1000);
    const network = v4('100.64.0.0');
    const broadcast = v4('100.64.3.255');
    for (const address of addresses) {
      const value = v4(address);
      expect(value).toBeGreaterThan(network);
      expect(value).toBeLessThan(broadcast);
    }
    // Each subscription got its own: no address went to two of them.
    expect(new Set(answers.map((a) => a.body.subscriptionId))).toEqual(new Set(subscriptions));
    // The allocator hands out the lowest free addresses: 100.64.0.1 up to 100.64.3.232.
    expect(Math.min(...addresses.map(v4))).toBe(network + 1);
    expect(Math.max(...addresses.map(v4))).toBe(network + 1000);
    const [stored] = await bed.query<{ n: number; distinct: number }>(
      'select count(*)::int as n, count(distinct host_index)::int as distinct from assignments where pool_id = $1',
      [pool.id],
    );
    expect(stored).toEqual({ n: 1000, distinct: 1000 });
    console.info(`1,000 parallel allocations took ${Math.round(took)} ms`);

    // The 22 addresses left, then a clear refusal.
    for (let i = 0; i < 22; i++) await assign(bed, isp, pool.id, { subscriptionId: freshUuid() });
    const full = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, { subscriptionId: freshUuid() }),
      409,
    );
    expect(full.detail).toBe('dotmac.network: pool CGNAT harbour (100.64.0.0/22) has no free address');

    const after = accepted<Pool>(await bed.request(isp, `GET /pools/${pool.id}`), 200);
    expect(after.utilisation).toEqual({ size: 1022, used: 1022, reserved: 0, free: 0, percent: 100 });
    const [edges] = await bed.query<{ n: number }>(
      'select count(*)::int as n from assignments where pool_id = $1 and host_index in (0, 1023)',
      [pool.id],
    );
    expect(edges?.n).toBe(0);
  });

  test('independent transactions (as from several kernel processes) never hand out one address twice', async () => {
    // The plugin groups one tenant's concurrent requests for a pool into one transaction; across
    // processes nothing groups them, and the pool lock alone must keep them apart. Here each
    // allocation is its own transaction on its own connection (PostgreSQL: ten at a time).
    const isp = await bed.tenant('lock');
    const pool = await createPool(bed, isp, { name: 'Locked', cidr: '10.40.0.0/24' });
    const subscriptions = Array.from({ length: 120 }, () => freshUuid());
    const runs = await Promise.all(
      subscriptions.map((subscriptionId, i) =>
        bed.kernel.db.transaction(async (tx) => {
          await tx.query('set local search_path to "plugin_dotmac_network", public');
          const batch = i % 3 === 0 ? [subscriptionId] : [subscriptionId, subscriptions[(i + 1) % 120] as string];
          const results = [];
          for (const s of allocationStatements(pool.id, batch, isp, START))
            results.push(await tx.query(s.sql, s.params));
          return results[1] as { subscription_id: string }[];
        }),
      ),
    );
    const inserted = runs.flat().map((r) => r.subscription_id);
    expect(inserted.sort()).toEqual([...subscriptions].sort()); // each subscription once, whoever got there first
    const rows = await bed.query<{ host_index: string }>(
      'select host_index::text from assignments where pool_id = $1',
      [pool.id],
    );
    expect(rows).toHaveLength(120);
    expect(rows.map((r) => Number(r.host_index)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
  });

  test('asking again for the same subscription answers the address it holds', async () => {
    const isp = await bed.tenant('idempotent');
    const pool = await createPool(bed, isp, { name: 'Main', cidr: '10.20.0.0/24' });
    const subscriptionId = freshUuid();
    const first = await assign(bed, isp, pool.id, { subscriptionId });
    const again = await assign(bed, isp, pool.id, { subscriptionId });
    expect(again).toEqual(first);
    expect(first).toMatchObject({ address: '10.20.0.1', prefixLength: 32, kind: 'dynamic', family: 'ipv4' });
  });

  test('a released address is handed out again, lowest first; the gateway never is', async () => {
    const isp = await bed.tenant('release');
    const pool = await createPool(bed, isp, { name: 'Small', cidr: '192.0.2.0/29', gateway: '192.0.2.1' });
    expect(pool.utilisation.size).toBe(5); // 8 - network - broadcast - gateway
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await assign(bed, isp, pool.id, { subscriptionId: freshUuid() }));
    expect(held.map((a) => a.address)).toEqual(['192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6']);
    refused(await bed.request(isp, `POST /pools/${pool.id}/assignments`, { subscriptionId: freshUuid() }), 409);

    accepted(await bed.request(isp, `DELETE /assignments/${held[2]?.id}`), 200);
    const again = await assign(bed, isp, pool.id, { subscriptionId: freshUuid() });
    expect(again.address).toBe('192.0.2.4');
    refused(await bed.request(isp, `DELETE /assignments/${held[2]?.id}`), 404);
  });

  test('a /31 and a /32 hand out every address they have', async () => {
    const isp = await bed.tenant('point-to-point');
    const p2p = await createPool(bed, isp, { name: 'P2P', cidr: '198.51.100.0/31' });
    const single = await createPool(bed, isp, { name: 'Single', cidr: '198.51.100.9/32' });
    expect([p2p.utilisation.size, single.utilisation.size]).toEqual([2, 1]);
    const a = await assign(bed, isp, p2p.id, { subscriptionId: freshUuid() });
    const b = await assign(bed, isp, p2p.id, { subscriptionId: freshUuid() });
    const c = await assign(bed, isp, single.id, { subscriptionId: freshUuid() });
    expect([a.address, b.address, c.address]).toEqual(['198.51.100.0', '198.51.100.1', '198.51.100.9']);
  });
});

describe('IPv6 prefix delegation', () => {
  test('a /48 delegates its 256 /56s in order, then is full', async () => {
    const isp = await bed.tenant('ipv6-pd');
    const pool = await createPool(bed, isp, { name: 'PD', cidr: '2001:db8:100::/48', assignPrefixLength: 56 });
    expect(pool).toMatchObject({ family: 'ipv6', cidr: '2001:db8:100::/48', assignPrefixLength: 56 });
    expect(pool.utilisation).toMatchObject({ size: 256, free: 256 });

    const delegated = await Promise.all(
      Array.from({ length: 256 }, () =>
        bed.request<Assignment>(isp, `POST /pools/${pool.id}/assignments`, { subscriptionId: freshUuid() }),
      ),
    );
    const prefixes = delegated.map((d) => accepted<Assignment>(d));
    expect(new Set(prefixes.map((p) => p.address)).size).toBe(256);
    for (const p of prefixes) {
      expect(p.prefixLength).toBe(56);
      const parsed = parseCidr(`${p.address}/56`);
      expect(parsed.ok, `${p.address}/56 is a /56 network`).toBe(true);
    }
    const sorted = prefixes.map((p) => p.address).sort((x, y) => Number(v6(x) - v6(y)));
    expect(sorted.slice(0, 3)).toEqual(['2001:db8:100::', '2001:db8:100:100::', '2001:db8:100:200::']);
    expect(sorted.at(-1)).toBe('2001:db8:100:ff00::');

    const full = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, { subscriptionId: freshUuid() }),
      409,
    );
    expect(full.detail).toBe('dotmac.network: pool PD (2001:db8:100::/48) has no free address');
  });

  test('an IPv6 pool defaults to /64s; a static prefix must start a unit', async () => {
    const isp = await bed.tenant('ipv6-static');
    const pool = await createPool(bed, isp, { name: 'Slash64s', cidr: '2001:DB8:0:0::/56' });
    expect(pool).toMatchObject({ cidr: '2001:db8::/56', assignPrefixLength: 64, utilisation: { size: 256 } });
    const unaligned = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, {
        kind: 'static',
        subscriptionId: freshUuid(),
        address: '2001:db8:0:7::1',
      }),
      400,
    );
    expect(pointersOf(unaligned)).toEqual(['/body/address']);
    expect(unaligned.detail).toContain('is not the start of a /64');
    const fixed = await assign(bed, isp, pool.id, {
      kind: 'static',
      subscriptionId: freshUuid(),
      address: '2001:0db8:0000:0007:0000:0000:0000:0000',
    });
    expect(fixed).toMatchObject({ address: '2001:db8:0:7::', prefixLength: 64, kind: 'static' });
  });

  test('a subscription holds one IPv4 and one IPv6 assignment', async () => {
    const isp = await bed.tenant('dual-stack');
    const v4pool = await createPool(bed, isp, { name: 'v4', cidr: '10.1.0.0/24' });
    const v6pool = await createPool(bed, isp, { name: 'v6', cidr: '2001:db8:1::/48', assignPrefixLength: 56 });
    const subscriptionId = freshUuid();
    const a = await assign(bed, isp, v4pool.id, { subscriptionId });
    const b = await assign(bed, isp, v6pool.id, { subscriptionId });
    expect([a.family, b.family]).toEqual(['ipv4', 'ipv6']);
    const listed = accepted<Page<Assignment>>(
      await bed.request(isp, `GET /assignments?subscriptionId=${subscriptionId}`),
      200,
    );
    expect(listed.items.map((x) => x.address).sort()).toEqual(['10.1.0.1', '2001:db8:1::']);
  });
});

const v6 = (text: string) => parseAddress(text)?.value ?? -1n;

describe('static assignments and reservations', () => {
  test('a static address is taken once; a reserved one is never handed out', async () => {
    const isp = await bed.tenant('static');
    const pool = await createPool(bed, isp, { name: 'Business', cidr: '203.0.113.0/28', kind: 'static' });

    const reserved = await assign(bed, isp, pool.id, {
      kind: 'reservation',
      address: '203.0.113.1',
      note: 'core router',
    });
    expect(reserved).toMatchObject({
      kind: 'reservation',
      subscriptionId: null,
      note: 'core router',
      address: '203.0.113.1',
    });

    const first = freshUuid();
    const fixed = await assign(bed, isp, pool.id, { kind: 'static', subscriptionId: first, address: '203.0.113.5' });
    expect(fixed).toMatchObject({ kind: 'static', address: '203.0.113.5', subscriptionId: first });
    // Asking again for the same is answered, not refused.
    expect(await assign(bed, isp, pool.id, { kind: 'static', subscriptionId: first, address: '203.0.113.5' })).toEqual(
      fixed,
    );

    const taken = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, {
        kind: 'static',
        subscriptionId: freshUuid(),
        address: '203.0.113.5',
      }),
      409,
    );
    expect(pointersOf(taken)).toEqual(['/body/address']);
    expect(taken.detail).toBe(
      `dotmac.network: 203.0.113.5 is taken in pool Business (203.0.113.0/28): held by subscription ${first}`,
    );

    const onReservation = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, {
        kind: 'static',
        subscriptionId: freshUuid(),
        address: '203.0.113.1',
      }),
      409,
    );
    expect(onReservation.detail).toContain('reserved (core router)');
    const twice = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, {
        kind: 'reservation',
        address: '203.0.113.1',
        note: 'again',
      }),
      409,
    );
    expect(pointersOf(twice)).toEqual(['/body/address']);

    // A second static address for the same subscription and family is refused, naming the subscription.
    const second = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, {
        kind: 'static',
        subscriptionId: first,
        address: '203.0.113.6',
      }),
      409,
    );
    expect(pointersOf(second)).toEqual(['/body/subscriptionId']);

    // The dynamic allocator skips the reservation and the static address.
    const dynamic = [];
    for (let i = 0; i < 4; i++)
      dynamic.push((await assign(bed, isp, pool.id, { subscriptionId: freshUuid() })).address);
    expect(dynamic).toEqual(['203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.6']);

    const use = accepted<Pool>(await bed.request(isp, `GET /pools/${pool.id}`), 200).utilisation;
    expect(use).toEqual({ size: 14, used: 5, reserved: 1, free: 8, percent: 42.86 });
  });

  test('a static address outside the pool, or its network, broadcast or gateway address, is refused naming it', async () => {
    const isp = await bed.tenant('static-bad');
    const pool = await createPool(bed, isp, { name: 'Edge', cidr: '10.9.0.0/24', gateway: '10.9.0.254' });
    for (const [address, why] of [
      ['10.9.1.5', 'is not inside pool Edge (10.9.0.0/24)'],
      ['10.9.0.0', 'is the network address'],
      ['10.9.0.255', 'is the broadcast address'],
      ['10.9.0.254', 'is the gateway'],
      ['10.9.0.300', 'is not an IPv4 or IPv6 address'],
    ] as const) {
      const problem = refused(
        await bed.request(isp, `POST /pools/${pool.id}/assignments`, {
          kind: 'static',
          subscriptionId: freshUuid(),
          address,
        }),
        400,
      );
      expect(pointersOf(problem)).toEqual(['/body/address']);
      expect(problem.detail).toContain(why);
    }
    const missing = refused(
      await bed.request(isp, `POST /pools/${pool.id}/assignments`, { kind: 'static', address: '10.9.0.7' }),
      400,
    );
    expect(pointersOf(missing)).toEqual(['/body/subscriptionId']);
    const [row] = await bed.query<{ n: number }>('select count(*)::int as n from assignments where pool_id = $1', [
      pool.id,
    ]);
    expect(row?.n).toBe(0);
  });
});

describe('tenant walls', () => {
  test("tenant B cannot see, allocate from, or release in tenant A's pool", async () => {
    const a = await bed.tenant('wall-a');
    const b = await bed.tenant('wall-b');
    const pool = await createPool(bed, a, { name: 'Private', cidr: '172.16.0.0/24' });
    const held = await assign(bed, a, pool.id, { subscriptionId: freshUuid() });

    refused(await bed.request(b, `GET /pools/${pool.id}`), 404);
    refused(await bed.request(b, `POST /pools/${pool.id}/assignments`, { subscriptionId: freshUuid() }), 404);
    refused(
      await bed.request(b, `POST /pools/${pool.id}/assignments`, {
        kind: 'static',
        subscriptionId: freshUuid(),
        address: '172.16.0.9',
      }),
      404,
    );
    refused(await bed.request(b, `GET /pools/${pool.id}/assignments`), 404);
    refused(await bed.request(b, `DELETE /assignments/${held.id}`), 404);
    expect(accepted<Page<Pool>>(await bed.request(b, 'GET /pools'), 200).items).toEqual([]);
    expect(accepted<Page<Assignment>>(await bed.request(b, 'GET /assignments'), 200).items).toEqual([]);

    // Tenant B may use the same prefix: pools overlap only within a tenant.
    const own = await createPool(bed, b, { name: 'Private', cidr: '172.16.0.0/24' });
    expect((await assign(bed, b, own.id, { subscriptionId: freshUuid() })).address).toBe('172.16.0.1');
    const [rows] = await bed.query<{ n: number }>('select count(*)::int as n from assignments where pool_id = $1', [
      pool.id,
    ]);
    expect(rows?.n).toBe(1);
  });
});

describe('listings', () => {
  test("a pool's assignments come in address order, a page at a time", async () => {
    const isp = await bed.tenant('pages');
    const pool = await createPool(bed, isp, { name: 'Paged', cidr: '10.30.0.0/28' });
    for (let i = 0; i < 5; i++) await assign(bed, isp, pool.id, { subscriptionId: freshUuid() });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page: Page<Assignment> = accepted(
        await bed.request(isp, `GET /pools/${pool.id}/assignments?limit=2${query}`),
        200,
      );
      seen.push(...page.items.map((a) => a.address));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['10.30.0.1', '10.30.0.2', '10.30.0.3', '10.30.0.4', '10.30.0.5']);

    const bad = refused(await bed.request(isp, `GET /pools/${pool.id}/assignments?cursor=00ff`), 400);
    expect(pointersOf(bad)).toEqual(['/query/cursor']);
  });
});

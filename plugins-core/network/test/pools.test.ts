// Address pools in the real kernel and sandbox: a prefix is a network address, a tenant's pools
// never overlap (not even when created at the same moment), assignment lengths and gateways are
// checked, utilisation is counted, and a pool in use is not deleted.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { overlaps, parseCidr } from '../src/server/ip.ts';
import {
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

describe('a new pool', () => {
  test('is answered canonical, with its defaults and its utilisation', async () => {
    const isp = await bed.tenant('new-pool');
    const pool = await createPool(bed, isp, {
      name: 'CGNAT',
      cidr: '100.64.0.0/22',
      gateway: '100.64.0.1',
      dnsServers: ['1.1.1.1', '2606:4700:4700:0:0:0:0:1111'],
    });
    expect(pool).toEqual({
      id: expect.any(String),
      name: 'CGNAT',
      family: 'ipv4',
      cidr: '100.64.0.0/22',
      kind: 'dynamic',
      assignPrefixLength: 32,
      siteId: null,
      planId: null,
      gateway: '100.64.0.1',
      dnsServers: ['1.1.1.1', '2606:4700:4700::1111'],
      utilisation: { size: 1021, used: 0, reserved: 0, free: 1021, percent: 0 },
      createdAt: START,
      updatedAt: START,
    });
    expect(accepted<Pool>(await bed.request(isp, `GET /pools/${pool.id}`), 200)).toEqual(pool);
  });

  test('must be written as a network address: 10.0.0.5/22 is refused naming the field and the network', async () => {
    const isp = await bed.tenant('not-network');
    const problem = refused(await bed.request(isp, 'POST /pools', { name: 'Typo', cidr: '10.0.0.5/22' }), 400);
    expect(pointersOf(problem)).toEqual(['/body/cidr']);
    expect(problem.detail).toContain('10.0.0.0/22');
    for (const cidr of [
      '10.0.0.0',
      '10.0.0.0/33',
      '2001:db8::/129',
      '300.0.0.0/8',
      'fe80::/10%eth0',
      '2001:db8::1/64',
    ]) {
      expect(pointersOf(refused(await bed.request(isp, 'POST /pools', { name: 'Bad', cidr }), 400)), cidr).toEqual([
        '/body/cidr',
      ]);
    }
    const [row] = await bed.query<{ n: number }>('select count(*)::int as n from pools where tenant_id = $1', [isp]);
    expect(row?.n).toBe(0);
  });

  test('hands out IPv4 addresses singly, and IPv6 prefixes of /48 to /128 no wider than itself', async () => {
    const isp = await bed.tenant('assign-length');
    const cases: [Record<string, unknown>, string][] = [
      [{ cidr: '10.0.0.0/24', assignPrefixLength: 30 }, 'an IPv4 pool hands out single addresses: 32'],
      [{ cidr: '2001:db8::/32', assignPrefixLength: 40 }, 'hands out /48 to /128 prefixes'],
      [{ cidr: '2001:db8::/56', assignPrefixLength: 52 }, 'a /56 pool cannot hand out /52s'],
      [{ cidr: '2001:db8:0:0:1::/80', assignPrefixLength: 64 }, 'a /80 pool cannot hand out /64s'],
      [{ cidr: '2001:db8:0:0:1::/80' }, 'a /80 pool cannot hand out /64s'],
    ];
    for (const [body, detail] of cases) {
      const problem = refused(await bed.request(isp, 'POST /pools', { name: 'P', ...body }), 400);
      expect(pointersOf(problem)).toEqual(['/body/assignPrefixLength']);
      expect(problem.detail).toContain(detail);
    }
    const wide = await createPool(bed, isp, { name: 'Wide', cidr: '2001:db8::/32', assignPrefixLength: 128 });
    expect(wide.utilisation).toMatchObject({ size: 2 ** 96, used: 0, percent: 0 });
  });

  test("keeps its gateway out of what it hands out; the network or broadcast address can't be one", async () => {
    const isp = await bed.tenant('gateway');
    for (const [gateway, detail] of [
      ['10.1.0.0', 'is the network address'],
      ['10.1.0.255', 'is the broadcast address'],
      ['2001:db8::1', 'is not an IPv4 address'],
      ['10.1.0.256', 'is not an IPv4 or IPv6 address'],
    ] as const) {
      const problem = refused(await bed.request(isp, 'POST /pools', { name: 'G', cidr: '10.1.0.0/24', gateway }), 400);
      expect(pointersOf(problem)).toEqual(['/body/gateway']);
      expect(problem.detail).toContain(detail);
    }
    const only = refused(
      await bed.request(isp, 'POST /pools', { name: 'One', cidr: '10.1.1.1/32', gateway: '10.1.1.1' }),
      400,
    );
    expect(only.detail).toContain('leaves the pool no address');
    // A gateway outside the pool takes nothing from it.
    const outside = await createPool(bed, isp, { name: 'Routed', cidr: '10.2.0.0/29', gateway: '10.2.1.1' });
    expect(outside.utilisation.size).toBe(6);
    const dns = refused(
      await bed.request(isp, 'POST /pools', { name: 'D', cidr: '10.3.0.0/24', dnsServers: ['1.1.1.1', 'dns.example'] }),
      400,
    );
    expect(pointersOf(dns)).toEqual(['/body/dnsServers/1']);
  });
});

describe('overlap', () => {
  test("a tenant's pools never overlap: containing, contained or equal prefixes are refused naming the pool", async () => {
    const isp = await bed.tenant('overlap');
    await createPool(bed, isp, { name: 'Main', cidr: '10.0.0.0/22' });
    for (const cidr of ['10.0.0.0/22', '10.0.2.0/24', '10.0.0.0/16', '10.0.3.255/32']) {
      const problem = refused(await bed.request(isp, 'POST /pools', { name: `P ${cidr}`, cidr }), 409);
      expect(pointersOf(problem)).toEqual(['/body/cidr']);
      expect(problem.detail).toContain('overlaps pool Main (10.0.0.0/22)');
    }
    await createPool(bed, isp, { name: 'Next door', cidr: '10.0.4.0/22' });
    await createPool(bed, isp, { name: 'Other family', cidr: '::ffff:10.0.0.0/118', assignPrefixLength: 128 });
    const named = refused(await bed.request(isp, 'POST /pools', { name: 'main', cidr: '192.168.0.0/24' }), 409);
    expect(pointersOf(named)).toEqual(['/body/name']);
  });

  test('pools created at the same moment: of prefixes that all overlap exactly one is made', async () => {
    const isp = await bed.tenant('overlap-race');
    const answers = await Promise.all(
      ['10.8.0.0/16', '10.8.0.0/24', '10.8.0.0/17', '10.0.0.0/8', '10.8.0.0/20', '10.8.0.0/13'].map((cidr, i) =>
        bed.request<Pool>(isp, 'POST /pools', { name: `Race ${i}`, cidr }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  test('pools created at the same moment: those made never overlap, each refused one overlaps one made', async () => {
    const isp = await bed.tenant('overlap-race-mixed');
    const prefixes = [
      '172.16.0.0/12',
      '172.16.0.0/16',
      '172.17.0.0/16',
      '172.16.4.0/22',
      '172.16.8.0/22',
      '172.31.255.0/24',
    ];
    const answers = await Promise.all(
      prefixes.map((cidr, i) => bed.request<Pool>(isp, 'POST /pools', { name: `Mixed ${i}`, cidr })),
    );
    const cidrOf = (text: string) => {
      const parsed = parseCidr(text);
      if (!parsed.ok) throw new Error(text);
      return parsed.cidr;
    };
    const made = prefixes.filter((_, i) => answers[i]?.status === 201).map(cidrOf);
    const refusedOnes = prefixes.filter((_, i) => answers[i]?.status === 409).map(cidrOf);
    expect(made.length + refusedOnes.length).toBe(prefixes.length);
    for (const [i, a] of made.entries()) for (const b of made.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    for (const r of refusedOnes) expect(made.some((m) => overlaps(m, r))).toBe(true);
  });
});

describe('utilisation, changes and deletion', () => {
  test('GET /pools answers each pool with its utilisation, filtered and paged', async () => {
    const isp = await bed.tenant('utilisation');
    const a = await createPool(bed, isp, { name: 'A', cidr: '192.0.2.0/28' });
    const b = await createPool(bed, isp, { name: 'B', cidr: '2001:db8:7::/48', assignPrefixLength: 56 });
    await createPool(bed, isp, { name: 'C', cidr: '198.51.100.0/24', kind: 'static' });
    for (let i = 0; i < 7; i++) await assign(bed, isp, a.id, { subscriptionId: freshUuid() });
    await assign(bed, isp, a.id, { kind: 'reservation', address: '192.0.2.14', note: 'spare router' });
    for (let i = 0; i < 64; i++) await assign(bed, isp, b.id, { subscriptionId: freshUuid() });

    const all = accepted<Page<Pool>>(await bed.request(isp, 'GET /pools'), 200);
    expect(all.items.map((p) => [p.name, p.utilisation])).toEqual([
      ['A', { size: 14, used: 7, reserved: 1, free: 6, percent: 57.14 }],
      ['B', { size: 256, used: 64, reserved: 0, free: 192, percent: 25 }],
      ['C', { size: 254, used: 0, reserved: 0, free: 254, percent: 0 }],
    ]);
    const v6 = accepted<Page<Pool>>(await bed.request(isp, 'GET /pools?family=ipv6'), 200);
    expect(v6.items.map((p) => p.name)).toEqual(['B']);
    const first = accepted<Page<Pool>>(await bed.request(isp, 'GET /pools?limit=2'), 200);
    const rest = accepted<Page<Pool>>(await bed.request(isp, `GET /pools?limit=2&cursor=${first.nextCursor}`), 200);
    expect([...first.items, ...rest.items].map((p) => p.name)).toEqual(['A', 'B', 'C']);
    expect(rest.nextCursor).toBeNull();
  });

  test('a new gateway may not be an address in use; a pool in use is not deleted', async () => {
    const isp = await bed.tenant('change');
    const pool = await createPool(bed, isp, { name: 'Edge', cidr: '203.0.113.0/29' });
    const held = await assign(bed, isp, pool.id, { subscriptionId: freshUuid() }); // 203.0.113.1
    const taken = refused(await bed.request(isp, `PATCH /pools/${pool.id}`, { gateway: '203.0.113.1' }), 409);
    expect(pointersOf(taken)).toEqual(['/body/gateway']);
    const changed = accepted<Pool>(
      await bed.request(isp, `PATCH /pools/${pool.id}`, { gateway: '203.0.113.6', name: 'Edge 2', kind: 'static' }),
      200,
    );
    expect(changed).toMatchObject({
      gateway: '203.0.113.6',
      name: 'Edge 2',
      kind: 'static',
      utilisation: { size: 5, used: 1 },
    });
    const next = await assign(bed, isp, pool.id, { subscriptionId: freshUuid() });
    expect(next.address).toBe('203.0.113.2');

    const inUse = refused(await bed.request(isp, `DELETE /pools/${pool.id}`), 409);
    expect(inUse.detail).toContain('still holds 2 assignments');
    for (const a of [held, next]) accepted(await bed.request(isp, `DELETE /assignments/${a.id}`), 200);
    expect(accepted(await bed.request(isp, `DELETE /pools/${pool.id}`), 200)).toEqual({ id: pool.id, deleted: true });
    refused(await bed.request(isp, `GET /pools/${pool.id}`), 404);
  });

  test('huge IPv6 pools count and hand out exactly, far beyond 2^53', async () => {
    const isp = await bed.tenant('huge');
    const pool = await createPool(bed, isp, { name: 'Slash128s', cidr: '2001:db8::/64', assignPrefixLength: 128 });
    const last = await assign(bed, isp, pool.id, {
      kind: 'static',
      subscriptionId: freshUuid(),
      address: '2001:db8::ffff:ffff:ffff:ffff',
    });
    expect(last.address).toBe('2001:db8::ffff:ffff:ffff:ffff');
    const [row] = await bed.query<{ host_index: string }>('select host_index::text from assignments where id = $1', [
      last.id,
    ]);
    expect(row?.host_index).toBe((2n ** 64n - 1n).toString());
    const first = await assign(bed, isp, pool.id, { subscriptionId: freshUuid() });
    expect(first).toMatchObject({ address: '2001:db8::', prefixLength: 128 });
    const second = await assign(bed, isp, pool.id, { subscriptionId: freshUuid() });
    expect(second.address).toBe('2001:db8::1');
  });
});

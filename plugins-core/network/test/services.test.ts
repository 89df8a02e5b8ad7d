// dotmac.network as other plugins see it: its exported functions called through the kernel
// (which validates input and output against the manifest's schemas) by a probe plugin standing
// in for provisioning and radius.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Assignment, accepted, type Device, freshUuid, nasBody, type Pool, START } from './support.ts';

const NETWORK_DIR = fileURLToPath(new URL('..', import.meta.url));
const PROBE = fileURLToPath(new URL('./fixtures/network-probe', import.meta.url));
const NETWORK = { plugin: 'dotmac.network' } as const;

let bed: Testbed;
beforeAll(async () => {
  // `dotmac-plugin test` builds dotmac.network; the probe is built here, with the same CLI.
  const cli = join(dirname(createRequire(import.meta.url).resolve('@dotmac/sdk')), 'cli.ts');
  // The CLI relaunches itself under tsx unless told it already runs there, as this process is.
  const { DOTMAC_PLUGIN_CLI: _, ...env } = process.env;
  execFileSync(process.execPath, [cli, 'build', PROBE], { stdio: 'pipe', env });
  bed = await createTestbed({ dir: PROBE, with: [NETWORK_DIR], clock: START });
});
afterAll(() => bed?.close());

type Fn = 'allocateAddress' | 'releaseAddresses' | 'listAssignments' | 'listNas';
type Call<Output> = { output: Output; error?: undefined } | { output?: undefined; error: string };

/** What the probe answers: the function's output, or the error its call was refused with. */
async function call<Output>(tenant: string, fn: Fn, input: unknown): Promise<Call<Output>> {
  const answer = await bed.request<Call<Output>>(tenant, 'POST /calls', { fn, input });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** The function's output; fails the test when the call was refused. */
async function output<Output>(tenant: string, fn: Fn, input: unknown): Promise<Output> {
  const answer = await call<Output>(tenant, fn, input);
  expect(answer.error).toBeUndefined();
  return answer.output as Output;
}

interface Allocated {
  readonly assignmentId: string;
  readonly poolId: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly family: 'ipv4' | 'ipv6';
}

const pool = async (tenant: string, body: Record<string, unknown>) =>
  accepted<Pool>(await bed.request(tenant, 'POST /pools', body, NETWORK));

describe('allocateAddress', () => {
  test('IPv4: the host address, /32; IPv6: the delegated prefix; asked again, the same', async () => {
    const isp = await bed.tenant('allocate');
    const v4 = await pool(isp, { name: 'v4', cidr: '100.64.0.0/24' });
    const v6 = await pool(isp, { name: 'v6', cidr: '2001:db8::/48', assignPrefixLength: 56 });
    const first = freshUuid();
    const second = freshUuid();

    const a = await output<Allocated>(isp, 'allocateAddress', { subscriptionId: first, family: 'ipv4' });
    expect(a).toEqual({
      assignmentId: expect.any(String),
      poolId: v4.id,
      address: '100.64.0.1',
      prefixLength: 32,
      family: 'ipv4',
    });
    await output(isp, 'allocateAddress', { subscriptionId: first, family: 'ipv6' });
    const b = await output<Allocated>(isp, 'allocateAddress', { subscriptionId: second, family: 'ipv6' });
    expect(b).toMatchObject({ poolId: v6.id, address: '2001:db8:0:100::', prefixLength: 56, family: 'ipv6' });

    expect(await output(isp, 'allocateAddress', { subscriptionId: first, family: 'ipv4' })).toEqual(a);
    expect(await output(isp, 'allocateAddress', { subscriptionId: second, family: 'ipv6', poolId: v6.id })).toEqual(b);
  });

  test("pools are chosen: poolId, else the plan's dynamic pools, else those of no plan (the site's first)", async () => {
    const isp = await bed.tenant('choice');
    const plan = freshUuid();
    const site = accepted<{ id: string }>(
      await bed.request(isp, 'POST /sites', { name: 'Harbour', kind: 'pop' }, NETWORK),
    );
    const general = await pool(isp, { name: 'A general', cidr: '10.0.0.0/24' });
    const atSite = await pool(isp, { name: 'B harbour', cidr: '10.0.1.0/24', siteId: site.id });
    const ofPlan = await pool(isp, { name: 'C business', cidr: '10.0.2.0/24', planId: plan });
    const fixed = await pool(isp, { name: 'D static', cidr: '10.0.3.0/24', kind: 'static' });

    const poolOf = async (input: Record<string, unknown>) =>
      (await output<Allocated>(isp, 'allocateAddress', { subscriptionId: freshUuid(), family: 'ipv4', ...input }))
        .poolId;
    expect(await poolOf({})).toBe(general.id);
    expect(await poolOf({ siteId: site.id })).toBe(atSite.id);
    expect(await poolOf({ planId: plan })).toBe(ofPlan.id);
    expect(await poolOf({ planId: plan, siteId: site.id })).toBe(ofPlan.id);
    expect(await poolOf({ planId: freshUuid() })).toBe(general.id); // a plan without pools of its own
    expect(await poolOf({ poolId: fixed.id })).toBe(fixed.id); // a static pool only when named

    const wrongFamily = await call(isp, 'allocateAddress', {
      subscriptionId: freshUuid(),
      family: 'ipv6',
      poolId: general.id,
    });
    expect(wrongFamily.error).toContain(`there is no ipv6 pool ${general.id}`);
    const none = await call(isp, 'allocateAddress', { subscriptionId: freshUuid(), family: 'ipv6' });
    expect(none.error).toContain('there is no dynamic ipv6 pool');
  });

  test('a full pool passes to the next; when all are full, the refusal names them', async () => {
    const isp = await bed.tenant('full');
    const small = await pool(isp, { name: 'Tiny', cidr: '192.0.2.0/30' });
    const next = await pool(isp, { name: 'Tiny 2', cidr: '192.0.2.4/31' });
    const got = [];
    for (let i = 0; i < 4; i++) {
      got.push(await output<Allocated>(isp, 'allocateAddress', { subscriptionId: freshUuid(), family: 'ipv4' }));
    }
    expect(got.map((g) => [g.poolId, g.address])).toEqual([
      [small.id, '192.0.2.1'],
      [small.id, '192.0.2.2'],
      [next.id, '192.0.2.4'],
      [next.id, '192.0.2.5'],
    ]);
    const full = await call(isp, 'allocateAddress', { subscriptionId: freshUuid(), family: 'ipv4' });
    expect(full.error).toContain('pools Tiny (192.0.2.0/30), Tiny 2 (192.0.2.4/31) have no free address');
    const one = await call(isp, 'allocateAddress', { subscriptionId: freshUuid(), family: 'ipv4', poolId: small.id });
    expect(one.error).toContain('pool Tiny (192.0.2.0/30) has no free address');
  });

  test('the kernel refuses input its schema does not allow', async () => {
    const isp = await bed.tenant('bad-input');
    const answer = await call(isp, 'allocateAddress', { subscriptionId: 'not-a-uuid', family: 'ipv5' });
    expect(answer.error).toBeDefined();
  });
});

describe('releaseAddresses and listAssignments', () => {
  test("a subscription's addresses go back to their pools; reservations stay", async () => {
    const isp = await bed.tenant('release');
    const v4 = await pool(isp, { name: 'v4', cidr: '100.65.0.0/24' });
    await pool(isp, { name: 'v6', cidr: '2001:db8:5::/48', assignPrefixLength: 64 });
    const leaving = freshUuid();
    const staying = freshUuid();
    await output(isp, 'allocateAddress', { subscriptionId: leaving, family: 'ipv4' });
    await output(isp, 'allocateAddress', { subscriptionId: leaving, family: 'ipv6' });
    await output(isp, 'allocateAddress', { subscriptionId: staying, family: 'ipv4' });
    accepted(
      await bed.request(
        isp,
        `POST /pools/${v4.id}/assignments`,
        { kind: 'reservation', address: '100.65.0.200', note: 'router' },
        NETWORK,
      ),
    );

    const listed = await output<{ items: Record<string, unknown>[] }>(isp, 'listAssignments', {
      subscriptionIds: [leaving],
    });
    expect(listed.items.map((i) => i.address).sort()).toEqual(['100.65.0.1', '2001:db8:5::']);
    expect(listed.items[0]).toMatchObject({ subscriptionId: leaving, kind: 'dynamic' });
    const everyone = await output<{ items: unknown[] }>(isp, 'listAssignments', {});
    expect(everyone.items).toHaveLength(3); // not the reservation

    expect(await output(isp, 'releaseAddresses', { subscriptionId: leaving })).toEqual({ released: 2 });
    expect(await output(isp, 'releaseAddresses', { subscriptionId: leaving })).toEqual({ released: 0 });
    expect((await output<{ items: unknown[] }>(isp, 'listAssignments', { subscriptionIds: [leaving] })).items).toEqual(
      [],
    );

    const left = accepted<{ items: Assignment[] }>(await bed.request(isp, 'GET /assignments', undefined, NETWORK), 200);
    expect(left.items.map((a) => a.kind).sort()).toEqual(['dynamic', 'reservation']);
    // The released address is the first handed out again.
    const again = await output<Allocated>(isp, 'allocateAddress', { subscriptionId: freshUuid(), family: 'ipv4' });
    expect(again.address).toBe('100.65.0.1');
  });
});

describe('listNas', () => {
  test('every NAS with its address, dialect, secret and CoA port; no other device', async () => {
    const isp = await bed.tenant('nas');
    const add = async (body: Record<string, unknown>) =>
      accepted<Device>(await bed.request(isp, 'POST /devices', body, NETWORK));
    const mikrotik = await add(nasBody({ name: 'bng-1' }));
    const ubiquiti = await add(
      nasBody({
        name: 'bng-2',
        vendor: 'ubiquiti',
        managementAddress: '2001:DB8::0A',
        radiusSecret: 'two',
        coaPort: 1700,
      }),
    );
    const juniper = await add(
      nasBody({ name: 'bng-3', vendor: 'juniper', managementAddress: '192.0.2.30', radiusSecret: 'three' }),
    );
    const ciscoAsGeneric = await add(
      nasBody({
        name: 'bng-4',
        vendor: 'cisco',
        managementAddress: '192.0.2.40',
        radiusSecret: 'four',
        radiusProfile: 'generic',
      }),
    );
    await add({ name: 'core-1', kind: 'router', vendor: 'mikrotik', managementAddress: '192.0.2.1' });

    const nas = await output<{ items: unknown[] }>(isp, 'listNas', {});
    expect(nas.items).toEqual([
      {
        deviceId: mikrotik.id,
        name: 'bng-1',
        address: '192.0.2.10',
        vendor: 'mikrotik',
        radiusProfile: 'mikrotik',
        radiusSecret: 's3cret-shared',
        coaPort: 3799,
      },
      {
        deviceId: ubiquiti.id,
        name: 'bng-2',
        address: '2001:db8::a',
        vendor: 'ubiquiti',
        radiusProfile: 'wispr',
        radiusSecret: 'two',
        coaPort: 1700,
      },
      {
        deviceId: juniper.id,
        name: 'bng-3',
        address: '192.0.2.30',
        vendor: 'juniper',
        radiusProfile: 'generic',
        radiusSecret: 'three',
        coaPort: 3799,
      },
      {
        deviceId: ciscoAsGeneric.id,
        name: 'bng-4',
        address: '192.0.2.40',
        vendor: 'cisco',
        radiusProfile: 'generic',
        radiusSecret: 'four',
        coaPort: 3799,
      },
    ]);
    // Another tenant's NAS list is its own.
    const other = await bed.tenant('nas-other');
    expect(await output(other, 'listNas', {})).toEqual({ items: [] });
  });
});

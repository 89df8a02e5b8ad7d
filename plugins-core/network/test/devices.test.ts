// Devices in the real kernel and sandbox: a NAS needs its secret and a well-formed address,
// secrets are written and never answered, management addresses are canonical and unique per
// tenant, and every create or change is published as network.device-saved.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accepted, type Device, nasBody, type Page, pointersOf, refused, START } from './support.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ clock: START });
});
afterAll(() => bed?.close());

const SECRETS = ['s3cret-shared', 'hunter2', 'admin', 'rotated-secret', 'new-password'];

/** Fails when any secret appears anywhere in `value` (a body, an event, a page). */
function expectNoSecret(value: unknown) {
  const text = JSON.stringify(value);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

const deviceCount = async (tenant: string) =>
  (await bed.query<{ n: number }>('select count(*)::int as n from devices where tenant_id = $1', [tenant]))[0]?.n;

describe('NAS', () => {
  test('a NAS is stored with its secrets, which no answer and no event ever carries', async () => {
    const isp = await bed.tenant('nas-secrets');
    const created = accepted<Device>(await bed.request(isp, 'POST /devices', nasBody()));
    expect(created).toEqual({
      id: expect.any(String),
      name: 'bng-harbour-1',
      kind: 'nas',
      vendor: 'mikrotik',
      model: 'CCR2216',
      siteId: null,
      managementAddress: '192.0.2.10',
      serial: null,
      firmware: null,
      status: 'active',
      hasCredentials: true,
      hasRadiusSecret: true,
      coaPort: 3799,
      radiusProfile: 'mikrotik',
      createdAt: START,
      updatedAt: START,
    });
    const changed = accepted<Device>(
      await bed.request(isp, `PATCH /devices/${created.id}`, {
        radiusSecret: 'rotated-secret',
        credentials: { username: 'ops', password: 'new-password' },
        firmware: '7.15',
      }),
      200,
    );
    expect(changed).toMatchObject({ firmware: '7.15', hasRadiusSecret: true, hasCredentials: true });

    const read = accepted<Device>(await bed.request(isp, `GET /devices/${created.id}`), 200);
    const listed = accepted<Page<Device>>(await bed.request(isp, 'GET /devices'), 200);
    const events = await bed.events({ tenant: isp, name: 'network.device-saved' });
    for (const answer of [created, changed, read, listed, events]) expectNoSecret(answer);
    expect(events.map((e) => e.payload)).toEqual([
      {
        deviceId: created.id,
        kind: 'nas',
        name: 'bng-harbour-1',
        address: '192.0.2.10',
        vendor: 'mikrotik',
        siteId: null,
        nas: true,
      },
      {
        deviceId: created.id,
        kind: 'nas',
        name: 'bng-harbour-1',
        address: '192.0.2.10',
        vendor: 'mikrotik',
        siteId: null,
        nas: true,
      },
    ]);
    // Stored as written, for listNas to hand to RADIUS.
    const [row] = await bed.query('select radius_secret, username, password from devices where id = $1', [created.id]);
    expect(row).toEqual({ radius_secret: 'rotated-secret', username: 'ops', password: 'new-password' });

    const cleared = accepted<Device>(
      await bed.request(isp, `PATCH /devices/${created.id}`, { credentials: null }),
      200,
    );
    expect(cleared.hasCredentials).toBe(false);
  });

  test('a malformed management address is refused naming it, and nothing is written', async () => {
    const isp = await bed.tenant('nas-malformed');
    for (const address of ['300.1.1.1', '1.2.3', '::1::', '010.1.1.1', '192.0.2.1/32', 'bng.example.net', '']) {
      const problem = refused(await bed.request(isp, 'POST /devices', nasBody({ managementAddress: address })), 400);
      expect(pointersOf(problem), address).toEqual(['/body/managementAddress']);
    }
    expect(await deviceCount(isp)).toBe(0);
    expect(await bed.events({ tenant: isp, name: 'network.device-saved' })).toEqual([]);
  });

  test('a NAS needs a RADIUS secret and an address; other devices take no RADIUS settings', async () => {
    const isp = await bed.tenant('nas-required');
    const { radiusSecret: _, ...withoutSecret } = nasBody();
    const noSecret = refused(await bed.request(isp, 'POST /devices', withoutSecret), 400);
    expect(pointersOf(noSecret)).toEqual(['/body/radiusSecret']);
    const { managementAddress: __, ...withoutAddress } = nasBody();
    const noAddress = refused(await bed.request(isp, 'POST /devices', withoutAddress), 400);
    expect(pointersOf(noAddress)).toEqual(['/body/managementAddress']);
    const router = refused(
      await bed.request(isp, 'POST /devices', {
        name: 'core-1',
        kind: 'router',
        vendor: 'juniper',
        radiusSecret: 'x',
        coaPort: 3799,
      }),
      400,
    );
    expect(pointersOf(router)).toEqual(['/body/radiusSecret', '/body/coaPort']);
    expect(await deviceCount(isp)).toBe(0);
  });

  test("the RADIUS dialect follows the vendor unless set; null goes back to the vendor's", async () => {
    const isp = await bed.tenant('nas-profile');
    const dialects: Record<string, string> = {
      mikrotik: 'mikrotik',
      cisco: 'cisco',
      ubiquiti: 'wispr',
      cambium: 'wispr',
      juniper: 'generic',
      huawei: 'generic',
      nokia: 'generic',
      other: 'generic',
    };
    let host = 20;
    for (const [vendor, dialect] of Object.entries(dialects)) {
      const device = accepted<Device>(
        await bed.request(
          isp,
          'POST /devices',
          nasBody({ name: `bng-${vendor}`, vendor, managementAddress: `192.0.2.${host++}` }),
        ),
      );
      expect(device.radiusProfile, vendor).toBe(dialect);
    }
    const set = accepted<Device>(
      await bed.request(
        isp,
        'POST /devices',
        nasBody({ vendor: 'cisco', radiusProfile: 'generic', managementAddress: '192.0.2.99' }),
      ),
    );
    expect(set.radiusProfile).toBe('generic');
    const moved = accepted<Device>(await bed.request(isp, `PATCH /devices/${set.id}`, { vendor: 'mikrotik' }), 200);
    expect(moved.radiusProfile).toBe('generic'); // set explicitly: kept
    const reset = accepted<Device>(await bed.request(isp, `PATCH /devices/${set.id}`, { radiusProfile: null }), 200);
    expect(reset.radiusProfile).toBe('mikrotik');
  });

  test('a NAS turned router forgets its RADIUS settings; a router becomes a NAS only with a secret', async () => {
    const isp = await bed.tenant('nas-kind');
    const nas = accepted<Device>(await bed.request(isp, 'POST /devices', nasBody({ coaPort: 1700 })));
    const router = accepted<Device>(await bed.request(isp, `PATCH /devices/${nas.id}`, { kind: 'router' }), 200);
    expect(router).toMatchObject({ kind: 'router', hasRadiusSecret: false, coaPort: null, radiusProfile: null });
    const back = refused(await bed.request(isp, `PATCH /devices/${nas.id}`, { kind: 'nas' }), 400);
    expect(pointersOf(back)).toEqual(['/body/radiusSecret']);
    const again = accepted<Device>(
      await bed.request(isp, `PATCH /devices/${nas.id}`, { kind: 'nas', radiusSecret: 'fresh' }),
      200,
    );
    expect(again).toMatchObject({ kind: 'nas', hasRadiusSecret: true, coaPort: 3799, radiusProfile: 'mikrotik' });
    const noAddress = refused(await bed.request(isp, `PATCH /devices/${nas.id}`, { managementAddress: null }), 400);
    expect(pointersOf(noAddress)).toEqual(['/body/managementAddress']);
  });
});

describe('management addresses', () => {
  test('are answered canonical and unique per tenant, whatever form they were written in', async () => {
    const a = await bed.tenant('mgmt-a');
    const b = await bed.tenant('mgmt-b');
    const first = accepted<Device>(
      await bed.request(a, 'POST /devices', {
        name: 'sw-1',
        kind: 'switch',
        vendor: 'cisco',
        managementAddress: '2001:0DB8:0:0::0001',
      }),
    );
    expect(first.managementAddress).toBe('2001:db8::1');
    const clash = refused(
      await bed.request(a, 'POST /devices', {
        name: 'sw-2',
        kind: 'switch',
        vendor: 'cisco',
        managementAddress: '2001:db8::0:1',
      }),
      409,
    );
    expect(pointersOf(clash)).toEqual(['/body/managementAddress']);
    expect(clash.detail).toContain('2001:db8::1');
    const second = accepted<Device>(
      await bed.request(a, 'POST /devices', { name: 'sw-2', kind: 'switch', vendor: 'cisco' }),
    );
    const moved = refused(
      await bed.request(a, `PATCH /devices/${second.id}`, { managementAddress: '2001:db8::1' }),
      409,
    );
    expect(pointersOf(moved)).toEqual(['/body/managementAddress']);
    // Another tenant's network is its own: the same address is fine there.
    accepted(
      await bed.request(b, 'POST /devices', {
        name: 'sw-1',
        kind: 'switch',
        vendor: 'cisco',
        managementAddress: '2001:db8::1',
      }),
    );
    refused(await bed.request(b, `GET /devices/${first.id}`), 404);
    refused(await bed.request(b, `PATCH /devices/${first.id}`, { name: 'mine' }), 404);
    refused(await bed.request(b, `DELETE /devices/${first.id}`), 404);
  });
});

describe('the device list and its events', () => {
  test('filters, pages, and publishes device-saved and device-removed', async () => {
    const isp = await bed.tenant('device-list');
    const other = await bed.tenant('device-list-other');
    const site = accepted<{ id: string }>(await bed.request(isp, 'POST /sites', { name: 'Tower 7', kind: 'tower' }));
    const foreignSite = accepted<{ id: string }>(
      await bed.request(other, 'POST /sites', { name: 'Elsewhere', kind: 'pop' }),
    );
    const names = ['ap-3', 'ap-1', 'cpe-9', 'ap-2'];
    const made: Device[] = [];
    for (const name of names) {
      const kind = name.startsWith('ap') ? 'access-point' : 'cpe';
      made.push(
        accepted<Device>(
          await bed.request(isp, 'POST /devices', {
            name,
            kind,
            vendor: 'ubiquiti',
            siteId: site.id,
            serial: `SN-${name}`,
          }),
        ),
      );
    }
    const notMine = refused(
      await bed.request(isp, 'POST /devices', { name: 'x', kind: 'cpe', vendor: 'other', siteId: foreignSite.id }),
      400,
    );
    expect(pointersOf(notMine)).toEqual(['/body/siteId']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Device> = accepted(
        await bed.request(isp, `GET /devices?kind=access-point&limit=2${cursor ? `&cursor=${cursor}` : ''}`),
        200,
      );
      seen.push(...page.items.map((d) => d.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['ap-1', 'ap-2', 'ap-3']);
    const bySerial = accepted<Page<Device>>(await bed.request(isp, 'GET /devices?q=sn-cpe'), 200);
    expect(bySerial.items.map((d) => d.name)).toEqual(['cpe-9']);

    const gone = made[0] as Device;
    expect(accepted(await bed.request(isp, `DELETE /devices/${gone.id}`), 200)).toEqual({ id: gone.id, deleted: true });
    refused(await bed.request(isp, `GET /devices/${gone.id}`), 404);
    const saved = await bed.events({ tenant: isp, name: 'network.device-saved' });
    expect(saved).toHaveLength(4);
    expect(saved[0]?.payload).toMatchObject({
      name: 'ap-3',
      kind: 'access-point',
      siteId: site.id,
      nas: false,
      address: null,
    });
    const removed = await bed.events({ tenant: isp, name: 'network.device-removed' });
    expect(removed.map((e) => e.payload)).toEqual([
      { deviceId: gone.id, kind: 'access-point', name: 'ap-3', address: null, nas: false },
    ]);
  });
});

// Sites and VLANs in the real kernel and sandbox: coordinates within their ranges, a site in
// use is not deleted, VLAN ids 1–4094 unique per site or among the VLANs of no site.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { accepted, type Page, pointersOf, refused, type Site, START, type Vlan } from './support.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ clock: START });
});
afterAll(() => bed?.close());
beforeEach(() => {
  bed.clock.set(START);
});

describe('sites', () => {
  test('are made, changed, listed and found by name', async () => {
    const isp = await bed.tenant('sites');
    const pop = accepted<Site>(
      await bed.request(isp, 'POST /sites', {
        name: 'Harbour POP',
        kind: 'pop',
        coordinates: { lat: -33.8568, lng: 151.2153 },
        address: '1 Harbour St',
      }),
    );
    expect(pop).toEqual({
      id: expect.any(String),
      name: 'Harbour POP',
      kind: 'pop',
      coordinates: { lat: -33.8568, lng: 151.2153 },
      address: '1 Harbour St',
      notes: '',
      createdAt: START,
      updatedAt: START,
    });
    bed.clock.advance(60_000);
    const moved = accepted<Site>(
      await bed.request(isp, `PATCH /sites/${pop.id}`, { coordinates: null, notes: 'Key at reception' }),
      200,
    );
    expect(moved).toMatchObject({ coordinates: null, notes: 'Key at reception', address: '1 Harbour St' });
    expect(moved.updatedAt).not.toBe(moved.createdAt);

    for (const [name, kind] of [
      ['Tower 7', 'tower'],
      ['Cabinet 12', 'cabinet'],
      ['Zürich DC', 'datacenter'],
    ]) {
      accepted(await bed.request(isp, 'POST /sites', { name, kind }));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Site> = accepted(
        await bed.request(isp, `GET /sites?limit=3${cursor ? `&cursor=${cursor}` : ''}`),
        200,
      );
      seen.push(...page.items.map((s) => s.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Cabinet 12', 'Harbour POP', 'Tower 7', 'Zürich DC']);
    const found = accepted<Page<Site>>(await bed.request(isp, 'GET /sites?q=zÜRICH'), 200);
    expect(found.items.map((s) => s.name)).toEqual(['Zürich DC']);
    const towers = accepted<Page<Site>>(await bed.request(isp, 'GET /sites?kind=tower'), 200);
    expect(towers.items.map((s) => s.name)).toEqual(['Tower 7']);

    const twice = refused(await bed.request(isp, 'POST /sites', { name: 'harbour pop', kind: 'pop' }), 409);
    expect(pointersOf(twice)).toEqual(['/body/name']);
  });

  test('coordinates out of range are refused naming them', async () => {
    const isp = await bed.tenant('coordinates');
    const lat = refused(
      await bed.request(isp, 'POST /sites', { name: 'N', kind: 'tower', coordinates: { lat: 91, lng: 0 } }),
      400,
    );
    expect(pointersOf(lat)).toEqual(['/body/coordinates/lat']);
    const lng = refused(
      await bed.request(isp, 'POST /sites', { name: 'E', kind: 'tower', coordinates: { lat: 0, lng: -180.5 } }),
      400,
    );
    expect(pointersOf(lng)).toEqual(['/body/coordinates/lng']);
    const half = refused(
      await bed.request(isp, 'POST /sites', { name: 'H', kind: 'tower', coordinates: { lat: 1 } }),
      400,
    );
    expect(pointersOf(half)).toEqual(['/body/coordinates/lng']);
    const kind = refused(await bed.request(isp, 'POST /sites', { name: 'K', kind: 'shed' }), 400);
    expect(pointersOf(kind)).toEqual(['/body/kind']);
  });

  test('a site that devices, pools or VLANs belong to is not deleted; an empty one is', async () => {
    const isp = await bed.tenant('site-delete');
    const other = await bed.tenant('site-delete-other');
    const site = accepted<Site>(await bed.request(isp, 'POST /sites', { name: 'Tower 1', kind: 'tower' }));
    const device = accepted<{ id: string }>(
      await bed.request(isp, 'POST /devices', {
        name: 'ap-1',
        kind: 'access-point',
        vendor: 'cambium',
        siteId: site.id,
      }),
    );
    const vlan = accepted<Vlan>(await bed.request(isp, 'POST /vlans', { vlanId: 10, name: 'mgmt', siteId: site.id }));
    const held = refused(await bed.request(isp, `DELETE /sites/${site.id}`), 409);
    expect(held.detail).toContain('1 device, 1 vlan');
    refused(await bed.request(other, `DELETE /sites/${site.id}`), 404);
    accepted(await bed.request(isp, `DELETE /devices/${device.id}`), 200);
    accepted(await bed.request(isp, `DELETE /vlans/${vlan.id}`), 200);
    expect(accepted(await bed.request(isp, `DELETE /sites/${site.id}`), 200)).toEqual({ id: site.id, deleted: true });
    refused(await bed.request(isp, `GET /sites/${site.id}`), 404);
  });
});

describe('VLANs', () => {
  test('a VLAN id is unique per site, and among the VLANs of no site', async () => {
    const isp = await bed.tenant('vlans');
    const site = (name: string) => bed.request<Site>(isp, 'POST /sites', { name, kind: 'pop' });
    const north = accepted<Site>(await site('North'));
    const south = accepted<Site>(await site('South'));
    const made = accepted<Vlan>(
      await bed.request(isp, 'POST /vlans', { vlanId: 100, name: 'pppoe', purpose: 'subscriber', siteId: north.id }),
    );
    expect(made).toEqual({
      id: expect.any(String),
      vlanId: 100,
      name: 'pppoe',
      purpose: 'subscriber',
      siteId: north.id,
      createdAt: START,
      updatedAt: START,
    });
    const clash = refused(await bed.request(isp, 'POST /vlans', { vlanId: 100, name: 'again', siteId: north.id }), 409);
    expect(pointersOf(clash)).toEqual(['/body/vlanId']);
    accepted(await bed.request(isp, 'POST /vlans', { vlanId: 100, name: 'pppoe', siteId: south.id }));
    const global = accepted<Vlan>(
      await bed.request(isp, 'POST /vlans', { vlanId: 100, name: 'transit', purpose: 'transit' }),
    );
    expect(global).toMatchObject({ siteId: null, purpose: 'transit' });
    const globalClash = refused(await bed.request(isp, 'POST /vlans', { vlanId: 100, name: 'again' }), 409);
    expect(pointersOf(globalClash)).toEqual(['/body/vlanId']);
    const defaults = accepted<Vlan>(await bed.request(isp, 'POST /vlans', { vlanId: 4094, name: 'last' }));
    expect(defaults.purpose).toBe('other');

    for (const vlanId of [0, 4095, 1.5]) {
      const problem = refused(await bed.request(isp, 'POST /vlans', { vlanId, name: 'bad' }), 400);
      expect(pointersOf(problem)).toEqual(['/body/vlanId']);
    }
    const moved = refused(await bed.request(isp, `PATCH /vlans/${made.id}`, { siteId: south.id }), 409);
    expect(pointersOf(moved)).toEqual(['/body/vlanId']);
    const renumbered = accepted<Vlan>(
      await bed.request(isp, `PATCH /vlans/${made.id}`, { vlanId: 101, siteId: south.id }),
      200,
    );
    expect(renumbered).toMatchObject({ vlanId: 101, siteId: south.id });

    const atSouth = accepted<Page<Vlan>>(await bed.request(isp, `GET /vlans?siteId=${south.id}`), 200);
    expect(atSouth.items.map((v) => v.vlanId)).toEqual([100, 101]);
    const all = accepted<Page<Vlan>>(await bed.request(isp, 'GET /vlans?limit=2'), 200);
    const next = accepted<Page<Vlan>>(await bed.request(isp, `GET /vlans?limit=2&cursor=${all.nextCursor}`), 200);
    expect([...all.items, ...next.items].map((v) => v.vlanId)).toEqual([100, 100, 101, 4094]);

    const other = await bed.tenant('vlans-other');
    refused(await bed.request(other, `GET /vlans/${made.id}`), 404);
    accepted(await bed.request(other, 'POST /vlans', { vlanId: 100, name: 'transit' }));
  });
});

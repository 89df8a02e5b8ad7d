// Outage notices in the real kernel and sandbox, on a database of their own, with a clock the
// tests move. `npm test` (dotmac-plugin test) builds the plugin first.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

interface Notice {
  id: string;
  area: string;
  message: string;
  startsAt: string;
  endsAt: string;
  status: 'active' | 'ended';
  announcedAt: string | null;
  endedAt: string | null;
}

const START = '2026-03-02T08:00:00.000Z';
const HOUR = 3600_000;
const inHours = (hours: number) => new Date(Date.parse(START) + hours * HOUR).toISOString();

let bed: Testbed;
let ispA: string;
let ispB: string;

beforeAll(async () => {
  bed = await createTestbed({ clock: START });
  ispA = await bed.tenant('isp-a');
  ispB = await bed.tenant('isp-b');
});
afterAll(() => bed?.close());

const post = (tenant: string, body: Record<string, unknown>) => bed.request<Notice>(tenant, 'POST /notices', body);
const inForce = async (tenant: string, area?: string) => {
  const answer = await bed.request<{ items: Notice[] }>(tenant, `GET /notices${area ? `?area=${area}` : ''}`);
  expect(answer.status).toBe(200);
  return answer.body.items;
};

describe('contrib.outage-notices', () => {
  test('a posted notice is answered with 201 and listed while it is in force', async () => {
    bed.clock.set(START);
    const posted = await post(ispA, { area: 'riverside', message: 'Fibre cut, crews on site', endsAt: inHours(4) });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({
      area: 'riverside',
      message: 'Fibre cut, crews on site',
      startsAt: START,
      endsAt: inHours(4),
      status: 'active',
      endedAt: null,
    });
    expect((await inForce(ispA, 'riverside')).map((n) => n.id)).toEqual([posted.body.id]);
  });

  test('a notice without an area is refused with problem+json naming the field, and nothing is stored', async () => {
    const before = await bed.query<{ n: number }>('select count(*)::int as n from notices');
    const refused = await post(ispA, { message: 'Maintenance', endsAt: inHours(1) });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ errors: [{ pointer: '/body/area', detail: 'is required' }] });
    const badDate = await post(ispA, { area: 'hilltop', message: 'Maintenance', endsAt: 'tomorrow' });
    expect(badDate.status).toBe(400);
    expect(badDate.body).toMatchObject({ errors: [expect.objectContaining({ pointer: '/body/endsAt' })] });
    expect(await bed.query('select count(*)::int as n from notices')).toEqual(before);
  });

  test('a notice that ends before it starts is refused by the plugin, naming endsAt', async () => {
    bed.clock.set(START);
    const refused = await post(ispA, { area: 'hilltop', message: 'Maintenance', endsAt: inHours(-1) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: [{ pointer: '/body/endsAt' }] });
  });

  test('posting publishes outage.posted, whose handler announces the notice', async () => {
    bed.clock.set(START);
    const posted = await post(ispA, { area: 'old-town', message: 'Planned maintenance', endsAt: inHours(2) });
    const [event] = (await bed.events({ tenant: ispA, name: 'outage.posted' })).filter(
      (e) => e.payload.noticeId === posted.body.id,
    );
    expect(event?.payload).toEqual({
      noticeId: posted.body.id,
      area: 'old-town',
      message: 'Planned maintenance',
      startsAt: START,
      endsAt: inHours(2),
    });
    await bed.delivered(event?.id as string);
    const [listed] = await inForce(ispA, 'old-town');
    expect(listed?.announcedAt).toBe(START);
    expect(bed.logs).toContainEqual(
      expect.objectContaining({
        tenantId: ispA,
        message: 'outage announced',
        data: { noticeId: posted.body.id, area: 'old-town' },
      }),
    );
  });

  test('the expire-notices cron job ends notices once the clock passes their end', async () => {
    bed.clock.set(START);
    const short = await post(ispA, { area: 'harbour', message: 'Tower repair', endsAt: inHours(1) });
    const long = await post(ispA, { area: 'harbour', message: 'Backhaul upgrade', endsAt: inHours(6) });

    await bed.runCron('expire-notices');
    expect((await inForce(ispA, 'harbour')).map((n) => n.id)).toEqual([short.body.id, long.body.id]);

    bed.clock.advance(2 * HOUR);
    await bed.runCron('expire-notices');
    expect((await inForce(ispA, 'harbour')).map((n) => n.id)).toEqual([long.body.id]);
    const [ended] = await bed.query<{ status: string; ended_at: string }>(
      'select status, ended_at from notices where id = $1',
      [short.body.id],
    );
    expect(ended?.status).toBe('ended');
    expect(new Date(ended?.ended_at as string).toISOString()).toBe(inHours(2));
  });

  test('each tenant sees only its own notices, though both sit in one table', async () => {
    bed.clock.set(START);
    const fromB = await post(ispB, { area: 'riverside', message: 'Power outage at the POP', endsAt: inHours(3) });
    expect((await inForce(ispB)).map((n) => n.id)).toEqual([fromB.body.id]);
    expect((await inForce(ispA)).map((n) => n.id)).not.toContain(fromB.body.id);
    const owners = await bed.query<{ tenant_id: string }>(
      "select distinct tenant_id from notices where area = 'riverside'",
    );
    expect(owners.map((o) => o.tenant_id).sort()).toEqual([ispA, ispB].sort());
  });
});

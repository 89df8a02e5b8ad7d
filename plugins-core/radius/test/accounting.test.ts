// Accounting into usage: FreeRADIUS's radacct rows (written here as its queries write them) become
// bytes per subscription and day, counted once however often ingest runs, and billing gets each
// day's absolute total.
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  accountingInterim,
  accountingStart,
  accountingStop,
  anchor,
  at,
  billedUsage,
  dayOf,
  ingest,
  MB,
  radius,
  SCHEMA,
  startAaaBed,
  subscriber,
  usageOf,
} from './support/aaa.ts';

const START = anchor();
const DAY = dayOf(START);
let bed: Testbed;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ bed, close } = await startAaaBed({ clock: START }));
});
afterAll(() => close?.());

const NAS = '10.20.0.1';

describe('ingest-accounting', () => {
  test('each session adds what it grew since the last look: two interim updates, then the stop', async () => {
    bed.clock.set(at(START, 0, '08:00'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });

    const first = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-1',
      nas: NAS,
      framedIp: '100.64.0.10',
      at: at(START, 0, '08:00'),
    });
    await accountingInterim(bed, first, { input: 100 * MB, output: 300 * MB, at: at(START, 0, '09:00') });
    bed.clock.set(at(START, 0, '09:05'));
    await ingest(bed, tenant);
    expect(await usageOf(bed, tenant, ada.subscriptionId, DAY, DAY)).toEqual({ [DAY]: String(400 * MB) });

    await accountingInterim(bed, first, { input: 150 * MB, output: 450 * MB, at: at(START, 0, '10:00') });
    // A second session of the same subscriber, the same day.
    const second = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-2',
      nas: NAS,
      at: at(START, 0, '10:30'),
    });
    await accountingInterim(bed, second, { input: 20 * MB, output: 30 * MB, at: at(START, 0, '11:00') });
    bed.clock.set(at(START, 0, '11:05'));
    await ingest(bed, tenant);
    expect(await usageOf(bed, tenant, ada.subscriptionId, DAY, DAY)).toEqual({ [DAY]: String(650 * MB) });

    await accountingStop(bed, first, { input: 200 * MB, output: 600 * MB, at: at(START, 0, '11:30') });
    bed.clock.set(at(START, 0, '11:35'));
    await ingest(bed, tenant);
    expect(await usageOf(bed, tenant, ada.subscriptionId, DAY, DAY)).toEqual({ [DAY]: String(850 * MB) });
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual({ [DAY]: String(850 * MB) });
    // What each session has been counted for is its last running total.
    const counted = await bed.query<{ acctsessionid: string; counted: string }>(
      `select r.acctsessionid, s.counted_bytes::text as counted
         from ${SCHEMA}.session_usage s join ${SCHEMA}.radacct r on r.radacctid = s.radacctid
        where s.tenant_id = $1 order by r.acctsessionid`,
      [tenant],
    );
    expect(counted).toEqual([
      { acctsessionid: 'S-1', counted: String(800 * MB) },
      { acctsessionid: 'S-2', counted: String(50 * MB) },
    ]);
  });

  test('ingesting again counts nothing twice: no sessions, no days, billing unchanged', async () => {
    bed.clock.set(at(START, 0, '12:00'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const session = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-1',
      nas: NAS,
      at: at(START, 0, '12:00'),
    });
    await accountingInterim(bed, session, { input: 10 * MB, output: 90 * MB, at: at(START, 0, '12:10') });
    bed.clock.set(at(START, 0, '12:15'));
    await ingest(bed, tenant);
    const usage = await usageOf(bed, tenant, ada.subscriptionId, DAY, DAY);
    expect(usage).toEqual({ [DAY]: String(100 * MB) });

    expect(await ingest(bed, tenant)).toEqual({ sessions: 0, days: 0, throttled: 0 });
    // The NAS repeats the Stop with the same totals (FreeRADIUS takes its counters again).
    await accountingStop(bed, session, { input: 10 * MB, output: 90 * MB, at: at(START, 0, '12:20') });
    expect(await ingest(bed, tenant)).toEqual({ sessions: 0, days: 0, throttled: 0 });
    expect(await usageOf(bed, tenant, ada.subscriptionId, DAY, DAY)).toEqual(usage);
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual(usage);
  });

  test('a session spanning midnight puts its growth on the day of each update; billing gets absolute day totals', async () => {
    bed.clock.set(at(START, 0, '23:30'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const next = dayOf(at(START, 1, '00:00'));

    const night = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-night',
      nas: NAS,
      at: at(START, 0, '23:30'),
    });
    // Started before midnight, first heard of after it: all of it is the next day's.
    const late = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-late',
      nas: NAS,
      at: at(START, 0, '23:40'),
    });
    await accountingInterim(bed, night, { input: 100 * MB, output: 200 * MB, at: at(START, 0, '23:50') });
    bed.clock.set(at(START, 0, '23:55'));
    await ingest(bed, tenant);
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual({ [DAY]: String(300 * MB) });

    await accountingInterim(bed, night, { input: 150 * MB, output: 350 * MB, at: at(START, 1, '00:20') });
    await accountingInterim(bed, late, { input: 40 * MB, output: 60 * MB, at: at(START, 1, '00:10') });
    bed.clock.set(at(START, 1, '00:25'));
    await ingest(bed, tenant);
    expect(await usageOf(bed, tenant, ada.subscriptionId, DAY, next)).toEqual({
      [DAY]: String(300 * MB),
      [next]: String(300 * MB),
    });
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual({ [DAY]: String(300 * MB), [next]: String(300 * MB) });

    await accountingStop(bed, night, { input: 200 * MB, output: 450 * MB, at: at(START, 1, '01:00') });
    bed.clock.set(at(START, 1, '01:05'));
    await ingest(bed, tenant);
    // Billing holds the day's running total, not the last increment.
    expect(await usageOf(bed, tenant, ada.subscriptionId, DAY, next)).toEqual({
      [DAY]: String(300 * MB),
      [next]: String(450 * MB),
    });
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual({ [DAY]: String(300 * MB), [next]: String(450 * MB) });
  });

  test('a username no account has is ignored: online, but counted for nobody', async () => {
    bed.clock.set(at(START, 0, '14:00'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const ghost = await accountingStart(bed, tenant, {
      username: 'ghost@fibre',
      sessionId: 'S-ghost',
      nas: NAS,
      at: at(START, 0, '14:00'),
    });
    await accountingInterim(bed, ghost, { input: 500 * MB, output: 500 * MB, at: at(START, 0, '14:10') });
    bed.clock.set(at(START, 0, '14:15'));

    expect(await ingest(bed, tenant)).toEqual({ sessions: 0, days: 0, throttled: 0 });
    expect(await bed.query(`select * from ${SCHEMA}.usage_daily where tenant_id = $1`, [tenant])).toEqual([]);
    expect(await bed.query(`select * from ${SCHEMA}.session_usage where tenant_id = $1`, [tenant])).toEqual([]);
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual({});
    const sessions = await radius<{ items: { subscriptionId: string | null; username: string }[] }>(
      bed,
      tenant,
      'GET /sessions',
    );
    expect(sessions.body.items).toMatchObject([{ subscriptionId: null, username: 'ghost@fibre' }]);
  });

  test('ingests running at once count each byte once', async () => {
    bed.clock.set(at(START, 0, '15:00'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const session = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-1',
      nas: NAS,
      at: at(START, 0, '15:00'),
    });
    await accountingInterim(bed, session, { input: 100 * MB, output: 100 * MB, at: at(START, 0, '15:10') });
    bed.clock.set(at(START, 0, '15:15'));

    // The cron's run and staff's POST /accounting/ingest may overlap (four at once, so that they do).
    const answers = await Promise.all([1, 2, 3, 4].map(() => radius(bed, tenant, 'POST /accounting/ingest')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    await bed.settle();
    expect(await usageOf(bed, tenant, ada.subscriptionId, DAY, DAY)).toEqual({ [DAY]: String(200 * MB) });
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual({ [DAY]: String(200 * MB) });
  });

  test("sessions are looked back at by the plugin's clock: a session updated an hour before it is counted", async () => {
    // A clock behind the database's (an operator's replay, a test's fixed date): the three days
    // of "Sessions updated more than three days ago are not looked at again" are ctx.clock's.
    const then = new Date('2025-03-14T10:00:00.000Z');
    bed.clock.set(then);
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const session = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-1',
      nas: NAS,
      at: at(then, 0, '08:00'),
    });
    await accountingInterim(bed, session, { input: 10 * MB, output: 20 * MB, at: at(then, 0, '09:00') });

    await ingest(bed, tenant);
    expect(await usageOf(bed, tenant, ada.subscriptionId, '2025-03-14', '2025-03-14')).toEqual({
      '2025-03-14': String(30 * MB),
    });
  });
});

describe('usage by direction', () => {
  /** A subscription's days through GET /usage: `total download upload` (null where unknown). */
  const directions = async (tenant: string, subscriptionId: string, from: string, to: string) => {
    const answer = await radius<{
      items: { day: string; bytes: string; downloadBytes: string | null; uploadBytes: string | null }[];
    }>(bed, tenant, `GET /usage?subscriptionId=${subscriptionId}&from=${from}&to=${to}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return Object.fromEntries(answer.body.items.map((i) => [i.day, `${i.bytes} ${i.downloadBytes} ${i.uploadBytes}`]));
  };

  test("a day's bytes are split into download (the NAS's output octets) and upload (its input octets)", async () => {
    bed.clock.set(at(START, 0, '08:00'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const first = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-1',
      nas: NAS,
      at: at(START, 0, '08:00'),
    });
    await accountingInterim(bed, first, { input: 10 * MB, output: 90 * MB, at: at(START, 0, '09:00') });
    bed.clock.set(at(START, 0, '09:05'));
    await ingest(bed, tenant);
    expect(await directions(tenant, ada.subscriptionId, DAY, DAY)).toEqual({
      [DAY]: `${100 * MB} ${90 * MB} ${10 * MB}`,
    });

    // Growth of both directions, and a second session, add to each.
    await accountingStop(bed, first, { input: 15 * MB, output: 185 * MB, at: at(START, 0, '10:00') });
    const second = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-2',
      nas: NAS,
      at: at(START, 0, '10:10'),
    });
    await accountingInterim(bed, second, { input: 1 * MB, output: 4 * MB, at: at(START, 0, '10:20') });
    bed.clock.set(at(START, 0, '10:25'));
    await ingest(bed, tenant);
    expect(await directions(tenant, ada.subscriptionId, DAY, DAY)).toEqual({
      [DAY]: `${205 * MB} ${189 * MB} ${16 * MB}`,
    });
    // Billing still gets the day's total.
    expect(await billedUsage(bed, ada.subscriptionId)).toEqual({ [DAY]: String(205 * MB) });
  });

  test('a day counted before the directions were kept stays unsplit; the next day of its session is split', async () => {
    bed.clock.set(at(START, 0, '20:00'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const next = dayOf(at(START, 1, '00:00'));
    const session = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-1',
      nas: NAS,
      at: at(START, 0, '20:00'),
    });
    await accountingInterim(bed, session, { input: 20 * MB, output: 80 * MB, at: at(START, 0, '21:00') });
    bed.clock.set(at(START, 0, '21:05'));
    await ingest(bed, tenant);
    // As an ingest before migration 0003 left them: the split unknown, for the day and the session.
    await bed.query(
      `update ${SCHEMA}.usage_daily set download_bytes = null, upload_bytes = null where tenant_id = $1`,
      [tenant],
    );
    await bed.query(
      `update ${SCHEMA}.session_usage set counted_download = null, counted_upload = null where tenant_id = $1`,
      [tenant],
    );
    expect(await directions(tenant, ada.subscriptionId, DAY, DAY)).toEqual({ [DAY]: `${100 * MB} null null` });

    // Its growth the same day: the total grows, the split stays unknown.
    await accountingInterim(bed, session, { input: 30 * MB, output: 120 * MB, at: at(START, 0, '22:00') });
    bed.clock.set(at(START, 0, '22:05'));
    await ingest(bed, tenant);
    expect(await directions(tenant, ada.subscriptionId, DAY, DAY)).toEqual({ [DAY]: `${150 * MB} null null` });

    // From then on the session's directions are known: the next day is split.
    await accountingInterim(bed, session, { input: 40 * MB, output: 160 * MB, at: at(START, 1, '01:00') });
    bed.clock.set(at(START, 1, '01:05'));
    await ingest(bed, tenant);
    expect(await directions(tenant, ada.subscriptionId, DAY, next)).toEqual({
      [DAY]: `${150 * MB} null null`,
      [next]: `${50 * MB} ${40 * MB} ${10 * MB}`,
    });
  });
});

describe('GET /usage', () => {
  test('answers bytes per subscription and day between from and to, both included', async () => {
    bed.clock.set(at(START, 0, '16:00'));
    const tenant = await bed.tenant();
    const ada = await subscriber(bed, tenant, { username: 'ada@fibre' });
    const bob = await subscriber(bed, tenant, { username: 'bob@fibre' });
    const days = [dayOf(at(START, -2, '00:00')), dayOf(at(START, -1, '00:00')), DAY];
    for (const [i, day] of days.entries()) {
      for (const s of [ada, bob]) {
        await bed.query(
          `insert into ${SCHEMA}.usage_daily (tenant_id, subscription_id, customer_id, day, bytes, reported_bytes)
           values ($1, $2, $3, $4, $5, $5)`,
          [tenant, s.subscriptionId, s.accountId, day, (i + 1) * (s === ada ? 1000 : 7)],
        );
      }
    }
    const items = async (query: string) => {
      const answer = await radius<{ items: { subscriptionId: string; day: string; bytes: string }[] }>(
        bed,
        tenant,
        `GET /usage?${query}`,
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.items.map(
        (i) => `${i.day} ${i.subscriptionId === ada.subscriptionId ? 'ada' : 'bob'} ${i.bytes}`,
      );
    };

    expect(await items(`from=${days[1]}&to=${days[2]}&subscriptionId=${ada.subscriptionId}`)).toEqual([
      `${days[1]} ada 2000`,
      `${days[2]} ada 3000`,
    ]);
    // A day's items are in the order of the subscriptions' ids.
    const byId = [ada, bob].sort((x, y) => (x.subscriptionId < y.subscriptionId ? -1 : 1));
    expect(await items(`from=${days[0]}&to=${days[0]}`)).toEqual(
      byId.map((s) => (s === ada ? `${days[0]} ada 1000` : `${days[0]} bob 7`)),
    );
  });

  test('refuses a to before from, or more than 366 days after it, naming /query/to', async () => {
    const tenant = await bed.tenant();
    const ask = (query: string) =>
      radius<{ detail: string; errors: { pointer: string }[] }>(bed, tenant, `GET /usage?${query}`);

    for (const query of ['from=2026-03-10&to=2026-03-09', 'from=2026-01-01&to=2027-01-03']) {
      const refused = await ask(query);
      expect(refused.status, query).toBe(400);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(refused.body.errors.map((e) => e.pointer)).toEqual(['/query/to']);
    }
    // 366 days is a leap year: allowed; so is a single day.
    expect((await ask('from=2028-01-01&to=2029-01-01')).status).toBe(200);
    expect((await ask('from=2026-03-10&to=2026-03-10')).status).toBe(200);
    // Not dates, or missing: the schema's refusal.
    const notADate = await ask('from=2026-02-30x&to=2026-03-01');
    expect(notADate.status).toBe(400);
    expect(notADate.body.errors.map((e) => e.pointer)).toContain('/query/from');
    expect((await ask('to=2026-03-01')).status).toBe(400);
  });
});

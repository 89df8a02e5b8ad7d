// Scaled out: `npm start` (RUN_WORKERS=false) and `npm run worker` on PostgreSQL and Redis.
// What the API process enqueues or publishes, the worker process runs and delivers.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { KernelProcess } from '../support/process.ts';
import { ADMIN_TOKEN, type ScaledSetup, scaledSetup } from '../support/scaled.ts';

let s: ScaledSetup;
let api: KernelProcess;
let worker: KernelProcess;
let url: string;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

beforeAll(async () => {
  s = await scaledSetup();
  api = s.start('all', { RUN_WORKERS: 'false' });
  url = await api.url();
  worker = s.start('worker');
  await worker.printed('DotMac worker is running');
});

afterAll(async () => {
  await s?.dispose();
});

test('the API process reports PostgreSQL and Redis, and runs no background work itself', async () => {
  expect(api.stdout()).toContain('"workers":false,"db":"postgresql","queue":"bullmq"');
  expect(worker.stdout()).toContain('"role":"worker","workers":true,"db":"postgresql","queue":"bullmq"');
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(200);
});

test('an event published by the API process is delivered by the worker process', async () => {
  const res = await fetch(`${url}/test/ping`, { method: 'POST', headers: admin, body: JSON.stringify({ n: 1 }) });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await expect
    .poll(async () => (await s.db.query('select pid from public.test_delivery where event_id = $1', [id])).rows, {
      timeout: 20_000,
    })
    .toEqual([{ pid: worker.pid }]);
});

test('a job enqueued by the API process is executed by the worker process', async () => {
  const res = await fetch(`${url}/api/v1/admin/dead-letters/replay`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ subscriber: 'test.recorder' }),
  });
  expect(res.status).toBe(202);
  const { jobId } = (await res.json()) as { jobId: string };
  await expect
    .poll(async () => (await fetch(`${url}/api/v1/admin/jobs/${jobId}`, { headers: admin })).json(), {
      timeout: 20_000,
    })
    .toMatchObject({ id: jobId, state: 'completed', result: { replayed: 0, pid: worker.pid } });
});

test('a dead-lettered event can be listed and replayed through the admin API, and is then delivered', async () => {
  // Make the recorder fail by hiding its table, so the delivery is dead-lettered (EVENT_MAX_ATTEMPTS=8 is
  // too slow for a test, so this event goes through a second worker with one attempt).
  const quick = s.start('worker', { EVENT_MAX_ATTEMPTS: '1' });
  await quick.printed('DotMac worker is running');
  await worker.child.kill('SIGSTOP');
  try {
    await s.db.query('alter table public.test_started rename to test_started_hidden');
    const res = await fetch(`${url}/test/ping`, { method: 'POST', headers: admin, body: JSON.stringify({ n: 2 }) });
    const { id } = (await res.json()) as { id: string };
    let letters: Array<{ id: string; eventId: string; subscriber: string }> = [];
    await expect
      .poll(
        async () => {
          const list = await fetch(`${url}/api/v1/admin/dead-letters`, { headers: admin });
          letters = ((await list.json()) as { items: typeof letters }).items;
          return letters.map((l) => l.eventId);
        },
        { timeout: 20_000 },
      )
      .toEqual([id]);
    await s.db.query('alter table public.test_started_hidden rename to test_started');
    const replay = await fetch(`${url}/api/v1/admin/dead-letters/${letters[0]?.id}/replay`, {
      method: 'POST',
      headers: admin,
    });
    expect(replay.status).toBe(200);
    await expect
      .poll(async () => (await s.db.query('select 1 from public.test_delivery where event_id = $1', [id])).rowCount, {
        timeout: 20_000,
      })
      .toBe(1);
  } finally {
    worker.child.kill('SIGCONT');
  }
});

test('switching a plugin off through one API process takes effect on the next request to another', async () => {
  const other = s.start('all', { RUN_WORKERS: 'false' });
  const otherUrl = await other.url();
  const { rows } = await s.db.query<{ id: string }>(
    `insert into kernel.tenant (slug, name) values ('two-processes', 'Two processes') returning id`,
  );
  const tenant = rows[0]?.id as string;
  const headers = { ...admin, 'x-dotmac-tenant': tenant };
  const setEnabled = (base: string, enabled: boolean) =>
    fetch(`${base}/api/v1/admin/tenants/${tenant}/plugins/contrib.outage-notices`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ enabled }),
    });
  const notices = async (base: string) =>
    (await fetch(`${base}/api/v1/p/contrib.outage-notices/notices`, { headers })).status;

  expect((await setEnabled(url, true)).status).toBe(200);
  // Each process has now read (and cached) the tenant's plugins.
  expect([await notices(url), await notices(otherUrl)]).toEqual([200, 200]);
  expect((await setEnabled(url, false)).status).toBe(200);
  expect(await notices(otherUrl)).toBe(404);
  expect((await setEnabled(otherUrl, true)).status).toBe(200);
  expect(await notices(url)).toBe(200);
});

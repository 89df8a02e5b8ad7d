// At-least-once delivery survives a dispatcher killed in the middle of delivering.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stopProcess } from '../support/process.ts';
import { type ScaledSetup, scaledSetup } from '../support/scaled.ts';

let s: ScaledSetup;

beforeAll(async () => {
  s = await scaledSetup();
});

afterAll(async () => {
  await s?.dispose();
});

test('events committed before a worker is killed mid-delivery are all delivered after a new worker starts', async () => {
  const api = s.start('all', { RUN_WORKERS: 'false' });
  const url = await api.url();
  const first = s.start('worker');
  await first.printed('DotMac worker is running');

  const ids: string[] = [];
  for (let n = 0; n < 10; n++) {
    const res = await fetch(`${url}/test/ping`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n, slowMs: 8000 }),
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
  // Every delivery has started in the first worker and (at 8 s each) hardly any has finished: kill it now.
  await expect
    .poll(
      async () => (await s.db.query('select count(distinct event_id)::int as n from public.test_started')).rows[0]?.n,
      {
        timeout: 20_000,
      },
    )
    .toBe(10);
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  const finishedBeforeKill = (await s.db.query('select event_id from public.test_delivery')).rows.map(
    (r) => r.event_id,
  );
  expect(finishedBeforeKill.length).toBeLessThan(ids.length);

  const second = s.start('worker');
  await expect
    .poll(
      async () =>
        (await s.db.query('select distinct event_id from public.test_delivery')).rows.map((r) => r.event_id).sort(),
      {
        timeout: 40_000,
        interval: 250,
      },
    )
    .toEqual([...ids].sort());
  const bySecond = await s.db.query(`select event_id from public.test_delivery where pid = $1`, [second.pid]);
  expect(bySecond.rows.map((r) => r.event_id).sort()).toEqual(
    ids.filter((id) => !finishedBeforeKill.includes(id)).sort(),
  );
  // The handler's row lands just before the dispatcher records the delivery.
  await expect
    .poll(
      async () =>
        (await s.db.query(`select status, count(*)::int as n from kernel.event_delivery group by status`)).rows,
      {
        timeout: 10_000,
      },
    )
    .toEqual([{ status: 'delivered', n: 10 }]);
  expect(await stopProcess(second)).toBe(0);
});

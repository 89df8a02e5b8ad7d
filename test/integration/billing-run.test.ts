// A billing run at scale survives a killed worker: 10,000 due subscriptions on PostgreSQL, the
// run's chunks on BullMQ shared by two worker processes, one of them SIGKILLed in the middle of
// the run. The survivor takes over the chunks the dead worker held (BullMQ's stalled-job check)
// and finishes; every due subscription is then invoiced exactly once and the ledger balances.
import { pluginDbNames } from '@dotmac/kernel';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SEEDED_BILLING_CONFIG, seedBillingServices } from '../support/billing-seed.ts';
import { type Json, operatorClient } from '../support/plugins.ts';
import { ADMIN_TOKEN, type ScaledSetup, scaledSetup } from '../support/scaled.ts';
import { TEST_REDIS_URL } from '../support/services.ts';

const ACCOUNTS = 10_000;
const DAY = '2026-03-01';
/** The day the seeded services are due next once billed: a month on (anniversary billing). */
const NEXT_DAY = '2026-04-01';
/** A killed worker's job is taken over after its lock lapses (30 s) and a stalled check sees it (every 30 s). */
const RUN_TIMEOUT_MS = 150_000;
const BILLING = `"${pluginDbNames('dotmac.billing').schema}"`;
const CHUNK_QUEUE = 'plugin.dotmac.billing.bill-chunk';

let s: ScaledSetup;
let op: ReturnType<typeof operatorClient>;
let tenant: string;
let runId: string;

const count = async (sql: string): Promise<number> => (await s.db.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
const runReport = async (id: string): Promise<Json> =>
  (await op.call(`/api/v1/p/dotmac.billing/runs/${id}`, { tenant })).body;

beforeAll(async () => {
  s = await scaledSetup();
  const api = s.start('all', { RUN_WORKERS: 'false' });
  op = operatorClient(await api.url(), ADMIN_TOKEN);
  const { rows } = await s.db.query<{ id: string }>(
    `insert into kernel.tenant (slug, name) values ('billing-run', 'Billing run') returning id`,
  );
  tenant = rows[0]?.id as string;
  for (const id of ['dotmac.customers', 'dotmac.catalog', 'dotmac.subscriptions', 'dotmac.billing']) {
    const on = await op.setEnabled(tenant, id, true);
    expect(on.status, JSON.stringify(on.body)).toBe(200);
  }
  const config = await op.call(`/api/v1/admin/tenants/${tenant}/plugins/dotmac.billing/config`, {
    method: 'PUT',
    body: SEEDED_BILLING_CONFIG,
  });
  expect(config.status, JSON.stringify(config.body)).toBe(200);
  await seedBillingServices(s.db, tenant, ACCOUNTS, DAY);
}, 120_000);

afterAll(async () => {
  await s?.dispose();
});

test(
  'a billing run whose worker is killed mid-chunk is finished by the other worker, which redoes that chunk',
  async () => {
    const invoices = () => count(`select count(*)::int as n from ${BILLING}.invoices`);
    // Both workers up before the run: a run takes seconds, less than a worker takes to start.
    const doomed = s.start('worker');
    const survivor = s.start('worker');
    await Promise.all([doomed.printed('DotMac worker is running'), survivor.printed('DotMac worker is running')]);
    const started = await op.call('/api/v1/p/dotmac.billing/runs', { method: 'POST', tenant, body: { day: DAY } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', payersDue: ACCOUNTS, partitions: 16 });
    runId = started.body.id;

    // The first invoices are in: both workers hold chunks, and one of them is killed.
    await expect.poll(invoices, { timeout: 60_000, interval: 20 }).toBeGreaterThan(0);
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe('SIGKILL');
    const atKill = await invoices();
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(ACCOUNTS);
    expect((await runReport(runId)).status).toBe('running');

    await expect
      .poll(async () => (await runReport(runId)).status, { timeout: RUN_TIMEOUT_MS, interval: 500 })
      .toBe('done');
    expect(survivor.child.exitCode).toBeNull();
    expect(await runReport(runId)).toMatchObject({
      status: 'done',
      payersDue: ACCOUNTS,
      payersDone: ACCOUNTS,
      invoices: ACCOUNTS,
      partitionsDone: 16,
      problems: [],
      totals: { USD: '322600.00' },
    });

    // The dead worker held chunks when it died (up to four at once): those jobs stalled, and ran again to completion.
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(CHUNK_QUEUE, { connection: redis, prefix: s.env.QUEUE_PREFIX });
    try {
      const unfinished = await queue.getJobs(['active', 'waiting', 'delayed', 'failed'], 0, -1);
      expect(unfinished.map((j) => j.id)).toEqual([]);
      const completed = await queue.getJobs(['completed'], 0, -1);
      const stalled = completed.filter((j) => j.stalledCounter > 0);
      expect(stalled.length).toBeGreaterThanOrEqual(1);
      expect(stalled.length).toBeLessThanOrEqual(4);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  },
  RUN_TIMEOUT_MS + 60_000,
);

test('each due subscription is invoiced exactly once, with its plan and its add-on', async () => {
  expect(await count(`select count(*)::int as n from ${BILLING}.invoices`)).toBe(ACCOUNTS);
  expect(await count(`select count(distinct customer_id)::int as n from ${BILLING}.invoices`)).toBe(ACCOUNTS);
  expect(
    await count(
      `select count(*)::int as n from ${BILLING}.accounts a
         left join (select customer_id, count(*) as invoices from ${BILLING}.invoices group by 1) i
           on i.customer_id = a.id::text
        where i.invoices is distinct from 1`,
    ),
  ).toBe(0);
  const { rows: invoices } = await s.db.query(
    `select run_id::text, status, period_start::text, period_end::text, total::text, count(*)::int as n
       from ${BILLING}.invoices group by 1, 2, 3, 4, 5`,
  );
  expect(invoices).toEqual([
    { run_id: runId, status: 'issued', period_start: DAY, period_end: NEXT_DAY, total: '32.2600', n: ACCOUNTS },
  ]);
  const { rows: lines } = await s.db.query(
    `select kind, total::text, count(*)::int as n, count(distinct invoice_id)::int as invoices
       from ${BILLING}.invoice_lines group by 1, 2 order by 1`,
  );
  expect(lines.reduce((sum, l) => sum + l.n, 0)).toBe(2 * ACCOUNTS);
  expect(lines.map((l) => l.invoices)).toEqual([ACCOUNTS, ACCOUNTS]);
  const { rows: services } = await s.db.query(
    `select next_bill_on::text, count(*)::int as n from ${BILLING}.services group by 1`,
  );
  expect(services).toEqual([{ next_bill_on: NEXT_DAY, n: ACCOUNTS }]);
});

test('invoice numbers run from 1 to 10,000 with no gap and no repeat', async () => {
  const { rows } = await s.db.query(
    `select min(seq)::int as first, max(seq)::int as last, count(distinct seq)::int as distinct_numbers,
            count(distinct number)::int as distinct_labels
       from ${BILLING}.invoices`,
  );
  expect(rows[0]).toEqual({ first: 1, last: ACCOUNTS, distinct_numbers: ACCOUNTS, distinct_labels: ACCOUNTS });
  const { rows: sequence } = await s.db.query(`select kind, last::int from ${BILLING}.sequences`);
  expect(sequence).toEqual([{ kind: 'invoice', last: ACCOUNTS }]);
});

test('every journal entry balances, the trial balance nets to zero, and each account owes what it was invoiced', async () => {
  expect(await count(`select count(*)::int as n from ${BILLING}.journal_entries`)).toBe(ACCOUNTS);
  expect(await count(`select count(distinct source_id)::int as n from ${BILLING}.journal_entries`)).toBe(ACCOUNTS);
  expect(
    await count(
      `select count(*)::int as n from (
         select entry_id from ${BILLING}.journal_lines group by entry_id having sum(debit) <> sum(credit)) unbalanced`,
    ),
  ).toBe(0);
  const trial = await op.call('/api/v1/p/dotmac.billing/ledger/trial-balance', { tenant });
  expect(trial.status).toBe(200);
  const byAccount = Object.fromEntries(
    (trial.body.items as Array<{ account: string; balance: string }>).map((i) => [i.account, i.balance]),
  );
  expect(byAccount).toMatchObject({ receivables: '322600.00', revenue: '-300000.00', 'tax-payable': '-22600.00' });
  const { rows } = await s.db.query(
    `select coalesce(sum(debit), 0) - coalesce(sum(credit), 0) as net from ${BILLING}.journal_lines`,
  );
  expect(Number(rows[0]?.net)).toBe(0);
  expect(
    await count(
      `select count(*)::int as n from
         (select customer_id, sum(total) as invoiced from ${BILLING}.invoices group by 1) i
         full join (select customer_id, sum(debit - credit) as owed from ${BILLING}.journal_lines
                     where account = 'receivables' group by 1) l using (customer_id)
        where i.invoiced is distinct from l.owed`,
    ),
  ).toBe(0);
});

test('re-running the same billing day issues no new invoice', async () => {
  const again = await op.call('/api/v1/p/dotmac.billing/runs', { method: 'POST', tenant, body: { day: DAY } });
  expect(again.status, JSON.stringify(again.body)).toBe(202);
  expect(again.body.payersDue).toBe(0);
  await expect
    .poll(async () => (await runReport(again.body.id)).status, { timeout: 30_000, interval: 250 })
    .toBe('done');
  expect(await runReport(again.body.id)).toMatchObject({ payersDone: 0, invoices: 0 });
  expect(await count(`select count(*)::int as n from ${BILLING}.invoices`)).toBe(ACCOUNTS);
});

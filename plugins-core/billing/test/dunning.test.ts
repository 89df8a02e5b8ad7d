// Dunning in the running plugin over 90 simulated days: the dunning job runs once a day on the
// testbed's clock, and the events it publishes are the ladder's steps, each once and in order;
// a payment stops it, and when the ladder had suspended the service, asks for it back.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEPENDENCIES, expectStatus, type Invoice, newKey, openAccount } from './support/world.ts';

const DAY = 86_400_000;
const START = '2026-01-05T08:00:00.000Z';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: START });
});
afterAll(() => bed?.close());

/** A tenant with `dunning` (absent: the default ladder), an account, and an invoice of 100.00 due in 14 days. */
async function overdueInvoice(
  dunning?: Record<string, unknown>,
): Promise<{ tenant: string; accountId: string; invoice: Invoice }> {
  bed.clock.set(START);
  const tenant = await bed.tenant();
  await bed.setConfig(tenant, { paymentTermsDays: 14, ...(dunning && { dunning }) });
  const accountId = await openAccount(bed, tenant, 'KES', 'Wanjiru Kamau');
  expectStatus(await bed.request(tenant, `PATCH /accounts/${accountId}`, {}), 200);
  const draft = expectStatus(
    await bed.request<Invoice>(tenant, 'POST /invoices', {
      accountId,
      lines: [{ description: 'Installation', unitPrice: '100.00' }],
    }),
    201,
  );
  const invoice = expectStatus(await bed.request<Invoice>(tenant, `POST /invoices/${draft.id}/issue`), 200);
  return { tenant, accountId, invoice };
}

/** Each dunning event of the tenant, in order, as [day after the due date, name, step]. */
async function ladder(tenant: string, dueAt: string): Promise<[number, string, string | null][]> {
  const names = [
    'invoice.overdue',
    'dunning.step',
    'service.suspension-requested',
    'service.restore-requested',
    'service.termination-requested',
  ];
  const events = (await bed.events({ tenant })).filter((e) => names.includes(e.name));
  return events.map((e) => [
    Math.floor((Date.parse(e.occurredAt) - Date.parse(dueAt)) / DAY),
    e.name,
    (e.payload.step as string | undefined) ?? null,
  ]);
}

/** Runs the dunning job once a day, an hour after the due time, for `days` days; `onDay` acts first. */
async function simulate(
  tenant: string,
  dueAt: string,
  days: number,
  onDay?: (day: number) => Promise<void>,
): Promise<void> {
  for (let day = 1; day <= days; day++) {
    bed.clock.set(new Date(Date.parse(dueAt) + day * DAY + 3_600_000));
    await onDay?.(day);
    await bed.runJob(tenant, 'dunning');
  }
}

test('over 90 days the default ladder takes each step once, in order, on its day', async () => {
  const { tenant, invoice } = await overdueInvoice();
  await simulate(tenant, invoice.dueAt as string, 90);
  expect(await ladder(tenant, invoice.dueAt as string)).toEqual([
    [1, 'invoice.overdue', null],
    [3, 'dunning.step', 'reminder'],
    [7, 'dunning.step', 'final-notice'],
    [14, 'dunning.step', 'suspend'],
    [14, 'service.suspension-requested', null],
    [60, 'dunning.step', 'terminate'],
    [60, 'service.termination-requested', null],
  ]);
  const after = expectStatus(await bed.request<Invoice>(tenant, `GET /invoices/${invoice.id}`), 200);
  expect(after.dunningSteps).toEqual(['reminder', 'final-notice', 'suspend', 'terminate']);
});

test('a payment on day 10 stops the ladder and asks for the suspended service back', async () => {
  // A stricter ISP: suspension a week after the due date.
  const { tenant, accountId, invoice } = await overdueInvoice({
    graceDays: 0,
    steps: [
      { name: 'reminder', afterDays: 3, action: 'remind' },
      { name: 'suspend', afterDays: 7, action: 'suspend' },
      { name: 'final-notice', afterDays: 21, action: 'remind' },
      { name: 'terminate', afterDays: 60, action: 'terminate' },
    ],
  });
  await simulate(tenant, invoice.dueAt as string, 90, async (day) => {
    if (day !== 10) return;
    const paid = await bed.request(tenant, 'POST /payments', {
      idempotencyKey: newKey(),
      accountId,
      amount: '100.00',
      method: 'mobile-money',
    });
    expectStatus(paid, 201);
  });
  expect(await ladder(tenant, invoice.dueAt as string)).toEqual([
    [1, 'invoice.overdue', null],
    [3, 'dunning.step', 'reminder'],
    [7, 'dunning.step', 'suspend'],
    [7, 'service.suspension-requested', null],
    [10, 'service.restore-requested', null],
  ]);
});

test('a payment before any suspension stops the ladder and restores nothing', async () => {
  const { tenant, accountId, invoice } = await overdueInvoice();
  await simulate(tenant, invoice.dueAt as string, 30, async (day) => {
    if (day === 10) {
      expectStatus(
        await bed.request(tenant, 'POST /payments', {
          idempotencyKey: newKey(),
          accountId,
          amount: '100.00',
          method: 'cash',
        }),
        201,
      );
    }
  });
  expect(await ladder(tenant, invoice.dueAt as string)).toEqual([
    [1, 'invoice.overdue', null],
    [3, 'dunning.step', 'reminder'],
    [7, 'dunning.step', 'final-notice'],
  ]);
});

test('a promise to pay holds the ladder back until it lapses, and an excluded customer is never dunned', async () => {
  const { tenant, invoice } = await overdueInvoice();
  const dueAt = Date.parse(invoice.dueAt as string);
  bed.clock.set(new Date(dueAt + 3_600_000));
  expectStatus(
    await bed.request(tenant, `POST /invoices/${invoice.id}/promise-to-pay`, {
      until: new Date(dueAt + 10 * DAY).toISOString(),
    }),
    200,
  );
  await simulate(tenant, invoice.dueAt as string, 12);
  // Held until day 10, then the reminder and final notice that fell due meanwhile, in order.
  expect((await ladder(tenant, invoice.dueAt as string)).filter(([, name]) => name === 'dunning.step')).toEqual([
    [10, 'dunning.step', 'reminder'],
    [10, 'dunning.step', 'final-notice'],
  ]);

  const other = await overdueInvoice();
  expectStatus(await bed.request(other.tenant, `PATCH /accounts/${other.accountId}`, { dunningExcluded: true }), 200);
  await simulate(other.tenant, other.invoice.dueAt as string, 20);
  expect(await ladder(other.tenant, other.invoice.dueAt as string)).toEqual([]);
});

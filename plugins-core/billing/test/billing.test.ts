// Billing end to end in a running kernel, with the real customers, catalog and subscriptions
// plugins: subscriptions become invoices through billing runs (prorated, taxed, numbered without
// gaps), payments and credit settle them, the ledger agrees, documents render, and a run
// repeated for the same day invoices nothing more.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pagesOf } from './support/pdf.ts';
import {
  type Account,
  accountOf,
  DEPENDENCIES,
  expectStatus,
  type Invoice,
  invoicesOf,
  newKey,
  openAccount,
  publishPlan,
  runBilling,
  subscriptionCommand,
} from './support/world.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: '2026-03-10T09:00:00.000Z' });
});
afterAll(() => bed?.close());

const SALES_TAX = {
  code: 'CA-STATE',
  name: 'California sales tax',
  rate: '7.25',
  inclusive: false,
  compound: false,
  taxClasses: ['standard'],
  regions: ['US-CA'],
  priority: 1,
};

/** A tenant selling a 20/5 plan at 30.00 USD a month, taxed 7.25 % in California. */
async function californianIsp(): Promise<{ tenant: string; planId: string; fastId: string }> {
  const tenant = await bed.tenant();
  await bed.setConfig(tenant, {
    taxRates: [SALES_TAX],
    defaultTaxLocation: { country: 'US', region: 'CA' },
    paymentTermsDays: 14,
    seller: {
      name: 'Sierra Wireless Internet',
      addressLines: ['1 Ridge Road', 'Truckee CA'],
      taxNumbers: [{ label: 'EIN', value: '12-3456789' }],
    },
  });
  const planId = await publishPlan(bed, tenant, {
    code: 'AIR-20',
    name: 'Air 20',
    prices: { USD: '30.00' },
    taxClass: 'standard',
  });
  const fastId = await publishPlan(bed, tenant, {
    code: 'AIR-100',
    name: 'Air 100',
    prices: { USD: '60.00' },
    taxClass: 'standard',
  });
  return { tenant, planId, fastId };
}

/** Orders a subscription, sets the payer's billing day, and activates it now. */
async function activate(tenant: string, accountId: string, planId: string, billingDay: number | null): Promise<string> {
  const ordered = await bed.request<{ id: string }>(
    tenant,
    'POST /subscriptions',
    { accountId, planId },
    { plugin: 'dotmac.subscriptions' },
  );
  const { id } = expectStatus(ordered, 201);
  await bed.settle();
  expectStatus(await bed.request(tenant, `PATCH /accounts/${accountId}`, { billingDay }), 200);
  await subscriptionCommand(bed, tenant, id, 'activate', {});
  return id;
}

describe('billing runs', () => {
  let tenant: string;
  let planId: string;
  let accountId: string;
  let first: Invoice;

  beforeAll(async () => {
    bed.clock.set('2026-03-10T09:00:00.000Z');
    ({ tenant, planId } = await californianIsp());
    accountId = await openAccount(bed, tenant);
    await activate(tenant, accountId, planId, 1);
  });

  test('a service started mid-month on a billing day of the 1st is invoiced its prorated first period, with tax', async () => {
    const run = await runBilling(bed, tenant, '2026-03-10');
    expect(run.invoices).toBe(1);
    const [invoice] = await invoicesOf(bed, tenant, accountId);
    first = invoice as Invoice;
    // 10 March to 1 April is 22 of March's 31 days: 30.00 × 22 / 31 = 21.2903… → 21.29.
    // Sales tax 7.25 % of 21.29 = 1.543525 → 1.54; total 21.29 + 1.54 = 22.83.
    expect(first.lines.map((l) => [l.kind, l.amount, l.tax])).toEqual([['proration', '21.29', '1.54']]);
    expect([first.subtotal, first.taxTotal, first.total, first.status]).toEqual(['21.29', '1.54', '22.83', 'issued']);
    expect(first.number).toBe('INV-000001');
    // Due 14 days after issue.
    expect(first.dueAt).toBe('2026-03-24T09:00:00.000Z');
  });

  test('re-running a billing period issues no new invoice', async () => {
    const again = await runBilling(bed, tenant, '2026-03-10');
    expect(again.invoices).toBe(0);
    expect(await invoicesOf(bed, tenant, accountId)).toHaveLength(1);
  });

  test('a dry run shows what the next period would invoice and invoices nothing', async () => {
    const dry = await runBilling(bed, tenant, '2026-04-01', true);
    // A full April: 30.00 + 7.25 % (2.175 → 2.18, half-even on the third decimal 5 → 2.18) = 32.18.
    expect(dry.totals).toEqual({ USD: '32.18' });
    expect(dry.preview.map((p) => p.total)).toEqual(['32.18']);
    expect(await invoicesOf(bed, tenant, accountId)).toHaveLength(1);
  });

  test('the next period is a full month and takes the next number', async () => {
    bed.clock.set('2026-04-01T02:00:00.000Z');
    const run = await runBilling(bed, tenant, '2026-04-01');
    expect(run.invoices).toBe(1);
    const invoices = await invoicesOf(bed, tenant, accountId);
    expect(invoices.map((i) => [i.number, i.total])).toEqual([
      ['INV-000001', '22.83'],
      ['INV-000002', '32.18'],
    ]);
    expect(invoices[1]?.lines[0]?.kind).toBe('recurring');
  });

  test('a mid-month upgrade credits the unused old plan and charges the new plan on the next invoice', async () => {
    const [service] = await bed.query<{ id: string }>('select id::text from services where customer_id = $1', [
      accountId,
    ]);
    bed.clock.set('2026-04-16T10:00:00.000Z');
    const fast = await publishPlan(bed, tenant, {
      code: 'AIR-50',
      name: 'Air 50',
      prices: { USD: '45.00' },
      taxClass: 'standard',
    });
    await subscriptionCommand(bed, tenant, service?.id as string, 'change-plan', { planId: fast, when: 'now' });
    bed.clock.set('2026-05-01T02:00:00.000Z');
    await runBilling(bed, tenant, '2026-05-01');
    const may = (await invoicesOf(bed, tenant, accountId)).at(-1) as Invoice;
    // April has 30 days; 16 April on is 15 of them. Old plan's unused part: 30.00 − 30.00 × 15/30
    // = 15.00 credited; new plan's remainder: 45.00 − 45.00 × 15/30 = 22.50. Then May at 45.00.
    expect(may.lines.map((l) => [l.kind, l.amount])).toEqual([
      ['recurring', '45.00'],
      ['proration', '-15.00'],
      ['proration', '22.50'],
    ]);
    // Net 52.50; tax 45.00 → 3.2625 → 3.26, −15.00 → −1.0875 → −1.09, 22.50 → 1.63125 → 1.63: 3.80.
    expect([may.subtotal, may.taxTotal, may.total]).toEqual(['52.50', '3.80', '56.30']);
  });

  test('the billing-run command starts a run and draws its progress to the end', async () => {
    bed.clock.set('2026-06-01T02:00:00.000Z');
    const cli = fileURLToPath(new URL('../cli/billing-run.ts', import.meta.url));
    const args = [
      '--import',
      'tsx',
      cli,
      '--url',
      bed.url,
      '--token',
      bed.adminToken,
      '--tenant',
      tenant,
      '--day',
      '2026-06-01',
      '--poll-ms',
      '50',
    ];
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^billing run [0-9a-f-]{36} for 2026-06-01$/);
    expect(lines).toContain('[##############################] 100%  1/1 accounts  1 invoices');
    // June at Air 50: 45.00 + 7.25 % (3.2625 → 3.26) = 48.26.
    expect(lines.at(-1)).toBe('done: 1 invoices, 48.26 USD');
    const refused: { code?: number; stderr: string } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, '--token', 'x'],
      {},
    ).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--tenant is required');
  });

  test('a run whose starter died before enqueuing its chunks is resumed by starting the same day again', async () => {
    bed.clock.set('2026-07-01T02:00:00.000Z');
    // What a starter that died between storing the run and enqueuing its chunks leaves behind.
    const [stuck] = await bed.query<{ id: string }>(
      `insert into runs (id, tenant_id, billing_day, dry_run, status, requested_by, payers_due, partitions, started_at)
       values (gen_random_uuid(), $1, '2026-07-01', false, 'running', '{"kind":"schedule"}', 1, 16, now()) returning id::text`,
      [tenant],
    );
    const run = await runBilling(bed, tenant, '2026-07-01');
    expect(run.id).toBe(stuck?.id);
    expect([run.invoices, run.payersDone]).toEqual([1, 1]);
  });

  test('invoice numbers have no gaps', async () => {
    const numbers = (
      await bed.query<{ seq: string }>("select seq::text from invoices where kind = 'invoice' order by seq")
    ).map((r) => Number(r.seq));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });
});

describe('payments, credit and the ledger', () => {
  let tenant: string;
  let accountId: string;

  beforeAll(async () => {
    bed.clock.set('2026-03-01T09:00:00.000Z');
    const isp = await californianIsp();
    tenant = isp.tenant;
    accountId = await openAccount(bed, tenant, 'USD', 'Grace Hopper');
    await activate(tenant, accountId, isp.planId, null);
    await runBilling(bed, tenant, '2026-03-01');
  });

  const balanceAgrees = (account: Account) => {
    // The ledger's balance is what the open invoices say less the unallocated credit.
    const expected = (Number.parseFloat(account.openInvoices) * 100 - Number.parseFloat(account.credit) * 100) / 100;
    expect(Number.parseFloat(account.balance)).toBeCloseTo(expected, 2);
  };

  test('a payment is allocated, an overpayment becomes credit, and the ledger balance agrees', async () => {
    const [invoice] = await invoicesOf(bed, tenant, accountId);
    // 30.00 + 2.18 tax = 32.18 owed; 50.00 paid: 17.82 credit.
    expect(invoice?.total).toBe('32.18');
    const paid = expectStatus(
      await bed.request<{ allocations: { amount: string }[]; unallocated: string }>(tenant, 'POST /payments', {
        idempotencyKey: newKey(),
        accountId,
        amount: '50.00',
        method: 'mobile-money',
        reference: 'MPESA-QX1',
      }),
      201,
    );
    expect(paid.allocations.map((a) => a.amount)).toEqual(['32.18']);
    expect(paid.unallocated).toBe('17.82');
    const account = await accountOf(bed, tenant, accountId);
    expect([account.openInvoices, account.credit, account.balance]).toEqual(['0.00', '17.82', '-17.82']);
    balanceAgrees(account);
    const [after] = await invoicesOf(bed, tenant, accountId);
    expect(after?.status).toBe('paid');
  });

  test('the same idempotency key and body answer the same payment; another body is refused with 409', async () => {
    const key = newKey();
    const body = { idempotencyKey: key, accountId, amount: '5.00', method: 'cash' };
    const once = expectStatus(await bed.request<{ id: string }>(tenant, 'POST /payments', body), 201);
    const twice = expectStatus(await bed.request<{ id: string }>(tenant, 'POST /payments', body), 201);
    expect(twice.id).toBe(once.id);
    const other = await bed.request<{ errors: { pointer: string }[] }>(tenant, 'POST /payments', {
      ...body,
      amount: '6.00',
    });
    expect(other.status).toBe(409);
    expect(other.body.errors[0]?.pointer).toBe('/body/idempotencyKey');
    const [{ count } = { count: 0 }] = await bed.query<{ count: number }>(
      'select count(*)::int as count from payments where amount = 5',
    );
    expect(count).toBe(1);
    expect((await accountOf(bed, tenant, accountId)).credit).toBe('22.82');
  });

  test('credit pays the next invoice when it is issued', async () => {
    bed.clock.set('2026-04-01T09:00:00.000Z');
    await runBilling(bed, tenant, '2026-04-01');
    const april = (await invoicesOf(bed, tenant, accountId)).at(-1) as Invoice;
    // 32.18 owed, 22.82 credit applied: 9.36 left to pay.
    expect([april.total, april.amountPaid, april.amountDue, april.status]).toEqual([
      '32.18',
      '22.82',
      '9.36',
      'partially-paid',
    ]);
    const account = await accountOf(bed, tenant, accountId);
    expect([account.credit, account.balance]).toEqual(['0.00', '9.36']);
  });

  test('two payments racing to pay the same invoice in full: one is allocated, the other refused, nothing over-allocated', async () => {
    bed.clock.set('2026-04-02T09:00:00.000Z');
    const draft = expectStatus(
      await bed.request<Invoice>(tenant, 'POST /invoices', {
        accountId,
        lines: [{ description: 'Router', unitPrice: '80.00' }],
      }),
      201,
    );
    const issued = expectStatus(await bed.request<Invoice>(tenant, `POST /invoices/${draft.id}/issue`), 200);
    const pay = () =>
      bed.request(tenant, 'POST /payments', {
        idempotencyKey: newKey(),
        accountId,
        amount: issued.total,
        method: 'card',
        allocations: [{ invoiceId: issued.id, amount: issued.total }],
      });
    const answers = await Promise.all([pay(), pay(), pay()]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    const [row] = await bed.query<{ paid: string; n: number }>(
      'select amount_paid::text as paid, (select count(*)::int from allocations where invoice_id = $1) as n from invoices where id = $1',
      [issued.id],
    );
    // The router has no tax class: 80.00, untaxed, paid once.
    expect(row).toEqual({ paid: '80.0000', n: 1 });
    balanceAgrees(await accountOf(bed, tenant, accountId));
  });

  test("a payment for another tenant's account is refused and changes nothing", async () => {
    const other = await bed.tenant();
    const before = await bed.query('select count(*)::int as n from payments');
    const answer = await bed.request(other, 'POST /payments', {
      idempotencyKey: newKey(),
      accountId,
      amount: '1.00',
      method: 'cash',
    });
    expect(answer.status).toBe(404);
    expect(await bed.query('select count(*)::int as n from payments')).toEqual(before);
  });

  test('a bad amount is refused naming the field, and changes nothing', async () => {
    const before = await bed.query('select count(*)::int as n from payments');
    const bad = await bed.request<{ errors: { pointer: string }[] }>(tenant, 'POST /payments', {
      idempotencyKey: newKey(),
      accountId,
      amount: '1.005',
      method: 'cash',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.pointer).toBe('/body/amount');
    expect(await bed.query('select count(*)::int as n from payments')).toEqual(before);
  });

  test('a partial credit note on a paid invoice becomes customer credit; a refund pays it back', async () => {
    const [march] = await invoicesOf(bed, tenant, accountId);
    const note = expectStatus(
      await bed.request<Invoice>(tenant, `POST /invoices/${march?.id}/credit-notes`, {
        reason: 'outage 3 days',
        lines: [{ position: 1, amount: '3.00' }],
      }),
      201,
    );
    // 3.00 credited + 7.25 % tax (0.2175 → 0.22) = 3.22 back.
    expect([note.kind, note.number, note.total]).toEqual(['credit-note', 'CN-000001', '-3.22']);
    const account = await accountOf(bed, tenant, accountId);
    expect(account.credit).toBe('3.22');
    balanceAgrees(account);
    const refund = await bed.request(tenant, 'POST /refunds', {
      idempotencyKey: newKey(),
      accountId,
      amount: '5.00',
      method: 'bank-transfer',
    });
    expect(refund.status).toBe(422);
    expectStatus(
      await bed.request(tenant, 'POST /refunds', {
        idempotencyKey: newKey(),
        accountId,
        amount: '3.22',
        method: 'bank-transfer',
      }),
      201,
    );
    expect((await accountOf(bed, tenant, accountId)).credit).toBe('0.00');
  });

  test('the trial balance balances', async () => {
    const trial = expectStatus(
      await bed.request<{ items: { currency: string; debit: string; credit: string }[] }>(
        tenant,
        'GET /ledger/trial-balance',
      ),
      200,
    );
    const debits = trial.items.reduce((s, r) => s + Math.round(Number.parseFloat(r.debit) * 100), 0);
    const credits = trial.items.reduce((s, r) => s + Math.round(Number.parseFloat(r.credit) * 100), 0);
    expect(debits).toBeGreaterThan(0);
    expect(debits).toBe(credits);
  });

  test("an invoice's PDF opens and shows its number and total", async () => {
    const [march] = await invoicesOf(bed, tenant, accountId);
    const pdf = await bed.request<Uint8Array>(tenant, `GET /invoices/${march?.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toContain('invoice-INV-000001.pdf');
    const text = (await pagesOf(pdf.body)).join('\n');
    expect(text).toContain('INV-000001');
    expect(text).toContain('32.18');
    expect(text).toContain('Sierra Wireless Internet');
  });

  test('the accountant exports invoices and payments as CSV', async () => {
    const invoices = await bed.request<string>(tenant, 'GET /exports/invoices.csv');
    expect(invoices.status).toBe(200);
    expect(invoices.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = invoices.body.trim().split('\r\n');
    expect(rows[0]).toMatch(/^Invoice number,/);
    expect(rows.some((r) => r.startsWith('INV-000001,2026-03-01,'))).toBe(true);
    expect(rows.some((r) => r.startsWith('CN-000001,'))).toBe(true);
    const payments = await bed.request<string>(tenant, 'GET /exports/payments.csv');
    expect(payments.body).toContain('MPESA-QX1');
  });
});

describe('prepaid wallets', () => {
  test('a wallet whose credit does not cover the invoice asks for suspension; the top-up that pays it asks for the service back', async () => {
    bed.clock.set('2026-03-01T09:00:00.000Z');
    const isp = await californianIsp();
    const { tenant } = isp;
    const accountId = await openAccount(bed, tenant, 'USD', 'Katherine Johnson');
    const ordered = await bed.request<{ id: string }>(
      tenant,
      'POST /subscriptions',
      { accountId, planId: isp.planId },
      { plugin: 'dotmac.subscriptions' },
    );
    const { id: subscriptionId } = expectStatus(ordered, 201);
    await bed.settle();
    expectStatus(await bed.request(tenant, `PATCH /accounts/${accountId}`, { prepaidWallet: true }), 200);
    // A top-up with nothing to pay becomes credit.
    const topUp = expectStatus(
      await bed.request<{ unallocated: string }>(tenant, 'POST /payments', {
        idempotencyKey: newKey(),
        accountId,
        amount: '10.00',
        method: 'mobile-money',
      }),
      201,
    );
    expect(topUp.unallocated).toBe('10.00');
    await subscriptionCommand(bed, tenant, subscriptionId, 'activate', {});
    await runBilling(bed, tenant, '2026-03-01');
    // 32.18 invoiced, 10.00 of credit applied: 22.18 not covered.
    const [invoice] = await invoicesOf(bed, tenant, accountId);
    expect([invoice?.total, invoice?.amountDue]).toEqual(['32.18', '22.18']);
    const suspensions = await bed.events({ tenant, name: 'service.suspension-requested' });
    expect(suspensions.map((e) => e.payload.subscriptionIds)).toEqual([[subscriptionId]]);
    expectStatus(
      await bed.request(tenant, 'POST /payments', {
        idempotencyKey: newKey(),
        accountId,
        amount: '25.00',
        method: 'mobile-money',
      }),
      201,
    );
    const restores = await bed.events({ tenant, name: 'service.restore-requested' });
    expect(restores.map((e) => e.payload.subscriptionIds)).toEqual([[subscriptionId]]);
    expect((await accountOf(bed, tenant, accountId)).credit).toBe('2.82');
  });
});

// Billing runs. A run bills every payer with a service due (or an open one-off charge) on its
// billing day. The payers are split into PARTITIONS by the first hex digit of their id; each
// partition is worked through by a chain of bill-chunk jobs, CHUNK payers at a time, so several
// workers share a large run. A chunk reads only what is still due, computes its invoices in
// memory and stores them in one transaction: a killed worker's chunk is simply done again, and a
// run repeated for the same day finds nothing left to bill. Memory holds one chunk, whatever
// the size of the run.
import type { PluginContext, RouteCaller } from '@dotmac/sdk';
import { billPayer, type PayerBill, type PayerInput, type PayerService } from './bill.ts';
import { addDays } from './core/calendar.ts';
import { creditApplied as creditAppliedJournal } from './core/ledger.ts';
import { Decimal } from './core/money.ts';
import { ALLOCATION_COLUMNS, insertNumbered, LINE_COLUMNS, lineRows } from './invoice-rows.ts';
import { documentJournal, postJournals, type StoredJournal } from './journal.ts';
import { numberParts, readSettings, type Settings } from './settings.ts';
import { newIds, Work } from './work.ts';

/** Payers per chunk job. */
export const CHUNK = 250;
const PARTITIONS = 16;
const HEX = '0123456789abcdef';
/** Invoices a dry run keeps to show. */
const PREVIEW = 20;

export interface BillChunk {
  readonly runId: string;
  readonly day: string;
  readonly dryRun: boolean;
  readonly partition: number;
  /** The last payer id the previous chunk of the partition handled. */
  readonly after: string | null;
}

/** Payers with a service due by `day` or an open one-off charge, in `partition`, after `after`. */
const DUE_PAYERS = `
  (select distinct customer_id from services
    where next_bill_on <= $1::date and customer_id >= $2 and customer_id < $3 and customer_id > $4
    order by customer_id limit $5)
  union
  (select distinct customer_id from charges
    where invoice_id is null and not recurring and ended_at is null
      and customer_id >= $2 and customer_id < $3 and customer_id > $4
    order by customer_id limit $5)
  order by customer_id limit $5`;

const bounds = (partition: number): [string, string] => [
  HEX[partition] as string,
  partition === PARTITIONS - 1 ? 'g' : (HEX[partition + 1] as string),
];

/** Starts a run for `day`; answers its id. The chunks run as jobs. */
export async function startRun(
  ctx: PluginContext,
  options: { readonly day: string; readonly dryRun: boolean; readonly requestedBy: RouteCaller | { kind: 'schedule' } },
): Promise<string> {
  const now = (await ctx.clock.now()).toISOString();
  const [due] = await ctx.db.query<{ payers: number }>(`select count(*)::int as payers from (${DUE_PAYERS}) counted`, [
    options.day,
    '0',
    'g',
    '',
    2_147_483_647,
  ]);
  // A real run for a day that is still running is that run, resumed: its partitions are enqueued
  // again (a partition already finished finds nothing due), so a run whose starter died after
  // storing it, before enqueuing its chunks, is not left running for ever.
  const [running] = options.dryRun
    ? []
    : await ctx.db.query<{ id: string }>(
        "select id::text from runs where billing_day = $1 and status = 'running' and not dry_run order by started_at limit 1",
        [options.day],
      );
  const id = running?.id ?? ((await newIds(ctx, 1))[0] as string);
  if (running) {
    await enqueuePartitions(ctx, id, options);
    return id;
  }
  const work = new Work().add(
    `insert into runs (id, tenant_id, billing_day, dry_run, status, requested_by, payers_due, partitions, started_at)
     values ($1, $2, $3, $4, 'running', $5::jsonb, $6, $7, $8)`,
    [
      id,
      ctx.tenantId,
      options.day,
      options.dryRun,
      JSON.stringify(options.requestedBy),
      due?.payers ?? 0,
      PARTITIONS,
      now,
    ],
  );
  // The tenant's invoice sequence exists before the chunks number from it.
  work.add("insert into sequences (tenant_id, kind, last) values ($1, 'invoice', 0) on conflict do nothing", [
    ctx.tenantId,
  ]);
  await work.commit(ctx);
  await enqueuePartitions(ctx, id, options);
  return id;
}

/** Enqueues the first chunk of each partition of run `id`. */
async function enqueuePartitions(
  ctx: PluginContext,
  id: string,
  options: { readonly day: string; readonly dryRun: boolean },
) {
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const chunk: BillChunk = { runId: id, day: options.day, dryRun: options.dryRun, partition, after: null };
    await ctx.jobs.enqueue('bill-chunk', chunk, { key: `run-${id}-${partition}-start` });
  }
}

/** Everything billPayer needs for `payers`, read in a few statements. */
async function readPayers(ctx: PluginContext, payers: readonly string[], day: string): Promise<PayerInput[]> {
  const [accounts, services, charges, coupons, usage] = await Promise.all([
    ctx.db.query<Record<string, unknown>>(
      `select id::text, number, name, reseller_id, currency, billing_day, tax_country, tax_region, tax_exemption,
              credit::text, prepaid_wallet from accounts where id = any($1::uuid[])`,
      [payers],
    ),
    ctx.db.query<Record<string, unknown>>(
      `select id::text, customer_id, plan, activated_at, next_bill_on::text, bill_from::text, ends_on::text
         from services where customer_id = any($1::text[]) and next_bill_on <= $2::date order by activated_at, id`,
      [payers, day],
    ),
    ctx.db.query<Record<string, unknown>>(
      `select id::text, customer_id, service_id::text, kind, description, quantity::text, unit_price::text, tax_class,
              recurring, period_start::text, period_end::text
         from charges where customer_id = any($1::text[]) and invoice_id is null and ended_at is null
        order by created_at, unit_price, id`,
      [payers],
    ),
    ctx.db.query<Record<string, unknown>>(
      `select id::text, customer_id, code, discount, cycles, applied_cycles from coupons
        where customer_id = any($1::text[]) and (cycles is null or applied_cycles < cycles) order by created_at`,
      [payers],
    ),
    ctx.db.query<Record<string, unknown>>(
      `select service_id::text, customer_id, day::text, bytes::text from usage_records
        where customer_id = any($1::text[]) and day >= $2::date and day < $3::date`,
      [payers, addDays(day, -400), day],
    ),
  ]);
  const by = <T extends Record<string, unknown>>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) {
      const key = row.customer_id as string;
      map.set(key, [...(map.get(key) ?? []), row]);
    }
    return map;
  };
  const servicesOf = by(services);
  const chargesOf = by(charges);
  const couponsOf = by(coupons);
  const usageOf = by(usage);
  return accounts.map((a) => ({
    account: {
      id: a.id as string,
      number: a.number as string,
      name: a.name as string,
      resellerId: (a.reseller_id as string | null) ?? null,
      currency: a.currency as string,
      billingDay: (a.billing_day as number | null) ?? null,
      taxCountry: (a.tax_country as string | null) ?? null,
      taxRegion: (a.tax_region as string | null) ?? null,
      taxExemption: (a.tax_exemption as string | null) ?? null,
      credit: a.credit as string,
      prepaidWallet: a.prepaid_wallet === true,
    },
    services: (servicesOf.get(a.id as string) ?? []).map(
      (s): PayerService => ({
        id: s.id as string,
        plan: s.plan as PayerService['plan'],
        activatedAt: new Date(s.activated_at as string).toISOString(),
        nextBillOn: s.next_bill_on as string,
        billFrom: (s.bill_from as string | null) ?? null,
        endsOn: (s.ends_on as string | null) ?? null,
      }),
    ),
    charges: (chargesOf.get(a.id as string) ?? []).map((c) => ({
      id: c.id as string,
      serviceId: (c.service_id as string | null) ?? null,
      kind: c.kind as PayerInput['charges'][number]['kind'],
      description: c.description as string,
      quantity: c.quantity as string,
      unitPrice: c.unit_price as string,
      taxClass: (c.tax_class as string | null) ?? null,
      recurring: c.recurring as boolean,
      periodStart: (c.period_start as string | null) ?? null,
      periodEnd: (c.period_end as string | null) ?? null,
    })),
    coupons: (couponsOf.get(a.id as string) ?? []).map((c) => ({
      id: c.id as string,
      code: c.code as string,
      discount: c.discount as PayerInput['coupons'][number]['discount'],
      cycles: (c.cycles as number | null) ?? null,
      appliedCycles: c.applied_cycles as number,
    })),
    usage: (usageOf.get(a.id as string) ?? []).map((u) => ({
      serviceId: u.service_id as string,
      day: u.day as string,
      bytes: u.bytes as string,
    })),
  }));
}

/** One chunk of one partition of a run; enqueues the partition's next chunk when this one was full. */
export async function billChunk(ctx: PluginContext, chunk: BillChunk): Promise<void> {
  const [lo, hi] = bounds(chunk.partition);
  const payers = (
    await ctx.db.query<{ customer_id: string }>(DUE_PAYERS, [chunk.day, lo, hi, chunk.after ?? '', CHUNK])
  ).map((r) => r.customer_id);
  const settings = await readSettings(ctx);
  const now = (await ctx.clock.now()).toISOString();
  const inputs = payers.length > 0 ? await readPayers(ctx, payers, chunk.day) : [];
  const bills: PayerBill[] = [];
  const problems: { accountId: string; detail: string }[] = [];
  for (const input of inputs) {
    try {
      const bill = billPayer(input, settings, chunk.day);
      if (bill) bills.push(bill);
    } catch (e) {
      problems.push({ accountId: input.account.id, detail: (e as Error).message });
    }
  }
  const last = payers.length === CHUNK ? payers[payers.length - 1] : undefined;
  await commitBills(ctx, chunk, bills, inputs, settings, now, problems, last ? null : chunk.partition);
  if (last) {
    await ctx.jobs.enqueue('bill-chunk', { ...chunk, after: last } satisfies BillChunk, {
      key: `run-${chunk.runId}-${chunk.partition}-${last}`,
    });
  }
}

/** The most JSON one transaction sends across the bridge before it is split (the bridge takes 1 MiB). */
const MAX_WORK_CHARS = 700_000;

/**
 * Stores `bills` and the run's progress in one transaction, the progress last so that the run's
 * row is locked only at the end. Work too large to cross the bridge in one message is split in
 * halves, each its own transaction: a crash between them leaves the second half due, to be
 * billed when the chunk is done again. `finishes`: the partition this completes, if it does.
 */
async function commitBills(
  ctx: PluginContext,
  chunk: BillChunk,
  bills: readonly PayerBill[],
  inputs: readonly PayerInput[],
  settings: Settings,
  now: string,
  problems: readonly { accountId: string; detail: string }[],
  finishes: number | null,
): Promise<void> {
  const work = chunk.dryRun
    ? dryRunWork(ctx, chunk, bills)
    : await invoiceWork(ctx, chunk, bills, inputs, settings, now);
  if (bills.length > 1 && work.size() > MAX_WORK_CHARS) {
    const half = Math.ceil(bills.length / 2);
    await commitBills(ctx, chunk, bills.slice(0, half), inputs, settings, now, problems, null);
    await commitBills(ctx, chunk, bills.slice(half), inputs, settings, now, [], finishes);
    return;
  }
  work.add(
    `update runs set payers_done = payers_done + $2, invoices = invoices + $3,
            problems = problems || $4::jsonb,
            finished_partitions = case when $5::int is null or $5::int = any(finished_partitions)
                                       then finished_partitions else finished_partitions || $5::int end
      where id = $1`,
    [
      chunk.runId,
      // Only what this chunk billed: a payer another copy of this chunk billed first is not counted twice.
      bills.length + problems.length,
      chunk.dryRun ? 0 : bills.length,
      JSON.stringify(problems),
      finishes,
    ],
  );
  work.add(
    `update runs set status = 'done', finished_at = $2
      where id = $1 and status = 'running' and cardinality(finished_partitions) = partitions`,
    [chunk.runId, now],
  );
  await work.commit(ctx);
}

/** A dry run stores only its totals and the first invoices it would make. */
function dryRunWork(ctx: PluginContext, chunk: BillChunk, bills: readonly PayerBill[]): Work {
  const work = new Work();
  addTotals(work, ctx, chunk.runId, bills);
  const preview = bills.slice(0, PREVIEW).map((b) => ({
    accountId: b.accountId,
    currency: b.invoice.currency,
    total: b.invoice.total,
    lines: b.invoice.lines.map((l) => ({ description: l.description, total: l.total })),
  }));
  return work.add(
    `update runs set preview = (preview || $2::jsonb) where id = $1 and jsonb_array_length(preview) < ${PREVIEW}`,
    [chunk.runId, JSON.stringify(preview)],
  );
}

function addTotals(work: Work, ctx: PluginContext, runId: string, bills: readonly PayerBill[]): void {
  const totals = new Map<string, Decimal>();
  for (const b of bills)
    totals.set(b.invoice.currency, (totals.get(b.invoice.currency) ?? new Decimal(0)).plus(b.invoice.total));
  work.insert(
    'run_totals',
    [
      ['tenant_id', 'uuid'],
      ['run_id', 'uuid'],
      ['currency', 'text'],
      ['amount', 'numeric'],
    ],
    [...totals].map(([currency, amount]) => ({
      tenant_id: ctx.tenantId,
      run_id: runId,
      currency,
      amount: amount.toFixed(),
    })),
    'on conflict (run_id, currency) do update set amount = run_totals.amount + excluded.amount',
  );
}

/** The statements and events that issue `bills`: invoices, lines, ledger, credit applied, services moved on. */
async function invoiceWork(
  ctx: PluginContext,
  chunk: BillChunk,
  bills: readonly PayerBill[],
  inputs: readonly PayerInput[],
  settings: Settings,
  now: string,
): Promise<Work> {
  const work = new Work();
  if (bills.length === 0) return work;
  const ids = await newIds(ctx, bills.length * 3);
  const accounts = new Map(inputs.map((i) => [i.account.id, i.account]));
  const dueAt = new Date(Date.parse(now) + settings.paymentTermsDays * 86_400_000).toISOString();
  const invoices: Record<string, unknown>[] = [];
  const lines: Record<string, unknown>[] = [];
  const journals: StoredJournal[] = [];
  const allocations: Record<string, unknown>[] = [];
  const credits: Record<string, unknown>[] = [];
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  bills.forEach((bill, i) => {
    const id = ids[i * 3] as string;
    const account = accounts.get(bill.accountId) as PayerInput['account'];
    const inv = bill.invoice;
    const credit = new Decimal(bill.creditApplied);
    const fullyPaid = credit.greaterThan(0) && credit.equals(inv.total);
    const negative = new Decimal(inv.total).isNegative();
    invoices.push({
      id,
      tenant_id: ctx.tenantId,
      customer_id: bill.accountId,
      reseller_id: account.resellerId,
      kind: 'invoice',
      ord: i + 1,
      status:
        fullyPaid || new Decimal(inv.total).lessThanOrEqualTo(0)
          ? 'paid'
          : credit.greaterThan(0)
            ? 'partially-paid'
            : 'issued',
      currency: inv.currency,
      customer: { name: account.name, number: account.number },
      period_start: bill.periodStart,
      period_end: bill.periodEnd,
      cycle_key: bill.cycleKey,
      run_id: chunk.runId,
      issued_at: now,
      due_at: dueAt,
      subtotal: inv.subtotal,
      discount_total: inv.discountTotal,
      net_total: inv.netTotal,
      tax_total: inv.taxTotal,
      total: inv.total,
      amount_paid: bill.creditApplied,
      taxes: inv.taxes,
      tax_exemption: account.taxExemption,
      created_at: now,
    });
    lines.push(...lineRows(ctx, id, bill.accountId, inv));
    journals.push({
      id: ids[i * 3 + 1] as string,
      customerId: bill.accountId,
      sourceId: id,
      currency: inv.currency,
      at: now,
      journal: documentJournal(inv, negative ? inv.total : '0'),
    });
    // An invoice of credits only (a downgrade credit larger than the new charges) is owed back as credit.
    if (negative) credits.push({ id: bill.accountId, amount: inv.total });
    if (credit.greaterThan(0)) {
      journals.push({
        id: ids[i * 3 + 2] as string,
        customerId: bill.accountId,
        sourceId: id,
        currency: inv.currency,
        at: now,
        journal: creditAppliedJournal({ currency: inv.currency, amount: bill.creditApplied }),
      });
      allocations.push({
        tenant_id: ctx.tenantId,
        customer_id: bill.accountId,
        invoice_id: id,
        source: 'credit',
        amount: bill.creditApplied,
        at: now,
      });
      credits.push({ id: bill.accountId, amount: bill.creditApplied });
    }
    // A prepaid wallet whose credit did not cover the invoice: its services stop until topped up.
    if (account.prepaidWallet && new Decimal(inv.total).greaterThan(credit)) {
      events.push({
        name: 'service.suspension-requested',
        payload: {
          accountId: bill.accountId,
          subscriptionIds: bill.services.map((s) => s.id),
          invoiceIds: [id],
          mode: settings.suspensionMode,
          requestedAt: now,
        },
      });
    }
    events.push({
      name: 'invoice.issued',
      payload: {
        invoiceId: id,
        accountId: bill.accountId,
        currency: inv.currency,
        total: inv.total,
        amountDue: new Decimal(inv.total).minus(credit).toFixed(),
        issuedAt: now,
        dueAt,
        runId: chunk.runId,
      },
    });
  });
  work.insert('invoice_lines', LINE_COLUMNS, lines);
  postJournals(work, ctx.tenantId, journals);
  work.insert('allocations', ALLOCATION_COLUMNS, allocations);
  if (credits.length > 0) {
    work.add(
      `update accounts a set credit = a.credit - r.amount, updated_at = $2
         from jsonb_to_recordset($1::jsonb) as r(id uuid, amount numeric) where a.id = r.id`,
      [JSON.stringify(credits), now],
    );
  }
  const serviceRows = bills.flatMap((b) => b.services);
  if (serviceRows.length > 0) {
    work.add(
      `update services s set next_bill_on = r.next_bill_on, billed_until = coalesce(r.billed_until, s.billed_until),
              bill_from = null, updated_at = $2
         from jsonb_to_recordset($1::jsonb) as r(id uuid, next_bill_on date, billed_until date) where s.id = r.id`,
      [
        JSON.stringify(serviceRows.map((s) => ({ id: s.id, next_bill_on: s.nextBillOn, billed_until: s.billedUntil }))),
        now,
      ],
    );
  }
  const closed = bills.flatMap((b, i) => b.closedCharges.map((id) => ({ id, invoice_id: ids[i * 3] })));
  if (closed.length > 0) {
    work.add(
      `update charges c set invoice_id = r.invoice_id
         from jsonb_to_recordset($1::jsonb) as r(id uuid, invoice_id uuid) where c.id = r.id and c.invoice_id is null`,
      [JSON.stringify(closed)],
    );
  }
  const coupons = bills.flatMap((b) => b.couponsApplied);
  if (coupons.length > 0) {
    work.add('update coupons set applied_cycles = applied_cycles + 1 where id = any($1::uuid[])', [coupons]);
  }
  // Last, so that the run's totals and the tenant's number sequence are locked only at the end
  // (the lines' reference to their invoice is checked at commit).
  addTotals(work, ctx, chunk.runId, bills);
  insertNumbered(work, ctx, 'invoice', numberParts(settings.invoiceNumberFormat, now), invoices, false);
  for (const e of events) work.publish(e.name, e.payload);
  return work;
}

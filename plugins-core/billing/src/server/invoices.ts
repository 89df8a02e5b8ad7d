// Invoices and credit notes outside billing runs: drafts of one-off charges issued by staff,
// voids, credit notes (full or partial), promises to pay; and reading them back.
import { type PluginContext, type RouteCaller, RouteError } from '@dotmac/sdk';
import { type ComputedLineTax, computeInvoice, type InvoiceTax, type LineInput } from './core/invoice.ts';
import { invoiceVoided } from './core/ledger.ts';
import { Decimal, formatAmount } from './core/money.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { INVOICE_COLUMNS, insertNumbered, LINE_COLUMNS, lineRows } from './invoice-rows.ts';
import { documentJournal, postJournals } from './journal.ts';
import { numberParts, readSettings } from './settings.ts';
import { newIds, Work } from './work.ts';

/** An invoice or credit note as the API answers it. */
export interface InvoiceResource {
  readonly id: string;
  readonly kind: 'invoice' | 'credit-note';
  readonly number: string | null;
  /** draft, issued, partially-paid, paid, void; issued or partially-paid past the due date reads overdue. */
  readonly status: string;
  readonly accountId: string;
  readonly customer: { readonly name: string; readonly number: string };
  readonly currency: string;
  readonly creditedInvoiceId: string | null;
  readonly reason: string | null;
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
  readonly issuedAt: string | null;
  readonly dueAt: string | null;
  readonly subtotal: string;
  readonly discountTotal: string;
  readonly netTotal: string;
  readonly taxTotal: string;
  readonly total: string;
  readonly amountPaid: string;
  readonly amountDue: string;
  /** The tax summary: each rate, what it was charged on and how much. */
  readonly taxes: readonly InvoiceTax[];
  readonly taxExemption: string | null;
  readonly notes: string | null;
  readonly promiseToPayUntil: string | null;
  readonly dunningSteps: readonly string[];
  readonly runId: string | null;
  /** Its lines (empty in lists). */
  readonly lines: readonly InvoiceLineResource[];
}

/** One line of an invoice or credit note as the API answers it. */
export interface InvoiceLineResource {
  readonly position: number;
  /** recurring, proration, one-off, usage, fee or adjustment. */
  readonly kind: string;
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly amount: string;
  readonly discount: string;
  readonly net: string;
  readonly tax: string;
  readonly total: string;
  readonly taxClass: string | null;
  readonly taxes: readonly ComputedLineTax[];
  readonly subscriptionId: string | null;
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
}

const SELECT = `select id::text, kind, number, status, customer_id, customer, currency, credited_invoice_id::text, reason,
  period_start::text, period_end::text, issued_at, due_at, subtotal::text, discount_total::text, net_total::text,
  tax_total::text, total::text, amount_paid::text, taxes, tax_exemption, notes, promise_to_pay_until, dunning_steps,
  run_id::text, seq from invoices`;

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** A row of SELECT (and its lines) as the resource; `now` decides overdue. */
export function toResource(
  row: Record<string, unknown>,
  lines: readonly Record<string, unknown>[],
  now: string,
): InvoiceResource {
  const currency = row.currency as string;
  const fmt = (v: unknown) => formatAmount(new Decimal(v as string), currency);
  const open = new Decimal(row.total as string).abs().minus(row.amount_paid as string);
  const overdue =
    row.kind === 'invoice' &&
    ['issued', 'partially-paid'].includes(row.status as string) &&
    row.due_at !== null &&
    new Date(row.due_at as string) < new Date(now);
  return {
    id: row.id as string,
    kind: row.kind as InvoiceResource['kind'],
    number: (row.number as string | null) ?? null,
    status: overdue ? 'overdue' : (row.status as string),
    accountId: row.customer_id as string,
    customer: row.customer as InvoiceResource['customer'],
    currency,
    creditedInvoiceId: (row.credited_invoice_id as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    periodStart: (row.period_start as string | null) ?? null,
    periodEnd: (row.period_end as string | null) ?? null,
    issuedAt: iso(row.issued_at),
    dueAt: iso(row.due_at),
    subtotal: fmt(row.subtotal),
    discountTotal: fmt(row.discount_total),
    netTotal: fmt(row.net_total),
    taxTotal: fmt(row.tax_total),
    total: fmt(row.total),
    amountPaid: fmt(row.amount_paid),
    amountDue: row.status === 'void' || row.kind === 'credit-note' ? fmt('0') : fmt(open.toFixed()),
    taxes: row.taxes as InvoiceTax[],
    taxExemption: (row.tax_exemption as string | null) ?? null,
    notes: (row.notes as string | null) ?? null,
    promiseToPayUntil: iso(row.promise_to_pay_until),
    dunningSteps: (row.dunning_steps as string[]) ?? [],
    runId: (row.run_id as string | null) ?? null,
    lines: lines.map((l) => ({
      position: l.position as number,
      kind: l.kind as string,
      description: l.description as string,
      quantity: new Decimal(l.quantity as string).toFixed(),
      unitPrice: new Decimal(l.unit_price as string).toFixed(),
      amount: fmt(l.amount),
      discount: fmt(l.discount),
      net: fmt(l.net),
      tax: fmt(l.tax),
      total: fmt(l.total),
      taxClass: (l.tax_class as string | null) ?? null,
      taxes: l.taxes as ComputedLineTax[],
      subscriptionId: (l.service_id as string | null) ?? null,
      periodStart: (l.period_start as string | null) ?? null,
      periodEnd: (l.period_end as string | null) ?? null,
    })),
  };
}

/** Whether the caller sees drafts: staff and API keys do; customers and resellers see only what was issued. */
function seesDrafts(caller: RouteCaller | undefined): boolean {
  return caller === undefined || caller.kind !== 'user' || caller.portal === 'admin';
}

/** The invoice with its lines; 404 when the tenant (or the calling customer or reseller) has no such invoice. */
export async function readInvoice(ctx: PluginContext, id: string, caller?: RouteCaller): Promise<InvoiceResource> {
  const [[row], lines] = await Promise.all([
    ctx.db.query(`${SELECT} where id = $1${seesDrafts(caller) ? '' : " and status <> 'draft'"}`, [id]),
    ctx.db.query(
      `select position, kind, description, quantity::text, unit_price::text, amount::text, discount::text, net::text, tax::text,
              total::text, tax_class, taxes, service_id::text, period_start::text, period_end::text
         from invoice_lines where invoice_id = $1 order by position`,
      [id],
    ),
  ]);
  if (!row) throw new RouteError(404, `there is no invoice ${id}`);
  return toResource(row, lines, (await ctx.clock.now()).toISOString());
}

/** Invoices a page at a time, newest first; filtered by account, status and kind. */
export async function listInvoices(
  ctx: PluginContext,
  query: { accountId?: string; status?: string; kind?: string; limit?: number; cursor?: string },
  caller?: RouteCaller,
): Promise<{ items: InvoiceResource[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  const now = (await ctx.clock.now()).toISOString();
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (!seesDrafts(caller)) where.push("status <> 'draft'");
  if (query.accountId) where.push(`customer_id = ${param(query.accountId)}`);
  if (query.kind) where.push(`kind = ${param(query.kind)}`);
  if (query.status === 'overdue') {
    where.push(`kind = 'invoice' and status in ('issued', 'partially-paid') and due_at < ${param(now)}`);
  } else if (query.status) {
    where.push(`status = ${param(query.status)}`);
  }
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor, (key) => !Number.isNaN(Date.parse(key)));
    where.push(`(coalesce(issued_at, created_at), id) < (${param(at)}::timestamptz, ${param(id)}::uuid)`);
  }
  const rows = await ctx.db.query(
    `${SELECT.replace('from invoices', ', coalesce(issued_at, created_at) as sort_at from invoices')}
     ${where.length ? `where ${where.join(' and ')}` : ''} order by coalesce(issued_at, created_at) desc, id desc limit ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => toResource(r, [], now)),
    nextCursor: rows.length > limit && last ? encodeCursor(iso(last.sort_at) as string, last.id as string) : null,
  };
}

interface DraftBody {
  readonly accountId: string;
  readonly lines: readonly {
    description: string;
    quantity?: string;
    unitPrice: string;
    taxClass?: string | null;
    kind?: 'one-off' | 'fee' | 'adjustment';
  }[];
  readonly notes?: string;
}

async function accountFor(ctx: PluginContext, accountId: string) {
  const [account] = await ctx.db.query<Record<string, string | null>>(
    'select id::text, number, name, currency, reseller_id, tax_country, tax_region, tax_exemption from accounts where id = $1',
    [accountId],
  );
  if (!account) {
    throw new RouteError(404, `billing has no account ${accountId}`, [
      { pointer: '/body/accountId', detail: 'is not an account billing knows' },
    ]);
  }
  return account;
}

/** Computes the lines in the account's currency and taxes; a bad line is a 400 naming it. */
async function compute(
  ctx: PluginContext,
  account: Record<string, string | null>,
  lines: readonly LineInput[],
  pointer: string,
) {
  const settings = await readSettings(ctx);
  try {
    return computeInvoice({
      currency: account.currency as string,
      roundingMode: settings.roundingMode,
      lines,
      discounts: [],
      taxRates: settings.taxRates,
      customer: {
        location: account.tax_country
          ? { country: account.tax_country, ...(account.tax_region && { region: account.tax_region }) }
          : settings.defaultTaxLocation,
        taxExemption: account.tax_exemption ?? null,
      },
    });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const line = /^line (\d+)/.exec(e.message);
    throw new RouteError(400, e.message, [
      { pointer: line ? `${pointer}/${Number(line[1]) - 1}` : pointer, detail: e.message },
    ]);
  }
}

function invoiceRow(
  ctx: PluginContext,
  id: string,
  account: Record<string, string | null>,
  computed: ReturnType<typeof computeInvoice>,
  extra: Record<string, unknown>,
) {
  return {
    id,
    tenant_id: ctx.tenantId,
    customer_id: account.id,
    reseller_id: account.reseller_id,
    kind: 'invoice',
    ord: 1,
    status: 'draft',
    currency: computed.currency,
    customer: { name: account.name, number: account.number },
    period_start: null,
    period_end: null,
    cycle_key: null,
    run_id: null,
    issued_at: null,
    due_at: null,
    subtotal: computed.subtotal,
    discount_total: computed.discountTotal,
    net_total: computed.netTotal,
    tax_total: computed.taxTotal,
    total: computed.total,
    amount_paid: '0',
    taxes: computed.taxes,
    tax_exemption: account.tax_exemption ?? null,
    ...extra,
  };
}

/** A draft invoice of one-off lines; it has no number until it is issued. */
export async function createDraft(ctx: PluginContext, body: DraftBody): Promise<InvoiceResource> {
  const account = await accountFor(ctx, body.accountId);
  const lines: LineInput[] = body.lines.map((l) => ({
    kind: l.kind ?? 'one-off',
    description: l.description,
    quantity: l.quantity ?? '1',
    unitPrice: l.unitPrice,
    taxClass: l.taxClass ?? null,
  }));
  const computed = await compute(ctx, account, lines, '/body/lines');
  if (new Decimal(computed.total).isNegative()) {
    throw new RouteError(422, 'an invoice cannot total less than zero: issue a credit note instead', [
      { pointer: '/body/lines', detail: 'total below zero' },
    ]);
  }
  const now = (await ctx.clock.now()).toISOString();
  const [id] = await newIds(ctx, 1);
  const row = invoiceRow(ctx, id as string, account, computed, {
    notes: body.notes ?? null,
    created_at: now,
    updated_at: now,
  });
  const columns = [...INVOICE_COLUMNS.filter(([n]) => n !== 'ord'), ['updated_at', 'timestamptz'] as const];
  await new Work()
    .insert('invoices', columns, [row])
    .insert('invoice_lines', LINE_COLUMNS, lineRows(ctx, id as string, account.id as string, computed))
    .commit(ctx);
  return readInvoice(ctx, id as string);
}

/** Issues a draft: numbered from the gapless sequence, journalled, invoice.issued published. */
export async function issueDraft(ctx: PluginContext, id: string): Promise<InvoiceResource> {
  const invoice = await readInvoice(ctx, id);
  if (invoice.status !== 'draft') throw new RouteError(409, `invoice ${invoice.number} is already issued`);
  const settings = await readSettings(ctx);
  const now = (await ctx.clock.now()).toISOString();
  const dueAt = new Date(Date.parse(now) + settings.paymentTermsDays * 86_400_000).toISOString();
  const parts = numberParts(settings.invoiceNumberFormat, now);
  const [entryId] = await newIds(ctx, 1);
  const work = new Work();
  work.add('insert into sequences (tenant_id, kind, last) values ($1, $2, 0) on conflict do nothing', [
    ctx.tenantId,
    'invoice',
  ]);
  // Numbered only if it is still a draft: a concurrent issue finds no draft and changes nothing.
  work.add(
    `with seq as (update sequences set last = last + 1 where tenant_id = $1 and kind = 'invoice'
                   and exists (select 1 from invoices where id = $2 and status = 'draft') returning last)
     update invoices set status = 'issued', seq = seq.last,
            number = $3 || lpad(seq.last::text, greatest($4::int, length(seq.last::text)), '0') || $5,
            issued_at = $6, due_at = $7, updated_at = $6
       from seq where invoices.id = $2 and invoices.status = 'draft'`,
    [ctx.tenantId, id, parts.prefix, parts.width, parts.suffix, now, dueAt],
  );
  postJournals(work, ctx.tenantId, [
    {
      id: entryId as string,
      customerId: invoice.accountId,
      sourceId: id,
      currency: invoice.currency,
      at: now,
      journal: documentJournal(invoice),
    },
  ]);
  work.publish('invoice.issued', {
    invoiceId: id,
    accountId: invoice.accountId,
    currency: invoice.currency,
    total: invoice.total,
    amountDue: invoice.total,
    issuedAt: now,
    dueAt,
    runId: null,
  });
  await work.commit(ctx);
  const issued = await readInvoice(ctx, id);
  if (issued.status === 'draft') throw new RouteError(409, `invoice ${id} changed while it was being issued`);
  return issued;
}

/** Voids an issued invoice nothing was paid on: a reversing journal; its number stays used. */
export async function voidInvoice(ctx: PluginContext, id: string, reason: string): Promise<InvoiceResource> {
  const invoice = await readInvoice(ctx, id);
  if (invoice.kind !== 'invoice' || !['issued', 'overdue'].includes(invoice.status)) {
    throw new RouteError(
      409,
      `invoice ${invoice.number ?? id} is ${invoice.status}: only an issued, unpaid invoice can be voided (a paid one gets a credit note)`,
    );
  }
  const now = (await ctx.clock.now()).toISOString();
  const [entryId] = await newIds(ctx, 1);
  const work = new Work().add(
    `update invoices set status = 'void', reason = $2, updated_at = $3 where id = $1 and status = 'issued' and amount_paid = 0`,
    [id, reason, now],
  );
  const figures = {
    currency: invoice.currency,
    netBeforeDiscount: invoice.subtotal,
    discount: invoice.discountTotal,
    tax: invoice.taxTotal,
    total: invoice.total,
  };
  postJournals(work, ctx.tenantId, [
    {
      id: entryId as string,
      customerId: invoice.accountId,
      sourceId: id,
      currency: invoice.currency,
      at: now,
      journal: invoiceVoided(figures),
      memo: reason,
    },
  ]);
  work.publish('invoice.voided', {
    invoiceId: id,
    number: invoice.number,
    accountId: invoice.accountId,
    reason,
    voidedAt: now,
  });
  await work.commit(ctx);
  const voided = await readInvoice(ctx, id);
  if (voided.status !== 'void')
    throw new RouteError(409, `invoice ${invoice.number} was paid while it was being voided`);
  return voided;
}

interface CreditNoteBody {
  readonly reason: string;
  /** Lines to credit, by position, with the amount (gross, as invoiced) of each; absent: the whole invoice. */
  readonly lines?: readonly { readonly position: number; readonly amount?: string }[];
}

/**
 * A credit note against an issued invoice, full or partial: its lines mirror the credited ones
 * (taxed the same way). It first lowers what is still open on the invoice; the rest (the invoice
 * was paid) becomes customer credit.
 */
export async function issueCreditNote(
  ctx: PluginContext,
  invoiceId: string,
  body: CreditNoteBody,
): Promise<InvoiceResource> {
  const invoice = await readInvoice(ctx, invoiceId);
  if (invoice.kind !== 'invoice' || invoice.status === 'draft' || invoice.status === 'void') {
    throw new RouteError(
      409,
      `invoice ${invoice.number ?? invoiceId} is ${invoice.status}: only an issued invoice can be credited`,
    );
  }
  const [credited] = await ctx.db.query<{ total: string }>(
    "select coalesce(sum(-total), 0)::text as total from invoices where credited_invoice_id = $1 and kind = 'credit-note'",
    [invoiceId],
  );
  const account = await accountFor(ctx, invoice.accountId);
  const byPosition = new Map(invoice.lines.map((l) => [l.position as number, l]));
  const wanted = body.lines ?? invoice.lines.map((l) => ({ position: l.position as number }));
  const lines: LineInput[] = wanted.map((w, i) => {
    const line = byPosition.get(w.position);
    if (!line)
      throw new RouteError(400, `invoice ${invoice.number} has no line ${w.position}`, [
        { pointer: `/body/lines/${i}/position`, detail: 'is not a line of the invoice' },
      ]);
    const amount = (w as { amount?: string }).amount ?? (line.amount as string);
    if (new Decimal(amount).greaterThan(line.amount as string) || !new Decimal(amount).greaterThan(0)) {
      throw new RouteError(400, `line ${w.position} can be credited more than 0 and at most ${line.amount}`, [
        { pointer: `/body/lines/${i}/amount`, detail: `must be more than 0 and at most ${line.amount}` },
      ]);
    }
    return {
      kind: 'adjustment',
      description: `Credit: ${line.description}`,
      quantity: '1',
      unitPrice: `-${new Decimal(amount).toFixed()}`,
      taxClass: (line.taxClass as string | null) ?? null,
    };
  });
  const computed = await compute(ctx, account, lines, '/body/lines');
  const creditTotal = new Decimal(computed.total).abs();
  if (creditTotal.plus(credited?.total ?? '0').greaterThan(invoice.total)) {
    throw new RouteError(
      422,
      `invoice ${invoice.number} totals ${invoice.total} ${invoice.currency} and ${credited?.total} is credited already: ${creditTotal.toFixed()} more is too much`,
      [{ pointer: '/body/lines', detail: 'credits more than is left of the invoice' }],
    );
  }
  const open = new Decimal(invoice.total).minus(invoice.amountPaid);
  const againstInvoice = Decimal.min(open, creditTotal);
  const toCredit = creditTotal.minus(againstInvoice);
  const settings = await readSettings(ctx);
  const now = (await ctx.clock.now()).toISOString();
  const [id, entryId] = await newIds(ctx, 2);
  const work = new Work();
  const row = invoiceRow(ctx, id as string, account, computed, {
    kind: 'credit-note',
    status: 'issued',
    issued_at: now,
    created_at: now,
    amount_paid: formatAmount(againstInvoice, invoice.currency),
    credited_invoice_id: invoiceId,
    reason: body.reason,
  });
  insertNumbered(work, ctx, 'credit-note', numberParts(settings.creditNoteNumberFormat, now), [row]);
  work.insert('invoice_lines', LINE_COLUMNS, lineRows(ctx, id as string, invoice.accountId, computed));
  if (againstInvoice.greaterThan(0)) {
    const fmt = formatAmount(againstInvoice, invoice.currency);
    work.add(
      `insert into allocations (tenant_id, customer_id, invoice_id, source, credit_note_id, amount, at) values ($1, $2, $3, 'credit-note', $4, $5, $6)`,
      [ctx.tenantId, invoice.accountId, invoiceId, id, fmt, now],
    );
    work.add(
      `update invoices set amount_paid = amount_paid + $2, status = case when amount_paid + $2 = total then 'paid' else 'partially-paid' end, updated_at = $3 where id = $1`,
      [invoiceId, fmt, now],
    );
  }
  if (toCredit.greaterThan(0)) {
    work.add('update accounts set credit = credit + $2, updated_at = $3 where id = $1', [
      invoice.accountId,
      formatAmount(toCredit, invoice.currency),
      now,
    ]);
  }
  postJournals(work, ctx.tenantId, [
    {
      id: entryId as string,
      customerId: invoice.accountId,
      sourceId: id as string,
      currency: invoice.currency,
      at: now,
      journal: documentJournal(computed, formatAmount(toCredit, invoice.currency)),
      memo: body.reason,
    },
  ]);
  work.publish('credit-note.issued', {
    creditNoteId: id,
    invoiceId,
    accountId: invoice.accountId,
    currency: invoice.currency,
    total: computed.total,
    reason: body.reason,
    issuedAt: now,
  });
  await work.commit(ctx);
  return readInvoice(ctx, id as string);
}

/** Holds dunning back on an invoice until `until`. */
export async function promiseToPay(ctx: PluginContext, id: string, until: string): Promise<InvoiceResource> {
  const invoice = await readInvoice(ctx, id);
  if (!['issued', 'partially-paid', 'overdue'].includes(invoice.status)) {
    throw new RouteError(409, `invoice ${invoice.number ?? id} is ${invoice.status}: nothing is owed on it`);
  }
  const now = (await ctx.clock.now()).toISOString();
  if (new Date(until) <= new Date(now)) {
    throw new RouteError(400, 'a promise to pay is for a day to come', [
      { pointer: '/body/until', detail: 'is not in the future' },
    ]);
  }
  await ctx.db.query('update invoices set promise_to_pay_until = $2, updated_at = $3 where id = $1', [id, until, now]);
  return readInvoice(ctx, id);
}

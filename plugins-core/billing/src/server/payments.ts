// Payments and refunds. A payment is allocated to the payer's open invoices (oldest first unless
// the request says which), what is left becomes customer credit, and its journal is posted, all
// in one transaction. Every request carries an idempotency key: the same key and body answer the
// first result again; the same key with another body is refused (409).
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { AllocationError, allocatePayment, type OpenInvoice } from './core/allocation.ts';
import { onPaymentCleared } from './core/dunning.ts';
import { paymentReceived, refundIssued } from './core/ledger.ts';
import { Decimal, formatAmount, parseAmount, sum } from './core/money.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ALLOCATION_COLUMNS } from './invoice-rows.ts';
import { postJournals } from './journal.ts';
import { readSettings } from './settings.ts';
import { brokeConstraint, newIds, Work } from './work.ts';

export const METHODS = ['cash', 'bank-transfer', 'card', 'mobile-money', 'other'] as const;

export interface NewPayment {
  readonly idempotencyKey: string;
  readonly accountId: string;
  readonly amount: string;
  readonly method: (typeof METHODS)[number];
  readonly reference?: string;
  readonly receivedAt?: string;
  readonly provider?: string;
  readonly allocations?: readonly { readonly invoiceId: string; readonly amount: string }[];
}

export interface NewRefund {
  readonly idempotencyKey: string;
  readonly accountId: string;
  readonly amount: string;
  readonly method: (typeof METHODS)[number];
  readonly reference?: string;
}

/** The payment resource. */
export interface PaymentResource {
  readonly id: string;
  readonly kind: 'payment' | 'refund';
  readonly accountId: string;
  readonly method: string;
  readonly provider: string | null;
  readonly currency: string;
  readonly amount: string;
  readonly reference: string | null;
  readonly receivedAt: string;
  readonly allocations: readonly {
    readonly invoiceId: string;
    readonly number: string | null;
    readonly amount: string;
  }[];
  readonly unallocated: string;
}

/** A JSON text of `value` with its keys sorted: the same body always reads the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Runs `perform` once per idempotency key: a key seen before answers its stored response when
 * the request is the same, and 409 when it is not. `perform` adds its statements to the work; the
 * key is stored in the same transaction, so a concurrent twin loses on the primary key and then
 * answers what the winner stored.
 */
export async function idempotent<T>(
  ctx: PluginContext,
  operation: string,
  key: string,
  request: unknown,
  perform: (work: Work) => Promise<T>,
): Promise<T> {
  const text = canonical({ operation, request });
  const replay = async (): Promise<T | undefined> => {
    const [seen] = await ctx.db.query<{ request: string; response: T }>(
      'select request, response from idempotency_keys where key = $1',
      [key],
    );
    if (!seen) return undefined;
    if (seen.request !== text) {
      throw new RouteError(409, `idempotency key ${key} was used for a different request`, [
        { pointer: '/body/idempotencyKey', detail: 'was used before with another body' },
      ]);
    }
    return seen.response;
  };
  const earlier = await replay();
  if (earlier !== undefined) return earlier;
  const work = new Work();
  const result = await perform(work);
  const now = (await ctx.clock.now()).toISOString();
  work.add(
    `insert into idempotency_keys (tenant_id, key, operation, request, response, created_at)
     values ($1, $2, $3, $4, $5::jsonb, $6)`,
    [ctx.tenantId, key, operation, text, JSON.stringify(result), now],
  );
  try {
    await work.commit(ctx);
  } catch (e) {
    if (brokeConstraint(e, 'invoices_paid_within_total') || brokeConstraint(e, 'accounts_credit_not_negative')) {
      throw new RouteError(
        409,
        'the account changed while this request ran (another payment or refund); send it again with the same idempotency key',
      );
    }
    if (!brokeConstraint(e, 'idempotency_keys_pkey')) throw e;
    const twin = await replay();
    if (twin !== undefined) return twin;
    throw e;
  }
  return result;
}

interface AccountRow {
  readonly id: string;
  readonly currency: string;
  readonly credit: string;
  readonly reseller_id: string | null;
  readonly prepaid_wallet: boolean;
}

async function payer(ctx: PluginContext, accountId: string): Promise<AccountRow> {
  const [account] = await ctx.db.query<AccountRow>(
    'select id::text, currency, credit::text, reseller_id, prepaid_wallet from accounts where id = $1',
    [accountId],
  );
  if (!account) {
    throw new RouteError(404, `billing has no account ${accountId}`, [
      {
        pointer: '/body/accountId',
        detail: 'is not an account billing knows (it has never had a service or a charge)',
      },
    ]);
  }
  return account;
}

/** The open invoices of an account, with their open amounts. */
async function openInvoices(ctx: PluginContext, accountId: string) {
  return ctx.db.query<{
    id: string;
    number: string;
    issued_at: string;
    due_at: string;
    total: string;
    amount_paid: string;
    dunning_steps: string[];
  }>(
    `select id::text, number, issued_at, due_at, total::text, amount_paid::text, dunning_steps from invoices
      where customer_id = $1 and kind = 'invoice' and status in ('issued', 'partially-paid') order by due_at, issued_at, seq`,
    [accountId],
  );
}

function amountOf(text: string, currency: string, pointer: string): Decimal {
  try {
    const amount = parseAmount(text, currency);
    if (!amount.greaterThan(0)) throw new RangeError(`${text} is not more than zero`);
    return amount;
  } catch (e) {
    throw new RouteError(400, `amount ${text}: ${(e as Error).message}`, [{ pointer, detail: (e as Error).message }]);
  }
}

/** Records a payment: allocated, credited, journalled, and events published, in one transaction. */
export async function recordPayment(ctx: PluginContext, body: NewPayment): Promise<PaymentResource> {
  return idempotent(ctx, 'payment', body.idempotencyKey, body, async (work) => {
    const account = await payer(ctx, body.accountId);
    const { currency } = account;
    const amount = amountOf(body.amount, currency, '/body/amount');
    const now = (await ctx.clock.now()).toISOString();
    const receivedAt = body.receivedAt ?? now;
    const open = await openInvoices(ctx, account.id);
    const invoices: OpenInvoice[] = open.map((i) => ({
      id: i.id,
      number: i.number,
      issuedAt: new Date(i.issued_at).toISOString(),
      dueAt: new Date(i.due_at).toISOString(),
      balance: formatAmount(new Decimal(i.total).minus(i.amount_paid), currency),
    }));
    let allocation: ReturnType<typeof allocatePayment>;
    try {
      allocation = allocatePayment({
        currency,
        amount: formatAmount(amount, currency),
        invoices,
        ...(body.allocations && { explicit: body.allocations }),
      });
    } catch (e) {
      if (!(e instanceof AllocationError)) throw e;
      throw new RouteError(422, e.message, [{ pointer: `/body/${e.field}`, detail: e.message }]);
    }
    const [id, entryId] = await newIds(ctx, 2);
    const allocated = sum(allocation.allocations.map((a) => a.amount));
    work.add(
      `insert into payments (id, tenant_id, customer_id, reseller_id, kind, method, provider, currency, amount, reference,
                             received_at, created_at)
       values ($1, $2, $3, $4, 'payment', $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        ctx.tenantId,
        account.id,
        account.reseller_id,
        body.method,
        body.provider ?? null,
        currency,
        formatAmount(amount, currency),
        body.reference ?? null,
        receivedAt,
        now,
      ],
    );
    work.insert(
      'allocations',
      ALLOCATION_COLUMNS,
      allocation.allocations.map((a) => ({
        tenant_id: ctx.tenantId,
        customer_id: account.id,
        invoice_id: a.invoiceId,
        source: 'payment',
        payment_id: id,
        amount: a.amount,
        at: now,
      })),
    );
    // The check amount_paid <= total refuses a concurrent payment that would over-allocate.
    if (allocation.allocations.length > 0) {
      work.add(
        `update invoices i set amount_paid = i.amount_paid + r.amount,
                status = case when i.amount_paid + r.amount = i.total then 'paid' else 'partially-paid' end,
                updated_at = $2
           from jsonb_to_recordset($1::jsonb) as r(id uuid, amount numeric) where i.id = r.id`,
        [JSON.stringify(allocation.allocations.map((a) => ({ id: a.invoiceId, amount: a.amount }))), now],
      );
    }
    const unallocated = new Decimal(allocation.unallocated);
    if (unallocated.greaterThan(0)) {
      work.add('update accounts set credit = credit + $2, updated_at = $3 where id = $1', [
        account.id,
        allocation.unallocated,
        now,
      ]);
    }
    postJournals(work, ctx.tenantId, [
      {
        id: entryId as string,
        customerId: account.id,
        sourceId: id as string,
        currency,
        at: now,
        journal: paymentReceived({
          currency,
          amount: formatAmount(amount, currency),
          allocated: formatAmount(allocated, currency),
          method: body.method,
        }),
      },
    ]);
    const numbers = new Map(open.map((i) => [i.id, i.number]));
    const resource: PaymentResource = {
      id: id as string,
      kind: 'payment',
      accountId: account.id,
      method: body.method,
      provider: body.provider ?? null,
      currency,
      amount: formatAmount(amount, currency),
      reference: body.reference ?? null,
      receivedAt: new Date(receivedAt).toISOString(),
      allocations: allocation.allocations.map((a) => ({
        invoiceId: a.invoiceId,
        number: numbers.get(a.invoiceId) ?? null,
        amount: a.amount,
      })),
      unallocated: allocation.unallocated,
    };
    work.publish('payment.received', {
      paymentId: resource.id,
      accountId: account.id,
      currency,
      amount: resource.amount,
      method: body.method,
      allocations: resource.allocations.map((a) => ({ invoiceId: a.invoiceId, amount: a.amount })),
      unallocated: resource.unallocated,
      receivedAt: resource.receivedAt,
    });
    for (const a of allocation.allocations) {
      const invoice = open.find((i) => i.id === a.invoiceId);
      if (invoice && new Decimal(invoice.total).minus(invoice.amount_paid).equals(a.amount)) {
        work.publish('invoice.paid', {
          invoiceId: a.invoiceId,
          number: invoice.number,
          accountId: account.id,
          paidAt: now,
        });
      }
    }
    await restoreIfCleared(ctx, work, account, open, allocation.allocations, now);
    return resource;
  });
}

/**
 * After money settled some of `open`: when nothing overdue is left unpaid and one of the settled
 * invoices had taken a suspension step, the service is asked back (service.restore-requested).
 */
async function restoreIfCleared(
  ctx: PluginContext,
  work: Work,
  account: AccountRow,
  open: Awaited<ReturnType<typeof openInvoices>>,
  paid: readonly { readonly invoiceId: string; readonly amount: string }[],
  now: string,
): Promise<void> {
  const settings = await readSettings(ctx);
  const paidBy = new Map(paid.map((p) => [p.invoiceId, new Decimal(p.amount)]));
  const stillOverdue = open.some(
    (i) =>
      new Date(i.due_at) < new Date(now) &&
      new Decimal(i.total)
        .minus(i.amount_paid)
        .minus(paidBy.get(i.id) ?? 0)
        .greaterThan(0),
  );
  if (stillOverdue) return;
  const accountId = account.id;
  // A prepaid wallet's services were stopped by any unpaid invoice; dunning's by a suspension step.
  const settled = open.filter((i) =>
    new Decimal(i.total)
      .minus(i.amount_paid)
      .minus(paidBy.get(i.id) ?? 0)
      .isZero(),
  );
  const suspendedBy = account.prepaid_wallet
    ? settled.length === open.length
      ? settled
      : []
    : open.filter((i) =>
        onPaymentCleared(settings.dunning, {
          invoiceId: i.id,
          accountId,
          dueAt: new Date(i.due_at).toISOString(),
          openAmount: new Decimal(i.total)
            .minus(i.amount_paid)
            .minus(paidBy.get(i.id) ?? 0)
            .toFixed(),
          stepsDone: i.dunning_steps,
          promiseToPayUntil: null,
          excluded: false,
        }),
      );
  if (suspendedBy.length === 0) return;
  const services = await ctx.db.query<{ id: string }>(
    "select id::text from services where customer_id = $1 and status in ('active', 'suspended') order by id",
    [accountId],
  );
  work.publish('service.restore-requested', {
    accountId,
    subscriptionIds: services.map((s) => s.id),
    invoiceIds: suspendedBy.map((i) => i.id),
    requestedAt: now,
  });
}

/** Pays customer credit back: the refund's journal, the credit lowered (never below zero). */
export async function recordRefund(ctx: PluginContext, body: NewRefund): Promise<PaymentResource> {
  return idempotent(ctx, 'refund', body.idempotencyKey, body, async (work) => {
    const account = await payer(ctx, body.accountId);
    const { currency } = account;
    const amount = amountOf(body.amount, currency, '/body/amount');
    if (amount.greaterThan(account.credit)) {
      throw new RouteError(
        422,
        `account ${account.id} has ${formatAmount(new Decimal(account.credit), currency)} ${currency} of credit; it cannot be refunded ${body.amount}`,
        [{ pointer: '/body/amount', detail: "is more than the account's credit" }],
      );
    }
    const now = (await ctx.clock.now()).toISOString();
    const [id, entryId] = await newIds(ctx, 2);
    const text = formatAmount(amount, currency);
    work.add(
      `insert into payments (id, tenant_id, customer_id, reseller_id, kind, method, currency, amount, reference, received_at, created_at)
       values ($1, $2, $3, $4, 'refund', $5, $6, $7, $8, $9, $9)`,
      [id, ctx.tenantId, account.id, account.reseller_id, body.method, currency, text, body.reference ?? null, now],
    );
    // The check credit >= 0 refuses a concurrent refund of the same credit.
    work.add('update accounts set credit = credit - $2, updated_at = $3 where id = $1', [account.id, text, now]);
    postJournals(work, ctx.tenantId, [
      {
        id: entryId as string,
        customerId: account.id,
        sourceId: id as string,
        currency,
        at: now,
        journal: refundIssued({ currency, amount: text, method: body.method }),
      },
    ]);
    work.publish('payment.refunded', {
      paymentId: id,
      accountId: account.id,
      currency,
      amount: text,
      method: body.method,
      refundedAt: now,
    });
    return {
      id: id as string,
      kind: 'refund',
      accountId: account.id,
      method: body.method,
      provider: null,
      currency,
      amount: text,
      reference: body.reference ?? null,
      receivedAt: now,
      allocations: [],
      unallocated: '0',
    };
  });
}

/** A stored payment as the API answers it. */
export async function readPayment(ctx: PluginContext, id: string): Promise<PaymentResource | undefined> {
  const [p] = await ctx.db.query<Record<string, string | null>>(
    `select p.id::text, p.kind, p.customer_id, p.method, p.provider, p.currency, p.amount::text, p.reference, p.received_at,
            coalesce((select jsonb_agg(jsonb_build_object('invoiceId', a.invoice_id, 'number', i.number, 'amount', a.amount::text) order by a.at)
                        from allocations a join invoices i on i.id = a.invoice_id where a.payment_id = p.id), '[]') as allocations
       from payments p where p.id = $1`,
    [id],
  );
  if (!p) return undefined;
  const allocations = p.allocations as unknown as { invoiceId: string; number: string | null; amount: string }[];
  const currency = p.currency as string;
  const fmt = (a: string) => formatAmount(new Decimal(a), currency);
  const allocated = sum(allocations.map((a) => a.amount));
  return {
    id: p.id as string,
    kind: p.kind as 'payment' | 'refund',
    accountId: p.customer_id as string,
    method: p.method as string,
    provider: p.provider ?? null,
    currency,
    amount: fmt(p.amount as string),
    reference: p.reference ?? null,
    receivedAt: new Date(p.received_at as string).toISOString(),
    allocations: allocations.map((a) => ({ ...a, amount: fmt(a.amount) })),
    unallocated:
      p.kind === 'refund'
        ? formatAmount(new Decimal(0), currency)
        : fmt(new Decimal(p.amount as string).minus(allocated).toFixed()),
  };
}

/** A payment in a list: with the paying customer's name and number, as invoices carry them. */
export interface ListedPayment extends PaymentResource {
  readonly customer: { readonly name: string; readonly number: string };
}

/** GET /payments: payments and refunds, newest first, a page at a time; only `accountId`'s when given. */
export async function listPayments(
  ctx: PluginContext,
  query: { readonly accountId?: string; readonly limit?: number; readonly cursor?: string },
): Promise<{ items: ListedPayment[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  const params: unknown[] = [query.accountId ?? null];
  let after = '';
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor, (key) => !Number.isNaN(Date.parse(key)));
    params.push(at, id);
    after = 'and (received_at, id) < ($2::timestamptz, $3::uuid)';
  }
  params.push(limit + 1);
  const rows = await ctx.db.query<{ id: string; received_at: string }>(
    `select id::text, received_at from payments where ($1::text is null or customer_id = $1) ${after}
      order by received_at desc, id desc limit $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const payments = (await Promise.all(page.map(async (r) => readPayment(ctx, r.id)))).filter(
    (p): p is PaymentResource => p !== undefined,
  );
  const accounts = await ctx.db.query<{ id: string; name: string; number: string }>(
    'select id::text, name, number from accounts where id = any($1::uuid[])',
    [[...new Set(payments.map((p) => p.accountId))]],
  );
  const customerOf = new Map(accounts.map((a) => [a.id, { name: a.name, number: a.number }]));
  return {
    items: payments.map((p) => ({ ...p, customer: customerOf.get(p.accountId) ?? { name: '', number: '' } })),
    nextCursor: rows.length > limit && last ? encodeCursor(new Date(last.received_at).toISOString(), last.id) : null,
  };
}

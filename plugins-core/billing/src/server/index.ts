// dotmac.billing: invoices, proration, usage, discounts, taxes, credit notes, payments and
// credit, a double-entry ledger, dunning, billing runs and documents. The arithmetic is the pure
// core (core/); this shell reads, calls it, and stores each fact in one transaction with its
// journal and its events. Every "now" comes from ctx.clock, so tests can move time.
import { definePlugin, type PluginContext, RouteError } from '@dotmac/sdk';
import { listAccounts, readAccount } from './accounts.ts';
import { utcDate } from './core/calendar.ts';
import { Decimal, formatAmount, parseAmount } from './core/money.ts';
import { invoicePdfFile, invoicesExport, paymentsExport, statementFile } from './document-routes.ts';
import { runDunning } from './dunning-run.ts';
import { readFigures } from './figures.ts';
import {
  createDraft,
  issueCreditNote,
  issueDraft,
  listInvoices,
  promiseToPay,
  readInvoice,
  voidInvoice,
} from './invoices.ts';
import { listPayments, type NewPayment, type NewRefund, readPayment, recordPayment, recordRefund } from './payments.ts';
import { ensureAccount, onSubscriptionEvent } from './projection.ts';
import { type BillChunk, billChunk, startRun } from './run.ts';
import { listRuns, readRun } from './run-progress.ts';

const nowOf = async (ctx: PluginContext) => (await ctx.clock.now()).toISOString();

interface ProfileBody {
  readonly billingDay?: number | null;
  readonly taxLocation?: { readonly country: string; readonly region?: string } | null;
  readonly taxExemption?: string | null;
  readonly dunningExcluded?: boolean;
  readonly resellerId?: string | null;
  readonly prepaidWallet?: boolean;
}

async function updateProfile(ctx: PluginContext, id: string, body: ProfileBody) {
  await readAccount(ctx, id);
  const now = await nowOf(ctx);
  const sets: string[] = [];
  const params: unknown[] = [id, now];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (body.billingDay !== undefined) set('billing_day', body.billingDay);
  if (body.taxLocation !== undefined) {
    set('tax_country', body.taxLocation?.country ?? null);
    set('tax_region', body.taxLocation?.region ?? null);
  }
  if (body.taxExemption !== undefined) set('tax_exemption', body.taxExemption);
  if (body.dunningExcluded !== undefined) set('dunning_excluded', body.dunningExcluded);
  if (body.resellerId !== undefined) set('reseller_id', body.resellerId);
  if (body.prepaidWallet !== undefined) set('prepaid_wallet', body.prepaidWallet);
  if (sets.length > 0) {
    const statements = [{ sql: `update accounts set ${sets.join(', ')}, updated_at = $2 where id = $1`, params }];
    // The account's invoices and payments move with it: a reseller sees their customers' past
    // documents, and a former reseller no longer does.
    if (body.resellerId !== undefined) {
      for (const table of ['invoices', 'payments']) {
        statements.push({
          sql: `update ${table} set reseller_id = $2 where customer_id = $1`,
          params: [id, body.resellerId],
        });
      }
    }
    await ctx.db.transaction(statements);
  }
  return readAccount(ctx, id);
}

interface ChargeBody {
  readonly description: string;
  readonly unitPrice: string;
  readonly quantity?: string;
  readonly taxClass?: string | null;
  /** An add-on billed with every period of this subscription; absent: a one-off charge on the next invoice. */
  readonly subscriptionId?: string;
}

async function addCharge(ctx: PluginContext, accountId: string, body: ChargeBody) {
  const account = await readAccount(ctx, accountId);
  try {
    parseAmount(body.unitPrice, account.currency);
  } catch (e) {
    throw new RouteError(400, `unitPrice: ${(e as Error).message}`, [
      { pointer: '/body/unitPrice', detail: (e as Error).message },
    ]);
  }
  if (body.subscriptionId) {
    const [service] = await ctx.db.query('select 1 from services where id = $1 and customer_id = $2', [
      body.subscriptionId,
      accountId,
    ]);
    if (!service) {
      throw new RouteError(422, `account ${account.number} has no subscription ${body.subscriptionId}`, [
        { pointer: '/body/subscriptionId', detail: 'is not a subscription of this account' },
      ]);
    }
  }
  const [row] = await ctx.db.query<Record<string, unknown>>(
    `insert into charges (tenant_id, customer_id, service_id, kind, description, quantity, unit_price, tax_class, recurring, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     returning id::text, service_id::text, kind, description, quantity::text, unit_price::text, tax_class, recurring`,
    [
      ctx.tenantId,
      accountId,
      body.subscriptionId ?? null,
      body.subscriptionId ? 'addon' : 'one-off',
      body.description,
      body.quantity ?? '1',
      body.unitPrice,
      body.taxClass ?? null,
      Boolean(body.subscriptionId),
      await nowOf(ctx),
    ],
  );
  return {
    id: row?.id,
    subscriptionId: row?.service_id ?? null,
    kind: row?.kind,
    description: row?.description,
    quantity: new Decimal(row?.quantity as string).toFixed(),
    unitPrice: new Decimal(row?.unit_price as string).toFixed(),
    taxClass: row?.tax_class ?? null,
    recurring: row?.recurring,
  };
}

interface UsageBody {
  readonly records: readonly { readonly subscriptionId: string; readonly day: string; readonly bytes: string }[];
}

/** Usage per subscription and day; a record for a day already recorded replaces it (counters are absolute). */
async function recordUsage(ctx: PluginContext, body: UsageBody) {
  const ids = [...new Set(body.records.map((r) => r.subscriptionId))];
  const services = await ctx.db.query<{ id: string; customer_id: string }>(
    'select id::text, customer_id from services where id = any($1::uuid[])',
    [ids],
  );
  const payerOf = new Map(services.map((s) => [s.id, s.customer_id]));
  const rows = body.records.map((r, i) => {
    const customer = payerOf.get(r.subscriptionId);
    if (!customer) {
      throw new RouteError(422, `billing knows no subscription ${r.subscriptionId}`, [
        { pointer: `/body/records/${i}/subscriptionId`, detail: 'is not a subscription billing knows' },
      ]);
    }
    return { tenant_id: ctx.tenantId, customer_id: customer, service_id: r.subscriptionId, day: r.day, bytes: r.bytes };
  });
  await ctx.db.transaction([
    {
      sql: `insert into usage_records (tenant_id, customer_id, service_id, day, bytes)
            select tenant_id, customer_id, service_id, day, bytes
              from jsonb_to_recordset($1::jsonb) as r(tenant_id uuid, customer_id text, service_id uuid, day date, bytes numeric)
            on conflict (tenant_id, service_id, day) do update set bytes = excluded.bytes`,
      params: [JSON.stringify(rows)],
    },
  ]);
  return { recorded: rows.length };
}

export default definePlugin({
  routes: {
    'GET /invoices': (ctx, { query, caller }) =>
      listInvoices(ctx, query as unknown as Parameters<typeof listInvoices>[1], caller),
    'POST /invoices': (ctx, { body }) => createDraft(ctx, body as Parameters<typeof createDraft>[1]),
    'GET /invoices/:invoiceId': (ctx, { params, caller }) => readInvoice(ctx, params.invoiceId, caller),
    'GET /invoices/:invoiceId/pdf': (ctx, { params }) => invoicePdfFile(ctx, params.invoiceId),
    'POST /invoices/:invoiceId/issue': (ctx, { params }) => issueDraft(ctx, params.invoiceId),
    'POST /invoices/:invoiceId/void': (ctx, { params, body }) =>
      voidInvoice(ctx, params.invoiceId, (body as { reason: string }).reason),
    'POST /invoices/:invoiceId/credit-notes': (ctx, { params, body }) =>
      issueCreditNote(ctx, params.invoiceId, body as Parameters<typeof issueCreditNote>[2]),
    'POST /invoices/:invoiceId/promise-to-pay': (ctx, { params, body }) =>
      promiseToPay(ctx, params.invoiceId, (body as { until: string }).until),

    'GET /payments': (ctx, { query }) => listPayments(ctx, query as Parameters<typeof listPayments>[1]),
    'POST /payments': (ctx, { body }) => recordPayment(ctx, body as NewPayment),
    'GET /payments/:paymentId': async (ctx, { params }) => {
      const payment = await readPayment(ctx, params.paymentId);
      if (!payment) throw new RouteError(404, `there is no payment ${params.paymentId}`);
      return payment;
    },
    'POST /refunds': (ctx, { body }) => recordRefund(ctx, body as NewRefund),

    'GET /accounts': (ctx, { query }) => listAccounts(ctx, query as Parameters<typeof listAccounts>[1]),
    'GET /accounts/:accountId': (ctx, { params }) => readAccount(ctx, params.accountId),
    'PATCH /accounts/:accountId': async (ctx, { params, body }) => {
      await ensureAccount(ctx, params.accountId, await nowOf(ctx)).catch(() => undefined);
      return updateProfile(ctx, params.accountId, body as ProfileBody);
    },
    'POST /accounts/:accountId/charges': async (ctx, { params, body }) => {
      await ensureAccount(ctx, params.accountId, await nowOf(ctx)).catch(() => undefined);
      return addCharge(ctx, params.accountId, body as ChargeBody);
    },
    'POST /accounts/:accountId/coupons': async (ctx, { params, body }) => {
      await readAccount(ctx, params.accountId);
      const coupon = body as { code: string; discount: Record<string, unknown>; cycles?: number | null };
      const [row] = await ctx.db.query<{ id: string }>(
        `insert into coupons (tenant_id, customer_id, code, discount, cycles, created_at) values ($1, $2, $3, $4::jsonb, $5, $6)
         returning id::text`,
        [
          ctx.tenantId,
          params.accountId,
          coupon.code,
          JSON.stringify({ ...coupon.discount, scope: 'invoice' }),
          coupon.cycles ?? null,
          await nowOf(ctx),
        ],
      );
      return {
        id: row?.id,
        code: coupon.code,
        discount: { ...coupon.discount, scope: 'invoice' },
        cycles: coupon.cycles ?? null,
        appliedCycles: 0,
      };
    },
    'GET /accounts/:accountId/statement': (ctx, { params, query }) =>
      statementFile(ctx, params.accountId, query as { from?: string; to?: string }),

    'POST /usage': (ctx, { body }) => recordUsage(ctx, body as UsageBody),

    'POST /runs': async (ctx, { body, caller }) => {
      const b = (body ?? {}) as { day?: string; dryRun?: boolean };
      const id = await startRun(ctx, {
        day: b.day ?? utcDate(await nowOf(ctx)),
        dryRun: b.dryRun ?? false,
        requestedBy: caller,
      });
      return readRun(ctx, id);
    },
    'GET /runs': (ctx) => listRuns(ctx),
    'GET /runs/:runId': (ctx, { params }) => readRun(ctx, params.runId),

    'GET /figures': (ctx) => readFigures(ctx),

    'GET /exports/invoices.csv': (ctx, { query }) => invoicesExport(ctx, query as { from?: string; to?: string }),
    'GET /exports/payments.csv': (ctx, { query }) => paymentsExport(ctx, query as { from?: string; to?: string }),

    'GET /ledger/trial-balance': async (ctx) => {
      const rows = await ctx.db.query<{ currency: string; account: string; debit: string; credit: string }>(
        `select e.currency, l.account, sum(l.debit)::text as debit, sum(l.credit)::text as credit
           from journal_lines l join journal_entries e on e.id = l.entry_id group by e.currency, l.account order by 1, 2`,
      );
      return {
        items: rows.map((r) => ({
          currency: r.currency,
          account: r.account,
          debit: formatAmount(new Decimal(r.debit), r.currency),
          credit: formatAmount(new Decimal(r.credit), r.currency),
          balance: formatAmount(new Decimal(r.debit).minus(r.credit), r.currency),
        })),
      };
    },
  },

  services: {
    // The payment-provider extension point: gateway plugins record confirmed payments here.
    recordPayment: (ctx, input) => recordPayment(ctx, input as NewPayment),
    // Usage from the network (dotmac.radius's accounting), as POST /usage takes it.
    recordUsage: (ctx, input) => recordUsage(ctx, input as UsageBody),
  },

  async onEvent(ctx, event) {
    if (event.name.startsWith('subscription.')) await onSubscriptionEvent(ctx, event);
  },

  jobs: {
    'billing-run': async (ctx) => {
      await startRun(ctx, { day: utcDate(await nowOf(ctx)), dryRun: false, requestedBy: { kind: 'schedule' } });
    },
    'bill-chunk': (ctx, data) => billChunk(ctx, data as BillChunk),
    dunning: (ctx, data) => runDunning(ctx, (data as { after?: string } | null)?.after ?? null),
  },
});

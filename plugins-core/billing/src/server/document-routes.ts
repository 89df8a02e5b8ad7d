// The documents billing answers: an invoice or credit note as PDF, a statement of account, and
// the CSV exports accountants ask for. Each is data read here and drawn by documents/.
import { type FileAnswer, type PluginContext, RouteError } from '@dotmac/sdk';
import { addDays } from './core/calendar.ts';
import { Decimal, formatAmount } from './core/money.ts';
import { invoicesCsv, paymentsCsv } from './documents/csv.ts';
import { type DocumentSeller, invoicePdf, statementPdf } from './documents/pdf.ts';
import { readInvoice } from './invoices.ts';
import { readSettings, type Settings } from './settings.ts';

const date = (iso: string | null) => (iso ?? '').slice(0, 10);

function sellerOf(settings: Settings): DocumentSeller {
  const { seller } = settings;
  return {
    name: seller.name,
    address: seller.addressLines,
    taxNumbers: seller.taxNumbers,
    ...(seller.logo && { logo: { type: seller.logo.type, data: seller.logo.base64 } }),
    ...(seller.email && { email: seller.email }),
    ...(seller.phone && { phone: seller.phone }),
  };
}

/** GET /invoices/:id/pdf */
export async function invoicePdfFile(ctx: PluginContext, id: string): Promise<FileAnswer> {
  const invoice = await readInvoice(ctx, id);
  if (invoice.number === null)
    throw new RouteError(409, `invoice ${id} is a draft: it has no document until it is issued`);
  const settings = await readSettings(ctx);
  let creditedNumber = '';
  if (invoice.kind === 'credit-note' && invoice.creditedInvoiceId) {
    creditedNumber = (await readInvoice(ctx, invoice.creditedInvoiceId)).number ?? '';
  }
  const base64 = await invoicePdf({
    seller: sellerOf(settings),
    customer: {
      name: invoice.customer.name,
      accountNumber: invoice.customer.number,
      address: [],
      taxExemption: invoice.taxExemption,
    },
    number: invoice.number,
    issuedAt: date(invoice.issuedAt),
    currency: invoice.currency,
    locale: settings.locale,
    lines: invoice.lines.map((l) => ({
      description: l.description as string,
      quantity: l.quantity as string,
      unitPrice: l.unitPrice as string,
      amount: l.amount as string,
      discount: l.discount as string,
      tax: l.tax as string,
      total: l.total as string,
      ...(l.periodStart && l.periodEnd
        ? { period: { from: l.periodStart as string, to: addDays(l.periodEnd as string, -1) } }
        : {}),
    })),
    taxes: invoice.taxes.map((t) => ({
      name: t.name as string,
      rate: t.rate as string,
      taxable: t.taxable as string,
      amount: t.amount as string,
    })),
    subtotal: invoice.subtotal,
    discountTotal: invoice.discountTotal,
    taxTotal: invoice.taxTotal,
    total: invoice.total,
    amountPaid: invoice.amountPaid,
    amountDue: invoice.amountDue,
    status: invoice.status,
    notes: invoice.notes,
    paymentInstructions: settings.paymentInstructions,
    ...(invoice.kind === 'invoice'
      ? { kind: 'invoice' as const, dueAt: date(invoice.dueAt) }
      : { kind: 'credit-note' as const, creditedInvoiceNumber: creditedNumber }),
  });
  return { filename: `${invoice.kind}-${invoice.number.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf`, base64 };
}

/** The ledger movements of one account, as a statement's rows: debits raise what is owed. */
async function movements(ctx: PluginContext, accountId: string, currency: string) {
  return ctx.db.query<{ at: string; fact: string; reference: string; amount: string }>(
    `select e.at, e.fact, coalesce(i.number, p.reference, '') as reference,
            sum(l.debit - l.credit)::text as amount
       from journal_entries e
       join journal_lines l on l.entry_id = e.id and l.account in ('receivables', 'customer-credit')
       left join invoices i on i.id = e.source_id
       left join payments p on p.id = e.source_id
      where e.customer_id = $1 and e.currency = $2
      group by e.id, e.at, e.fact, i.number, p.reference order by e.at, e.id`,
    [accountId, currency],
  );
}

const FACTS: Record<string, string> = {
  'invoice-issued': 'Invoice',
  'credit-note-issued': 'Credit note',
  'invoice-voided': 'Invoice voided',
  'payment-received': 'Payment received',
  'credit-applied': 'Credit applied',
  'refund-issued': 'Refund',
  'top-up': 'Top-up',
  'prepaid-charge': 'Prepaid charge',
  reversal: 'Correction',
};

/** GET /accounts/:accountId/statement: movements from `from` to `to` with opening and closing balances. */
export async function statementFile(
  ctx: PluginContext,
  accountId: string,
  query: { from?: string; to?: string },
): Promise<FileAnswer> {
  const [account] = await ctx.db.query<{
    id: string;
    number: string;
    name: string;
    currency: string;
    tax_exemption: string | null;
  }>('select id::text, number, name, currency, tax_exemption from accounts where id = $1', [accountId]);
  if (!account) throw new RouteError(404, `billing has no account ${accountId}`);
  const settings = await readSettings(ctx);
  const now = (await ctx.clock.now()).toISOString();
  const to = query.to ?? now.slice(0, 10);
  const from = query.from ?? `${to.slice(0, 8)}01`;
  const { currency } = account;
  const fmt = (d: Decimal) => formatAmount(d, currency);
  let balance = new Decimal(0);
  let opening = new Decimal(0);
  const entries = [];
  // Credit-applied moves money between the customer's two accounts and nets to zero: not shown.
  for (const m of await movements(ctx, accountId, currency)) {
    const day = new Date(m.at).toISOString().slice(0, 10);
    const amount = new Decimal(m.amount);
    if (day > to) break;
    balance = balance.plus(amount);
    if (day < from) {
      opening = balance;
      continue;
    }
    if (amount.isZero()) continue;
    entries.push({
      date: day,
      description: FACTS[m.fact] ?? m.fact,
      reference: m.reference,
      debit: amount.greaterThan(0) ? fmt(amount) : null,
      credit: amount.lessThan(0) ? fmt(amount.negated()) : null,
      balance: fmt(balance),
    });
  }
  const base64 = await statementPdf({
    seller: sellerOf(settings),
    customer: { name: account.name, accountNumber: account.number, address: [], taxExemption: account.tax_exemption },
    issuedAt: now.slice(0, 10),
    period: { from, to },
    currency,
    locale: settings.locale,
    openingBalance: fmt(opening),
    entries,
    closingBalance: fmt(balance),
  });
  return { filename: `statement-${account.number.replace(/[^A-Za-z0-9._-]/g, '_')}-${to}.pdf`, base64 };
}

/** GET /exports/invoices.csv: invoices and credit notes issued from `from` to `to` (dates, inclusive). */
export async function invoicesExport(ctx: PluginContext, query: { from?: string; to?: string }): Promise<FileAnswer> {
  const rows = await ctx.db.query<Record<string, string | null>>(
    `select number, issued_at, due_at, customer, currency, net_total::text, tax_total::text, total::text, amount_paid::text, status, kind
       from invoices where number is not null
        and ($1::date is null or issued_at >= $1::date) and ($2::date is null or issued_at < $2::date + 1)
      order by seq, kind`,
    [query.from ?? null, query.to ?? null],
  );
  const text = invoicesCsv(
    rows.map((r) => {
      const currency = r.currency as string;
      const fmt = (v: string | null | undefined) => formatAmount(new Decimal(v ?? '0'), currency);
      const customer = r.customer as unknown as { name: string; number: string };
      const balance =
        r.kind === 'invoice' && r.status !== 'void'
          ? new Decimal(r.total as string).minus(r.amount_paid as string)
          : new Decimal(0);
      return {
        invoiceNumber: r.number as string,
        issuedAt: date(new Date(r.issued_at as string).toISOString()),
        dueAt: r.due_at ? date(new Date(r.due_at).toISOString()) : null,
        accountNumber: customer.number,
        customerName: customer.name,
        currency,
        net: fmt(r.net_total),
        tax: fmt(r.tax_total),
        total: fmt(r.total),
        paid: fmt(r.amount_paid),
        balance: fmt(balance.toFixed()),
        status: r.status as string,
      };
    }),
  );
  return { filename: `invoices-${query.from ?? 'all'}-${query.to ?? 'now'}.csv`, text };
}

/** GET /exports/payments.csv */
export async function paymentsExport(ctx: PluginContext, query: { from?: string; to?: string }): Promise<FileAnswer> {
  const rows = await ctx.db.query<Record<string, string | null>>(
    `select p.received_at, p.reference, a.number, p.method, p.currency, p.kind, p.amount::text,
            coalesce((select sum(x.amount) from allocations x where x.payment_id = p.id), 0)::text as allocated
       from payments p join accounts a on a.id::text = p.customer_id
      where ($1::date is null or p.received_at >= $1::date) and ($2::date is null or p.received_at < $2::date + 1)
      order by p.received_at, p.id`,
    [query.from ?? null, query.to ?? null],
  );
  const text = paymentsCsv(
    rows.map((r) => {
      const currency = r.currency as string;
      const sign = r.kind === 'refund' ? -1 : 1;
      const amount = new Decimal(r.amount as string).times(sign);
      const allocated = new Decimal(r.allocated as string);
      return {
        receivedAt: date(new Date(r.received_at as string).toISOString()),
        reference: r.reference ?? '',
        accountNumber: r.number as string,
        method: r.method as string,
        currency,
        amount: formatAmount(amount, currency),
        allocated: formatAmount(allocated, currency),
        unallocated: formatAmount(r.kind === 'refund' ? new Decimal(0) : amount.minus(allocated), currency),
      };
    }),
  );
  return { filename: `payments-${query.from ?? 'all'}-${query.to ?? 'now'}.csv`, text };
}

// The figures a portal's dashboard shows (GET /figures): what is owed and overdue, and what was
// invoiced and received this month, per currency. Row-level security scopes them like every
// read: staff see the tenant's, a reseller their customers', a customer their own.
import type { PluginContext } from '@dotmac/sdk';
import { Decimal, formatAmount } from './core/money.ts';

/** The figures in one currency. */
export interface CurrencyFigures {
  readonly currency: string;
  /** Open on issued invoices. */
  readonly outstanding: string;
  readonly openInvoices: number;
  /** The part of `outstanding` past its due date. */
  readonly overdue: string;
  readonly overdueInvoices: number;
  /** Invoices issued this month (not voided) less credit notes issued this month. */
  readonly invoicedThisMonth: string;
  /** Payments received this month (refunds not deducted). */
  readonly receivedThisMonth: string;
}

/** What GET /figures answers. */
export interface BillingFigures {
  /** The moment they were read. */
  readonly asOf: string;
  /** The first day of the month (UTC, like billing periods) the month's figures cover. */
  readonly monthStart: string;
  /** One entry per currency with any figure, in currency order. */
  readonly currencies: readonly CurrencyFigures[];
}

/** The first instant of the UTC month of `now`, and of the next. */
export function monthOf(now: string): { readonly start: string; readonly end: string } {
  const at = new Date(now);
  const start = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const end = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** The dashboard figures as of the plugin's clock. */
export async function readFigures(ctx: PluginContext): Promise<BillingFigures> {
  const now = (await ctx.clock.now()).toISOString();
  const month = monthOf(now);
  const rows = await ctx.db.query<Record<string, string | number>>(
    `with open as (
       select currency, sum(total - amount_paid) as outstanding, count(*)::int as open_invoices,
              coalesce(sum(total - amount_paid) filter (where due_at < $1), 0) as overdue,
              (count(*) filter (where due_at < $1))::int as overdue_invoices
         from invoices where kind = 'invoice' and status in ('issued', 'partially-paid') group by currency),
     invoiced as (
       select currency, sum(total) as invoiced from invoices
        where status not in ('draft', 'void') and issued_at >= $2 and issued_at < $3 group by currency),
     received as (
       select currency, sum(amount) as received from payments
        where kind = 'payment' and received_at >= $2 and received_at < $3 group by currency),
     currencies as (select currency from open union select currency from invoiced union select currency from received)
     select c.currency, coalesce(o.outstanding, 0)::text as outstanding, coalesce(o.open_invoices, 0) as open_invoices,
            coalesce(o.overdue, 0)::text as overdue, coalesce(o.overdue_invoices, 0) as overdue_invoices,
            coalesce(i.invoiced, 0)::text as invoiced, coalesce(r.received, 0)::text as received
       from currencies c left join open o using (currency) left join invoiced i using (currency)
       left join received r using (currency)
      order by c.currency`,
    [now, month.start, month.end],
  );
  return {
    asOf: now,
    monthStart: month.start.slice(0, 10),
    currencies: rows.map((r) => {
      const currency = r.currency as string;
      const fmt = (v: string | number) => formatAmount(new Decimal(v), currency);
      return {
        currency,
        outstanding: fmt(r.outstanding as string),
        openInvoices: Number(r.open_invoices),
        overdue: fmt(r.overdue as string),
        overdueInvoices: Number(r.overdue_invoices),
        invoicedThisMonth: fmt(r.invoiced as string),
        receivedThisMonth: fmt(r.received as string),
      };
    }),
  };
}

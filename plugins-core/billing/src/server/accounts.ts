// Paying accounts as billing answers them: one with its balance from the ledger, and a page of
// them with what each owes (the reseller's and the admin's lists of who owes what).
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { Decimal, formatAmount } from './core/money.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ledgerBalance } from './journal.ts';

/** A paying account as billing knows it (schemas/account.json). */
export interface AccountResource {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly resellerId: string | null;
  readonly currency: string;
  readonly billingDay: number | null;
  readonly taxLocation: { readonly country: string; readonly region?: string } | null;
  readonly taxExemption: string | null;
  readonly dunningExcluded: boolean;
  readonly prepaidWallet: boolean;
  /** Open on its invoices. */
  readonly openInvoices: string;
  /** Unallocated credit. */
  readonly credit: string;
  /** What it owes (negative: in credit): open invoices less credit. */
  readonly balance: string;
}

/** An account in a list: who it is and what it owes. */
export interface AccountBalance {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly currency: string;
  readonly openInvoices: string;
  readonly overdue: string;
  readonly credit: string;
  readonly balance: string;
}

const COLUMNS = `id::text, number, name, reseller_id, currency, billing_day, tax_country, tax_region, tax_exemption,
  dunning_excluded, prepaid_wallet, credit::text`;

/** What is open on an account's invoices, and the part of it past its due date ($1: now). */
const OPEN = `(select coalesce(sum(total - amount_paid), 0) from invoices
   where customer_id = accounts.id::text and kind = 'invoice' and status in ('issued', 'partially-paid'))`;
const OVERDUE = `(select coalesce(sum(total - amount_paid), 0) from invoices
   where customer_id = accounts.id::text and kind = 'invoice' and status in ('issued', 'partially-paid') and due_at < $1)`;

/** The account with its balance from the ledger; 404 when billing (or the calling customer or reseller) has none. */
export async function readAccount(ctx: PluginContext, id: string): Promise<AccountResource> {
  const [row] = await ctx.db.query<Record<string, unknown>>(
    `select ${COLUMNS}, ${OPEN}::text as open from accounts where id = $1`,
    [id],
  );
  if (!row) throw new RouteError(404, `billing has no account ${id}`);
  const currency = row.currency as string;
  const [ledger] = (await ledgerBalance(ctx, id)).filter((b) => b.currency === currency);
  const fmt = (v: string) => formatAmount(new Decimal(v), currency);
  return {
    id: row.id as string,
    number: row.number as string,
    name: row.name as string,
    resellerId: (row.reseller_id as string | null) ?? null,
    currency,
    billingDay: (row.billing_day as number | null) ?? null,
    taxLocation: row.tax_country
      ? { country: row.tax_country as string, ...(row.tax_region ? { region: row.tax_region as string } : {}) }
      : null,
    taxExemption: (row.tax_exemption as string | null) ?? null,
    dunningExcluded: row.dunning_excluded as boolean,
    prepaidWallet: row.prepaid_wallet as boolean,
    openInvoices: fmt(row.open as string),
    credit: fmt(row.credit as string),
    // What the customer owes (negative: in credit), from the ledger; it equals open invoices less credit.
    balance: fmt(ledger?.balance ?? '0'),
  };
}

/** GET /accounts: a page of accounts by number, with what each owes; `owing` keeps those that owe something. */
export async function listAccounts(
  ctx: PluginContext,
  query: { readonly owing?: boolean; readonly limit?: number; readonly cursor?: string },
): Promise<{ items: AccountBalance[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  const params: unknown[] = [(await ctx.clock.now()).toISOString()];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  // The balance a list shows is open invoices less credit, which the ledger's balance always equals.
  if (query.owing) where.push(`${OPEN} > credit`);
  if (query.cursor) {
    const [number, id] = decodeCursor(query.cursor);
    where.push(`(number, id) > (${param(number)}, ${param(id)}::uuid)`);
  }
  const rows = await ctx.db.query<Record<string, string>>(
    `select id::text, number, name, currency, credit::text, ${OPEN}::text as open, ${OVERDUE}::text as overdue
       from accounts ${where.length ? `where ${where.join(' and ')}` : ''}
      order by number, id limit ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => {
      const fmt = (v: string | Decimal) => formatAmount(new Decimal(v), r.currency as string);
      return {
        id: r.id as string,
        number: r.number as string,
        name: r.name as string,
        currency: r.currency as string,
        openInvoices: fmt(r.open as string),
        overdue: fmt(r.overdue as string),
        credit: fmt(r.credit as string),
        balance: fmt(new Decimal(r.open as string).minus(r.credit as string)),
      };
    }),
    nextCursor: rows.length > limit && last ? encodeCursor(last.number as string, last.id as string) : null,
  };
}

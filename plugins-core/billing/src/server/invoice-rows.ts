// The rows of invoices and credit notes, their lines and allocations, as the tables hold them:
// shared by billing runs, staff-issued invoices and credit notes, and payments.
import type { PluginContext } from '@dotmac/sdk';
import type { ComputedInvoice } from './core/invoice.ts';
import { type NumberParts, numberSql } from './settings.ts';
import type { Column, Work } from './work.ts';

/** The columns of an invoice row (`ord`: its order among the rows numbered together). */
export const INVOICE_COLUMNS = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['customer_id', 'text'],
  ['reseller_id', 'text'],
  ['kind', 'text'],
  ['ord', 'int'],
  ['status', 'text'],
  ['currency', 'text'],
  ['customer', 'jsonb'],
  ['period_start', 'date'],
  ['period_end', 'date'],
  ['cycle_key', 'text'],
  ['run_id', 'uuid'],
  ['issued_at', 'timestamptz'],
  ['due_at', 'timestamptz'],
  ['subtotal', 'numeric'],
  ['discount_total', 'numeric'],
  ['net_total', 'numeric'],
  ['tax_total', 'numeric'],
  ['total', 'numeric'],
  ['amount_paid', 'numeric'],
  ['taxes', 'jsonb'],
  ['tax_exemption', 'text'],
  ['credited_invoice_id', 'uuid'],
  ['reason', 'text'],
  ['notes', 'text'],
  ['created_at', 'timestamptz'],
] as const;

export const LINE_COLUMNS = [
  ['tenant_id', 'uuid'],
  ['customer_id', 'text'],
  ['invoice_id', 'uuid'],
  ['position', 'int'],
  ['kind', 'text'],
  ['description', 'text'],
  ['quantity', 'numeric'],
  ['unit_price', 'numeric'],
  ['amount', 'numeric'],
  ['discount', 'numeric'],
  ['net', 'numeric'],
  ['tax', 'numeric'],
  ['total', 'numeric'],
  ['tax_class', 'text'],
  ['taxes', 'jsonb'],
  ['service_id', 'uuid'],
  ['period_start', 'date'],
  ['period_end', 'date'],
] as const;

/**
 * Inserts issued invoices (rows keyed by INVOICE_COLUMNS, `ord` their 1-based order) numbered
 * from the tenant's sequence for `kind`, which moves in the same transaction: numbers are
 * gapless, and a rollback gives them back.
 */
export function insertNumbered(
  work: Work,
  ctx: PluginContext,
  kind: 'invoice' | 'credit-note',
  parts: NumberParts,
  rows: readonly Record<string, unknown>[],
  ensureSequence = true,
): void {
  if (rows.length === 0) return;
  const columns = INVOICE_COLUMNS.filter(([name]) => name !== 'ord');
  const names = columns.map(([name]) => name).join(', ');
  const types = INVOICE_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
  // A billing run creates the sequence once, at its start: asking again in every chunk would wait on its lock.
  if (ensureSequence) {
    work.add('insert into sequences (tenant_id, kind, last) values ($1, $2, 0) on conflict do nothing', [
      ctx.tenantId,
      kind,
    ]);
  }
  work.add(
    `with seq as (
       update sequences set last = last + $2 where tenant_id = $1 and kind = $3 returning last - $2 as base
     )
     insert into invoices (${names}, seq, number, updated_at)
     select ${columns.map(([name]) => `r.${name}`).join(', ')}, seq.base + r.ord,
            ${numberSql('seq.base + r.ord', '$5::text', '$6::int', '$7::text')}, r.created_at
       from jsonb_to_recordset($4::jsonb) as r(${types}), seq`,
    [ctx.tenantId, rows.length, kind, JSON.stringify(rows), parts.prefix, parts.width, parts.suffix],
  );
}

/** The columns of an allocation row. */
export const ALLOCATION_COLUMNS: readonly Column[] = [
  ['tenant_id', 'uuid'],
  ['customer_id', 'text'],
  ['invoice_id', 'uuid'],
  ['source', 'text'],
  ['payment_id', 'uuid'],
  ['credit_note_id', 'uuid'],
  ['amount', 'numeric'],
  ['at', 'timestamptz'],
];

/** The line rows of a computed invoice or credit note. */
export function lineRows(ctx: PluginContext, invoiceId: string, customerId: string, computed: ComputedInvoice) {
  return computed.lines.map((line, i) => ({
    tenant_id: ctx.tenantId,
    customer_id: customerId,
    invoice_id: invoiceId,
    position: i + 1,
    kind: line.kind,
    description: line.description,
    quantity: line.quantity,
    unit_price: line.unitPrice,
    amount: line.amount,
    discount: line.discount,
    net: line.net,
    tax: line.tax,
    total: line.total,
    tax_class: line.taxClass,
    taxes: line.taxes,
    service_id: line.subscriptionId ?? null,
    period_start: line.periodStart ?? null,
    period_end: line.periodEnd ?? null,
  }));
}

// How an invoice is named on screen: its number, or what it is before it has one.
import type { Invoice } from './resources.ts';

/** Its number, or "Draft" (a draft has no number yet). */
export function invoiceLabel(invoice: Pick<Invoice, 'number' | 'kind'>): string {
  if (invoice.number) return invoice.number;
  return invoice.kind === 'credit-note' ? 'Draft credit note' : 'Draft';
}

/** "Invoice INV-000001", "Credit note CN-000001", "Draft invoice". */
export function invoiceTitle(invoice: Pick<Invoice, 'number' | 'kind'>): string {
  const kind = invoice.kind === 'credit-note' ? 'Credit note' : 'Invoice';
  return invoice.number ? `${kind} ${invoice.number}` : `Draft ${kind.toLowerCase()}`;
}

// The resources billing's routes answer, as the screens read them: the server's own types, so the
// screens and the routes never disagree (type-only imports: no server code reaches the browser).
export type { AccountBalance, AccountResource as Account } from '../server/accounts.ts';
export type { BillingFigures, CurrencyFigures } from '../server/figures.ts';
export type { InvoiceLineResource as InvoiceLine, InvoiceResource as Invoice } from '../server/invoices.ts';
export type { ListedPayment, PaymentResource as Payment } from '../server/payments.ts';
export type { RunResource as Run } from '../server/run-progress.ts';

/**
 * The statuses an invoice is listed by (GET /invoices?status=…), as plugin.json declares them (a
 * test holds the two together; the list screen does not load the whole manifest for six words).
 */
export const INVOICE_STATUSES = ['draft', 'issued', 'partially-paid', 'paid', 'overdue', 'void'] as const;

// The columns invoice tables share: number (a link to its page), customer, dates, amounts, status,
// and for customers and resellers the PDF each invoice downloads as.
import { type Column, DateText, Link, Money, StatusBadge } from '@dotmac/ui';
import { DownloadInvoiceButton } from './download-invoice-button.tsx';
import { invoiceLabel } from './invoice-label.ts';
import type { Invoice } from './resources.ts';

/** What a table of invoices shows beyond the common columns. */
export interface InvoiceColumnOptions {
  /** The invoice list's portal path; an invoice's page is this plus /<id>. */
  readonly base: string;
  /** The customer column, linked to their page (staff and resellers). */
  readonly customer?: boolean;
  /** A Download PDF button per invoice. */
  readonly download?: boolean;
}

export function invoiceColumns(options: InvoiceColumnOptions): Column<Invoice>[] {
  const columns: Column<Invoice>[] = [
    {
      key: 'number',
      header: 'Number',
      render: (invoice) => <Link to={`${options.base}/${invoice.id}`}>{invoiceLabel(invoice)}</Link>,
    },
  ];
  if (options.customer) {
    columns.push({
      key: 'customer',
      header: 'Customer',
      render: (invoice) => <Link to={`/customers/${invoice.accountId}`}>{invoice.customer.name}</Link>,
    });
  }
  columns.push(
    { key: 'issuedAt', header: 'Issued', render: (invoice) => <DateText value={invoice.issuedAt} /> },
    { key: 'dueAt', header: 'Due', render: (invoice) => <DateText value={invoice.dueAt} /> },
    {
      key: 'total',
      header: 'Total',
      align: 'end',
      render: (invoice) => <Money amount={invoice.total} currency={invoice.currency} />,
    },
    {
      key: 'amountDue',
      header: 'Balance',
      align: 'end',
      render: (invoice) => <Money amount={invoice.amountDue} currency={invoice.currency} />,
    },
    { key: 'status', header: 'Status', render: (invoice) => <StatusBadge status={invoice.status} /> },
  );
  if (options.download) {
    columns.push({
      key: 'pdf',
      header: 'Document',
      render: (invoice) => (invoice.number ? <DownloadInvoiceButton invoice={invoice} /> : null),
    });
  }
  return columns;
}

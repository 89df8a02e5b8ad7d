// The customer portal's invoices page (/invoices): the customer's own invoices and credit notes,
// newest first, each with its PDF.
import { type ContributionProps, DataTable, type Page, PageFrame, useApi } from '@dotmac/ui';
import { invoiceColumns } from './invoice-columns.tsx';
import type { Invoice } from './resources.ts';

export default function MyInvoices({ path }: ContributionProps) {
  const api = useApi();
  const load = (cursor: string | null, limit: number, signal: AbortSignal) =>
    api.get<Page<Invoice>>('/invoices', { query: { cursor, limit }, signal });
  return (
    <PageFrame title="Invoices">
      <DataTable
        caption="My invoices"
        columns={invoiceColumns({ base: path, download: true })}
        load={load}
        rowKey={(invoice) => invoice.id}
        empty="You have no invoices yet."
      />
    </PageFrame>
  );
}

// The invoices page of staff (/billing/invoices) and resellers (/invoices): every invoice and credit
// note the user may see, newest first, a page at a time from the server, filtered by status.
import { type ContributionProps, DataTable, type Page, PageFrame, useApi } from '@dotmac/ui';
import { useId, useState } from 'react';
import { invoiceColumns } from './invoice-columns.tsx';
import { INVOICE_STATUSES, type Invoice } from './resources.ts';

type Status = (typeof INVOICE_STATUSES)[number];

/** The status asked for in the address (?status=overdue, as the Overdue widget links), if any. */
function statusInAddress(): Status | '' {
  const asked = new URLSearchParams(window.location.search).get('status');
  return (INVOICE_STATUSES as readonly string[]).includes(asked ?? '') ? (asked as Status) : '';
}

export default function InvoiceList({ path }: ContributionProps) {
  const api = useApi();
  const [status, setStatus] = useState<Status | ''>(statusInAddress);
  const filterId = useId();
  const columns = invoiceColumns({ base: path, customer: true, download: false });
  const load = (cursor: string | null, limit: number, signal: AbortSignal) =>
    api.get<Page<Invoice>>('/invoices', { query: { status: status || undefined, cursor, limit }, signal });
  return (
    <PageFrame title="Invoices">
      <div className="billing-filters" style={{ marginBottom: '1rem' }}>
        <label htmlFor={filterId}>Status</label>{' '}
        <select id={filterId} value={status} onChange={(event) => setStatus(event.target.value as Status | '')}>
          <option value="">All</option>
          {INVOICE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.charAt(0).toUpperCase() + s.slice(1).replace('-', ' ')}
            </option>
          ))}
        </select>
      </div>
      <DataTable
        caption={status ? `Invoices: ${status.replace('-', ' ')}` : 'Invoices and credit notes'}
        columns={columns}
        load={load}
        rowKey={(invoice) => invoice.id}
        reloadKey={status}
        empty={status ? 'No invoice in this status.' : 'No invoices yet.'}
      />
    </PageFrame>
  );
}

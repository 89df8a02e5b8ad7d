// The "Download PDF" button of one invoice; its accessible name says which invoice.
import { Button, useApi } from '@dotmac/ui';
import { useState } from 'react';
import { invoiceLabel } from './invoice-label.ts';
import type { Invoice } from './resources.ts';

export function DownloadInvoiceButton(props: {
  readonly invoice: Pick<Invoice, 'id' | 'number' | 'kind'>;
  readonly variant?: 'primary' | 'secondary';
}) {
  const api = useApi();
  const [failed, setFailed] = useState<string | undefined>(undefined);
  const label = invoiceLabel(props.invoice);
  const what = props.invoice.kind === 'credit-note' ? 'credit note' : 'invoice';
  const download = async () => {
    setFailed(undefined);
    try {
      await api.download(`/invoices/${props.invoice.id}/pdf`, `${props.invoice.number ?? props.invoice.id}.pdf`);
    } catch (error) {
      setFailed(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <>
      <Button variant={props.variant ?? 'secondary'} onClick={download}>
        Download PDF<span className="dm-visually-hidden">{` for ${what} ${label}`}</span>
      </Button>
      {failed ? (
        <span role="alert" className="billing-inline-error">
          {` The PDF of ${label} could not be downloaded: ${failed}`}
        </span>
      ) : null}
    </>
  );
}

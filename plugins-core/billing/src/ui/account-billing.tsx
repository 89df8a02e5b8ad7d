// A customer's billing on their page (staff and resellers): balance, statement, invoices and
// payments, and for staff who may, "Record payment" for the account.
import { Button, DataTable, ErrorNotice, formatMoney, Loading, type Page, useApi, useCan } from '@dotmac/ui';
import { useState } from 'react';
import { AccountFigures } from './account-figures.tsx';
import { invoiceColumns } from './invoice-columns.tsx';
import { PaymentsTable } from './payments-table.tsx';
import { RecordPaymentForm } from './record-payment-form.tsx';
import type { Invoice } from './resources.ts';
import { Section } from './section.tsx';
import { useAccount } from './use-account.ts';

export function AccountBilling(props: {
  readonly accountId: string;
  /** Where invoices are in this portal. */
  readonly invoicesPath: string;
  /** Offer "Record payment" (to users who hold dotmac.billing.payments). */
  readonly recordPayments: boolean;
}) {
  const api = useApi();
  const canRecord = useCan('dotmac.billing.payments') && props.recordPayments;
  const { data: account, error, reload } = useAccount(props.accountId);
  const [recording, setRecording] = useState(false);
  const [recorded, setRecorded] = useState<string | null>(null);
  const [payments, setPayments] = useState(0);

  if (account === undefined) return error ? <ErrorNotice error={error} /> : <Loading label="Loading billing" />;
  if (account === null) return <p>No billing yet: this customer has had no service or charge.</p>;

  const statement = () => api.download(`/accounts/${account.id}/statement`, `statement-${account.number}.pdf`);
  const loadInvoices = (cursor: string | null, limit: number, signal: AbortSignal) =>
    api.get<Page<Invoice>>('/invoices', { query: { accountId: account.id, cursor, limit }, signal });

  return (
    <div className="billing-account">
      <AccountFigures account={account} />
      <p className="billing-actions" style={{ display: 'flex', flexWrap: 'wrap', gap: '0.5rem' }}>
        <Button onClick={statement}>Download statement</Button>
        {canRecord ? (
          <Button variant="primary" onClick={() => setRecording((open) => !open)}>
            Record payment
          </Button>
        ) : null}
      </p>
      <p role="status" className="billing-notice">
        {recorded}
      </p>
      {recording ? (
        <Section title="Record payment">
          <RecordPaymentForm
            accountId={account.id}
            currency={account.currency}
            onRecorded={(payment) => {
              setRecording(false);
              setRecorded(`Payment of ${formatMoney(payment.amount, payment.currency)} recorded.`);
              setPayments((n) => n + 1);
              reload();
            }}
          />
        </Section>
      ) : null}
      <Section title="Invoices">
        <DataTable
          caption={`Invoices of ${account.name}`}
          columns={invoiceColumns({ base: props.invoicesPath, download: true })}
          load={loadInvoices}
          rowKey={(invoice) => invoice.id}
          pageSize={10}
          reloadKey={payments}
          empty="No invoices yet."
        />
      </Section>
      <Section title="Payments">
        <PaymentsTable
          caption={`Payments of ${account.name}`}
          accountId={account.id}
          invoicesPath={props.invoicesPath}
          pageSize={10}
          reloadKey={payments}
        />
      </Section>
    </div>
  );
}

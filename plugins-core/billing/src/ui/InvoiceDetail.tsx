// An invoice's (or credit note's) page, in every portal: its facts, lines, taxes and totals, and
// its PDF. Staff holding the permissions also record a payment against it, credit it, or issue
// a draft.
import {
  Button,
  type ContributionProps,
  DateText,
  ErrorNotice,
  formatMoney,
  Link,
  Loading,
  PageFrame,
  StatusBadge,
  useApi,
  useCan,
  useQuery,
  useSession,
} from '@dotmac/ui';
import { type ReactNode, useState } from 'react';
import { isPositive } from './amounts.ts';
import { CreditNoteForm } from './credit-note-form.tsx';
import { lastDayBefore } from './dates.ts';
import { DownloadInvoiceButton } from './download-invoice-button.tsx';
import { Facts } from './facts.tsx';
import { InvoiceLines, InvoiceTaxes, InvoiceTotals } from './invoice-document.tsx';
import { invoiceTitle } from './invoice-label.ts';
import { parentPath } from './portal-paths.ts';
import { RecordPaymentForm } from './record-payment-form.tsx';
import type { Invoice } from './resources.ts';
import { Section } from './section.tsx';

type Panel = 'payment' | 'credit-note' | null;

export default function InvoiceDetail({ params, path }: ContributionProps) {
  const api = useApi();
  const { portal } = useSession();
  const canRecordPayments = useCan('dotmac.billing.payments');
  const canWrite = useCan('dotmac.billing.write');
  const base = parentPath(path);
  const id = params.id ?? '';
  const { data: invoice, error, reload } = useQuery((signal) => api.get<Invoice>(`/invoices/${id}`, { signal }), [id]);
  const [panel, setPanel] = useState<Panel>(null);
  const [notice, setNotice] = useState<ReactNode>(null);

  if (!invoice) {
    return (
      <PageFrame title="Invoice">
        {error ? <ErrorNotice error={error} /> : <Loading label="Loading the invoice" />}
        <p>
          <Link to={base}>All invoices</Link>
        </p>
      </PageFrame>
    );
  }

  const isInvoice = invoice.kind === 'invoice';
  const payable = isInvoice && ['issued', 'partially-paid', 'overdue'].includes(invoice.status);
  const creditable = isInvoice && !['draft', 'void'].includes(invoice.status);
  const toggle = (which: Exclude<Panel, null>) => setPanel((open) => (open === which ? null : which));
  const issueDraft = async () => {
    try {
      await api.post<Invoice>(`/invoices/${invoice.id}/issue`);
      setNotice('The invoice was issued.');
      reload();
    } catch (e) {
      setNotice(<ErrorNotice error={e} />);
    }
  };

  const actions = (
    <>
      {invoice.number ? <DownloadInvoiceButton invoice={invoice} variant="primary" /> : null}
      {payable && canRecordPayments ? <Button onClick={() => toggle('payment')}>Record payment</Button> : null}
      {creditable && canWrite ? <Button onClick={() => toggle('credit-note')}>Issue credit note</Button> : null}
      {invoice.status === 'draft' && canWrite ? <Button onClick={issueDraft}>Issue invoice</Button> : null}
    </>
  );

  return (
    <PageFrame title={invoiceTitle(invoice)} actions={actions}>
      <p>
        <Link to={base}>All invoices</Link>
      </p>
      {/* Always there, so that what it says when an action is done is announced. */}
      <div role="status" className="billing-notice">
        {notice}
      </div>
      <Facts
        facts={[
          ['Status', <StatusBadge key="status" status={invoice.status} />],
          [
            'Customer',
            <>
              {portal === 'customer' ? (
                invoice.customer.name
              ) : (
                <Link to={`/customers/${invoice.accountId}`}>{invoice.customer.name}</Link>
              )}{' '}
              ({invoice.customer.number})
            </>,
          ],
          ['Issued', <DateText key="issued" value={invoice.issuedAt} />],
          isInvoice && ['Due', <DateText key="due" value={invoice.dueAt} />],
          invoice.periodStart !== null &&
            invoice.periodEnd !== null && [
              'Period',
              <>
                <DateText value={invoice.periodStart} /> to <DateText value={lastDayBefore(invoice.periodEnd)} />
              </>,
            ],
          invoice.creditedInvoiceId !== null && [
            'Credits',
            <Link key="credits" to={`${base}/${invoice.creditedInvoiceId}`}>
              the invoice it credits
            </Link>,
          ],
          invoice.reason !== null && ['Reason', invoice.reason],
          invoice.promiseToPayUntil !== null && [
            'Promised to pay by',
            <DateText key="promise" value={invoice.promiseToPayUntil} />,
          ],
        ]}
      />

      {panel === 'payment' ? (
        <Section title="Record payment">
          <RecordPaymentForm
            accountId={invoice.accountId}
            currency={invoice.currency}
            invoice={invoice}
            onRecorded={(payment) => {
              setPanel(null);
              setNotice(
                `Payment of ${formatMoney(payment.amount, payment.currency)} recorded${
                  isPositive(payment.unallocated)
                    ? `; ${formatMoney(payment.unallocated, payment.currency)} kept as credit`
                    : ''
                }.`,
              );
              reload();
            }}
          />
        </Section>
      ) : null}
      {panel === 'credit-note' ? (
        <Section title="Issue credit note">
          <CreditNoteForm
            invoice={invoice}
            onIssued={(creditNote) => {
              setPanel(null);
              setNotice(
                <>
                  Credit note <Link to={`${base}/${creditNote.id}`}>{creditNote.number}</Link> issued.
                </>,
              );
              reload();
            }}
          />
        </Section>
      ) : null}

      <Section title="Lines">
        <InvoiceLines invoice={invoice} />
      </Section>
      <Section title="Totals">
        <InvoiceTaxes invoice={invoice} />
        <InvoiceTotals invoice={invoice} />
      </Section>
    </PageFrame>
  );
}

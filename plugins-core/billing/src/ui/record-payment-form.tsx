// The "Record payment" form: amount, method, reference and the day it was received, for an account
// (allocated to its oldest open invoices) or for one invoice (allocated to it first, the rest kept
// as credit). One idempotency key per payment, so a form sent twice records it once.
import { type JsonSchema, SchemaForm, useApi } from '@dotmac/ui';
import { useState } from 'react';
import { isPositive, smallerAmount } from './amounts.ts';
import { receivedAtOf, todayLocal } from './dates.ts';
import { newIdempotencyKey } from './idempotency-key.ts';
import type { Invoice, Payment } from './resources.ts';
import { bodyProperty } from './route-schemas.ts';

const ROUTE = 'POST /payments';

/** What the form holds. */
interface PaymentFields {
  readonly amount: string;
  readonly method: string;
  readonly reference?: string;
  readonly receivedOn?: string;
  readonly applyToInvoice?: boolean;
}

function paymentSchema(currency: string, invoice: Invoice | undefined): JsonSchema {
  return {
    type: 'object',
    required: ['amount', 'method'],
    properties: {
      amount: bodyProperty(ROUTE, 'amount', {
        'x-label': `Amount (${currency})`,
        'x-widget': 'money',
        description: 'A decimal number, like 25.00.',
      }),
      method: bodyProperty(ROUTE, 'method', { 'x-label': 'Method' }),
      reference: bodyProperty(ROUTE, 'reference', {
        'x-label': 'Reference',
        description: "The payer's or bank's reference (optional).",
      }),
      receivedOn: { type: 'string', format: 'date', 'x-label': 'Date received' },
      ...(invoice
        ? {
            applyToInvoice: {
              type: 'boolean',
              'x-label': `Apply to invoice ${invoice.number ?? ''}`.trim(),
              description: 'Unticked: the payment pays the oldest open invoices first.',
            },
          }
        : {}),
    },
  };
}

export function RecordPaymentForm(props: {
  readonly accountId: string;
  readonly currency: string;
  /** The invoice the payment is for, when recorded from its page. */
  readonly invoice?: Invoice;
  readonly onRecorded: (payment: Payment) => void;
}) {
  const api = useApi();
  const [key, setKey] = useState(newIdempotencyKey);
  const { invoice } = props;
  const record = async (fields: PaymentFields) => {
    const receivedAt = receivedAtOf(fields.receivedOn);
    const toInvoice = invoice && fields.applyToInvoice && isPositive(invoice.amountDue);
    const payment = await api.post<Payment>('/payments', {
      idempotencyKey: key,
      accountId: props.accountId,
      amount: fields.amount,
      method: fields.method,
      ...(fields.reference ? { reference: fields.reference } : {}),
      ...(receivedAt ? { receivedAt } : {}),
      // Up to what the invoice still owes; the rest stays on the account as credit.
      ...(toInvoice
        ? { allocations: [{ invoiceId: invoice.id, amount: smallerAmount(fields.amount, invoice.amountDue) }] }
        : {}),
    });
    setKey(newIdempotencyKey());
    props.onRecorded(payment);
  };
  return (
    <SchemaForm<PaymentFields>
      // A new key after each payment: the form starts again empty, for the next one.
      key={key}
      id={invoice ? `record-payment-${invoice.id}` : `record-payment-${props.accountId}`}
      schema={paymentSchema(props.currency, invoice)}
      initial={{
        amount: invoice && isPositive(invoice.amountDue) ? invoice.amountDue : '',
        receivedOn: todayLocal(),
        applyToInvoice: Boolean(invoice),
      }}
      submitLabel="Record payment"
      onSubmit={record}
    />
  );
}

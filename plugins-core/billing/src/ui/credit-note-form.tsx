// The "Issue credit note" form: a reason, and how much of each line to credit (every line left
// empty credits the whole invoice). The server's problems about a line show beside that line.
import { ApiError, type JsonSchema, SchemaForm, useApi } from '@dotmac/ui';
import type { Invoice } from './resources.ts';
import { bodyProperty, bodySchema } from './route-schemas.ts';

const ROUTE = 'POST /invoices/:invoiceId/credit-notes';

/** The form's field for line `position`. */
const lineField = (position: number) => `line${position}`;

function creditNoteSchema(invoice: Invoice): JsonSchema {
  const lineAmount = bodySchema(ROUTE).properties?.lines?.items?.properties?.amount ?? { type: 'string' };
  const lines: Record<string, JsonSchema> = {};
  for (const line of invoice.lines) {
    lines[lineField(line.position)] = {
      ...lineAmount,
      'x-label': `Credit on line ${line.position} (${invoice.currency})`,
      'x-widget': 'money',
      description: `${line.description}: at most ${line.amount}.`,
    };
  }
  return {
    type: 'object',
    required: ['reason'],
    properties: {
      reason: bodyProperty(ROUTE, 'reason', {
        'x-label': 'Reason',
        'x-widget': 'textarea',
        description: 'Printed on the credit note.',
      }),
      ...lines,
    },
  };
}

/** The server's problem with its line pointers (/body/lines/0/amount) moved to the form's fields. */
function onFormFields(error: unknown, sent: readonly { readonly position: number }[]): unknown {
  if (!(error instanceof ApiError) || !error.problem.errors) return error;
  const errors = error.problem.errors.map((e) => {
    const at = /^\/body\/lines\/(\d+)\/(amount|position)$/.exec(e.pointer);
    const line = at ? sent[Number(at[1])] : undefined;
    return line ? { ...e, pointer: `/body/${lineField(line.position)}` } : e;
  });
  return new ApiError({ ...error.problem, errors });
}

export function CreditNoteForm(props: { readonly invoice: Invoice; readonly onIssued: (creditNote: Invoice) => void }) {
  const api = useApi();
  const { invoice } = props;
  const issue = async (fields: Record<string, unknown>) => {
    const lines = invoice.lines.flatMap((line) => {
      const amount = fields[lineField(line.position)];
      return typeof amount === 'string' && amount !== '' ? [{ position: line.position, amount }] : [];
    });
    try {
      const creditNote = await api.post<Invoice>(`/invoices/${invoice.id}/credit-notes`, {
        reason: fields.reason,
        ...(lines.length > 0 ? { lines } : {}),
      });
      props.onIssued(creditNote);
    } catch (error) {
      throw onFormFields(error, lines);
    }
  };
  return (
    <>
      <p>Leave every line empty to credit the whole invoice.</p>
      <SchemaForm
        id={`credit-note-${invoice.id}`}
        schema={creditNoteSchema(invoice)}
        submitLabel="Issue credit note"
        onSubmit={issue}
      />
    </>
  );
}

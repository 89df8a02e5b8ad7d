// Moving an account to another status, with the reason kept in its history: only the statuses
// the account may move to now are offered (lead → active/terminated, active → suspended/…).
import { type JsonSchema, SchemaForm, useApi } from '@dotmac/ui';
import type { ReactNode } from 'react';
import { type Account, type AccountStatus, nextStatuses } from './account.ts';
import { SECTION_STYLE } from './layout.tsx';

function statusSchema(from: AccountStatus): JsonSchema {
  return {
    type: 'object',
    required: ['status', 'reason'],
    properties: {
      status: { type: 'string', enum: [...nextStatuses(from)], 'x-label': 'New status' },
      reason: {
        type: 'string',
        minLength: 1,
        maxLength: 500,
        'x-label': 'Reason',
        description: 'Why (unpaid invoices, customer moved away…); kept in the history.',
      },
    },
  };
}

export function StatusChange(props: { readonly account: Account; readonly onChanged: () => void }): ReactNode {
  const api = useApi();
  const { account } = props;
  const change = async (value: { status: AccountStatus; reason: string }) => {
    await api.post(`/accounts/${account.id}/status`, value);
    props.onChanged();
  };
  return (
    <section aria-labelledby="customer-status-heading" style={SECTION_STYLE}>
      <h2 id="customer-status-heading">Change status</h2>
      {/* A new status offers other moves: the form starts again. */}
      <SchemaForm<{ status: AccountStatus; reason: string }>
        key={account.status}
        id="customer-status"
        schema={statusSchema(account.status)}
        onSubmit={change}
        submitLabel="Change status"
      />
    </section>
  );
}

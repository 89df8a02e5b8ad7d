// The admin portal's Audit log page (/settings/audit): the tenant's audit log, newest first, a
// page at a time, filtered by what was done (the route filters by action prefix).
import { Button, type Column, DataTable, DateText, PageFrame, StatusBadge, useCan, useKernelApi } from '@dotmac/ui';
import { type FormEvent, useId, useState } from 'react';
import { EntryDetails } from './audit/EntryDetails.tsx';
import { ACTION_SUGGESTIONS, type AuditEntry, type AuditPage, actorLabel, outcomeOf } from './audit/entry.ts';

const PERMISSION = 'kernel.audit.read';

export default function AuditLog() {
  const allowed = useCan(PERMISSION);
  return (
    <PageFrame title="Audit log">
      {allowed ? <AuditTable /> : <p>Reading the audit log needs the permission {PERMISSION}.</p>}
    </PageFrame>
  );
}

const columns: readonly Column<AuditEntry>[] = [
  { key: 'at', header: 'When', render: (entry) => <DateText value={entry.at} time /> },
  { key: 'actor', header: 'Who', render: actorLabel },
  { key: 'action', header: 'Action', render: (entry) => <code>{entry.action}</code> },
  { key: 'target', header: 'Target', render: (entry) => entry.target ?? '—' },
  {
    key: 'outcome',
    header: 'Outcome',
    render: (entry) => {
      const status = outcomeOf(entry);
      if (status === undefined) return 'Done';
      return (
        <>
          <StatusBadge status={status < 400 ? 'succeeded' : 'rejected'} /> {status}
        </>
      );
    },
  },
  { key: 'details', header: 'Details', render: (entry) => <EntryDetails entry={entry} /> },
];

function AuditTable() {
  const api = useKernelApi();
  const id = useId();
  const [typed, setTyped] = useState('');
  const [action, setAction] = useState('');

  const load = async (cursor: string | null, pageSize: number, signal: AbortSignal) => {
    const page = await api.get<AuditPage>('/audit', {
      query: { limit: pageSize, before: cursor ?? undefined, action: action || undefined },
      signal,
    });
    return { items: page.items, nextCursor: page.next === undefined ? null : String(page.next) };
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setAction(typed.trim());
  };

  return (
    <>
      <form
        onSubmit={apply}
        aria-label="Filter the audit log"
        className="dm-field"
        style={{ maxWidth: '36rem', marginBottom: '1rem' }}
      >
        <label htmlFor={`${id}-action`} className="dm-field__label">
          Action starts with
        </label>
        <input
          id={`${id}-action`}
          list={`${id}-actions`}
          aria-describedby={`${id}-hint`}
          maxLength={200}
          placeholder="user."
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
        />
        <datalist id={`${id}-actions`}>
          {ACTION_SUGGESTIONS.map((prefix) => (
            <option key={prefix} value={prefix} />
          ))}
        </datalist>
        <p id={`${id}-hint`} className="dm-field__hint">
          For example user., role., plugin. or POST.
        </p>
        <div className="dm-form__actions">
          <Button type="submit" variant="primary">
            Filter
          </Button>
          {action && (
            <Button
              variant="secondary"
              onClick={() => {
                setTyped('');
                setAction('');
              }}
            >
              Show all
            </Button>
          )}
        </div>
      </form>
      <DataTable
        caption={action ? `Audit log: actions starting with ${action}` : 'Audit log'}
        columns={columns}
        load={load}
        rowKey={(entry) => String(entry.id)}
        pageSize={50}
        reloadKey={action}
        empty={<p>Nothing recorded{action ? ' for this filter' : ''}.</p>}
      />
    </>
  );
}

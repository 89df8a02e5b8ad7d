// The "Notes" tab of a customer's page (admin portal): staff notes, pinned first; staff may write,
// pin and remove them.
import {
  Button,
  type ContributionProps,
  DateText,
  ErrorNotice,
  type JsonSchema,
  Loading,
  type Page,
  SchemaForm,
  useApi,
  useCan,
  useQuery,
} from '@dotmac/ui';
import { type ReactNode, useState } from 'react';
import { CAN_WRITE } from './account.ts';
import { Card, CardList } from './layout.tsx';

/** schemas/note.json */
interface Note {
  readonly id: string;
  readonly body: string;
  readonly pinned: boolean;
  readonly author: string;
  readonly createdAt: string;
}

/** POST /accounts/:accountId/notes's body schema (plugin.json), labelled. */
const NEW_NOTE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['body'],
  properties: {
    body: { type: 'string', minLength: 1, maxLength: 10000, 'x-label': 'Note', 'x-widget': 'textarea' },
    pinned: { type: 'boolean', default: false, 'x-label': 'Pin it', description: 'Pinned notes are listed first.' },
  },
};

export default function CustomerNotes(props: ContributionProps): ReactNode {
  const api = useApi();
  const canWrite = useCan(CAN_WRITE);
  const accountId = props.params.id ?? '';
  const [written, setWritten] = useState(0);
  const notes = useQuery(
    (signal) =>
      api.get<Page<Note>>(`/accounts/${encodeURIComponent(accountId)}/notes`, { query: { limit: 100 }, signal }),
    [accountId],
  );
  const add = async (value: { body: string; pinned?: boolean }) => {
    await api.post(`/accounts/${encodeURIComponent(accountId)}/notes`, value);
    setWritten((n) => n + 1);
    notes.reload();
  };
  const pin = async (note: Note) => {
    await api.patch(`/accounts/${encodeURIComponent(accountId)}/notes/${note.id}`, { pinned: !note.pinned });
    notes.reload();
  };
  const remove = async (note: Note) => {
    await api.delete(`/accounts/${encodeURIComponent(accountId)}/notes/${note.id}`);
    notes.reload();
  };
  return (
    <section aria-labelledby="customer-notes-heading">
      <h2 id="customer-notes-heading">Notes</h2>
      {notes.error ? <ErrorNotice error={notes.error} /> : null}
      {notes.data === undefined ? (
        notes.loading ? (
          <Loading label="Loading the notes" />
        ) : null
      ) : notes.data.items.length === 0 ? (
        <p>No notes.</p>
      ) : (
        <CardList>
          {notes.data.items.map((note) => (
            <Card key={note.id}>
              {note.pinned ? <strong>Pinned · </strong> : null}
              <DateText value={note.createdAt} time />
              <p style={{ whiteSpace: 'pre-wrap' }}>{note.body}</p>
              {canWrite ? (
                <div className="dm-row-actions">
                  <Button onClick={() => pin(note)}>{note.pinned ? 'Unpin' : 'Pin'}</Button>
                  <Button variant="danger" onClick={() => remove(note)}>
                    Remove note
                  </Button>
                </div>
              ) : null}
            </Card>
          ))}
        </CardList>
      )}
      {canWrite ? (
        <SchemaForm<{ body: string; pinned?: boolean }>
          key={written}
          id="new-note"
          schema={NEW_NOTE_SCHEMA}
          onSubmit={add}
          submitLabel="Add note"
        />
      ) : null}
    </section>
  );
}

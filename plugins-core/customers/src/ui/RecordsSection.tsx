// A section of an account's page listing records of one kind (contacts, addresses) as cards,
// with a form staff use to add one: the same shape for every kind, so each says only what differs.
import { type JsonSchema, SchemaForm, useApi } from '@dotmac/ui';
import { type ReactNode, useState } from 'react';
import { Card, CardList, SECTION_STYLE } from './layout.tsx';

export interface RecordsSectionProps<T extends { readonly id: string }> {
  /** Names the heading's id and the form's: `contacts` → customer-contacts-heading, new-contact. */
  readonly kind: { readonly plural: string; readonly singular: string };
  readonly title: string;
  /** Shown when there is none: "No contact yet." */
  readonly empty: string;
  readonly records: readonly T[];
  readonly card: (record: T) => ReactNode;
  /** The account's route that adds one (POST), relative to the plugin: `/accounts/:id/contacts`. */
  readonly addPath: string;
  readonly addSchema: JsonSchema;
  /** "Add a contact" (the disclosure) and "Add contact" (the button). */
  readonly addSummary: string;
  readonly addLabel: string;
  readonly canWrite: boolean;
  readonly onChanged: () => void;
}

export function RecordsSection<T extends { readonly id: string }>(props: RecordsSectionProps<T>): ReactNode {
  const api = useApi();
  const [added, setAdded] = useState(0);
  const add = async (value: Record<string, unknown>) => {
    await api.post(props.addPath, value);
    // A new key empties the form for the next one.
    setAdded((n) => n + 1);
    props.onChanged();
  };
  const heading = `customer-${props.kind.plural}-heading`;
  return (
    <section aria-labelledby={heading} style={SECTION_STYLE}>
      <h2 id={heading}>{props.title}</h2>
      {props.records.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        <CardList>
          {props.records.map((record) => (
            <Card key={record.id}>{props.card(record)}</Card>
          ))}
        </CardList>
      )}
      {props.canWrite ? (
        <details>
          <summary>{props.addSummary}</summary>
          <SchemaForm
            key={added}
            id={`new-${props.kind.singular}`}
            schema={props.addSchema}
            onSubmit={add}
            submitLabel={props.addLabel}
          />
        </details>
      ) : null}
    </section>
  );
}

// An account's contacts, primary first, each a link to write or call; staff may add one.
import { type JsonSchema, StatusBadge } from '@dotmac/ui';
import type { ReactNode } from 'react';
import contactInput from '../../schemas/contact-input.json' with { type: 'json' };
import type { Contact } from './account.ts';
import { RecordsSection } from './RecordsSection.tsx';

const field = contactInput.properties;

/** POST /accounts/:accountId/contacts's body schema, labelled. */
const NEW_CONTACT_SCHEMA: JsonSchema = {
  ...contactInput,
  properties: {
    name: { ...field.name, 'x-label': 'Name' },
    email: { ...field.email, 'x-label': 'Email' },
    phone: { ...field.phone, 'x-label': 'Phone' },
    role: { ...field.role, 'x-label': 'Role' },
    isPrimary: { ...field.isPrimary, 'x-label': 'Primary contact' },
    portalAccess: { ...field.portalAccess, 'x-label': 'Customer portal access' },
  },
};

/** One contact: name, role and the ways to reach them. */
export function ContactCard(props: { readonly contact: Contact }): ReactNode {
  const { contact } = props;
  return (
    <>
      <strong>{contact.name}</strong>
      {contact.isPrimary ? (
        <>
          {' '}
          <StatusBadge status="primary" />
        </>
      ) : null}
      {contact.role ? <span> · {contact.role}</span> : null}
      {contact.email ? (
        <div>
          <a href={`mailto:${contact.email}`}>{contact.email}</a>
        </div>
      ) : null}
      {contact.phone ? (
        <div>
          <a href={`tel:${contact.phone.replace(/[^+0-9]/g, '')}`}>{contact.phone}</a>
        </div>
      ) : null}
      {contact.portalAccess ? <div>Signs in to the customer portal</div> : null}
    </>
  );
}

export function ContactsSection(props: {
  readonly accountId: string;
  readonly contacts: readonly Contact[];
  readonly canWrite: boolean;
  readonly onChanged: () => void;
}): ReactNode {
  return (
    <RecordsSection
      kind={{ plural: 'contacts', singular: 'contact' }}
      title="Contacts"
      empty="No contact yet."
      records={props.contacts}
      card={(contact) => <ContactCard contact={contact} />}
      addPath={`/accounts/${props.accountId}/contacts`}
      addSchema={NEW_CONTACT_SCHEMA}
      addSummary="Add a contact"
      addLabel="Add contact"
      canWrite={props.canWrite}
      onChanged={props.onChanged}
    />
  );
}

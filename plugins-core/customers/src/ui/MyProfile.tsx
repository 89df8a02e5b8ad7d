// The customer portal's profile page (/profile): the customer's own account, their contact
// details (which they may keep up to date when their role allows it) and addresses. The password
// is changed in the shell's account menu.
import {
  ErrorNotice,
  type JsonSchema,
  Loading,
  PageFrame,
  SchemaForm,
  StatusBadge,
  useApi,
  useCan,
  useQuery,
} from '@dotmac/ui';
import { type ReactNode, useState } from 'react';
import contactInput from '../../schemas/contact-input.json' with { type: 'json' };
import { AddressCard } from './AddressesSection.tsx';
import { type Account, CAN_WRITE, type Contact } from './account.ts';
import { ContactCard } from './ContactsSection.tsx';
import { Card, CardList, Facts } from './layout.tsx';

const field = contactInput.properties;

/** What a customer may change of a contact (PATCH /accounts/:accountId/contacts/:contactId). */
const CONTACT_DETAILS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { ...field.name, 'x-label': 'Name' },
    email: { ...field.email, 'x-label': 'Email' },
    phone: { ...field.phone, 'x-label': 'Phone' },
  },
};

interface ContactDetails {
  readonly name: string;
  readonly email?: string;
  readonly phone?: string;
}

function ContactEditor(props: { readonly contact: Contact; readonly onSaved: () => void }): ReactNode {
  const api = useApi();
  const { contact } = props;
  const [saved, setSaved] = useState(false);
  const save = async (value: ContactDetails) => {
    setSaved(false);
    await api.patch(`/accounts/${contact.accountId}/contacts/${contact.id}`, value);
    setSaved(true);
    props.onSaved();
  };
  return (
    <details>
      <summary>Change {contact.name}’s details</summary>
      <SchemaForm<ContactDetails>
        id={`contact-${contact.id}`}
        schema={CONTACT_DETAILS_SCHEMA}
        initial={{ name: contact.name, email: contact.email ?? undefined, phone: contact.phone ?? undefined }}
        onSubmit={save}
        submitLabel="Save contact details"
      />
      {saved ? <p role="status">Saved.</p> : null}
    </details>
  );
}

export default function MyProfile(): ReactNode {
  const api = useApi();
  const canChange = useCan(CAN_WRITE);
  const me = useQuery((signal) => api.get<Account>('/me', { signal }), []);
  const account = me.data;
  if (!account) {
    return (
      <PageFrame title="Profile">
        {me.error ? <ErrorNotice error={me.error} /> : <Loading label="Loading your profile" />}
      </PageFrame>
    );
  }
  return (
    <PageFrame title="Profile">
      <Facts>
        <dt>Name</dt>
        <dd>{account.name}</dd>
        <dt>Account number</dt>
        <dd>{account.number}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={account.status} />
        </dd>
      </Facts>
      <section aria-labelledby="profile-contacts-heading">
        <h2 id="profile-contacts-heading">Contact details</h2>
        <CardList>
          {account.contacts.map((contact) => (
            <Card key={contact.id}>
              <ContactCard contact={contact} />
              {canChange ? <ContactEditor contact={contact} onSaved={me.reload} /> : null}
            </Card>
          ))}
        </CardList>
        {canChange ? null : <p>To change your contact details, please contact us.</p>}
      </section>
      <section aria-labelledby="profile-addresses-heading">
        <h2 id="profile-addresses-heading">Addresses</h2>
        {account.addresses.length === 0 ? (
          <p>No address on file.</p>
        ) : (
          <CardList>
            {account.addresses.map((address) => (
              <Card key={address.id}>
                <AddressCard address={address} />
              </Card>
            ))}
          </CardList>
        )}
      </section>
    </PageFrame>
  );
}

// The technician portal's customer details (/customers/:id), for a phone: who to ask for and
// how to call them, where the service is (with a map link), the account's status, then the tabs
// other plugins add (the customer's services, equipment…).
import {
  type ContributionProps,
  ErrorNotice,
  Loading,
  PageFrame,
  Slot,
  StatusBadge,
  useApi,
  useQuery,
} from '@dotmac/ui';
import type { ReactNode } from 'react';
import { AddressCard } from './AddressesSection.tsx';
import type { Account } from './account.ts';
import { ContactCard } from './ContactsSection.tsx';
import { Card, CardList, SECTION_STYLE } from './layout.tsx';

export default function TechnicianCustomer(props: ContributionProps): ReactNode {
  const api = useApi();
  const accountId = props.params.id ?? '';
  const { data: account, error } = useQuery(
    (signal) => api.get<Account>(`/accounts/${encodeURIComponent(accountId)}`, { signal }),
    [accountId],
  );
  if (!account) {
    return (
      <PageFrame title="Customer">
        {error ? <ErrorNotice error={error} /> : <Loading label="Loading the customer" />}
      </PageFrame>
    );
  }
  const serviceAddresses = account.addresses.filter((a) => a.kind === 'service');
  return (
    <PageFrame title={account.name}>
      <p>
        {account.number} · <StatusBadge status={account.status} />
      </p>
      <section aria-labelledby="technician-contacts-heading">
        <h2 id="technician-contacts-heading">Contacts</h2>
        {account.contacts.length === 0 ? (
          <p>No contact on file.</p>
        ) : (
          <CardList>
            {account.contacts.map((contact) => (
              <Card key={contact.id}>
                <ContactCard contact={contact} />
              </Card>
            ))}
          </CardList>
        )}
      </section>
      <section aria-labelledby="technician-address-heading">
        <h2 id="technician-address-heading">Service address</h2>
        {serviceAddresses.length === 0 ? (
          <p>No service address on file.</p>
        ) : (
          <CardList>
            {serviceAddresses.map((address) => (
              <Card key={address.id}>
                <AddressCard address={address} />
              </Card>
            ))}
          </CardList>
        )}
      </section>
      <div style={SECTION_STYLE}>
        <Slot name="detail-tab" path="/customers/:id" params={props.params} />
      </div>
    </PageFrame>
  );
}

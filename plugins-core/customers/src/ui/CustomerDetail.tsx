// A customer's page (/customers/:id, admin and reseller portals): the account's facts, its
// status (staff may change it), contacts and addresses, then the tabs other plugins add
// (services, invoices, network…) through the detail-tab slot.
import { type ContributionProps, ErrorNotice, Loading, PageFrame, Slot, useApi, useCan, useQuery } from '@dotmac/ui';
import type { ReactNode } from 'react';
import { AccountFacts } from './AccountFacts.tsx';
import { AddressesSection } from './AddressesSection.tsx';
import { type Account, CAN_WRITE } from './account.ts';
import { ContactsSection } from './ContactsSection.tsx';
import { SECTION_STYLE } from './layout.tsx';
import NewCustomer from './NewCustomer.tsx';
import { StatusChange } from './StatusChange.tsx';

function CustomerPage(props: ContributionProps & { readonly accountId: string }): ReactNode {
  const api = useApi();
  const canWrite = useCan(CAN_WRITE);
  const { accountId } = props;
  const {
    data: account,
    error,
    reload,
  } = useQuery((signal) => api.get<Account>(`/accounts/${encodeURIComponent(accountId)}`, { signal }), [accountId]);
  if (!account) {
    return (
      <PageFrame title="Customer">
        {error ? <ErrorNotice error={error} /> : <Loading label="Loading the customer" />}
      </PageFrame>
    );
  }
  return (
    <PageFrame title={account.name}>
      <AccountFacts account={account} />
      {canWrite ? <StatusChange account={account} onChanged={reload} /> : null}
      <ContactsSection accountId={account.id} contacts={account.contacts} canWrite={canWrite} onChanged={reload} />
      <AddressesSection accountId={account.id} addresses={account.addresses} canWrite={canWrite} onChanged={reload} />
      <div style={SECTION_STYLE}>
        <Slot name="detail-tab" path="/customers/:id" params={props.params} />
      </div>
    </PageFrame>
  );
}

export default function CustomerDetail(props: ContributionProps): ReactNode {
  const accountId = props.params.id ?? '';
  // Should the shell match /customers/new against this route's /customers/:id, the form is what is meant.
  if (accountId === 'new') return <NewCustomer />;
  return <CustomerPage {...props} accountId={accountId} />;
}

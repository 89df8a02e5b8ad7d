// The admin portal's create-customer page (/customers/new): SchemaForm over POST /accounts's
// body schema; the server's field problems show beside the fields.
import { PageFrame, SchemaForm, useApi, useNavigate } from '@dotmac/ui';
import type { Account } from './account.ts';
import { asFormError, NEW_CUSTOMER_SCHEMA, type NewCustomerValues, newAccountBody } from './new-customer-form.ts';

/** The form alone, for the page and for CustomerDetail when the shell routes /customers/new to it. */
export function NewCustomerForm() {
  const api = useApi();
  const navigate = useNavigate();
  const create = async (values: NewCustomerValues) => {
    let created: Account;
    try {
      created = await api.post<Account>('/accounts', newAccountBody(values));
    } catch (error) {
      throw asFormError(error);
    }
    navigate(`/customers/${created.id}`);
  };
  return (
    <SchemaForm<NewCustomerValues>
      id="new-customer"
      schema={NEW_CUSTOMER_SCHEMA}
      onSubmit={create}
      submitLabel="Create customer"
    />
  );
}

export default function NewCustomer() {
  return (
    <PageFrame title="New customer">
      <NewCustomerForm />
    </PageFrame>
  );
}

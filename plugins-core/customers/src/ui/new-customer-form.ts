// The create-customer form: POST /accounts's body schema (schemas/account-input.json) laid out
// for people — the customer's own email and phone as the primary contact, one service address —
// and turned back into the body, with the server's field problems pointed at the form's fields.
import { ApiError, type JsonSchema } from '@dotmac/ui';
import accountInput from '../../schemas/account-input.json' with { type: 'json' };

const account = accountInput.properties;
const contact = account.contacts.items.properties;
const address = account.addresses.items.properties;

/** The form's fields, each a property of the body schema (or of its first contact and address). */
export const NEW_CUSTOMER_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'kind'],
  properties: {
    name: { ...account.name, 'x-label': 'Name' },
    kind: { ...account.kind, default: 'residential', 'x-label': 'Kind' },
    status: { ...account.status, 'x-label': 'Status', description: 'lead: a prospect, not yet a customer.' },
    email: { ...contact.email, 'x-label': 'Email' },
    phone: { ...contact.phone, 'x-label': 'Phone' },
    portalAccess: { ...contact.portalAccess, 'x-label': 'Customer portal access' },
    serviceAddress: {
      type: 'object',
      'x-label': 'Service address',
      description: 'Where the customer is connected; leave empty to add it later.',
      required: ['street', 'city', 'country'],
      properties: {
        label: { ...address.label, 'x-label': 'Place name' },
        street: { ...address.street, 'x-label': 'Street' },
        city: { ...address.city, 'x-label': 'City' },
        region: { ...address.region, 'x-label': 'Region' },
        postalCode: { ...address.postalCode, 'x-label': 'Postal code' },
        country: { ...address.country, 'x-label': 'Country' },
      },
    },
    currency: {
      ...account.currency,
      'x-label': 'Currency',
      description: "ISO 4217 code (USD, EUR, NGN); empty: the payer's, else the ISP's default.",
    },
    number: {
      ...account.number,
      'x-label': 'Account number',
      description: 'To keep the number from another system; empty: the next number.',
    },
  },
};

/** What the form submits. */
export interface NewCustomerValues {
  readonly name: string;
  readonly kind: 'residential' | 'business';
  readonly status?: 'lead' | 'active';
  readonly email?: string;
  readonly phone?: string;
  readonly portalAccess?: boolean;
  readonly serviceAddress?: Readonly<Record<string, string>>;
  readonly currency?: string;
  readonly number?: string;
}

/** POST /accounts's body for the form's values: the customer is their own primary contact. */
export function newAccountBody(values: NewCustomerValues): Record<string, unknown> {
  const { email, phone, portalAccess, serviceAddress, ...account } = values;
  const hasContact = Boolean(email || phone || portalAccess);
  return {
    ...account,
    ...(hasContact && {
      contacts: [
        {
          name: values.name,
          ...(email && { email }),
          ...(phone && { phone }),
          ...(portalAccess && { portalAccess: true }),
        },
      ],
    }),
    ...(serviceAddress && { addresses: [{ kind: 'service', ...serviceAddress }] }),
  };
}

/** The form field a body pointer names: /body/contacts/0/email → /body/email, /body/addresses/0/city → /body/serviceAddress/city. */
export function formPointer(pointer: string): string {
  return pointer
    .replace(/^\/body\/contacts\/0\/name$/, '/body/name')
    .replace(/^\/body\/contacts\/0\//, '/body/')
    .replace(/^\/body\/addresses\/0\//, '/body/serviceAddress/');
}

/** The server's refusal with its field problems pointed at the form's fields. */
export function asFormError(error: unknown): unknown {
  if (!(error instanceof ApiError) || !error.problem.errors) return error;
  return new ApiError({
    ...error.problem,
    errors: error.problem.errors.map((problem) => ({ ...problem, pointer: formPointer(problem.pointer) })),
  });
}

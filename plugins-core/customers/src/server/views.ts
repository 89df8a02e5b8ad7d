// Rows as the database answers them and the shapes the API answers (schemas/*.json). Rows
// cross the sandbox boundary as JSON: timestamps arrive as ISO strings.
import type { AccountStatus } from './status.ts';

export type AccountKind = 'residential' | 'business';

/** An accounts row joined with its primary contact (ACCOUNT_COLUMNS). */
export interface AccountRow {
  readonly id: string;
  readonly number: string;
  readonly kind: AccountKind;
  readonly name: string;
  readonly status: AccountStatus;
  readonly parent_id: string | null;
  readonly reseller_id: string | null;
  readonly currency: string;
  readonly tags: string[];
  readonly custom: Record<string, string | number | boolean>;
  readonly created_at: string;
  readonly updated_at: string;
  readonly pc_id: string | null;
  readonly pc_name: string | null;
  readonly pc_email: string | null;
  readonly pc_phone: string | null;
}

/** What selecting `from accounts a` + ACCOUNT_JOIN answers as an AccountRow. */
export const ACCOUNT_COLUMNS = `a.id, a.number, a.kind, a.name, a.status, a.parent_id, a.reseller_id, a.currency, a.tags, a.custom,
  a.created_at, a.updated_at, pc.id as pc_id, pc.name as pc_name, pc.email as pc_email, pc.phone as pc_phone`;
export const ACCOUNT_JOIN = 'left join contacts pc on pc.account_id = a.id and pc.is_primary';

export interface ContactRow {
  readonly id: string;
  readonly account_id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly role: string | null;
  readonly is_primary: boolean;
  readonly portal_access: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}
export const CONTACT_COLUMNS =
  'id, account_id, name, email, phone, role, is_primary, portal_access, created_at, updated_at';

export interface AddressRow {
  readonly id: string;
  readonly account_id: string;
  readonly kind: 'service' | 'billing';
  readonly label: string | null;
  readonly street: string;
  readonly city: string;
  readonly region: string | null;
  readonly postal_code: string | null;
  readonly country: string;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly created_at: string;
  readonly updated_at: string;
}
export const ADDRESS_COLUMNS =
  'id, account_id, kind, label, street, city, region, postal_code, country, lat, lon, created_at, updated_at';

export const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

/** An account as lists answer it (schemas/account-page.json items). */
export function toAccountSummary(row: AccountRow) {
  return {
    id: row.id,
    number: row.number,
    kind: row.kind,
    name: row.name,
    status: row.status,
    parentId: row.parent_id,
    payerId: row.parent_id ?? row.id,
    resellerId: row.reseller_id,
    currency: row.currency,
    tags: row.tags,
    custom: row.custom,
    primaryContact:
      row.pc_id === null
        ? null
        : { id: row.pc_id, name: row.pc_name as string, email: row.pc_email, phone: row.pc_phone },
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
}

/** An account with its contacts and addresses (schemas/account.json). */
export function toAccount(row: AccountRow, contacts: readonly ContactRow[], addresses: readonly AddressRow[]) {
  return { ...toAccountSummary(row), contacts: contacts.map(toContact), addresses: addresses.map(toAddress) };
}

export type AccountView = ReturnType<typeof toAccount>;

/** schemas/contact.json */
export function toContact(row: ContactRow) {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    role: row.role,
    isPrimary: row.is_primary,
    portalAccess: row.portal_access,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
}

/** schemas/address.json */
export function toAddress(row: AddressRow) {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind,
    label: row.label,
    street: row.street,
    city: row.city,
    region: row.region,
    postalCode: row.postal_code,
    country: row.country,
    lat: row.lat,
    lon: row.lon,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
}

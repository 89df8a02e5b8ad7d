// The shapes the customers API answers (schemas/*.json), as the screens read them.
export { nextStatuses } from '../server/status.ts';

import type { AccountStatus } from '../server/status.ts';

export type { AccountStatus };

/** schemas/contact.json */
export interface Contact {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly role: string | null;
  readonly isPrimary: boolean;
  readonly portalAccess: boolean;
}

/** schemas/address.json */
export interface Address {
  readonly id: string;
  readonly accountId: string;
  readonly kind: 'service' | 'billing';
  readonly label: string | null;
  readonly street: string;
  readonly city: string;
  readonly region: string | null;
  readonly postalCode: string | null;
  readonly country: string;
  readonly lat: number | null;
  readonly lon: number | null;
}

/** An account as GET /accounts lists it (schemas/account-page.json). */
export interface AccountSummary {
  readonly id: string;
  readonly number: string;
  readonly kind: 'residential' | 'business';
  readonly name: string;
  readonly status: AccountStatus;
  readonly parentId: string | null;
  readonly payerId: string;
  readonly resellerId: string | null;
  readonly currency: string;
  readonly tags: readonly string[];
  readonly primaryContact: {
    readonly id: string;
    readonly name: string;
    readonly email: string | null;
    readonly phone: string | null;
  } | null;
  readonly createdAt: string;
}

/** An account with its contacts and addresses (schemas/account.json). */
export interface Account extends AccountSummary {
  readonly contacts: readonly Contact[];
  readonly addresses: readonly Address[];
}

/** GET /stats */
export interface AccountStats {
  readonly total: number;
  readonly byStatus: Readonly<Record<AccountStatus, number>>;
  readonly since: string;
  readonly createdSince: number;
}

/** The permissions the screens check before offering a change. */
export const CAN_READ = 'dotmac.customers.accounts.read';
export const CAN_WRITE = 'dotmac.customers.accounts.write';

/** An address on one line: "7 Main Street, 94110 Springfield, CA, US". */
export function addressLine(address: Address): string {
  const town = [address.postalCode, address.city].filter(Boolean).join(' ');
  return [address.street, town, address.region, address.country].filter(Boolean).join(', ');
}

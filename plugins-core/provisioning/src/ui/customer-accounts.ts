// Customers' names and service addresses from dotmac.customers, for screens that list services
// by account. The caller may not be allowed to read accounts (a technician without the
// permission) or the plugin may be off: then an account is simply not known, never an error.
import type { ApiClient } from '@dotmac/ui';

/** An account's address as dotmac.customers answers it (schemas/address.json, the fields used). */
interface Address {
  readonly kind: 'service' | 'billing';
  readonly label: string | null;
  readonly street: string;
  readonly city: string;
  readonly postalCode: string | null;
}

/** What GET /accounts/:id answers (the fields used). */
interface Account {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly addresses: readonly Address[];
}

/** Who a service is for, as a screen names them. */
export interface CustomerBrief {
  readonly name: string;
  readonly number: string;
  /** The first service address, in one line; null when the account has none. */
  readonly serviceAddress: string | null;
}

const oneLine = (address: Address) =>
  [address.label, address.street, [address.postalCode, address.city].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');

/** The accounts `ids` names, by id; an account that cannot be read is left out. */
export async function customerBriefs(
  customers: ApiClient,
  ids: readonly string[],
  signal: AbortSignal,
): Promise<ReadonlyMap<string, CustomerBrief>> {
  const found = await Promise.all(
    [...new Set(ids)].map(async (id) => {
      try {
        const account = await customers.get<Account>(`/accounts/${encodeURIComponent(id)}`, { signal });
        const service = account.addresses.find((address) => address.kind === 'service');
        const brief: CustomerBrief = {
          name: account.name,
          number: account.number,
          serviceAddress: service ? oneLine(service) : null,
        };
        return [id, brief] as const;
      } catch (error) {
        if (signal.aborted) throw error;
        return undefined;
      }
    }),
  );
  return new Map(found.filter((entry) => entry !== undefined));
}

// The services of one customer for the Access tab: those provisioning knows (GET
// /services?accountId) and the account's subscriptions not activated yet, whose credentials may
// be set ahead, named by their plan (from dotmac.subscriptions; left out when that cannot be read).
import type { ApiClient, Page } from '@dotmac/ui';
import type { Service, ServiceEntry } from './service-types.ts';

/** A subscription as dotmac.subscriptions answers it (the fields used; the plan's name arrives with its events). */
interface SubscriptionSummary {
  readonly id: string;
  readonly status: 'pending' | 'active' | 'suspended' | 'cancelled';
  readonly plan: { readonly name?: string };
}

/** A customer has few services: one page of each list holds them. */
const MOST = 200;

export async function customerServices(
  provisioning: ApiClient,
  subscriptions: ApiClient,
  accountId: string,
  signal: AbortSignal,
): Promise<ServiceEntry[]> {
  const [known, owned] = await Promise.all([
    provisioning.get<Page<Service>>('/services', { query: { accountId, limit: MOST }, signal }),
    subscriptions
      .get<Page<SubscriptionSummary>>('/subscriptions', { query: { accountId, limit: MOST }, signal })
      .catch((error: unknown) => {
        if (signal.aborted) throw error;
        return { items: [], nextCursor: null };
      }),
  ]);
  const nameOf = (id: string) => owned.items.find((s) => s.id === id)?.plan.name;
  const entries: ServiceEntry[] = known.items.map((service) => ({
    subscriptionId: service.subscriptionId,
    name: nameOf(service.subscriptionId),
    state: service.state,
    access: service.access,
  }));
  for (const subscription of owned.items) {
    if (subscription.status === 'pending' && !entries.some((entry) => entry.subscriptionId === subscription.id)) {
      entries.push({ subscriptionId: subscription.id, name: subscription.plan.name, state: null, access: null });
    }
  }
  return entries;
}

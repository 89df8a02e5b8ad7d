// A technician's work for today, from provisioning: services that failed, that wait for their
// installation (no access credentials yet) and that are being activated, each with the customer's
// name and service address when dotmac.customers lets the technician read them.
import type { ApiClient, Page } from '@dotmac/ui';
import { type CustomerBrief, customerBriefs } from './customer-accounts.ts';
import type { Service, ServiceState } from './service-types.ts';

/** The kinds of work, most urgent first, and the state of the services each holds. */
export const WORK_KINDS = [
  { state: 'failed', title: 'Failed activations', empty: 'No failed activation.' },
  { state: 'awaiting-credentials', title: 'Waiting for installation', empty: 'Nothing waits for installation.' },
  { state: 'provisioning', title: 'Being activated', empty: 'Nothing is being activated.' },
] as const satisfies readonly { state: ServiceState; title: string; empty: string }[];

export type WorkState = (typeof WORK_KINDS)[number]['state'];

/** One job: a service and who it is for. */
export interface Job {
  readonly service: Service;
  readonly customer: CustomerBrief | undefined;
}

export type TodaysWork = Readonly<Record<WorkState, readonly Job[]>>;

/** Jobs listed per kind (the oldest waiting are the ones the list leaves out past it). */
const PER_KIND = 100;

/** The jobs of each kind; with `customers`, each names its customer (a call per account). */
export async function loadTodaysWork(
  provisioning: ApiClient,
  customers: ApiClient | null,
  signal: AbortSignal,
): Promise<TodaysWork> {
  const pages = await Promise.all(
    WORK_KINDS.map(({ state }) =>
      provisioning.get<Page<Service>>('/services', { query: { state, limit: PER_KIND }, signal }),
    ),
  );
  const services = pages.flatMap((page) => page.items);
  const briefs = customers
    ? await customerBriefs(
        customers,
        services.map((service) => service.accountId),
        signal,
      )
    : new Map<string, CustomerBrief>();
  const jobsOf = (index: number) =>
    (pages[index]?.items ?? []).map((service) => ({ service, customer: briefs.get(service.accountId) }));
  return { failed: jobsOf(0), 'awaiting-credentials': jobsOf(1), provisioning: jobsOf(2) };
}

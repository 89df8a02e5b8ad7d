// The world provisioning lives in, as the tests drive it: stand-ins for dotmac.network and
// dotmac.radius (test/fixtures/, each recording its calls in its own table and refusing what the
// tenant's config tells it to), a stand-in for dotmac.billing that declares its service.* events,
// the subscription.* events as dotmac.subscriptions publishes them, and the plugin's API.
import { randomUUID } from 'node:crypto';
import { createTestbed, type Testbed, type TestResponse } from '@dotmac/sdk/testing';
import { expect } from 'vitest';

/**
 * The stand-ins, in activation order. Against the real plugins: customers, catalog,
 * subscriptions, billing, network and radius of plugins-core/ (the real dotmac.radius depends on
 * dotmac.billing, so the real billing replaces the stand-in; see README.md).
 */
export const DEPENDENCIES = [
  new URL('../fixtures/network/', import.meta.url),
  new URL('../fixtures/radius/', import.meta.url),
  new URL('../fixtures/billing/', import.meta.url),
];

export const START = '2026-03-02T08:00:00.000Z';

/** A testbed with provisioning and its stand-ins, the clock at START. */
export function startWorld(): Promise<Testbed> {
  return createTestbed({ with: DEPENDENCIES, clock: START });
}

/** A new tenant whose retries come at once (retryDelaySeconds 0), with more settings if given. */
export async function newTenant(bed: Testbed, config: Record<string, unknown> = {}): Promise<string> {
  const tenant = await bed.tenant();
  await bed.setConfig(tenant, { retryDelaySeconds: 0, ...config });
  return tenant;
}

/** Answers the body of a response that must have `status`, showing the body when it has not. */
export function expectStatus<T>(response: TestResponse<T>, status: number): T {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

// --- the subscription.* and service.* events --------------------------------------------------

/** An internet plan's service, as dotmac.catalog describes it. */
export interface Internet {
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly burstKbps?: number | null;
  readonly burstThresholdKbps?: number | null;
  readonly burstTimeSeconds?: number | null;
  readonly priority?: number;
  readonly dataCapGb?: number | null;
  readonly fairUse?: { readonly policy: 'throttle' | 'overage'; readonly throttleKbps?: number } | null;
}

/** A plan version as the subscription.* events carry it. */
export interface EventPlan {
  readonly id: string;
  readonly code: string;
  readonly internet: Internet | null;
  readonly [key: string]: unknown;
}

export const PLAN_IDS = {
  fibre100: '11111111-1111-4111-8111-111111111100',
  fibre500: '11111111-1111-4111-8111-111111111500',
  tv: '11111111-1111-4111-8111-11111111aaaa',
};

/** A plan as the events carry it. */
export function plan(id: string, code: string, internet: Internet | null): EventPlan {
  return {
    id,
    code,
    name: code,
    kind: internet ? 'internet' : 'tv',
    version: 1,
    price: '29.90',
    prices: { EUR: '29.90' },
    billingCycle: 'monthly',
    payment: 'prepaid',
    taxClass: 'standard',
    contractMonths: 0,
    earlyTerminationFee: null,
    internet: internet && {
      burstKbps: null,
      burstThresholdKbps: null,
      burstTimeSeconds: null,
      priority: 4,
      dataCapGb: null,
      fairUse: null,
      ...internet,
    },
  };
}

export const PLANS = {
  fibre100: plan(PLAN_IDS.fibre100, 'FIBRE-100', {
    downloadKbps: 100_000,
    uploadKbps: 20_000,
    burstKbps: 150_000,
    burstThresholdKbps: 80_000,
    burstTimeSeconds: 30,
  }),
  fibre500: plan(PLAN_IDS.fibre500, 'FIBRE-500', {
    downloadKbps: 500_000,
    uploadKbps: 100_000,
    dataCapGb: 1000,
    fairUse: { policy: 'throttle', throttleKbps: 10_000 },
  }),
  tv: plan(PLAN_IDS.tv, 'TV-BASIC', null),
};

/** One subscriber's service: its subscription, account and plan. */
export interface Subscriber {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly plan: EventPlan;
}

export function subscriber(planOf: EventPlan = PLANS.fibre100, accountId: string = randomUUID()): Subscriber {
  return { subscriptionId: randomUUID(), accountId, plan: planOf };
}

/** The fields every subscription.* event carries. */
function common(s: Subscriber, status: string, planOf: EventPlan = s.plan) {
  return {
    subscriptionId: s.subscriptionId,
    accountId: s.accountId,
    payerId: s.accountId,
    currency: 'EUR',
    status,
    plan: planOf,
    activatedAt: START,
    termEndsAt: null,
    nextCycleAt: '2026-04-02T08:00:00.000Z',
  };
}

export const events = {
  activated: (s: Subscriber) => ({ ...common(s, 'active'), previousStatus: 'pending' }),
  planChanged: (s: Subscriber, to: EventPlan, options: { scheduled?: boolean; status?: string } = {}) => ({
    ...common(s, options.status ?? 'active', options.scheduled ? s.plan : to),
    from: s.plan,
    to,
    direction: 'upgrade',
    scheduled: options.scheduled ?? false,
    effectiveAt: START,
  }),
  suspended: (s: Subscriber, reason: 'manual' | 'dunning') => ({
    ...common(s, 'suspended'),
    previousStatus: 'active',
    reason,
    note: null,
    suspendedAt: START,
  }),
  resumed: (s: Subscriber, reason: 'manual' | 'dunning' = 'manual') => ({
    ...common(s, 'active'),
    previousStatus: 'suspended',
    reason,
    suspendedReason: reason,
    suspendedAt: START,
    resumedAt: START,
  }),
  cancelled: (s: Subscriber, options: { scheduled?: boolean } = {}) => ({
    ...common(s, options.scheduled ? 'active' : 'cancelled'),
    previousStatus: 'active',
    when: options.scheduled ? 'end-of-term' : 'now',
    scheduled: options.scheduled ?? false,
    effectiveAt: START,
    earlyTermination: false,
    earlyTerminationFee: null,
  }),
  suspensionRequested: (accountId: string, subscriptionIds: string[], mode: 'walled-garden' | 'reject') => ({
    accountId,
    subscriptionIds,
    invoiceIds: [randomUUID()],
    mode,
    requestedAt: START,
  }),
  restoreRequested: (accountId: string, subscriptionIds: string[]) => ({
    accountId,
    subscriptionIds,
    invoiceIds: [randomUUID()],
    requestedAt: START,
  }),
  terminationRequested: (accountId: string, subscriptionIds: string[]) => ({
    accountId,
    subscriptionIds,
    invoiceIds: [randomUUID()],
    requestedAt: START,
  }),
};

/** Publishes an event as its plugin does, and waits until it is handled and every job it started is done. */
export async function publish(
  bed: Testbed,
  tenant: string,
  name: string,
  payload: Record<string, unknown>,
): Promise<string> {
  const id = await bed.publish(tenant, name, payload);
  await bed.delivered(id);
  await bed.settle();
  return id;
}

// --- the plugin's API -------------------------------------------------------------------------

/** A service as the API answers it (schemas/service.json). */
export interface Service {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly state: string;
  readonly desired: string;
  readonly accessState: string;
  readonly plan: Record<string, unknown> & { readonly downloadKbps: number; readonly uploadKbps: number };
  readonly suspension: { readonly subscription: unknown; readonly billing: unknown };
  readonly ended: string | null;
  readonly access: Record<string, unknown> | null;
  readonly addresses: { readonly ipv4: string | null; readonly ipv6Prefix: string | null };
  readonly revision: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly history?: readonly HistoryItem[];
}

export interface HistoryItem {
  readonly step: string;
  readonly outcome: string;
  readonly detail: string;
  readonly attempt: number | null;
  readonly state: string;
  readonly eventId: string | null;
  readonly at: string;
}

/** A refusal, as problem+json. */
export interface Problem {
  readonly status: number;
  readonly detail: string;
  readonly errors?: { readonly pointer: string; readonly detail: string }[];
}

export async function readService(bed: Testbed, tenant: string, subscriptionId: string): Promise<Service> {
  return expectStatus(await bed.request<Service>(tenant, `GET /services/${subscriptionId}`), 200);
}

/** Sets PPPoE credentials (expects 200). */
export async function setPppoe(
  bed: Testbed,
  tenant: string,
  subscriptionId: string,
  username: string,
  password = 'correct-horse',
): Promise<Record<string, unknown>> {
  const answer = await bed.request<Record<string, unknown>>(tenant, `PUT /services/${subscriptionId}/access`, {
    access: 'pppoe',
    username,
    password,
  });
  expectStatus(answer, 200);
  await bed.settle();
  return answer.body;
}

/** A subscriber activated, with PPPoE credentials, provisioned (expects active). */
export async function activeSubscriber(
  bed: Testbed,
  tenant: string,
  username: string,
  planOf: EventPlan = PLANS.fibre100,
  accountId?: string,
): Promise<Subscriber> {
  const s = subscriber(planOf, accountId);
  await setPppoe(bed, tenant, s.subscriptionId, username);
  await publish(bed, tenant, 'subscription.activated', events.activated(s));
  expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('active');
  return s;
}

// --- what the stand-ins recorded --------------------------------------------------------------

export interface Call {
  readonly fn: string;
  readonly input: Record<string, unknown>;
  readonly outcome: 'ok' | 'refused';
}

/** The calls a stand-in got for the tenant (about one subscription, when given), oldest first. */
export async function callsTo(
  bed: Testbed,
  plugin: 'network' | 'radius',
  tenant: string,
  subscriptionId?: string,
): Promise<Call[]> {
  return bed.query<Call>(
    `select fn, input, outcome from "plugin_dotmac_${plugin}".calls
      where tenant_id = $1 and ($2::text is null or input ->> 'subscriptionId' = $2) order by seq`,
    [tenant, subscriptionId ?? null],
  );
}

/** The stand-in's AAA account of the subscription. */
export async function aaaAccount(bed: Testbed, subscriptionId: string) {
  const [account] = await bed.query<{
    username: string;
    state: string;
    framed_ip: string | null;
    framed_ipv6_prefix: string | null;
    download_kbps: number;
    upload_kbps: number;
  }>('select * from "plugin_dotmac_radius".accounts where subscription_id = $1', [subscriptionId]);
  return account;
}

/** The stand-in's address assignments of the subscription. */
export async function assignments(bed: Testbed, subscriptionId: string) {
  return bed.query<{ family: string; address: string }>(
    'select family, address from "plugin_dotmac_network".assignments where subscription_id = $1 order by family',
    [subscriptionId],
  );
}

/** Tells a stand-in which of its functions refuse every call for the tenant ([]: none). */
export async function failing(bed: Testbed, tenant: string, plugin: 'network' | 'radius', fns: string[]) {
  await bed.setConfig(tenant, { fail: fns }, `dotmac.${plugin}`);
}

/** The provisioning.service-state-changed events of the subscription, as [previousState, state]. */
export async function stateChanges(bed: Testbed, tenant: string, subscriptionId: string): Promise<string[][]> {
  const published = await bed.events({ tenant, name: 'provisioning.service-state-changed' });
  return published
    .filter((e) => e.payload.subscriptionId === subscriptionId)
    .map((e) => [String(e.payload.previousState), String(e.payload.state)]);
}

/** Waits until `check` answers true (polling), for what settles outside the bus and the queue. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

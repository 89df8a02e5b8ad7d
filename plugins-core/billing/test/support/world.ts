// The world billing lives in, as the tests drive it: the real dotmac.customers, dotmac.catalog
// and dotmac.subscriptions beside it, and one call per step a customer's life takes (an account,
// a plan, a subscription activated, changed or cancelled), each waited for until billing has
// seen its event.
import type { Testbed, TestResponse } from '@dotmac/sdk/testing';
import { expect } from 'vitest';

/** The plugins billing needs, in activation order. */
export const DEPENDENCIES = [
  new URL('../../../customers/', import.meta.url),
  new URL('../../../catalog/', import.meta.url),
  new URL('../../../subscriptions/', import.meta.url),
];

/** A plan as dotmac.catalog's POST /plans takes it, in part. */
export interface NewPlan {
  readonly code: string;
  readonly name: string;
  readonly prices: Readonly<Record<string, string>>;
  readonly billingCycle?: 'monthly' | 'quarterly' | 'yearly';
  readonly payment?: 'prepaid' | 'postpaid';
  readonly taxClass?: string;
  readonly contractMonths?: number;
  readonly earlyTerminationFee?: Readonly<Record<string, string>>;
  readonly internet?: Record<string, unknown>;
}

/** Answers the body of a response that must have `status`, showing the body when it has not. */
export function expectStatus<T>(response: TestResponse<T>, status: number): T {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

/** Opens an active account; answers its id. */
export async function openAccount(
  bed: Testbed,
  tenant: string,
  currency = 'USD',
  name = 'Ada Lovelace',
): Promise<string> {
  const opened = await bed.request<{ id: string }>(
    tenant,
    'POST /accounts',
    { kind: 'residential', name, currency, status: 'active' },
    { plugin: 'dotmac.customers' },
  );
  return expectStatus(opened, 201).id;
}

/** Publishes a plan in force from now; answers its id. */
export async function publishPlan(bed: Testbed, tenant: string, plan: NewPlan): Promise<string> {
  const published = await bed.request<{ id: string }>(
    tenant,
    'POST /plans',
    {
      kind: 'internet',
      billingCycle: 'monthly',
      payment: 'prepaid',
      contractMonths: 0,
      internet: { downloadKbps: 20_000, uploadKbps: 5_000 },
      ...plan,
    },
    { plugin: 'dotmac.catalog' },
  );
  return expectStatus(published, 201).id;
}

/** Orders and activates a subscription; answers its id once billing has seen it. */
export async function subscribe(bed: Testbed, tenant: string, accountId: string, planId: string): Promise<string> {
  const ordered = await bed.request<{ id: string }>(
    tenant,
    'POST /subscriptions',
    { accountId, planId },
    { plugin: 'dotmac.subscriptions' },
  );
  const { id } = expectStatus(ordered, 201);
  await subscriptionCommand(bed, tenant, id, 'activate', {});
  return id;
}

/** Runs a subscription command (activate, change-plan, suspend, resume, cancel) and waits for billing to see it. */
export async function subscriptionCommand(
  bed: Testbed,
  tenant: string,
  id: string,
  command: string,
  body: Record<string, unknown>,
): Promise<void> {
  const done = await bed.request(tenant, `POST /subscriptions/${id}/${command}`, body, {
    plugin: 'dotmac.subscriptions',
  });
  expectStatus(done, 200);
  await bed.settle();
}

/** A billing run for `day`, waited for until every chunk is done; answers the run. */
export async function runBilling(bed: Testbed, tenant: string, day: string, dryRun = false): Promise<Run> {
  const started = expectStatus(await bed.request<Run>(tenant, 'POST /runs', { day, dryRun }), 202);
  await bed.settle({ timeoutMs: 120_000 });
  const run = expectStatus(await bed.request<Run>(tenant, `GET /runs/${started.id}`), 200);
  expect(run.status, JSON.stringify(run)).toBe('done');
  return run;
}

export interface Run {
  readonly id: string;
  readonly status: string;
  readonly payersDue: number;
  readonly payersDone: number;
  readonly invoices: number;
  readonly totals: Record<string, string>;
  readonly preview: { accountId: string; total: string; lines: { description: string; total: string }[] }[];
  readonly problems: { accountId: string; detail: string }[];
}

export interface Invoice {
  readonly id: string;
  readonly kind: 'invoice' | 'credit-note';
  readonly number: string | null;
  readonly status: string;
  readonly accountId: string;
  readonly currency: string;
  readonly subtotal: string;
  readonly discountTotal: string;
  readonly netTotal: string;
  readonly taxTotal: string;
  readonly total: string;
  readonly amountPaid: string;
  readonly amountDue: string;
  readonly dueAt: string | null;
  readonly dunningSteps: string[];
  readonly lines: {
    description: string;
    kind: string;
    amount: string;
    net: string;
    tax: string;
    total: string;
    unitPrice: string;
  }[];
}

export interface Account {
  readonly id: string;
  readonly currency: string;
  readonly openInvoices: string;
  readonly credit: string;
  readonly balance: string;
}

/** Every invoice of an account, oldest first, with lines. */
export async function invoicesOf(bed: Testbed, tenant: string, accountId: string): Promise<Invoice[]> {
  const page = expectStatus(
    await bed.request<{ items: Invoice[] }>(tenant, `GET /invoices?accountId=${accountId}&limit=200`),
    200,
  );
  const full = await Promise.all(
    page.items.map(async (i) => expectStatus(await bed.request<Invoice>(tenant, `GET /invoices/${i.id}`), 200)),
  );
  return full.reverse();
}

/** The account's billing view. */
export async function accountOf(bed: Testbed, tenant: string, accountId: string): Promise<Account> {
  return expectStatus(await bed.request<Account>(tenant, `GET /accounts/${accountId}`), 200);
}

let keys = 0;
/** A fresh idempotency key. */
export const newKey = () => `test-key-${Date.now()}-${++keys}`;

// The plugins dotmac.subscriptions depends on, as the tests load them — the real
// dotmac.customers and dotmac.catalog, built beside it — and the calls that give a test an
// account and plans. (test/fixtures/ keeps small stand-ins speaking the same contract, for
// working on this plugin alone.)
import type { Testbed } from '@dotmac/sdk/testing';
import { expect } from 'vitest';
import type { Account, PlanVersion } from '../../src/server/accounts-and-plans.ts';

export type { Account, PlanVersion };

/** The folders given to the testbed's `with`, in activation order. */
export const DEPENDENCIES = [
  new URL('../../../customers/', import.meta.url),
  new URL('../../../catalog/', import.meta.url),
];

/** What a plan is published with (dotmac.catalog's POST /plans body, in part). */
export interface NewPlan {
  readonly code: string;
  readonly name: string;
  readonly kind: 'internet' | 'voice' | 'tv' | 'other' | 'addon' | 'one-off';
  readonly visible?: boolean;
  readonly prices: Readonly<Record<string, string>>;
  readonly billingCycle: 'monthly' | 'quarterly' | 'yearly' | 'one-off';
  readonly payment: 'prepaid' | 'postpaid';
  readonly taxClass?: string;
  readonly contractMonths: number;
  /** By currency; {} or absent for none. */
  readonly earlyTerminationFee?: Readonly<Record<string, string>>;
  readonly internet?: { readonly downloadKbps: number; readonly uploadKbps: number };
}

/** Plans the tests sell, cheapest per month first. */
export const PLANS = {
  lite: {
    code: 'FIBRE-20',
    name: 'Fibre 20',
    kind: 'internet',
    prices: { EUR: '19.90', USD: '21.90' },
    billingCycle: 'monthly',
    payment: 'prepaid',
    taxClass: 'standard',
    contractMonths: 0,
    internet: { downloadKbps: 20_000, uploadKbps: 5_000 },
  },
  basic: {
    code: 'FIBRE-100',
    name: 'Fibre 100',
    kind: 'internet',
    prices: { EUR: '29.90', USD: '32.90' },
    billingCycle: 'monthly',
    payment: 'prepaid',
    taxClass: 'standard',
    contractMonths: 12,
    earlyTerminationFee: { EUR: '99.00', USD: '109.00' },
    internet: { downloadKbps: 100_000, uploadKbps: 20_000 },
  },
  fast: {
    code: 'FIBRE-1000',
    name: 'Fibre 1000',
    kind: 'internet',
    prices: { EUR: '149.70', USD: '164.70' },
    billingCycle: 'quarterly',
    payment: 'postpaid',
    taxClass: 'standard',
    contractMonths: 24,
    earlyTerminationFee: { EUR: '199.00', USD: '219.00' },
    internet: { downloadKbps: 1_000_000, uploadKbps: 200_000 },
  },
} as const satisfies Record<string, NewPlan>;

/** Opens an account (residential, active, in EUR, paying for itself unless told otherwise). */
export async function openAccount(
  bed: Testbed,
  tenant: string,
  details: {
    readonly name?: string;
    readonly currency?: string;
    readonly status?: Account['status'];
    /** The reseller the account belongs to (dotmac.customers' resellerId); none when absent. */
    readonly resellerId?: string;
  } = {},
): Promise<Account> {
  const status = details.status ?? 'active';
  const opened = await bed.request<Account>(
    tenant,
    'POST /accounts',
    {
      kind: 'residential',
      name: details.name ?? 'Ada Lovelace',
      currency: details.currency ?? 'EUR',
      status: status === 'lead' ? 'lead' : 'active',
      ...(details.resellerId && { resellerId: details.resellerId }),
    },
    { plugin: 'dotmac.customers' },
  );
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  let account = opened.body;
  if (status !== account.status) {
    const changed = await bed.request<Account>(
      tenant,
      `POST /accounts/${account.id}/status`,
      { status, reason: 'set up by the test' },
      { plugin: 'dotmac.customers' },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    account = changed.body;
  }
  const { id, number, name, currency, payerId } = account;
  return { id, number, name, status: account.status, currency, payerId };
}

/** Publishes a plan, its version 1 in force from the testbed's now; answers that version. */
export async function publishPlan(bed: Testbed, tenant: string, plan: NewPlan): Promise<PlanVersion> {
  const published = await bed.request<{ current: PlanVersion }>(tenant, 'POST /plans', plan, {
    plugin: 'dotmac.catalog',
  });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return published.body.current;
}

// What this plugin asks dotmac.customers and dotmac.catalog (their exported services), read once
// per call and turned into what a refusal or an event needs.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import type { BillingCycle } from './calendar.ts';
import type { PlanTerms } from './lifecycle.ts';

/** dotmac.customers.getAccount's answer. */
export interface Account {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly status: 'lead' | 'active' | 'suspended' | 'terminated';
  readonly currency: string;
  /** The account that pays: itself or its parent billing account. */
  readonly payerId: string | null;
}

/** dotmac.catalog.getPlanVersion's answer. */
export interface PlanVersion {
  readonly planId: string;
  readonly code: string;
  readonly name: string;
  readonly kind: string;
  /** false: hidden from sale; it keeps serving the subscriptions already on it. */
  readonly visible?: boolean;
  readonly version: number;
  /** Whether it applies to existing subscribers (from effectiveFrom), not only to new ones. */
  readonly appliesToExisting?: boolean;
  /** Where it stands: scheduled, current, superseded or cancelled. */
  readonly status?: string;
  /** Price of one cycle by ISO 4217 currency, as decimal strings. */
  readonly prices: Readonly<Record<string, string>>;
  readonly billingCycle: BillingCycle;
  readonly payment: 'prepaid' | 'postpaid';
  readonly taxClass?: string | null;
  readonly contractMonths: number;
  /** A decimal string, or one per currency; absent or null for none. */
  readonly earlyTerminationFee?: string | number | Readonly<Record<string, string>> | null;
  readonly internet?: Readonly<Record<string, unknown>> | null;
}

/** Which plan version to read: one version, or the one in force at `at`. */
export interface PlanQuery {
  readonly planId: string;
  readonly version?: number;
  readonly at?: string;
}

/** Reads accounts and plan versions, each once per call of this plugin. */
export interface Readers {
  /** The account; a refusal (422) naming `pointer` when dotmac.customers cannot answer for it. */
  account(accountId: string, pointer?: string): Promise<Account>;
  /** The plan version; a refusal (422) naming `pointer` when dotmac.catalog cannot answer for it. */
  plan(query: PlanQuery, pointer?: string): Promise<PlanVersion>;
}

export function createReaders(ctx: PluginContext): Readers {
  const accounts = new Map<string, Promise<Account>>();
  const plans = new Map<string, Promise<PlanVersion>>();
  return {
    account(accountId, pointer) {
      let found = accounts.get(accountId);
      if (!found) {
        found = ask<Account>(ctx, 'dotmac.customers.getAccount', { accountId }, `account ${accountId}`, pointer);
        accounts.set(accountId, found);
      }
      return found;
    },
    async plan(query, pointer) {
      const key = query.version === undefined ? undefined : `${query.planId}@${query.version}`;
      const known = key === undefined ? undefined : plans.get(key);
      if (known) return known;
      const input = {
        planId: query.planId,
        ...(query.version !== undefined && { version: query.version }),
        ...(query.at !== undefined && query.version === undefined && { at: query.at }),
      };
      const what = `plan ${query.planId}${query.version === undefined ? '' : ` version ${query.version}`}`;
      const read = ask<PlanVersion>(ctx, 'dotmac.catalog.getPlanVersion', input, what, pointer);
      if (key !== undefined) plans.set(key, read);
      const plan = await read;
      plans.set(`${plan.planId}@${plan.version}`, Promise.resolve(plan));
      return plan;
    },
  };
}

/**
 * Calls another plugin's service. When it cannot answer for what was asked (it answers null, or
 * fails: an unknown account, a plan that does not exist) the request is refused with 422; when
 * the plugin is unavailable, the error stands.
 */
async function ask<T>(ctx: PluginContext, target: string, input: unknown, what: string, pointer?: string): Promise<T> {
  const owner = target.slice(0, target.lastIndexOf('.'));
  const errors = pointer ? [{ pointer, detail: `${owner} does not know it` }] : undefined;
  let answer: T | null;
  try {
    answer = await ctx.services.call<T | null>(target, input);
  } catch (e) {
    const error = e as Error;
    if (error?.name === 'PluginUnavailableError') throw e;
    throw new RouteError(422, `${what} cannot be read from ${owner}: ${error?.message ?? String(e)}`, errors);
  }
  if (answer === null) throw new RouteError(422, `${owner} has no ${what}`, errors);
  return answer;
}

/** The lifecycle's view of a plan version. */
export function planTermsOf(plan: PlanVersion): PlanTerms {
  return {
    planId: plan.planId,
    version: plan.version,
    billingCycle: plan.billingCycle,
    contractMonths: plan.contractMonths,
  };
}

/** The account that pays for the account's services. */
export const payerOf = (account: Account): string => account.payerId ?? account.id;

/** Refuses (422, naming `pointer`) a plan the catalog has hidden from sale. */
export function requireForSale(plan: PlanVersion, pointer: string): void {
  if (plan.visible === false) {
    throw new RouteError(422, `plan ${plan.code} is not for sale`, [{ pointer, detail: 'is hidden from sale' }]);
  }
}

/** The plan's price of one cycle in `currency`; a refusal (422) naming `pointer` when it has none. */
export function priceIn(plan: PlanVersion, currency: string, pointer?: string): string {
  const price = plan.prices[currency];
  if (price === undefined) {
    throw new RouteError(
      422,
      `plan ${plan.code} version ${plan.version} has no price in ${currency}, the account's currency`,
      pointer ? [{ pointer, detail: `is not sold in ${currency}` }] : undefined,
    );
  }
  return price;
}

/** The early termination fee in `currency`, whichever way the catalog states it; null for none. */
export function earlyTerminationFeeIn(plan: PlanVersion, currency: string): string | null {
  const fee = plan.earlyTerminationFee;
  if (fee === undefined || fee === null) return null;
  if (typeof fee === 'string') return fee;
  if (typeof fee === 'number') return String(fee);
  return fee[currency] ?? null;
}

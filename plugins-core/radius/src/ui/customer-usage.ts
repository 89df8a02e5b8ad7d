// What the customer's usage page loads: their running subscriptions (dotmac.subscriptions shows
// a customer only their own), and a cycle's days of usage (GET /usage: dotmac.radius's row scope
// gives a customer only their own account's days, whatever they ask for).
import type { ApiClient, Page } from '@dotmac/ui';
import type { DaySpan } from './billing-cycle.ts';
import type { UsageDay } from './usage-days.ts';

/** A subscription as dotmac.subscriptions answers it (the fields the page reads). */
export interface Subscription {
  readonly id: string;
  readonly status: 'pending' | 'active' | 'suspended' | 'cancelled';
  readonly activatedAt: string | null;
  /** `name` arrives with the subscription's events (absent on older ones). */
  readonly plan: { readonly planId: string; readonly billingCycle: string; readonly name?: string };
}

/** A customer's subscriptions: few, one page holds them. */
const MOST = 50;

/**
 * The customer's running subscriptions; null when dotmac.subscriptions cannot be read (not
 * granted to the portal, or off): the page then shows the calendar month of every service.
 */
export async function runningSubscriptions(
  subscriptions: ApiClient,
  signal: AbortSignal,
): Promise<Subscription[] | null> {
  try {
    const page = await subscriptions.get<Page<Subscription>>('/subscriptions', { query: { limit: MOST }, signal });
    return page.items.filter((s) => s.status === 'active' || s.status === 'suspended');
  } catch (error) {
    if (signal.aborted) throw error;
    return null;
  }
}

/** The days of `span` with usage, of one subscription or (none given) of all the customer's. */
export async function usageDays(
  radius: ApiClient,
  span: DaySpan,
  subscriptionId: string | undefined,
  signal: AbortSignal,
): Promise<readonly UsageDay[]> {
  const answer = await radius.get<{ items: UsageDay[] }>('/usage', {
    query: { from: span.from, to: span.to, subscriptionId },
    signal,
  });
  return answer.items;
}

/** What GET /accounts/:subscriptionId says of the data cap (the fields the page reads). */
export interface Allowance {
  readonly dataCapGb: number | null;
  readonly throttled: boolean;
  readonly usedThisMonthBytes?: string;
}

/** The subscription's monthly allowance; undefined when it has no AAA account the customer may read. */
export async function allowanceOf(
  radius: ApiClient,
  subscriptionId: string,
  signal: AbortSignal,
): Promise<Allowance | undefined> {
  try {
    return await radius.get<Allowance>(`/accounts/${encodeURIComponent(subscriptionId)}`, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    return undefined;
  }
}

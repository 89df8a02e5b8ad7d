// The plugin's API as the tests call it: typed answers, one helper per route, and the events
// and history rows of one subscription.
import type { RecordedEvent, Testbed, TestResponse } from '@dotmac/sdk/testing';
import { expect } from 'vitest';

/** A subscription as the API answers it (schemas/subscription.json). */
export interface Subscription {
  readonly id: string;
  readonly accountId: string;
  readonly status: 'pending' | 'active' | 'suspended' | 'cancelled';
  readonly plan: {
    readonly planId: string;
    readonly version: number;
    readonly billingCycle: string;
    readonly contractMonths: number;
    /** The plan's code, name and price (in the account's currency) as the last transition's event carried them. */
    readonly code?: string;
    readonly name?: string;
    readonly price?: string;
    readonly currency?: string;
  };
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly activatedAt: string | null;
  readonly termEndsAt: string | null;
  readonly nextCycleAt: string | null;
  readonly suspension: { readonly reason: string; readonly note: string | null; readonly since: string } | null;
  readonly pendingChange: {
    readonly planId: string;
    readonly version: number;
    readonly billingCycle: string;
    readonly contractMonths: number;
    readonly direction: string;
    readonly effectiveAt: string;
  } | null;
  readonly cancelAt: string | null;
  readonly cancelledAt: string | null;
}

/** One history row (schemas/history-page.json). */
export interface HistoryEntry {
  readonly revision: number;
  readonly command: string;
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly actor: Record<string, unknown>;
  readonly event: { readonly name: string; readonly payload: Record<string, unknown> };
  readonly at: string;
}

/** A page of a listing. */
export interface Page<Item> {
  readonly items: Item[];
  readonly nextCursor: string | null;
}

/** A refusal, as problem+json. */
export interface Problem {
  readonly status: number;
  readonly detail: string;
  readonly errors?: { readonly pointer: string; readonly detail: string }[];
}

/** The commands of POST /subscriptions/:subscriptionId/<command>. */
export type CommandName = 'activate' | 'change-plan' | 'suspend' | 'resume' | 'cancel';

/** Orders a service: a pending subscription (expects 201). */
export async function order(
  bed: Testbed,
  tenant: string,
  accountId: string,
  planId: string,
  version?: number,
): Promise<Subscription> {
  const ordered = await bed.request<Subscription>(tenant, 'POST /subscriptions', {
    accountId,
    planId,
    ...(version !== undefined && { version }),
  });
  expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
  return ordered.body;
}

/** A command's answer: the subscription (2xx), or a problem's detail and errors. */
export type CommandAnswer = Subscription & Partial<Omit<Problem, 'status'>>;

/** Sends a command; the answer is the subscription, or a problem. */
export function send(
  bed: Testbed,
  tenant: string,
  subscriptionId: string,
  command: CommandName,
  body: Record<string, unknown> = {},
): Promise<TestResponse<CommandAnswer>> {
  return bed.request<CommandAnswer>(tenant, `POST /subscriptions/${subscriptionId}/${command}`, body);
}

/** Sends a command that must be accepted (200); answers the subscription after it. */
export async function accepted(
  bed: Testbed,
  tenant: string,
  subscriptionId: string,
  command: CommandName,
  body: Record<string, unknown> = {},
): Promise<Subscription> {
  const answer = await send(bed, tenant, subscriptionId, command, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** The subscription as GET answers it (expects 200). */
export async function read(bed: Testbed, tenant: string, subscriptionId: string): Promise<Subscription> {
  const answer = await bed.request<Subscription>(tenant, `GET /subscriptions/${subscriptionId}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** Every history row of the subscription, oldest first, following the cursor. */
export async function history(bed: Testbed, tenant: string, subscriptionId: string): Promise<HistoryEntry[]> {
  const rows: HistoryEntry[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `?cursor=${cursor}`;
    const page = await bed.request<Page<HistoryEntry>>(tenant, `GET /subscriptions/${subscriptionId}/history${query}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    rows.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return rows;
}

/** The events published about the subscription, oldest first. */
export async function eventsOf(bed: Testbed, tenant: string, subscriptionId: string): Promise<RecordedEvent[]> {
  const events = await bed.events({ tenant });
  return events.filter((e) => e.name.startsWith('subscription.') && e.payload.subscriptionId === subscriptionId);
}

/** `iso` moved `days` days. */
export const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();

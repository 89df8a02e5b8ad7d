// A reseller-portal user sees the subscriptions of their own customers only. This plugin's tables
// carry no reseller_id (the kernel scopes them for customers, by customer_id), so it asks
// dotmac.customers, which answers in the caller's scope: only for the reseller's own accounts.
import { type PluginContext, RouteError, type RouteRequest } from '@dotmac/sdk';

type Caller = RouteRequest['caller'];

/** True for a user signed in to the reseller portal. */
export function isReseller(caller: Caller): boolean {
  return caller.kind === 'user' && caller.portal === 'reseller';
}

/** Whether the caller may see account `accountId`'s subscriptions (anyone but a reseller: the kernel decides). */
export async function canSeeAccount(ctx: PluginContext, caller: Caller, accountId: string): Promise<boolean> {
  if (!isReseller(caller)) return true;
  try {
    await ctx.services.call('dotmac.customers.getAccount', { accountId });
    return true;
  } catch (e) {
    if ((e as Error)?.name === 'PluginUnavailableError') throw e;
    return false;
  }
}

/** Refuses (404, as for a subscription that does not exist) what a reseller may not see. */
export async function requireVisible(ctx: PluginContext, caller: Caller, accountId: string, what: string) {
  if (!(await canSeeAccount(ctx, caller, accountId))) throw new RouteError(404, `there is no ${what}`);
}

/** A reseller lists one of their customers' subscriptions at a time (400 naming accountId otherwise). */
export async function requireResellerListScope(
  ctx: PluginContext,
  caller: Caller,
  accountId: string | undefined,
): Promise<void> {
  if (!isReseller(caller)) return;
  if (!accountId) {
    throw new RouteError(400, "a reseller lists one customer's subscriptions at a time", [
      { pointer: '/query/accountId', detail: 'is required in the reseller portal' },
    ]);
  }
  await requireVisible(ctx, caller, accountId, `account ${accountId}`);
}

// Who is calling a route, as this plugin records it and limits it. The kernel has already
// checked the route's permission and scopes a customer-portal user's queries to their account
// and a reseller-portal user's to their accounts (accounts.reseller_id); some things are for
// staff only whatever the permission (notes are internal, imports and custom-field definitions
// are tenant-wide).
import { RouteError, type RouteRequest } from '@dotmac/sdk';

type Caller = RouteRequest['caller'];

/** How history rows and notes name who acted: `user:<id>`, `api-key:<id>`, `operator`. */
export function actorOf(caller: Caller): string {
  switch (caller.kind) {
    case 'user':
      return `user:${caller.userId}`;
    case 'api-key':
      return `api-key:${caller.keyId}`;
    default:
      return caller.kind;
  }
}

/** True for a user signed in to the customer portal. */
export function isCustomer(caller: Caller): boolean {
  return caller.kind === 'user' && caller.portal === 'customer';
}

/** Refuses customer-portal users (403) where only staff may act. */
export function requireStaff(caller: Caller, what: string): void {
  if (isCustomer(caller)) throw new RouteError(403, `${what} is for staff, not for the customer portal`);
}

/** True for a user signed in to the reseller portal. */
export function isReseller(caller: Caller): boolean {
  return caller.kind === 'user' && caller.portal === 'reseller';
}

/** The reseller a reseller-portal user acts as (403 when their login acts as none); undefined for anyone else. */
export function resellerOf(caller: Caller): string | undefined {
  if (caller.kind !== 'user' || caller.portal !== 'reseller') return undefined;
  if (!caller.subjectId) throw new RouteError(403, 'this reseller-portal login acts as no reseller');
  return caller.subjectId;
}

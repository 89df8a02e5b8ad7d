// Who is calling: every request resolves to one principal (or none, for public routes).

/** The portals, one per kind of user: the platform operator's, and each tenant's four. */
export const PORTALS = ['platform', 'admin', 'customer', 'reseller', 'technician'] as const;
export type Portal = (typeof PORTALS)[number];
/** The portals of a tenant's users. */
export type TenantPortal = Exclude<Portal, 'platform'>;

/** The platform operator: the ADMIN_TOKEN bootstrap credential, or a signed-in platform user. */
export interface OperatorPrincipal {
  readonly kind: 'operator';
  /** The platform user's id; absent for the ADMIN_TOKEN credential. */
  readonly userId?: string;
}

/** A signed-in user of one tenant's portal. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly userId: string;
  readonly tenantId: string;
  readonly portal: TenantPortal;
  /** What a customer, reseller or technician login acts as (their account, reseller or technician record). */
  readonly subjectId?: string;
  /** Every permission the user's roles grant. */
  readonly permissions: ReadonlySet<string>;
  /** The session (refresh-token family) the access token belongs to. */
  readonly sessionId: string;
}

/** An integration calling with a tenant's API key. */
export interface ApiKeyPrincipal {
  readonly kind: 'api-key';
  readonly keyId: string;
  readonly tenantId: string;
  /** The permissions the key was given. */
  readonly permissions: ReadonlySet<string>;
}

export type Principal = OperatorPrincipal | UserPrincipal | ApiKeyPrincipal;

// Generated from schemas/events/tenant.created.json by `npm run schemas:types`. Do not edit.

/**
 * A tenant (an ISP hosted on this installation) was created.
 */
export interface TenantCreated {
/**
 * The new tenant's id.
 */
tenantId: string
/**
 * URL-safe short name of the tenant.
 */
slug: string
/**
 * Display name of the tenant.
 */
name: string
}

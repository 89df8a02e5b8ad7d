// Generated from schemas/events/tenant.suspended.json by `npm run schemas:types`. Do not edit.

/**
 * The platform operator suspended a tenant: its users are refused with the reason until it is reactivated; its data is kept.
 */
export interface TenantSuspended {
/**
 * The suspended tenant's id.
 */
tenantId: string
/**
 * Why, as the tenant's users are told.
 */
reason: string
}

// Generated from schemas/events/tenant.reactivated.json by `npm run schemas:types`. Do not edit.

/**
 * A suspended tenant was reactivated: its users are served again.
 */
export interface TenantReactivated {
/**
 * The reactivated tenant's id.
 */
tenantId: string
}

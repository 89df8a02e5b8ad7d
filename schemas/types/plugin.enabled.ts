// Generated from schemas/events/plugin.enabled.json by `npm run schemas:types`. Do not edit.

/**
 * A plugin was switched on for a tenant; it serves that tenant from the next request.
 */
export interface PluginEnabled {
/**
 * The tenant it was enabled for.
 */
tenantId: string
/**
 * The plugin's id, e.g. dotmac.billing.
 */
pluginId: string
/**
 * The installed version that now serves the tenant.
 */
version: string
}

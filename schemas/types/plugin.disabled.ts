// Generated from schemas/events/plugin.disabled.json by `npm run schemas:types`. Do not edit.

/**
 * A plugin was switched off for a tenant: its routes answer 404, its subscriptions and jobs stop for that tenant, its screens leave the portal.
 */
export interface PluginDisabled {
/**
 * The tenant it was disabled for.
 */
tenantId: string
/**
 * The plugin's id, e.g. dotmac.billing.
 */
pluginId: string
}

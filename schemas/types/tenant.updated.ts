// Generated from schemas/events/tenant.updated.json by `npm run schemas:types`. Do not edit.

/**
 * A tenant's profile changed (name, hostnames, currency, time zone, locale, branding or SaaS plan); carries the profile as it now is.
 */
export interface TenantUpdated {
/**
 * The tenant's id.
 */
tenantId: string
/**
 * The fields that changed.
 * 
 * @minItems 1
 */
changed: [("name" | "hostnames" | "currency" | "timeZone" | "locale" | "planId" | "branding"), ...(("name" | "hostnames" | "currency" | "timeZone" | "locale" | "planId" | "branding"))[]]
/**
 * Display name of the tenant.
 */
name: string
/**
 * Hostnames the tenant's portals answer on, lowercase.
 */
hostnames: string[]
/**
 * Default currency, ISO 4217.
 */
currency: string
/**
 * IANA time zone, e.g. Africa/Lagos.
 */
timeZone: string
/**
 * BCP 47 language tag, e.g. en or fr-CA.
 */
locale: string
/**
 * The tenant's SaaS plan; null when it has none.
 */
planId: (string | null)
}

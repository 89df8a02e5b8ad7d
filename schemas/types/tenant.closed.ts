// Generated from schemas/events/tenant.closed.json by `npm run schemas:types`. Do not edit.

/**
 * A tenant was closed (soft-deleted) after an export of its data: it serves nobody, its hostnames are free, its rows are kept.
 */
export interface TenantClosed {
/**
 * The closed tenant's id.
 */
tenantId: string
/**
 * URL-safe short name of the tenant (stays taken).
 */
slug: string
/**
 * The export of the tenant's data made before it was closed.
 */
archive: {
/**
 * File name of the archive.
 */
name: string
/**
 * SHA-256 of the archive, hex.
 */
sha256: string
}
}

// A tenant as the operator's /api/v1/platform/tenants routes answer it.

export const TENANT_STATUSES = ['active', 'suspended', 'closed'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** How a tenant's portals look; null fields use the shell's defaults. */
export interface TenantBranding {
  readonly logoUrl: string | null;
  readonly primaryColor: string | null;
  readonly accentColor: string | null;
}

export interface Tenant {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly hostnames: readonly string[];
  readonly currency: string;
  readonly timeZone: string;
  readonly locale: string;
  /** Absent on kernels without tenant branding. */
  readonly branding?: TenantBranding;
  readonly planId: string | null;
  readonly status: TenantStatus;
  readonly suspendedReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

/** A SaaS plan as GET /api/v1/platform/plans lists it. */
export interface SaasPlan {
  readonly id: string;
  readonly name: string;
  /** Ids of the plugins a tenant on the plan may switch on. */
  readonly modules: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

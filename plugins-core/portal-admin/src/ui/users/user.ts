// Users and roles as the kernel's /users and /roles routes answer them.

/** The portals of a tenant a user or role belongs to. */
export const TENANT_PORTALS = ['admin', 'customer', 'reseller', 'technician'] as const;
export type TenantPortal = (typeof TENANT_PORTALS)[number];

export const PORTAL_LABELS: Readonly<Record<TenantPortal, string>> = {
  admin: 'Admin (staff)',
  customer: 'Customer',
  reseller: 'Reseller',
  technician: 'Technician',
};

/** A user as GET /api/v1/users lists them: never a password or secret. */
export interface TenantUser {
  readonly id: string;
  readonly portal: TenantPortal;
  readonly email: string;
  readonly displayName: string;
  readonly status: 'invited' | 'active' | 'disabled';
  /** What a customer, reseller or technician login acts as. */
  readonly subjectId: string | null;
  readonly totpEnabled: boolean;
  readonly roleIds: readonly string[];
  readonly createdAt: string;
  readonly lastLoginAt: string | null;
}

/** A role as GET /api/v1/roles lists it. */
export interface Role {
  readonly id: string;
  readonly portal: TenantPortal;
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly builtin: boolean;
}

/** The names of a user's roles, in the order `roles` lists them. */
export function roleNames(user: TenantUser, roles: readonly Role[]): string[] {
  return roles.filter((role) => user.roleIds.includes(role.id)).map((role) => role.name);
}

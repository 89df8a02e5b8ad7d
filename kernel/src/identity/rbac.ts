// Roles and permissions. A permission is a string: the kernel's own (kernel.users.manage…) and
// those plugins declare in their manifests (dotmac.billing.invoices.read). A role, per tenant
// and portal, holds a set of them; a user holds the union of their roles'. A request is allowed
// exactly when that union holds the permission its route requires: no wildcards, no implied
// permissions, so what a role can do is what it lists.
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { Database, Tx } from '../db/database.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { Portal, TenantPortal } from './principal.ts';

/** A permission any tenant can grant, with what it allows. */
export interface PermissionInfo {
  readonly name: string;
  readonly description: string;
  /** `kernel`, or the id of the plugin that declares it. */
  readonly source: string;
}

/** The kernel's own permissions (tenant administration). */
export const KERNEL_PERMISSIONS: readonly PermissionInfo[] = [
  { name: 'kernel.users.read', description: 'See the users of every portal and their roles.', source: 'kernel' },
  { name: 'kernel.users.manage', description: 'Invite, disable and assign roles to users.', source: 'kernel' },
  { name: 'kernel.roles.manage', description: 'Create and change roles and their permissions.', source: 'kernel' },
  { name: 'kernel.api-keys.manage', description: 'Create, list and revoke API keys.', source: 'kernel' },
  { name: 'kernel.audit.read', description: 'Read the audit log of the tenant.', source: 'kernel' },
  { name: 'kernel.plugins.manage', description: 'Switch modules on and off and configure them.', source: 'kernel' },
];

/** Whether `held` allows what `required` names: exactly when it contains it. */
export function isAllowed(held: ReadonlySet<string>, required: string): boolean {
  return held.has(required);
}

/** Throws the 403 that names the missing permission unless `held` has it. */
export function requirePermission(held: ReadonlySet<string>, required: string): void {
  if (!isAllowed(held, required)) {
    throw new ForbiddenError(`this needs the permission ${required}, which none of your roles grants`);
  }
}

/** The roles every tenant starts with; the tenant's admins may change all but `owner`. */
export const BUILTIN_ROLES: readonly { portal: TenantPortal; name: string; description: string }[] = [
  { portal: 'admin', name: 'owner', description: 'Everything in the admin portal; cannot be changed.' },
  { portal: 'admin', name: 'viewer', description: 'Reads everything in the admin portal and changes nothing.' },
  { portal: 'customer', name: 'customer', description: 'A customer in the customer portal.' },
  { portal: 'reseller', name: 'reseller', description: 'A reseller in the reseller portal.' },
  { portal: 'technician', name: 'technician', description: 'A field technician in the technician portal.' },
];

export interface RoleRecord {
  readonly id: string;
  readonly portal: Portal;
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly builtin: boolean;
}

const ROLE_COLUMNS = 'id, portal, name, description, permissions, builtin';

export class Roles {
  private catalogue: ReadonlyMap<string, PermissionInfo> = new Map();

  constructor(
    private readonly db: Database,
    installed: readonly PluginManifest[],
  ) {
    this.setInstalled(installed);
  }

  /** Replaces the installed plugins whose permissions roles may hold (after an install or uninstall). */
  setInstalled(installed: readonly PluginManifest[]): void {
    const all = [
      ...KERNEL_PERMISSIONS,
      ...installed.flatMap((m) =>
        (m.permissions ?? []).map((p) => ({ name: p.name, description: p.description, source: m.id })),
      ),
    ];
    this.catalogue = new Map(all.map((p) => [p.name, p]));
  }

  /** Every permission a role may hold. */
  permissions(): PermissionInfo[] {
    return [...this.catalogue.values()];
  }

  /**
   * What a built-in role holds by default: owner everything, viewer every `.read`; the other
   * portals' roles start empty, for the tenant's admins to fill.
   */
  defaultsFor(portal: TenantPortal, name: string): string[] {
    const names = [...this.catalogue.keys()];
    if (portal === 'admin' && name === 'owner') return names;
    if (portal === 'admin' && name === 'viewer') return names.filter((p) => p.endsWith('.read'));
    return [];
  }

  /** Creates a new tenant's built-in roles; answers their ids by `<portal>/<name>`. */
  async createBuiltins(tx: Tx, tenantId: string): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    for (const role of BUILTIN_ROLES) {
      const [row] = await tx.query<{ id: string }>(
        `insert into kernel.role (tenant_id, portal, name, description, permissions, builtin)
         values ($1, $2, $3, $4, $5, true) returning id`,
        [tenantId, role.portal, role.name, role.description, this.defaultsFor(role.portal, role.name)],
      );
      ids[`${role.portal}/${role.name}`] = row?.id as string;
    }
    return ids;
  }

  /** The tenant's roles (of one portal, when given). */
  async list(tenantId: string, portal?: TenantPortal): Promise<RoleRecord[]> {
    return this.db.query<RoleRecord>(
      `select ${ROLE_COLUMNS} from kernel.role where tenant_id = $1 and ($2::text is null or portal = $2) order by portal, name`,
      [tenantId, portal ?? null],
    );
  }

  /** Creates a role of the tenant; its permissions must exist. */
  async create(
    tx: Tx,
    tenantId: string,
    role: { portal: TenantPortal; name: string; description?: string; permissions: readonly string[] },
  ): Promise<RoleRecord> {
    this.checkKnown(role.permissions);
    const [row] = await tx.query<RoleRecord>(
      `insert into kernel.role (tenant_id, portal, name, description, permissions) values ($1, $2, $3, $4, $5)
       returning ${ROLE_COLUMNS}`,
      [tenantId, role.portal, role.name, role.description ?? '', [...new Set(role.permissions)]],
    );
    return row as RoleRecord;
  }

  /** Replaces a role's permissions; answers the role before and after. The owner role cannot change. */
  async setPermissions(
    tx: Tx,
    tenantId: string,
    roleId: string,
    permissions: readonly string[],
  ): Promise<{ before: RoleRecord; after: RoleRecord }> {
    this.checkKnown(permissions);
    const [before] = await tx.query<RoleRecord>(
      `select ${ROLE_COLUMNS} from kernel.role where id = $1 and tenant_id = $2 for update`,
      [roleId, tenantId],
    );
    if (!before) throw new NotFoundError(`no role ${roleId}`);
    if (before.builtin && before.portal === 'admin' && before.name === 'owner') {
      throw new ForbiddenError('the owner role always holds every permission; create another role instead');
    }
    const [after] = await tx.query<RoleRecord>(
      `update kernel.role set permissions = $3, updated_at = now() where id = $1 and tenant_id = $2 returning ${ROLE_COLUMNS}`,
      [roleId, tenantId, [...new Set(permissions)]],
    );
    return { before, after: after as RoleRecord };
  }

  /** Gives a user exactly `roleIds`, which must be roles of the user's tenant and portal. */
  async assign(tx: Tx, tenantId: string, userId: string, roleIds: readonly string[]): Promise<void> {
    const [user] = await tx.query<{ portal: Portal }>(
      'select portal from kernel.app_user where id = $1 and tenant_id = $2 for update',
      [userId, tenantId],
    );
    if (!user) throw new NotFoundError(`no user ${userId}`);
    const roles = await tx.query<{ id: string; portal: Portal }>(
      'select id, portal from kernel.role where id = any($1::uuid[]) and tenant_id = $2',
      [[...roleIds], tenantId],
    );
    const problems = roleIds.flatMap((id, i) => {
      const role = roles.find((r) => r.id === id);
      if (!role) return [{ pointer: `/roleIds/${i}`, detail: `no role ${id} in this tenant` }];
      if (role.portal !== user.portal) {
        return [
          { pointer: `/roleIds/${i}`, detail: `is a ${role.portal}-portal role; the user signs in to ${user.portal}` },
        ];
      }
      return [];
    });
    if (problems.length) throw new ValidationError('roles cannot be assigned', problems);
    await tx.query('delete from kernel.user_role where user_id = $1', [userId]);
    for (const id of new Set(roleIds)) {
      await tx.query('insert into kernel.user_role (user_id, role_id) values ($1, $2)', [userId, id]);
    }
  }

  /**
   * The union of the permissions of the user's roles. The owner role holds every permission,
   * including those of modules installed after it was created.
   */
  async permissionsOf(userId: string): Promise<Set<string>> {
    const roles = await this.db.query<{ permissions: string[]; owner: boolean }>(
      `select r.permissions, (r.builtin and r.portal = 'admin' and r.name = 'owner') as owner
       from kernel.user_role ur join kernel.role r on r.id = ur.role_id where ur.user_id = $1`,
      [userId],
    );
    if (roles.some((r) => r.owner)) return new Set(this.catalogue.keys());
    return new Set(roles.flatMap((r) => r.permissions));
  }

  private checkKnown(permissions: readonly string[]): void {
    const problems = permissions.flatMap((p, i) =>
      this.catalogue.has(p) ? [] : [{ pointer: `/permissions/${i}`, detail: `no installed module defines ${p}` }],
    );
    if (problems.length) throw new ValidationError('unknown permissions', problems);
  }
}

// The admin portal's Roles page (/settings/roles): the tenant's roles of every portal with the
// permissions each grants; creating a role and changing what a role may do.
import { Button, ErrorNotice, Link, Loading, PageFrame, PageSection, useCan, useKernelApi, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import type { TenantModule } from './modules/module.ts';
import { EditPermissionsDialog } from './roles/EditPermissionsDialog.tsx';
import { NewRoleForm } from './roles/NewRoleForm.tsx';
import type { Permission } from './roles/permission.ts';
import { PORTAL_LABELS, type Role } from './users/user.ts';

/** The one role the tenant cannot change. */
const isLocked = (role: Role) => role.builtin && role.portal === 'admin' && role.name === 'owner';

export default function RoleSettings() {
  const canRead = useCan('kernel.users.read');
  return (
    <PageFrame title="Roles" actions={<Link to="/settings/users">Users</Link>}>
      {canRead ? <Roles /> : <p>Seeing roles needs the permission kernel.users.read.</p>}
    </PageFrame>
  );
}

function Roles() {
  const api = useKernelApi();
  const canManage = useCan('kernel.roles.manage');
  const roles = useQuery((signal) => api.get<{ items: Role[] }>('/roles', { signal }), [api]);
  const catalogue = useQuery(
    async (signal) => (canManage ? (await api.get<{ items: Permission[] }>('/permissions', { signal })).items : []),
    [api, canManage],
  );
  // Module names label the permission groups; only those who may manage modules can list them.
  const canListModules = useCan('kernel.plugins.manage');
  const modules = useQuery(
    async (signal) => (canListModules ? (await api.get<{ items: TenantModule[] }>('/modules', { signal })).items : []),
    [api, canListModules],
  );
  const moduleNames = Object.fromEntries((modules.data ?? []).map((m) => [m.pluginId, m.name]));
  const [editing, setEditing] = useState<Role | null>(null);
  const describe = (name: string) => catalogue.data?.find((p) => p.name === name)?.description;

  if (roles.error) return <ErrorNotice error={roles.error} />;
  if (!roles.data) return <Loading label="Loading roles" />;
  return (
    <>
      {catalogue.error && <ErrorNotice error={catalogue.error} />}
      <div className="dm-table-wrap">
        <table className="dm-table">
          <caption className="dm-table__caption">Roles</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Portal</th>
              <th scope="col">Description</th>
              <th scope="col">Permissions</th>
              {canManage && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {roles.data.items.map((role) => (
              <tr key={role.id}>
                <th scope="row">
                  {role.name}
                  {role.builtin ? <span className="dm-field__hint"> (built in)</span> : null}
                </th>
                <td>{PORTAL_LABELS[role.portal] ?? role.portal}</td>
                <td>{role.description}</td>
                <td>
                  {isLocked(role) ? (
                    'Every permission, always'
                  ) : role.permissions.length === 0 ? (
                    'None'
                  ) : (
                    <details>
                      <summary>{role.permissions.length} permissions</summary>
                      <ul>
                        {role.permissions.map((name) => (
                          <li key={name}>
                            {describe(name) ?? ''} <code>{name}</code>
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
                {canManage && (
                  <td>
                    {isLocked(role) ? (
                      <span className="dm-field__hint">Cannot be changed</span>
                    ) : (
                      <Button variant="secondary" onClick={() => setEditing(role)} disabled={!catalogue.data}>
                        Change permissions<span className="dm-visually-hidden"> of {role.name}</span>
                      </Button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canManage && catalogue.data ? (
        <PageSection title="New role">
          <NewRoleForm catalogue={catalogue.data} moduleNames={moduleNames} onCreated={roles.reload} />
        </PageSection>
      ) : null}
      <EditPermissionsDialog
        key={editing?.id ?? 'none'}
        role={editing}
        catalogue={catalogue.data ?? []}
        moduleNames={moduleNames}
        onDone={(changed) => {
          setEditing(null);
          if (changed) roles.reload();
        }}
      />
    </>
  );
}

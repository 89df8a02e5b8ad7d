// The admin portal's Users page (/settings/users): the tenant's users of every portal, their
// roles, inviting someone, changing roles and disabling. Roles themselves are at /settings/roles.
import {
  ErrorNotice,
  Link,
  Loading,
  PageFrame,
  PageSection,
  SelectField,
  useCan,
  useKernelApi,
  useQuery,
} from '@dotmac/ui';
import { useState } from 'react';
import { DisableUserDialog } from './users/DisableUserDialog.tsx';
import { EditRolesDialog } from './users/EditRolesDialog.tsx';
import { InviteUserForm } from './users/InviteUserForm.tsx';
import { UserTable } from './users/UserTable.tsx';
import { PORTAL_LABELS, type Role, TENANT_PORTALS, type TenantPortal, type TenantUser } from './users/user.ts';

const FILTER_OPTIONS: readonly { value: TenantPortal | ''; label: string }[] = [
  { value: '', label: 'All portals' },
  ...TENANT_PORTALS.map((p) => ({ value: p, label: PORTAL_LABELS[p] })),
];

export default function UserSettings() {
  const canRead = useCan('kernel.users.read');
  return (
    <PageFrame title="Users" actions={canRead ? <Link to="/settings/roles">Roles and permissions</Link> : undefined}>
      {canRead ? <Users /> : <p>Seeing users needs the permission kernel.users.read.</p>}
    </PageFrame>
  );
}

function Users() {
  const api = useKernelApi();
  const canManage = useCan('kernel.users.manage');
  const [portal, setPortal] = useState<TenantPortal | ''>('');
  const users = useQuery(
    (signal) => api.get<{ items: TenantUser[] }>('/users', { query: { portal: portal || undefined }, signal }),
    [api, portal],
  );
  const roles = useQuery((signal) => api.get<{ items: Role[] }>('/roles', { signal }), [api]);
  const [editing, setEditing] = useState<TenantUser | null>(null);
  const [disabling, setDisabling] = useState<TenantUser | null>(null);
  const done = (close: () => void) => (changed: boolean) => {
    close();
    if (changed) users.reload();
  };

  return (
    <>
      <div style={{ maxWidth: '20rem', marginBottom: '1rem' }}>
        <SelectField label="Portal" value={portal} options={FILTER_OPTIONS} onChange={setPortal} />
      </div>
      {users.error || roles.error ? (
        <ErrorNotice error={users.error ?? roles.error} />
      ) : !users.data || !roles.data ? (
        <Loading label="Loading users" />
      ) : (
        <UserTable
          users={users.data.items}
          roles={roles.data.items}
          canManage={canManage}
          onEditRoles={setEditing}
          onDisable={setDisabling}
        />
      )}
      {canManage && roles.data ? (
        <PageSection title="Invite a user">
          <InviteUserForm roles={roles.data.items} onInvited={users.reload} />
        </PageSection>
      ) : null}
      <EditRolesDialog
        key={editing?.id ?? 'none'}
        user={editing}
        roles={roles.data?.items ?? []}
        onDone={done(() => setEditing(null))}
      />
      <DisableUserDialog key={disabling?.id ?? 'none'} user={disabling} onDone={done(() => setDisabling(null))} />
    </>
  );
}

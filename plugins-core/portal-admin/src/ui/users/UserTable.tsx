// The tenant's users: email, name, portal, state, roles and last sign-in, with actions for managers.
import { Button, DateText, StatusBadge, useSession } from '@dotmac/ui';
import { PORTAL_LABELS, type Role, roleNames, type TenantUser } from './user.ts';

export interface UserTableProps {
  readonly users: readonly TenantUser[];
  readonly roles: readonly Role[];
  /** Whether the viewer may change roles and disable users. */
  readonly canManage: boolean;
  readonly onEditRoles: (user: TenantUser) => void;
  readonly onDisable: (user: TenantUser) => void;
}

export function UserTable({ users, roles, canManage, onEditRoles, onDisable }: UserTableProps) {
  const me = useSession().userId;
  return (
    <div className="dm-table-wrap">
      <table className="dm-table">
        <caption className="dm-table__caption">Users</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Portal</th>
            <th scope="col">State</th>
            <th scope="col">Roles</th>
            <th scope="col">Last sign-in</th>
            {canManage ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {users.length === 0 ? (
            <tr>
              <td colSpan={canManage ? 7 : 6} className="dm-table__empty">
                No user here yet.
              </td>
            </tr>
          ) : null}
          {users.map((user) => (
            <tr key={user.id}>
              <th scope="row">{user.email}</th>
              <td>{user.displayName}</td>
              <td>{PORTAL_LABELS[user.portal] ?? user.portal}</td>
              <td>
                <StatusBadge status={user.status} />
              </td>
              <td>{roleNames(user, roles).join(', ') || '—'}</td>
              <td>{user.lastLoginAt ? <DateText value={user.lastLoginAt} time /> : 'Never'}</td>
              {canManage ? (
                <td>
                  {user.status !== 'disabled' ? (
                    <div className="dm-page__actions">
                      <Button variant="secondary" onClick={() => onEditRoles(user)}>
                        Change roles<span className="dm-visually-hidden"> of {user.email}</span>
                      </Button>
                      {user.id !== me ? (
                        <Button variant="danger" onClick={() => onDisable(user)}>
                          Disable<span className="dm-visually-hidden"> {user.email}</span>
                        </Button>
                      ) : null}
                    </div>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// Replaces a user's roles (PUT /api/v1/users/:userId/roles), with the server's refusal shown in the dialog.
// Render it with key={user?.id} so that its state starts afresh for each user.
import { ErrorNotice, useKernelApi } from '@dotmac/ui';
import { useState } from 'react';
import { ConfirmDialog } from '../dialog/ConfirmDialog.tsx';
import { RoleChoices } from './RoleChoices.tsx';
import type { Role, TenantUser } from './user.ts';

export interface EditRolesDialogProps {
  /** The user whose roles change; null when the dialog is closed. */
  readonly user: TenantUser | null;
  readonly roles: readonly Role[];
  readonly onDone: (changed: boolean) => void;
}

export function EditRolesDialog({ user, roles, onDone }: EditRolesDialogProps) {
  const api = useKernelApi();
  const [chosen, setChosen] = useState<string[]>(() => [...(user?.roleIds ?? [])]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const save = async () => {
    if (!user) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.put(`/users/${user.id}/roles`, { roleIds: chosen });
      onDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      open={user !== null}
      title={user ? `Roles of ${user.displayName || user.email}` : ''}
      confirmLabel="Save roles"
      busy={busy}
      wide
      onConfirm={save}
      onCancel={() => onDone(false)}
    >
      {error !== undefined && <ErrorNotice error={error} />}
      {user && <RoleChoices portal={user.portal} roles={roles} chosen={chosen} onChange={setChosen} />}
    </ConfirmDialog>
  );
}

// Replaces what a role may do (PUT /api/v1/roles/:roleId/permissions).
// Render it with key={role?.id} so that its state starts afresh for each role.
import { ErrorNotice, useKernelApi } from '@dotmac/ui';
import { useState } from 'react';
import { ConfirmDialog } from '../dialog/ConfirmDialog.tsx';
import type { Role } from '../users/user.ts';
import { PermissionPicker } from './PermissionPicker.tsx';
import type { Permission } from './permission.ts';

export interface EditPermissionsDialogProps {
  readonly role: Role | null;
  readonly catalogue: readonly Permission[];
  readonly moduleNames?: Readonly<Record<string, string>>;
  readonly onDone: (changed: boolean) => void;
}

export function EditPermissionsDialog({ role, catalogue, moduleNames, onDone }: EditPermissionsDialogProps) {
  const api = useKernelApi();
  const [chosen, setChosen] = useState<string[]>(() => [...(role?.permissions ?? [])]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const save = async () => {
    if (!role) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.put(`/roles/${role.id}/permissions`, { permissions: chosen });
      onDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      open={role !== null}
      title={role ? `Permissions of ${role.name}` : ''}
      confirmLabel="Save permissions"
      busy={busy}
      wide
      onConfirm={save}
      onCancel={() => onDone(false)}
    >
      {error !== undefined && <ErrorNotice error={error} />}
      <PermissionPicker catalogue={catalogue} chosen={chosen} onChange={setChosen} moduleNames={moduleNames} />
    </ConfirmDialog>
  );
}

// Disables a user after asking (POST /api/v1/users/:userId/disable): their sessions end at once.
// Render it with key={user?.id} so that its state starts afresh for each user.
import { ErrorNotice, useKernelApi } from '@dotmac/ui';
import { useState } from 'react';
import { ConfirmDialog } from '../dialog/ConfirmDialog.tsx';
import type { TenantUser } from './user.ts';

export interface DisableUserDialogProps {
  readonly user: TenantUser | null;
  readonly onDone: (changed: boolean) => void;
}

export function DisableUserDialog({ user, onDone }: DisableUserDialogProps) {
  const api = useKernelApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const disable = async () => {
    if (!user) return;
    setBusy(true);
    try {
      await api.post(`/users/${user.id}/disable`);
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
      title={user ? `Disable ${user.displayName || user.email}?` : ''}
      confirmLabel="Disable user"
      variant="danger"
      busy={busy}
      onConfirm={disable}
      onCancel={() => onDone(false)}
    >
      {error !== undefined && <ErrorNotice error={error} />}
      <p>They are signed out everywhere at once and can no longer sign in.</p>
    </ConfirmDialog>
  );
}

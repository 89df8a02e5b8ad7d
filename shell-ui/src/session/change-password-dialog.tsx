// Changing one's password (POST /api/v1/auth/password) in a modal dialog: the current password,
// the new one twice; the server's refusal is shown in the dialog. The change ends every session
// of the user, this one included, so closing the dialog afterwards leads to the sign-in page.
import { type ApiClient, Button, ErrorNotice } from '@dotmac/ui';
import { type FormEvent, useEffect, useRef, useState } from 'react';

export function ChangePasswordDialog(props: {
  readonly api: ApiClient;
  readonly onClose: () => void;
  /** After a change: the session has ended. */
  readonly onChanged: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const currentPassword = String(data.get('currentPassword') ?? '');
    const newPassword = String(data.get('newPassword') ?? '');
    if (!currentPassword || !newPassword) return setError('Fill in both passwords.');
    if (newPassword !== data.get('confirmPassword')) return setError('The new passwords do not match.');
    setBusy(true);
    setError(undefined);
    try {
      await props.api.post('/auth/password', { currentPassword, newPassword });
      setDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="shell-dialog"
      aria-labelledby="change-password-title"
      onClose={done ? props.onChanged : props.onClose}
    >
      <h2 id="change-password-title">Change password</h2>
      {done ? (
        <>
          <p role="status">Your password has been changed. Sign in again with the new one.</p>
          <div className="dm-form__actions">
            <Button variant="primary" onClick={() => dialog.current?.close()}>
              Sign in again
            </Button>
          </div>
        </>
      ) : (
        <form className="dm-form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
          {error !== undefined ? <ErrorNotice error={error} /> : null}
          <div className="dm-field">
            <label htmlFor="current-password" className="dm-field__label">
              Current password
            </label>
            <input
              id="current-password"
              name="currentPassword"
              type="password"
              autoComplete="current-password"
              required
            />
          </div>
          <div className="dm-field">
            <label htmlFor="new-password" className="dm-field__label">
              New password
            </label>
            <input id="new-password" name="newPassword" type="password" autoComplete="new-password" required />
          </div>
          <div className="dm-field">
            <label htmlFor="confirm-password" className="dm-field__label">
              New password again
            </label>
            <input id="confirm-password" name="confirmPassword" type="password" autoComplete="new-password" required />
          </div>
          <div className="dm-form__actions">
            <Button type="submit" variant="primary" disabled={busy}>
              Change password
            </Button>
            <Button onClick={() => dialog.current?.close()}>Cancel</Button>
          </div>
        </form>
      )}
    </dialog>
  );
}

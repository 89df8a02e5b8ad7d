// Invites someone to one of the tenant's portals (POST /api/v1/users): they get an email with a
// link. Not a SchemaForm: the roles offered depend on the portal chosen.
import { ApiError, Button, ErrorNotice, SelectField, TextField, useKernelApi } from '@dotmac/ui';
import { type FormEvent, useState } from 'react';
import { RoleChoices } from './RoleChoices.tsx';
import { PORTAL_LABELS, type Role, TENANT_PORTALS, type TenantPortal } from './user.ts';

export interface InviteUserFormProps {
  readonly roles: readonly Role[];
  readonly onInvited: () => void;
}

/** Field name of a problem pointer's field (roleIds.0 → roleIds). */
const fieldOf = (key: string) => key.split('.')[0] as string;

const PORTAL_OPTIONS = TENANT_PORTALS.map((p) => ({ value: p, label: PORTAL_LABELS[p] }));

export function InviteUserForm({ roles, onInvited }: InviteUserFormProps) {
  const api = useKernelApi();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [portal, setPortal] = useState<TenantPortal>('admin');
  const [roleIds, setRoleIds] = useState<string[]>([]);
  const [subjectId, setSubjectId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [fields, setFields] = useState<Readonly<Record<string, string>>>({});
  const [invited, setInvited] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (email.trim() === '') {
      setFields({ email: 'is required' });
      return;
    }
    setBusy(true);
    setError(undefined);
    setFields({});
    setInvited(null);
    try {
      await api.post('/users', {
        email: email.trim(),
        portal,
        roleIds,
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
        ...(portal !== 'admin' && subjectId.trim() ? { subjectId: subjectId.trim() } : {}),
      });
      setInvited(`An invitation was sent to ${email.trim()}.`);
      setEmail('');
      setDisplayName('');
      setRoleIds([]);
      setSubjectId('');
      onInvited();
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) {
        setFields(Object.fromEntries(Object.entries(e.fieldErrors()).map(([key, text]) => [fieldOf(key), text])));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="dm-form" onSubmit={submit} aria-label="Invite a user" noValidate>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      <p role="status" className="dm-field__hint">
        {invited}
      </p>
      <TextField
        label="Email"
        type="email"
        required
        maxLength={254}
        value={email}
        onChange={setEmail}
        problem={fields.email}
      />
      <TextField
        label="Name"
        maxLength={200}
        value={displayName}
        onChange={setDisplayName}
        problem={fields.displayName}
      />
      <SelectField
        label="Portal"
        value={portal}
        options={PORTAL_OPTIONS}
        hint="Where they will sign in: staff use the admin portal."
        onChange={(value) => {
          setPortal(value);
          setRoleIds([]);
        }}
      />
      {portal !== 'admin' ? (
        <TextField
          label="Acts as"
          maxLength={200}
          value={subjectId}
          onChange={setSubjectId}
          hint="The id of the customer account, reseller or technician this login acts as."
          problem={fields.subjectId}
        />
      ) : null}
      <RoleChoices portal={portal} roles={roles} chosen={roleIds} onChange={setRoleIds} problem={fields.roleIds} />
      <div className="dm-form__actions">
        <Button type="submit" variant="primary" disabled={busy}>
          Send invitation
        </Button>
      </div>
    </form>
  );
}

// Creates a role for one portal with the permissions it grants (POST /api/v1/roles).
import { ApiError, Button, ErrorNotice, SelectField, TextField, useKernelApi } from '@dotmac/ui';
import { type FormEvent, useState } from 'react';
import { PORTAL_LABELS, TENANT_PORTALS, type TenantPortal } from '../users/user.ts';
import { PermissionPicker } from './PermissionPicker.tsx';
import type { Permission } from './permission.ts';

const ROLE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const PORTAL_OPTIONS = TENANT_PORTALS.map((p) => ({ value: p, label: PORTAL_LABELS[p] }));

export interface NewRoleFormProps {
  readonly catalogue: readonly Permission[];
  readonly moduleNames?: Readonly<Record<string, string>>;
  readonly onCreated: () => void;
}

export function NewRoleForm({ catalogue, moduleNames, onCreated }: NewRoleFormProps) {
  const api = useKernelApi();
  const [portal, setPortal] = useState<TenantPortal>('admin');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [permissions, setPermissions] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [fields, setFields] = useState<Readonly<Record<string, string>>>({});
  const [created, setCreated] = useState<string | null>(null);
  const nameProblem = fields.name ?? (name && !ROLE_NAME.test(name) ? 'is not in the expected format' : undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ROLE_NAME.test(name)) {
      setFields({ name: name ? 'is not in the expected format' : 'is required' });
      return;
    }
    setBusy(true);
    setError(undefined);
    setFields({});
    setCreated(null);
    try {
      await api.post('/roles', {
        portal,
        name,
        permissions,
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setCreated(`Role ${name} created.`);
      setName('');
      setDescription('');
      setPermissions([]);
      onCreated();
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setFields(e.fieldErrors());
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="dm-form" onSubmit={submit} aria-label="New role" noValidate>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      <p role="status" className="dm-field__hint">
        {created}
      </p>
      <SelectField label="Portal" value={portal} options={PORTAL_OPTIONS} onChange={setPortal} />
      <TextField
        label="Role name"
        required
        maxLength={63}
        placeholder="billing-clerk"
        value={name}
        onChange={setName}
        hint="Lowercase letters, digits and dashes, starting with a letter."
        problem={nameProblem}
      />
      <TextField label="Description" maxLength={500} value={description} onChange={setDescription} />
      <PermissionPicker
        catalogue={catalogue}
        chosen={permissions}
        onChange={setPermissions}
        moduleNames={moduleNames}
      />
      <div className="dm-form__actions">
        <Button type="submit" variant="primary" disabled={busy}>
          Create role
        </Button>
      </div>
    </form>
  );
}

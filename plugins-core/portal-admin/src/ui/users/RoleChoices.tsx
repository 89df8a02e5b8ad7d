import { CheckboxField } from '@dotmac/ui';
// The roles of one portal as a group of checkboxes (used to invite a user and to change their roles).
import type { Role, TenantPortal } from './user.ts';

export interface RoleChoicesProps {
  readonly portal: TenantPortal;
  readonly roles: readonly Role[];
  readonly chosen: readonly string[];
  readonly onChange: (roleIds: string[]) => void;
  readonly problem?: string;
}

export function RoleChoices({ portal, roles, chosen, onChange, problem }: RoleChoicesProps) {
  const mine = roles.filter((role) => role.portal === portal);
  const toggle = (id: string, on: boolean) => onChange(on ? [...chosen, id] : chosen.filter((x) => x !== id));
  return (
    <fieldset className="dm-fieldset">
      <legend>Roles</legend>
      {mine.length === 0 ? <p className="dm-field__hint">This portal has no roles yet.</p> : null}
      {mine.map((role) => (
        <CheckboxField
          key={role.id}
          label={role.name}
          hint={role.description || undefined}
          checked={chosen.includes(role.id)}
          onChange={(on) => toggle(role.id, on)}
        />
      ))}
      {problem ? <p className="dm-field__problem">Roles {problem}</p> : null}
    </fieldset>
  );
}

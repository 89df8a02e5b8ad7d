import { CheckboxField } from '@dotmac/ui';
// Every permission as a checkbox, grouped by the module that defines it.
import { groupPermissions, type Permission } from './permission.ts';

export interface PermissionPickerProps {
  readonly catalogue: readonly Permission[];
  readonly chosen: readonly string[];
  readonly onChange: (permissions: string[]) => void;
  /** Module id → name, for the group labels. */
  readonly moduleNames?: Readonly<Record<string, string>>;
}

export function PermissionPicker({ catalogue, chosen, onChange, moduleNames }: PermissionPickerProps) {
  const toggle = (name: string, on: boolean) => onChange(on ? [...chosen, name] : chosen.filter((x) => x !== name));
  return (
    <fieldset className="dm-fieldset">
      <legend>Permissions</legend>
      {groupPermissions(catalogue, chosen, moduleNames).map((group) => (
        <fieldset key={group.source || 'unknown'} className="dm-fieldset">
          <legend>{group.label}</legend>
          {group.permissions.map((permission) => (
            <CheckboxField
              key={permission.name}
              label={permission.description}
              hint={<code>{permission.name}</code>}
              checked={chosen.includes(permission.name)}
              onChange={(on) => toggle(permission.name, on)}
            />
          ))}
        </fieldset>
      ))}
    </fieldset>
  );
}

// One module of the tenant: its on/off switch (labelled with the module's name), what it needs,
// its health, and the server's refusal when a change was refused.
import { ErrorNotice, StatusBadge } from '@dotmac/ui';
import { useId } from 'react';
import { healthDetail, healthWord, lockedReason, namesOf, type TenantModule } from './module.ts';

export interface ModuleRowProps {
  readonly module: TenantModule;
  readonly modules: readonly TenantModule[];
  readonly showHealth: boolean;
  /** No switch may be used (a change is being made or applied). */
  readonly busy: boolean;
  readonly refusal: unknown;
  readonly onToggle: (module: TenantModule) => void;
}

export function ModuleRow({ module, modules, showHealth, busy, refusal, onToggle }: ModuleRowProps) {
  const id = useId();
  const locked = lockedReason(module);
  const detail = module.health ? healthDetail(module.health) : undefined;
  return (
    <tr>
      <th scope="row">
        <div className="dm-field dm-field--checkbox">
          <input
            id={id}
            type="checkbox"
            role="switch"
            checked={module.enabled}
            aria-checked={module.enabled}
            disabled={busy || locked !== undefined}
            aria-describedby={locked ? `${id}-hint` : undefined}
            onChange={() => onToggle(module)}
          />
          <label htmlFor={id}>{module.name}</label>
          {locked ? (
            <p id={`${id}-hint`} className="dm-field__hint">
              {locked}
            </p>
          ) : null}
        </div>
        {refusal !== undefined ? <ErrorNotice error={refusal} /> : null}
      </th>
      <td>{module.enabled ? 'On' : 'Off'}</td>
      <td>
        <code>{module.pluginId}</code> {module.version}
      </td>
      <td>{module.dependencies.length ? namesOf(module.dependencies, modules).join(', ') : '—'}</td>
      {showHealth ? (
        <td>
          {module.health ? <StatusBadge status={healthWord(module.health)} /> : '—'}
          {detail ? <p className="dm-field__hint">{detail}</p> : null}
        </td>
      ) : null}
    </tr>
  );
}

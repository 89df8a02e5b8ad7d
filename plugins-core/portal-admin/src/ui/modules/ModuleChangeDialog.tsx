// Asks before a module is switched on or off, saying what the change does to the portal.
import { ConfirmDialog } from '../dialog/ConfirmDialog.tsx';
import { dependantsOn, missingDependencies, namesOf, type TenantModule } from './module.ts';

export interface ModuleChangeDialogProps {
  /** The module about to change; null when nothing is asked. */
  readonly module: TenantModule | null;
  readonly modules: readonly TenantModule[];
  readonly busy: boolean;
  readonly onConfirm: (module: TenantModule) => void | Promise<void>;
  readonly onCancel: () => void;
}

export function ModuleChangeDialog({ module, modules, busy, onConfirm, onCancel }: ModuleChangeDialogProps) {
  const switchingOff = module?.enabled === true;
  const dependants = module && switchingOff ? dependantsOn(module, modules) : [];
  const missing = module && !switchingOff ? missingDependencies(module, modules) : [];
  return (
    <ConfirmDialog
      open={module !== null}
      title={module ? `Switch ${module.name} ${switchingOff ? 'off' : 'on'}?` : ''}
      confirmLabel={switchingOff ? 'Switch off' : 'Switch on'}
      variant={switchingOff ? 'danger' : 'primary'}
      busy={busy}
      onConfirm={() => (module ? onConfirm(module) : undefined)}
      onCancel={onCancel}
    >
      {switchingOff ? (
        <p>
          Its screens, navigation and tabs leave the portals of everyone in your organisation, and its jobs pause. Its
          data is kept: switching it on again brings everything back.
        </p>
      ) : (
        <p>Its screens appear in the portals of the people whose roles allow them.</p>
      )}
      {dependants.length > 0 && (
        <p>
          {namesOf(
            dependants.map((m) => m.pluginId),
            modules,
          ).join(', ')}{' '}
          {dependants.length > 1 ? 'depend' : 'depends'} on it and must be switched off first.
        </p>
      )}
      {missing.length > 0 && (
        <p>
          It needs {namesOf(missing, modules).join(', ')}, which {missing.length > 1 ? 'are' : 'is'} off: switch{' '}
          {missing.length > 1 ? 'them' : 'it'} on first.
        </p>
      )}
      <p>The page reloads to apply the change.</p>
    </ConfirmDialog>
  );
}

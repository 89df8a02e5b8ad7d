// Uninstalls a package: switched off for every tenant, stopped, and its schema kept or dropped by
// the operator's explicit choice (its tables hold the tenants' data), after a confirmation.
import { Button, CheckboxField, ErrorNotice, useKernelApi } from '@dotmac/ui';
import { useId, useState } from 'react';
import type { InstalledPackage } from './marketplace.ts';

export interface PackageUninstallProps {
  readonly pkg: InstalledPackage;
  readonly onUninstalled: () => void;
  readonly onCancel: () => void;
}

export function PackageUninstall({ pkg, onUninstalled, onCancel }: PackageUninstallProps) {
  const api = useKernelApi();
  const id = useId();
  const hasSchema = pkg.capabilities.includes('db');
  const [schema, setSchema] = useState<'keep' | 'drop' | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState<unknown>();

  const uninstall = async () => {
    setError(undefined);
    try {
      await api.delete(`/admin/installations/${encodeURIComponent(pkg.pluginId)}`, {
        query: { schema: schema ?? undefined },
      });
      onUninstalled();
    } catch (e) {
      setError(e);
    }
  };

  const choice = (value: 'keep' | 'drop', label: string) => (
    <div>
      <input
        type="radio"
        id={`${id}-${value}`}
        name={`${id}-schema`}
        value={value}
        checked={schema === value}
        onChange={() => setSchema(value)}
      />{' '}
      <label htmlFor={`${id}-${value}`}>{label}</label>
    </div>
  );

  return (
    <div className="dm-form">
      <p>Uninstalling switches {pkg.pluginId} off for every tenant that has it on, then stops it.</p>
      {hasSchema && (
        <fieldset className="dm-fieldset">
          <legend>Its schema, which holds the tenants' data</legend>
          {choice('keep', 'Keep it: installing the plugin again finds the data where it was')}
          {choice('drop', "Drop it: deletes every tenant's data in its tables, for good")}
        </fieldset>
      )}
      <CheckboxField
        label={`Yes, uninstall ${pkg.pluginId}${schema === 'drop' ? " and delete every tenant's data in it" : ''}`}
        checked={confirmed}
        onChange={setConfirmed}
      />
      {error !== undefined && <ErrorNotice error={error} />}
      <div className="dm-form__actions">
        <Button variant="danger" onClick={uninstall} disabled={!confirmed || (hasSchema && schema === null)}>
          {`Uninstall ${pkg.pluginId}`}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </div>
  );
}

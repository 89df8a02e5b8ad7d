// The preview of installing a plugin from a registry: who signed it, what it asks for (ticked one
// by one), its dependencies and deprecation notices; then the install, or the kernel's refusal.
import { Button, CheckboxField, ErrorNotice, Loading, useKernelApi, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import { CapabilityChecklist } from './CapabilityChecklist.tsx';
import { allApproved, type Installation, type InstallPlan } from './marketplace.ts';

export interface InstallPreviewProps {
  readonly pluginId: string;
  readonly onInstalled: (installation: Installation) => void;
  readonly onCancel: () => void;
}

export function InstallPreview({ pluginId, onInstalled, onCancel }: InstallPreviewProps) {
  const api = useKernelApi();
  const [installDependencies, setInstallDependencies] = useState(false);
  const preview = useQuery(
    (signal) => api.post<InstallPlan>('/admin/installations/preview', { pluginId, installDependencies }, { signal }),
    [api, pluginId, installDependencies],
  );
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const plan = preview.data;
  const blocked =
    !plan ||
    plan.missing.some((m) => m.version === null) ||
    (plan.missing.length > 0 && !installDependencies) ||
    !allApproved(plan.capabilities, ticked);

  const install = async () => {
    if (!plan) return;
    setError(undefined);
    try {
      onInstalled(
        await api.post<Installation>('/admin/installations', {
          pluginId,
          version: plan.version,
          installDependencies,
          approvedCapabilities: plan.capabilities.filter((c) => ticked.has(c)),
        }),
      );
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="dm-form">
      {preview.error ? (
        <ErrorNotice error={preview.error} />
      ) : !plan ? (
        <Loading label={`Checking ${pluginId}`} />
      ) : (
        <>
          <dl>
            <dt>Version</dt>
            <dd>
              {plan.pluginId} {plan.version}
            </dd>
            <dt>Signed by</dt>
            <dd>
              {plan.publisher}, key <code>{plan.keyId}</code> (a key this kernel trusts)
            </dd>
            <dt>Depends on</dt>
            <dd>
              {Object.entries(plan.dependencies)
                .map(([id, range]) => `${id} ${range}`)
                .join(', ') || 'Nothing'}
            </dd>
          </dl>
          {plan.notices.map((notice) => (
            <p key={notice} className="dm-error">
              {notice}
            </p>
          ))}
          {plan.missing.length > 0 && (
            <ul aria-label="Dependencies not installed">
              {plan.missing.map((m) => (
                <li key={m.pluginId}>
                  {m.pluginId} {m.range} is not installed:{' '}
                  {m.version === null
                    ? 'no registry has a version that fits, so this plugin cannot be installed'
                    : `${m.version} would be installed${installDependencies ? '' : ' with "Install missing dependencies too"'}`}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <CheckboxField
        label="Install missing dependencies too"
        hint="Checked again with them: their capabilities follow the plugin's, as <id>: <capability>."
        checked={installDependencies}
        onChange={(on) => {
          setTicked(new Set());
          setInstallDependencies(on);
        }}
      />
      {plan && <CapabilityChecklist capabilities={plan.capabilities} ticked={ticked} onChange={setTicked} />}
      {error !== undefined && <ErrorNotice error={error} />}
      <div className="dm-form__actions">
        <Button variant="primary" onClick={install} disabled={preview.loading || blocked}>
          {plan ? `Install ${plan.pluginId} ${plan.version}` : `Install ${pluginId}`}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </div>
  );
}

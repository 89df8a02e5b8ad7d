// The admin portal's Modules page (/settings/modules): the tenant's modules, a switch for each,
// and their health. A change reloads the page: Module Federation cannot unload a loaded remote.
import { ErrorNotice, Loading, PageFrame, useCan, useKernelApi, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import { ModuleChangeDialog } from './modules/ModuleChangeDialog.tsx';
import { ModuleRow } from './modules/ModuleRow.tsx';
import type { TenantModule } from './modules/module.ts';

const PERMISSION = 'kernel.plugins.manage';
/** Long enough to read that the page reloads. */
const RELOAD_DELAY_MS = 1500;

export default function ModuleSettings() {
  const allowed = useCan(PERMISSION);
  return (
    <PageFrame title="Modules">
      {allowed ? <ModuleList /> : <p>Switching modules needs the permission {PERMISSION}.</p>}
    </PageFrame>
  );
}

function ModuleList() {
  const api = useKernelApi();
  const modules = useQuery((signal) => api.get<{ items: TenantModule[] }>('/modules', { signal }), [api]);
  const [asking, setAsking] = useState<TenantModule | null>(null);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<{ readonly pluginId: string; readonly error: unknown } | null>(null);
  const [applied, setApplied] = useState<string | null>(null);

  if (modules.error) return <ErrorNotice error={modules.error} />;
  if (!modules.data) return <Loading label="Loading modules" />;
  const items = [...modules.data.items].sort((a, b) => a.name.localeCompare(b.name));
  const showHealth = items.some((m) => m.health);

  const change = async (module: TenantModule) => {
    setSaving(true);
    setRefusal(null);
    try {
      await api.put(`/modules/${encodeURIComponent(module.pluginId)}`, { enabled: !module.enabled });
      setApplied(`${module.name} is now ${module.enabled ? 'off' : 'on'}. The page reloads to apply the change…`);
      setTimeout(() => location.reload(), RELOAD_DELAY_MS);
    } catch (error) {
      setRefusal({ pluginId: module.pluginId, error });
      setSaving(false);
    } finally {
      setAsking(null);
    }
  };

  return (
    <>
      <p>Switch on the modules your organisation uses. Each change applies to everyone once the page reloads.</p>
      <p role="status" className="dm-field__hint">
        {applied}
      </p>
      <div className="dm-table-wrap">
        <table className="dm-table">
          <caption className="dm-table__caption">Modules</caption>
          <thead>
            <tr>
              <th scope="col">Module</th>
              <th scope="col">State</th>
              <th scope="col">Id and version</th>
              <th scope="col">Needs</th>
              {showHealth && <th scope="col">Health</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((module) => (
              <ModuleRow
                key={module.pluginId}
                module={module}
                modules={items}
                showHealth={showHealth}
                busy={saving || applied !== null}
                refusal={refusal?.pluginId === module.pluginId ? refusal.error : undefined}
                onToggle={setAsking}
              />
            ))}
          </tbody>
        </table>
      </div>
      <ModuleChangeDialog
        module={asking}
        modules={items}
        busy={saving}
        onConfirm={change}
        onCancel={() => setAsking(null)}
      />
    </>
  );
}

// The modules of one tenant as the operator switches them (PUT /api/v1/admin/tenants/:id/plugins/:pluginId):
// a switch per module labelled with its name, whether its plan includes it, and refusals inline.
import { ErrorNotice, Loading, useKernelApi, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import type { SaasPlan, Tenant } from './tenant.ts';

/** An installed plugin as GET /api/v1/admin/tenants/:tenantId/plugins lists it. */
interface TenantPlugin {
  readonly pluginId: string;
  readonly version: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly dependencies: readonly string[];
}

export interface TenantModulesProps {
  readonly tenant: Tenant;
  readonly plan: SaasPlan | undefined;
}

export function TenantModules({ tenant, plan }: TenantModulesProps) {
  const api = useKernelApi();
  const modules = useQuery(
    (signal) => api.get<{ items: TenantPlugin[] }>(`/admin/tenants/${tenant.id}/plugins`, { signal }),
    [api, tenant.id],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<{ readonly pluginId: string; readonly error: unknown } | null>(null);

  if (modules.error) return <ErrorNotice error={modules.error} />;
  if (!modules.data) return <Loading label="Loading modules" />;
  const items = [...modules.data.items].sort((a, b) => a.name.localeCompare(b.name));
  const nameOf = (id: string) => items.find((m) => m.pluginId === id)?.name ?? id;

  const toggle = async (module: TenantPlugin) => {
    setBusy(module.pluginId);
    setRefusal(null);
    try {
      await api.put(`/admin/tenants/${tenant.id}/plugins/${encodeURIComponent(module.pluginId)}`, {
        enabled: !module.enabled,
      });
      modules.reload();
    } catch (error) {
      setRefusal({ pluginId: module.pluginId, error });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="dm-table-wrap">
      <table className="dm-table">
        <caption className="dm-table__caption">Modules of {tenant.name}</caption>
        <thead>
          <tr>
            <th scope="col">Module</th>
            <th scope="col">State</th>
            <th scope="col">Id and version</th>
            <th scope="col">Needs</th>
            <th scope="col">In its plan</th>
          </tr>
        </thead>
        <tbody>
          {items.map((module) => (
            <tr key={module.pluginId}>
              <th scope="row">
                <div className="dm-field dm-field--checkbox">
                  <input
                    id={`module-${module.pluginId}`}
                    type="checkbox"
                    role="switch"
                    checked={module.enabled}
                    aria-checked={module.enabled}
                    disabled={busy !== null || tenant.status === 'closed'}
                    onChange={() => toggle(module)}
                  />
                  <label htmlFor={`module-${module.pluginId}`}>{module.name}</label>
                </div>
                {refusal?.pluginId === module.pluginId && <ErrorNotice error={refusal.error} />}
              </th>
              <td>{module.enabled ? 'On' : 'Off'}</td>
              <td>
                <code>{module.pluginId}</code> {module.version}
              </td>
              <td>{module.dependencies.map(nameOf).join(', ') || '—'}</td>
              <td>{plan ? (plan.modules.includes(module.pluginId) ? 'Yes' : 'No') : 'No plan: every module'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

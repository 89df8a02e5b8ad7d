// The platform portal's Plans page (/plans): the SaaS plans and the modules each lets its
// tenants switch on; creating and changing a plan.
import { Button, DateText, ErrorNotice, Loading, PageFrame, PageSection, useKernelApi, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import { PlanEditor } from './plans/PlanEditor.tsx';
import type { InstalledPlugin } from './plugins/plugin.ts';
import type { SaasPlan } from './tenants/tenant.ts';

export default function PlanList() {
  const api = useKernelApi();
  const plans = useQuery((signal) => api.get<{ items: SaasPlan[] }>('/platform/plans', { signal }), [api]);
  const plugins = useQuery((signal) => api.get<{ items: InstalledPlugin[] }>('/admin/plugins', { signal }), [api]);
  const [editing, setEditing] = useState<SaasPlan | 'new' | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const nameOf = (id: string) => plugins.data?.items.find((p) => p.pluginId === id)?.name ?? id;

  const body = () => {
    if (plans.error || plugins.error) return <ErrorNotice error={plans.error ?? plugins.error} />;
    if (!plans.data || !plugins.data) return <Loading label="Loading plans" />;
    if (plans.data.items.length === 0) {
      return <p>No plan yet: every tenant may switch on every installed module.</p>;
    }
    return (
      <div className="dm-table-wrap">
        <table className="dm-table">
          <caption className="dm-table__caption">SaaS plans</caption>
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Modules</th>
              <th scope="col">Last changed</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {plans.data.items.map((plan) => (
              <tr key={plan.id}>
                <th scope="row">
                  {plan.name} <code>{plan.id}</code>
                </th>
                <td>{plan.modules.map(nameOf).join(', ') || 'None'}</td>
                <td>
                  <DateText value={plan.updatedAt} time />
                </td>
                <td>
                  <Button variant="secondary" onClick={() => setEditing(plan)}>
                    Change<span className="dm-visually-hidden"> {plan.name}</span>
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  };

  return (
    <PageFrame
      title="Plans"
      actions={
        editing === null ? (
          <Button variant="primary" onClick={() => setEditing('new')}>
            New plan
          </Button>
        ) : undefined
      }
    >
      <p role="status" className="dm-field__hint">
        {said}
      </p>
      {body()}
      {editing !== null && plugins.data && (
        <PageSection title={editing === 'new' ? 'New plan' : `Change ${editing.name}`}>
          <PlanEditor
            key={editing === 'new' ? 'new' : editing.id}
            plan={editing === 'new' ? undefined : editing}
            plugins={plugins.data.items}
            onCancel={() => setEditing(null)}
            onSaved={(plan) => {
              setEditing(null);
              setSaid(
                `Plan ${plan.name} saved. Tenants on it keep what they have on; it decides what they switch on next.`,
              );
              plans.reload();
            }}
          />
        </PageSection>
      )}
    </PageFrame>
  );
}

// Moves a tenant to another SaaS plan, or to none (PATCH planId). The plan governs what the
// tenant may switch on next; modules already on stay on.
import { Button, ErrorNotice, SelectField, useKernelApi } from '@dotmac/ui';
import { type FormEvent, useState } from 'react';
import type { SaasPlan, Tenant } from './tenant.ts';

export interface TenantPlanFormProps {
  readonly tenant: Tenant;
  readonly plans: readonly SaasPlan[];
  readonly onSaved: (tenant: Tenant) => void;
}

export function TenantPlanForm({ tenant, plans, onSaved }: TenantPlanFormProps) {
  const api = useKernelApi();
  const [planId, setPlanId] = useState(tenant.planId ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const options = [
    { value: '', label: 'No plan: every installed module' },
    ...plans.map((plan) => ({ value: plan.id, label: `${plan.name} (${plan.id})` })),
  ];

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api.patch<Tenant>(`/platform/tenants/${tenant.id}`, { planId: planId || null }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="dm-form" onSubmit={save} aria-label="SaaS plan">
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      <SelectField
        label="SaaS plan"
        value={planId}
        options={options}
        onChange={setPlanId}
        hint="Modules already on stay on; the plan decides what the tenant may switch on next."
      />
      <div className="dm-form__actions">
        <Button type="submit" variant="primary" disabled={busy || planId === (tenant.planId ?? '')}>
          Change plan
        </Button>
      </div>
    </form>
  );
}

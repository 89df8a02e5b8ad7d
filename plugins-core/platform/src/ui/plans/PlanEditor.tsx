// Creates or replaces a SaaS plan (PUT /api/v1/platform/plans/:planId): its name and the modules
// a tenant on it may switch on. The kernel refuses a module listed without what it depends on.
import { ApiError, Button, CheckboxField, ErrorNotice, TextField, useKernelApi } from '@dotmac/ui';
import { type FormEvent, useState } from 'react';
import type { InstalledPlugin } from '../plugins/plugin.ts';
import type { SaasPlan } from '../tenants/tenant.ts';

const PLAN_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface PlanEditorProps {
  /** The plan to change; absent for a new plan. */
  readonly plan?: SaasPlan;
  readonly plugins: readonly InstalledPlugin[];
  readonly onSaved: (plan: SaasPlan) => void;
  readonly onCancel: () => void;
}

export function PlanEditor({ plan, plugins, onSaved, onCancel }: PlanEditorProps) {
  const api = useKernelApi();
  const [planId, setPlanId] = useState(plan?.id ?? '');
  const [name, setName] = useState(plan?.name ?? '');
  const [modules, setModules] = useState<string[]>(() => [...(plan?.modules ?? [])]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [problems, setProblems] = useState<{
    readonly id?: string;
    readonly name?: string;
    readonly modules?: string[];
  }>({});
  const toggle = (pluginId: string, on: boolean) =>
    setModules(on ? [...modules, pluginId] : modules.filter((m) => m !== pluginId));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const found = {
      ...(PLAN_ID.test(planId) ? {} : { id: planId ? 'is not in the expected format' : 'is required' }),
      ...(name.trim() ? {} : { name: 'is required' }),
    };
    setProblems(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api.put<SaasPlan>(`/platform/plans/${planId}`, { name: name.trim(), modules }));
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) {
        const errors = e.problem.errors ?? [];
        setProblems({
          name: errors.find((p) => p.pointer === '/body/name')?.detail,
          modules: errors.filter((p) => p.pointer.startsWith('/body/modules')).map((p) => p.detail),
        });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="dm-form" onSubmit={save} aria-label={plan ? `Change plan ${plan.name}` : 'New plan'} noValidate>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      {plan ? null : (
        <TextField
          label="Plan id"
          required
          maxLength={63}
          placeholder="fibre-pro"
          value={planId}
          onChange={setPlanId}
          hint="Lowercase letters, digits and dashes; it cannot change later."
          problem={problems.id}
        />
      )}
      <TextField
        label="Plan name"
        required
        maxLength={200}
        placeholder="Fibre Pro"
        value={name}
        onChange={setName}
        problem={problems.name}
      />
      <fieldset className="dm-fieldset">
        <legend>Modules a tenant on this plan may switch on</legend>
        <p className="dm-field__hint">List the modules each one depends on too.</p>
        {plugins.map((plugin) => (
          <CheckboxField
            key={plugin.pluginId}
            label={plugin.name}
            hint={<code>{plugin.pluginId}</code>}
            checked={modules.includes(plugin.pluginId)}
            onChange={(on) => toggle(plugin.pluginId, on)}
          />
        ))}
        {problems.modules?.length ? (
          <ul className="dm-form__problems">
            {problems.modules.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        ) : null}
      </fieldset>
      <div className="dm-form__actions">
        <Button type="submit" variant="primary" disabled={busy}>
          {plan ? 'Save plan' : 'Create plan'}
        </Button>
        <Button variant="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

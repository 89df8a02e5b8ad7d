// Creates a tenant and invites its first administrator (POST /api/v1/platform/tenants); the
// modules its plan allows are switched on for it.
import { SchemaForm, useKernelApi } from '@dotmac/ui';
import { withFormPointers } from './form-errors.ts';
import type { Tenant } from './tenant.ts';
import { newTenantBody, newTenantFormSchema, TENANT_FORM_ORDER, type TenantFormValue } from './tenant-schema.ts';

export interface NewTenantFormProps {
  readonly planIds: readonly string[];
  readonly onCreated: (tenant: Tenant) => void;
}

/** Where the operator's browser is, as a starting point for a new tenant. */
const initial: TenantFormValue = {
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  locale: typeof navigator === 'undefined' ? 'en' : navigator.language || 'en',
};

export function NewTenantForm({ planIds, onCreated }: NewTenantFormProps) {
  const api = useKernelApi();
  return (
    <SchemaForm<TenantFormValue>
      id="new-tenant"
      schema={newTenantFormSchema(planIds)}
      order={TENANT_FORM_ORDER}
      initial={initial}
      submitLabel="Create tenant"
      onSubmit={async (value) => {
        const tenant = await withFormPointers(() => api.post<Tenant>('/platform/tenants', newTenantBody(value)));
        onCreated(tenant);
      }}
    />
  );
}

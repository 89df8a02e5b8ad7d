// Changes a tenant's name, hostnames, regional settings and branding (PATCH, only what changed).
import { SchemaForm, useKernelApi } from '@dotmac/ui';
import { useState } from 'react';
import { withFormPointers } from './form-errors.ts';
import type { Tenant } from './tenant.ts';
import {
  profileFormValue,
  profilePatch,
  TENANT_FORM_ORDER,
  type TenantFormValue,
  tenantProfileFormSchema,
} from './tenant-schema.ts';

export interface TenantProfileFormProps {
  readonly tenant: Tenant;
  readonly onSaved: (tenant: Tenant) => void;
}

export function TenantProfileForm({ tenant, onSaved }: TenantProfileFormProps) {
  const api = useKernelApi();
  const [said, setSaid] = useState<string | null>(null);
  // A kernel without tenant branding answers none: the form then offers none.
  const { branding: _, ...unbranded } = tenantProfileFormSchema.properties;
  const schema = tenant.branding ? tenantProfileFormSchema : { ...tenantProfileFormSchema, properties: unbranded };
  return (
    <>
      <p role="status">{said}</p>
      <SchemaForm<TenantFormValue>
        key={tenant.updatedAt}
        id="tenant-profile"
        schema={schema}
        order={TENANT_FORM_ORDER}
        initial={profileFormValue(tenant)}
        submitLabel="Save changes"
        onSubmit={async (value) => {
          const patch = profilePatch(tenant, value);
          if (Object.keys(patch).length === 0) {
            setSaid('Nothing changed.');
            return;
          }
          const saved = await withFormPointers(() => api.patch<Tenant>(`/platform/tenants/${tenant.id}`, patch));
          setSaid('Saved.');
          onSaved(saved);
        }}
      />
    </>
  );
}

// Suspends an active tenant, with the reason its users are told, or reactivates a suspended one.
import { Button, ErrorNotice, SchemaForm, useKernelApi } from '@dotmac/ui';
import { useState } from 'react';
import type { Tenant } from './tenant.ts';

const suspendSchema = {
  type: 'object',
  required: ['reason'],
  properties: {
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 500,
      pattern: '\\S',
      'x-widget': 'textarea',
      'x-label': 'Reason',
      description: 'Its users are told this when they are refused, e.g. "Invoice 2025-03 is unpaid".',
    },
  },
} as const;

export interface TenantStandingProps {
  readonly tenant: Tenant;
  readonly onChanged: (tenant: Tenant) => void;
}

export function TenantStanding({ tenant, onChanged }: TenantStandingProps) {
  const api = useKernelApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  if (tenant.status === 'closed') return <p>The tenant is closed: it serves nobody and cannot change.</p>;
  if (tenant.status === 'suspended') {
    const reactivate = async () => {
      setBusy(true);
      setError(undefined);
      try {
        onChanged(await api.post<Tenant>(`/platform/tenants/${tenant.id}/reactivate`));
      } catch (e) {
        setError(e);
      } finally {
        setBusy(false);
      }
    };
    return (
      <>
        {error !== undefined && <ErrorNotice error={error} />}
        <p>Suspended: its users are refused with the reason “{tenant.suspendedReason}”. Its data is kept.</p>
        <Button variant="primary" onClick={reactivate} disabled={busy}>
          Reactivate tenant
        </Button>
      </>
    );
  }
  return (
    <>
      <p>Suspending refuses every user of the tenant with the reason you give; its data is kept.</p>
      <SchemaForm<{ reason: string }>
        id="suspend-tenant"
        schema={suspendSchema}
        submitLabel="Suspend tenant"
        onSubmit={async (value) => {
          onChanged(await api.post<Tenant>(`/platform/tenants/${tenant.id}/suspend`, { reason: value.reason.trim() }));
        }}
      />
    </>
  );
}

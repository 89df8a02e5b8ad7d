// The platform portal's Tenants page (/tenants): every tenant, a page at a time, filtered by
// status; and the form that creates one.
import {
  Button,
  type Column,
  DataTable,
  DateText,
  Link,
  PageFrame,
  PageSection,
  SelectField,
  StatusBadge,
  useKernelApi,
  useNavigate,
  useQuery,
} from '@dotmac/ui';
import { useState } from 'react';
import { NewTenantForm } from './tenants/NewTenantForm.tsx';
import { type SaasPlan, TENANT_STATUSES, type Tenant, type TenantStatus } from './tenants/tenant.ts';

const columns: readonly Column<Tenant>[] = [
  { key: 'name', header: 'Name', render: (t) => <Link to={`/tenants/${t.id}`}>{t.name}</Link> },
  { key: 'slug', header: 'Slug', render: (t) => <code>{t.slug}</code> },
  { key: 'status', header: 'Status', render: (t) => <StatusBadge status={t.status} /> },
  { key: 'plan', header: 'Plan', render: (t) => t.planId ?? 'None (every module)' },
  { key: 'hostnames', header: 'Hostnames', render: (t) => t.hostnames.join(', ') || '—' },
  { key: 'created', header: 'Created', render: (t) => <DateText value={t.createdAt} /> },
];

const STATUS_OPTIONS: readonly { value: TenantStatus | ''; label: string }[] = [
  { value: '', label: 'All' },
  ...TENANT_STATUSES.map((s) => ({ value: s, label: `${s[0]?.toUpperCase()}${s.slice(1)}` })),
];

export default function TenantList() {
  const api = useKernelApi();
  const navigate = useNavigate();
  const [status, setStatus] = useState<TenantStatus | ''>('');
  const [creating, setCreating] = useState(false);
  const plans = useQuery((signal) => api.get<{ items: SaasPlan[] }>('/platform/plans', { signal }), [api]);

  const load = (cursor: string | null, pageSize: number, signal: AbortSignal) =>
    api.get<{ items: Tenant[]; nextCursor: string | null }>('/platform/tenants', {
      query: { status: status || undefined, limit: pageSize, cursor: cursor ?? undefined },
      signal,
    });

  return (
    <PageFrame
      title="Tenants"
      actions={
        <Button onClick={() => setCreating(!creating)} variant={creating ? 'secondary' : 'primary'}>
          {creating ? 'Close the new tenant form' : 'New tenant'}
        </Button>
      }
    >
      {creating ? (
        <PageSection title="New tenant">
          <NewTenantForm
            planIds={(plans.data?.items ?? []).map((p) => p.id)}
            onCreated={(tenant) => navigate(`/tenants/${tenant.id}`)}
          />
        </PageSection>
      ) : null}
      <div style={{ maxWidth: '20rem', margin: '1rem 0' }}>
        <SelectField label="Status" value={status} options={STATUS_OPTIONS} onChange={setStatus} />
      </div>
      <DataTable
        caption={status ? `Tenants (${status})` : 'Tenants'}
        columns={columns}
        load={load}
        rowKey={(t) => t.id}
        pageSize={50}
        reloadKey={status}
        empty={<p>No tenant{status ? ` is ${status}` : ' yet'}.</p>}
      />
    </PageFrame>
  );
}

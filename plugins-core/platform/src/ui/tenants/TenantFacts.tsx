// What a tenant is: slug, state, plan, hostnames, regional settings and dates.
import { DateText, StatusBadge } from '@dotmac/ui';
import type { SaasPlan, Tenant } from './tenant.ts';

export function TenantFacts({ tenant, plans }: { readonly tenant: Tenant; readonly plans: readonly SaasPlan[] }) {
  const plan = plans.find((p) => p.id === tenant.planId);
  return (
    <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '0.4rem 1.5rem', margin: 0 }}>
      <dt style={{ fontWeight: 600 }}>Status</dt>
      <dd style={{ margin: 0 }}>
        <StatusBadge status={tenant.status} />
        {tenant.suspendedReason && <> — {tenant.suspendedReason}</>}
      </dd>
      <dt style={{ fontWeight: 600 }}>Slug</dt>
      <dd style={{ margin: 0 }}>
        <code>{tenant.slug}</code>
      </dd>
      <dt style={{ fontWeight: 600 }}>SaaS plan</dt>
      <dd style={{ margin: 0 }}>
        {tenant.planId ? (plan ? `${plan.name} (${plan.id})` : tenant.planId) : 'None: every module'}
      </dd>
      <dt style={{ fontWeight: 600 }}>Hostnames</dt>
      <dd style={{ margin: 0 }}>{tenant.hostnames.length ? tenant.hostnames.join(', ') : 'None'}</dd>
      <dt style={{ fontWeight: 600 }}>Currency, time zone, locale</dt>
      <dd style={{ margin: 0 }}>
        {tenant.currency}, {tenant.timeZone}, {tenant.locale}
      </dd>
      <dt style={{ fontWeight: 600 }}>Created</dt>
      <dd style={{ margin: 0 }}>
        <DateText value={tenant.createdAt} time />
      </dd>
      <dt style={{ fontWeight: 600 }}>Last changed</dt>
      <dd style={{ margin: 0 }}>
        <DateText value={tenant.updatedAt} time />
      </dd>
      {tenant.closedAt && (
        <>
          <dt style={{ fontWeight: 600 }}>Closed</dt>
          <dd style={{ margin: 0 }}>
            <DateText value={tenant.closedAt} time />
          </dd>
        </>
      )}
    </dl>
  );
}

// The platform portal's tenant page (/tenants/:id): what the tenant is, changing its profile and
// plan, switching its modules, and (last) suspending or reactivating it.

import type { ContributionProps } from '@dotmac/ui';
import { ErrorNotice, Link, Loading, PageFrame, PageSection, useKernelApi, useQuery } from '@dotmac/ui';
import { TenantFacts } from './tenants/TenantFacts.tsx';
import { TenantModules } from './tenants/TenantModules.tsx';
import { TenantPlanForm } from './tenants/TenantPlanForm.tsx';
import { TenantProfileForm } from './tenants/TenantProfileForm.tsx';
import { TenantStanding } from './tenants/TenantStanding.tsx';
import type { SaasPlan, Tenant } from './tenants/tenant.ts';

export default function TenantDetail({ params }: ContributionProps) {
  const api = useKernelApi();
  const id = params.id ?? '';
  const tenant = useQuery(
    (signal) => api.get<Tenant>(`/platform/tenants/${encodeURIComponent(id)}`, { signal }),
    [api, id],
  );
  const plans = useQuery((signal) => api.get<{ items: SaasPlan[] }>('/platform/plans', { signal }), [api]);

  if (tenant.error) {
    return (
      <PageFrame title="Tenant" actions={<Link to="/tenants">All tenants</Link>}>
        <ErrorNotice error={tenant.error} />
      </PageFrame>
    );
  }
  if (!tenant.data) return <Loading label="Loading the tenant" />;
  const current = tenant.data;
  const planList = plans.data?.items ?? [];
  const changed = () => tenant.reload();
  const open = current.status !== 'closed';

  return (
    <PageFrame title={current.name} actions={<Link to="/tenants">All tenants</Link>}>
      {plans.error && <ErrorNotice error={plans.error} />}
      <TenantFacts tenant={current} plans={planList} />
      {open && (
        <PageSection title="Profile">
          <TenantProfileForm tenant={current} onSaved={changed} />
        </PageSection>
      )}
      {open && plans.data && (
        <PageSection title="Plan">
          <TenantPlanForm key={current.planId ?? ''} tenant={current} plans={planList} onSaved={changed} />
        </PageSection>
      )}
      <PageSection title="Modules">
        <TenantModules tenant={current} plan={planList.find((p) => p.id === current.planId)} />
      </PageSection>
      <PageSection title="Standing">
        <TenantStanding tenant={current} onChanged={changed} />
      </PageSection>
    </PageFrame>
  );
}

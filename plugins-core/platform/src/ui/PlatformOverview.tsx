// The platform portal's dashboard widget: tenants by status and the plugins that are degraded.
import { ErrorNotice, Link, Loading, Stat, useKernelApi, useQuery } from '@dotmac/ui';
import type { InstalledPlugin } from './plugins/plugin.ts';
import { TENANT_STATUSES, type Tenant, type TenantStatus } from './tenants/tenant.ts';

/** Tenants counted at most: past this the widget says "at least". */
const MAX_PAGES = 25;
const PAGE_SIZE = 200;

interface TenantCounts {
  readonly byStatus: Readonly<Record<TenantStatus, number>>;
  /** Whether there were more tenants than were counted. */
  readonly more: boolean;
}

export default function PlatformOverview() {
  const api = useKernelApi();
  const tenants = useQuery(
    async (signal): Promise<TenantCounts> => {
      const byStatus: Record<TenantStatus, number> = { active: 0, suspended: 0, closed: 0 };
      let cursor: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer: { items: Tenant[]; nextCursor: string | null } = await api.get('/platform/tenants', {
          query: { limit: PAGE_SIZE, cursor: cursor ?? undefined },
          signal,
        });
        for (const tenant of answer.items) byStatus[tenant.status] += 1;
        cursor = answer.nextCursor;
        if (!cursor) return { byStatus, more: false };
      }
      return { byStatus, more: true };
    },
    [api],
  );
  const plugins = useQuery((signal) => api.get<{ items: InstalledPlugin[] }>('/admin/plugins', { signal }), [api]);
  const degraded = plugins.data?.items.filter((p) => p.state === 'degraded') ?? [];

  return (
    <section aria-labelledby="platform-overview-title">
      <h2 id="platform-overview-title">Platform</h2>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: '1.5rem' }}>
        {tenants.error ? (
          <ErrorNotice error={tenants.error} />
        ) : !tenants.data ? (
          <Loading label="Counting tenants" />
        ) : (
          TENANT_STATUSES.map((status) => (
            <Stat
              key={status}
              label={`${status[0]?.toUpperCase()}${status.slice(1)} tenants`}
              value={`${tenants.data?.byStatus[status]}${tenants.data?.more ? '+' : ''}`}
            />
          ))
        )}
        {plugins.error ? (
          <ErrorNotice error={plugins.error} />
        ) : !plugins.data ? (
          <Loading label="Checking plugins" />
        ) : (
          <Stat
            label="Degraded plugins"
            value={degraded.length}
            hint={
              degraded.length ? (
                <Link to="/plugins">{degraded.map((p) => p.name).join(', ')}</Link>
              ) : (
                <Link to="/plugins">All plugins are healthy</Link>
              )
            }
          />
        )}
      </div>
      <p>
        <Link to="/tenants">Manage tenants</Link>
      </p>
    </section>
  );
}

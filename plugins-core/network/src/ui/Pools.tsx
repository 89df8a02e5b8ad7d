// The admin portal's address pools page (/network/pools): each pool's prefix and how much of it
// is handed out, and a form to add one.
import { Button, type ContributionProps, DataTable, Link, PageFrame, SchemaForm, useApi, useCan } from '@dotmac/ui';
import { useState } from 'react';
import newPool from '../../schemas/new-pool.json' with { type: 'json' };
import { ACTIONS } from './layout.ts';
import type { Pool } from './network-types.ts';
import { PoolUsage } from './PoolUsage.tsx';
import { pagedLoader } from './paged.ts';
import { schemaSubset } from './schema-subset.ts';
import { useSites } from './use-sites.ts';
import { wordFor } from './words.ts';

const POOL_FORM = schemaSubset(newPool, {
  name: { hint: 'Unique in your network, e.g. CGNAT harbour.' },
  cidr: { label: 'Prefix (CIDR)', hint: 'Its network address and length: 100.64.0.0/22 or 2001:db8::/48.' },
  kind: { hint: 'dynamic: handed out on its own; static: only when an address is asked for.' },
  assignPrefixLength: {
    label: 'Prefix length handed out',
    hint: 'IPv4: 32 (one address). IPv6: 48 to 128, 64 when empty.',
  },
  gateway: { hint: 'Never handed out. Optional.' },
});

export default function Pools(_props: ContributionProps) {
  const api = useApi();
  const canWrite = useCan('dotmac.network.write');
  const [generation, setGeneration] = useState(0);
  const [adding, setAdding] = useState(false);
  const sites = useSites(0);
  const siteName = (id: string | null) => sites.find((site) => site.id === id)?.name ?? '—';

  const create = async (value: Record<string, unknown>) => {
    await api.post<Pool>('/pools', value);
    setAdding(false);
    setGeneration((n) => n + 1);
  };

  return (
    <PageFrame title="Address pools" actions={<Link to="/network">Sites and devices</Link>}>
      <DataTable<Pool>
        caption="Address pools and their usage (allocated of total)"
        columns={[
          { key: 'name', header: 'Name' },
          { key: 'cidr', header: 'Prefix', render: (pool) => <code>{pool.cidr}</code> },
          { key: 'family', header: 'Family', render: (pool) => wordFor(pool.family) },
          { key: 'kind', header: 'Kind', render: (pool) => wordFor(pool.kind) },
          { key: 'site', header: 'Site', render: (pool) => siteName(pool.siteId) },
          { key: 'usage', header: 'Allocated / total', render: (pool) => <PoolUsage pool={pool} /> },
          { key: 'percent', header: 'In use', align: 'end', render: (pool) => `${pool.utilisation.percent}%` },
        ]}
        load={pagedLoader<Pool>(api, '/pools')}
        rowKey={(pool) => pool.id}
        reloadKey={generation}
        empty="No address pool yet."
      />
      {canWrite && !adding ? (
        <div style={ACTIONS}>
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add a pool
          </Button>
        </div>
      ) : null}
      {canWrite && adding ? (
        <section aria-labelledby="network-new-pool">
          <h2 id="network-new-pool">New pool</h2>
          <SchemaForm id="network-new-pool-form" schema={POOL_FORM} submitLabel="Add pool" onSubmit={create} />
          <div style={ACTIONS}>
            <Button onClick={() => setAdding(false)}>Cancel</Button>
          </div>
        </section>
      ) : null}
    </PageFrame>
  );
}

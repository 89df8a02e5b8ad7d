// The sites of the Network page: where the ISP's equipment stands, and a form to add one.
import { Button, DataTable, SchemaForm, useApi, useCan } from '@dotmac/ui';
import { useState } from 'react';
import newSite from '../../schemas/new-site.json' with { type: 'json' };
import { ACTIONS, SECTION } from './layout.ts';
import type { Site } from './network-types.ts';
import { pagedLoader } from './paged.ts';
import { schemaSubset } from './schema-subset.ts';
import { wordFor } from './words.ts';

const SITE_FORM = schemaSubset(newSite, {
  name: { hint: 'Unique in your network, e.g. Harbour POP.' },
  kind: { label: 'Type' },
  address: { label: 'Street address' },
  notes: { widget: 'textarea', hint: 'Access, power, contacts…' },
});

export function SitesSection(props: { readonly onChange: () => void; readonly reloadKey: number }) {
  const api = useApi();
  const canWrite = useCan('dotmac.network.write');
  const [adding, setAdding] = useState(false);

  const create = async (value: Record<string, unknown>) => {
    await api.post<Site>('/sites', value);
    setAdding(false);
    props.onChange();
  };

  return (
    <section aria-labelledby="network-sites" style={SECTION}>
      <h2 id="network-sites">Sites</h2>
      <DataTable<Site>
        caption="Sites"
        columns={[
          { key: 'name', header: 'Name' },
          { key: 'kind', header: 'Type', render: (site) => wordFor(site.kind) },
          { key: 'address', header: 'Address', render: (site) => site.address ?? '—' },
        ]}
        load={pagedLoader<Site>(api, '/sites')}
        rowKey={(site) => site.id}
        reloadKey={props.reloadKey}
        empty="No site yet."
      />
      {canWrite && !adding ? (
        <div style={ACTIONS}>
          <Button onClick={() => setAdding(true)}>Add a site</Button>
        </div>
      ) : null}
      {canWrite && adding ? (
        <section aria-labelledby="network-new-site">
          <h3 id="network-new-site">New site</h3>
          <SchemaForm id="network-new-site-form" schema={SITE_FORM} submitLabel="Add site" onSubmit={create} />
          <div style={ACTIONS}>
            <Button onClick={() => setAdding(false)}>Cancel</Button>
          </div>
        </section>
      ) : null}
    </section>
  );
}

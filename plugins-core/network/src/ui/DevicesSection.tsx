// The devices of the Network page: NASes, routers, OLTs… with their site and management address.
import { Button, DataTable, StatusBadge, useApi, useCan } from '@dotmac/ui';
import { useState } from 'react';
import { ACTIONS, SECTION } from './layout.ts';
import { NewDeviceForm } from './NewDeviceForm.tsx';
import type { Device, Site } from './network-types.ts';
import { pagedLoader } from './paged.ts';
import { wordFor } from './words.ts';

export function DevicesSection(props: {
  readonly sites: readonly Site[];
  readonly reloadKey: number;
  readonly onChange: () => void;
}) {
  const api = useApi();
  const canWrite = useCan('dotmac.network.write');
  const [adding, setAdding] = useState(false);
  const siteName = (id: string | null) => props.sites.find((site) => site.id === id)?.name ?? '—';

  return (
    <section aria-labelledby="network-devices" style={SECTION}>
      <h2 id="network-devices">Devices</h2>
      <DataTable<Device>
        caption="Devices"
        columns={[
          { key: 'name', header: 'Name' },
          { key: 'kind', header: 'Type', render: (device) => wordFor(device.kind) },
          { key: 'vendor', header: 'Vendor', render: (device) => wordFor(device.vendor) },
          { key: 'site', header: 'Site', render: (device) => siteName(device.siteId) },
          {
            key: 'managementAddress',
            header: 'Management address',
            render: (device) => <code>{device.managementAddress ?? '—'}</code>,
          },
          {
            key: 'radius',
            header: 'RADIUS',
            render: (device) =>
              device.kind === 'nas' ? (device.hasRadiusSecret ? 'Secret set' : 'No secret') : 'Not a NAS',
          },
          { key: 'status', header: 'Status', render: (device) => <StatusBadge status={device.status} /> },
        ]}
        load={pagedLoader<Device>(api, '/devices')}
        rowKey={(device) => device.id}
        reloadKey={props.reloadKey}
        empty="No device yet."
      />
      {canWrite && !adding ? (
        <div style={ACTIONS}>
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add a device
          </Button>
        </div>
      ) : null}
      {canWrite && adding ? (
        <NewDeviceForm
          sites={props.sites}
          onCreated={() => {
            setAdding(false);
            props.onChange();
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
    </section>
  );
}

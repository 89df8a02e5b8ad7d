// Adding a device: its site (chosen by name), then the fields of POST /devices that matter when a
// NAS is set up: type, vendor, management (NAS) IP and RADIUS secret.
import { Button, SchemaForm, useApi } from '@dotmac/ui';
import { useId, useState } from 'react';
import newDevice from '../../schemas/new-device.json' with { type: 'json' };
import { ACTIONS, FILTER } from './layout.ts';
import type { Device, Site } from './network-types.ts';
import { schemaSubset } from './schema-subset.ts';

const DEVICE_FORM = schemaSubset(newDevice, {
  name: { hint: 'Its host name, e.g. bras-harbour-1.' },
  kind: { label: 'Type', hint: 'nas: a BRAS/BNG that speaks RADIUS to DotMac.' },
  vendor: {},
  managementAddress: {
    label: 'Management (NAS) IP address',
    hint: 'IPv4 or IPv6. For a NAS: the address its RADIUS requests come from (required).',
  },
  radiusSecret: {
    label: 'RADIUS shared secret',
    hint: 'NAS only, required for one. Never shown again.',
    widget: 'password',
  },
  coaPort: { label: 'CoA port', hint: 'NAS only: where it takes CoA and Disconnect requests (3799 when empty).' },
  model: {},
  serial: { label: 'Serial number' },
});

export function NewDeviceForm(props: {
  readonly sites: readonly Site[];
  readonly onCreated: (device: Device) => void;
  readonly onCancel: () => void;
}) {
  const api = useApi();
  const siteControl = useId();
  const [siteId, setSiteId] = useState('');

  const create = async (value: Record<string, unknown>) => {
    const device = await api.post<Device>('/devices', { ...value, ...(siteId && { siteId }) });
    props.onCreated(device);
  };

  return (
    <section aria-labelledby="network-new-device">
      <h3 id="network-new-device">New device</h3>
      <div className="dm-field" style={FILTER}>
        <label htmlFor={siteControl} className="dm-field__label">
          Site
        </label>
        <select id={siteControl} value={siteId} onChange={(event) => setSiteId(event.target.value)}>
          <option value="">No site</option>
          {props.sites.map((site) => (
            <option key={site.id} value={site.id}>
              {site.name}
            </option>
          ))}
        </select>
      </div>
      <SchemaForm
        id="network-new-device-form"
        schema={DEVICE_FORM}
        submitLabel="Add device"
        initial={{ kind: 'nas' }}
        onSubmit={create}
      />
      <div style={ACTIONS}>
        <Button onClick={props.onCancel}>Cancel</Button>
      </div>
    </section>
  );
}

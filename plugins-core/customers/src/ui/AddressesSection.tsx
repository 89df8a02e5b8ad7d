// An account's addresses, the billing one first, each with a map link when it has coordinates;
// staff may add one.
import type { JsonSchema } from '@dotmac/ui';
import type { ReactNode } from 'react';
import addressInput from '../../schemas/address-input.json' with { type: 'json' };
import { type Address, addressLine } from './account.ts';
import { RecordsSection } from './RecordsSection.tsx';

const field = addressInput.properties;

/** POST /accounts/:accountId/addresses's body schema, labelled. */
const NEW_ADDRESS_SCHEMA: JsonSchema = {
  ...addressInput,
  properties: {
    kind: { ...field.kind, default: 'service', 'x-label': 'Kind' },
    label: { ...field.label, 'x-label': 'Place name' },
    street: { ...field.street, 'x-label': 'Street' },
    city: { ...field.city, 'x-label': 'City' },
    region: { ...field.region, 'x-label': 'Region' },
    postalCode: { ...field.postalCode, 'x-label': 'Postal code' },
    country: { ...field.country, 'x-label': 'Country' },
    lat: { ...field.lat, 'x-label': 'Latitude' },
    lon: { ...field.lon, 'x-label': 'Longitude' },
  },
};

/** A link to the place on OpenStreetMap, when the address has coordinates. */
export function MapLink(props: { readonly address: Address }): ReactNode {
  const { lat, lon } = props.address;
  if (lat === null || lon === null) return null;
  return (
    <a
      href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`}
      target="_blank"
      rel="noreferrer"
    >
      Open in map (new window)
    </a>
  );
}

/** One address: what it is for, its name, the address on one line, the map link. */
export function AddressCard(props: { readonly address: Address }): ReactNode {
  const { address } = props;
  return (
    <>
      <strong>{address.kind === 'billing' ? 'Billing address' : 'Service address'}</strong>
      {address.label ? <span> · {address.label}</span> : null}
      <div>{addressLine(address)}</div>
      <MapLink address={address} />
    </>
  );
}

export function AddressesSection(props: {
  readonly accountId: string;
  readonly addresses: readonly Address[];
  readonly canWrite: boolean;
  readonly onChanged: () => void;
}): ReactNode {
  return (
    <RecordsSection
      kind={{ plural: 'addresses', singular: 'address' }}
      title="Addresses"
      empty="No address yet."
      records={props.addresses}
      card={(address) => <AddressCard address={address} />}
      addPath={`/accounts/${props.accountId}/addresses`}
      addSchema={NEW_ADDRESS_SCHEMA}
      addSummary="Add an address"
      addLabel="Add address"
      canWrite={props.canWrite}
      onChanged={props.onChanged}
    />
  );
}

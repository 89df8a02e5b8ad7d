// One service's access credentials in the customer's Access tab: how the subscriber signs in
// now, and the form that sets them (the password is never shown, only whether one is set).
import { Button, SchemaForm, StatusBadge, useApi, useCan } from '@dotmac/ui';
import { useState } from 'react';
import { ACCESS_FORM } from './access-form.ts';
import { ACTIONS, SECTION } from './layout.ts';
import type { ServiceEntry } from './service-types.ts';
import { accessWord } from './words.ts';

export function ServiceAccess(props: { readonly service: ServiceEntry; readonly onSaved: () => void }) {
  const { service } = props;
  const api = useApi();
  const canWrite = useCan('dotmac.provisioning.write');
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const headingId = `access-${service.subscriptionId}`;

  const save = async (value: Record<string, unknown>) => {
    await api.put(`/services/${encodeURIComponent(service.subscriptionId)}/access`, value);
    setEditing(false);
    setSaved(true);
    props.onSaved();
  };

  const access = service.access;
  return (
    <article aria-labelledby={headingId} style={SECTION}>
      <h3 id={headingId}>
        {service.name ?? (
          <>
            Service <code>{service.subscriptionId.slice(0, 8)}</code>
          </>
        )}{' '}
        {service.state ? <StatusBadge status={service.state} /> : <StatusBadge status="pending" />}
      </h3>
      {access ? (
        <dl>
          <dt>Access</dt>
          <dd>{accessWord(access.access)}</dd>
          <dt>Username</dt>
          <dd>
            <code>{access.username}</code>
          </dd>
          {access.access === 'pppoe' ? (
            <>
              <dt>Password</dt>
              <dd>{access.hasPassword ? 'Set (never shown)' : 'Not set'}</dd>
            </>
          ) : (
            <>
              <dt>Circuit id</dt>
              <dd>{access.circuitId ?? '—'}</dd>
              <dt>Remote id</dt>
              <dd>{access.remoteId ?? '—'}</dd>
            </>
          )}
        </dl>
      ) : (
        <p>
          {service.state === null
            ? 'Not activated yet: credentials set now are used when it is.'
            : 'No access credentials yet: the service waits for them.'}
        </p>
      )}
      {saved ? <p role="status">Credentials saved.</p> : null}
      {canWrite && !editing ? (
        <div style={ACTIONS}>
          <Button onClick={() => setEditing(true)}>{access ? 'Change credentials' : 'Set credentials'}</Button>
        </div>
      ) : null}
      {canWrite && editing ? (
        <>
          <SchemaForm
            id={`access-form-${service.subscriptionId}`}
            schema={ACCESS_FORM}
            submitLabel="Save credentials"
            initial={
              access
                ? {
                    access: access.access,
                    username: access.username,
                    ...(access.circuitId && { circuitId: access.circuitId }),
                    ...(access.remoteId && { remoteId: access.remoteId }),
                  }
                : {}
            }
            onSubmit={save}
          />
          <div style={ACTIONS}>
            <Button onClick={() => setEditing(false)}>Cancel</Button>
          </div>
        </>
      ) : null}
    </article>
  );
}

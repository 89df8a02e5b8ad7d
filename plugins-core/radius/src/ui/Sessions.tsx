// The admin portal's online sessions page (/radius/sessions): who is connected now, through which
// NAS, with which address and how much they moved; staff may disconnect a subscriber.
import {
  type Column,
  type ContributionProps,
  DataTable,
  DateText,
  type Page,
  PageFrame,
  useApi,
  useCan,
  useTenant,
} from '@dotmac/ui';
import { useId, useState } from 'react';
import { formatBytes } from './bytes.ts';
import { DisconnectButton } from './DisconnectButton.tsx';
import { FILTER } from './layout.ts';
import type { Session } from './session-types.ts';

export default function Sessions(_props: ContributionProps) {
  const api = useApi();
  const canDisconnect = useCan('dotmac.radius.write');
  const locale = useTenant()?.locale;
  const nasFilter = useId();
  const [nas, setNas] = useState('');
  const [generation, setGeneration] = useState(0);

  const load = (cursor: string | null, pageSize: number, signal: AbortSignal) =>
    api.get<Page<Session>>('/sessions', {
      query: { nasAddress: nas.trim() || undefined, limit: pageSize, cursor },
      signal,
    });

  const columns: Column<Session>[] = [
    { key: 'username', header: 'Username', render: (s) => <code>{s.username}</code> },
    { key: 'nas', header: 'NAS', render: (s) => <code>{s.nasAddress}</code> },
    { key: 'framedIp', header: 'Address', render: (s) => <code>{s.framedIp ?? '—'}</code> },
    { key: 'startedAt', header: 'Online since', render: (s) => <DateText value={s.startedAt} time /> },
    { key: 'updatedAt', header: 'Last update', render: (s) => <DateText value={s.updatedAt} time /> },
    {
      key: 'download',
      header: 'Download',
      align: 'end',
      render: (s) => <span style={{ whiteSpace: 'nowrap' }}>{formatBytes(s.outputBytes, locale)}</span>,
    },
    {
      key: 'upload',
      header: 'Upload',
      align: 'end',
      render: (s) => <span style={{ whiteSpace: 'nowrap' }}>{formatBytes(s.inputBytes, locale)}</span>,
    },
  ];
  if (canDisconnect) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      render: (s) =>
        s.subscriptionId ? (
          <DisconnectButton
            subscriptionId={s.subscriptionId}
            username={s.username}
            onDone={() => setGeneration((n) => n + 1)}
          />
        ) : (
          'No AAA account'
        ),
    });
  }

  return (
    <PageFrame title="Online sessions">
      <div className="dm-field" style={FILTER}>
        <label htmlFor={nasFilter} className="dm-field__label">
          NAS address
        </label>
        <input
          id={nasFilter}
          type="search"
          value={nas}
          placeholder="All NASes"
          onChange={(event) => setNas(event.target.value)}
        />
      </div>
      <DataTable<Session>
        caption="Sessions online now, newest first"
        columns={columns}
        load={load}
        rowKey={(s) => `${s.nasAddress} ${s.acctSessionId}`}
        reloadKey={`${nas.trim()}:${generation}`}
        empty="Nobody is online."
      />
    </PageFrame>
  );
}

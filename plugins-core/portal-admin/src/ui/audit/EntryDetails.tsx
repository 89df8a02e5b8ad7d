// What an audit row changed: its before and after, and its request, shown on demand.
import type { AuditEntry } from './entry.ts';

const shown = (value: unknown) => JSON.stringify(value, null, 2);

export function EntryDetails({ entry }: { readonly entry: AuditEntry }) {
  const hasChange = entry.before != null || entry.after != null;
  const hasData = entry.data != null && Object.keys(entry.data).length > 0;
  if (!hasChange && !hasData && !entry.requestId && !entry.ip) return null;
  return (
    <details>
      <summary>Details</summary>
      <dl>
        {entry.actor.id && (
          <>
            <dt>Actor id</dt>
            <dd>
              <code>{entry.actor.id}</code>
            </dd>
          </>
        )}
        {entry.requestId && (
          <>
            <dt>Request</dt>
            <dd>
              <code>{entry.requestId}</code>
            </dd>
          </>
        )}
        {entry.ip && (
          <>
            <dt>From</dt>
            <dd>{entry.ip}</dd>
          </>
        )}
        {hasData && (
          <>
            <dt>Data</dt>
            <dd>
              <pre>{shown(entry.data)}</pre>
            </dd>
          </>
        )}
        {entry.before != null && (
          <>
            <dt>Before</dt>
            <dd>
              <pre>{shown(entry.before)}</pre>
            </dd>
          </>
        )}
        {entry.after != null && (
          <>
            <dt>After</dt>
            <dd>
              <pre>{shown(entry.after)}</pre>
            </dd>
          </>
        )}
      </dl>
    </details>
  );
}

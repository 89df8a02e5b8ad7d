// The admin portal's outage notices page (plugin.json contributes it as ./OutageNotices at
// /outages). A stub for now: it renders the notices it is given; fetching them through
// GET /notices comes with the shell's API client.
import { useState } from 'react';

/** A notice as GET /notices answers it. */
export interface OutageNotice {
  readonly id: string;
  readonly area: string;
  readonly message: string;
  readonly startsAt: string;
  readonly endsAt: string;
}

export default function OutageNotices({ notices = [] }: { readonly notices?: readonly OutageNotice[] }) {
  const [area, setArea] = useState('');
  const shown = area ? notices.filter((notice) => notice.area === area) : notices;
  return (
    <section>
      <h1>Outage notices</h1>
      <label>
        Area <input value={area} onChange={(event) => setArea(event.target.value)} />
      </label>
      {shown.length === 0 ? (
        <p>No outage in force.</p>
      ) : (
        <ul>
          {shown.map((notice) => (
            <li key={notice.id}>
              <strong>{notice.area}</strong>: {notice.message} (until {new Date(notice.endsAt).toLocaleString()})
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

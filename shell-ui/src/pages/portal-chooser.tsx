// The page at `/`: which portal to open, those with a remembered session first.
import { PORTAL_NAMES, PORTALS } from '../portal.ts';
import { portalsWithSessions } from '../session/stored-sessions.ts';

export function PortalChooser() {
  const signedIn = new Set(portalsWithSessions(localStorage));
  const ordered = [...PORTALS].sort((a, b) => Number(signedIn.has(b)) - Number(signedIn.has(a)));
  return (
    <main id="main" className="shell-chooser">
      <h1>DotMac</h1>
      <p>Choose a portal.</p>
      <ul className="shell-chooser__list">
        {ordered.map((portal) => (
          <li key={portal}>
            <a href={`/${portal}/${location.search}`} className="shell-chooser__link">
              {PORTAL_NAMES[portal]} portal
              {signedIn.has(portal) ? <span className="shell-chooser__note"> (signed in)</span> : null}
            </a>
          </li>
        ))}
      </ul>
    </main>
  );
}

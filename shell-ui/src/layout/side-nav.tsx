// The sidebar: the dashboard, the plugins' `nav` entries in order, and settings when any plugin
// contributes a panel; the current entry is marked (aria-current).
import type { UiManifest } from '@dotmac/ui';
import { Link, useLocation } from 'wouter';
import { activeNavPath, navEntries, slotItems } from '../manifest/contributions.ts';

export function SideNav({ manifest, homeTitle }: { readonly manifest: UiManifest; readonly homeTitle: string }) {
  const [location] = useLocation();
  const entries = [
    { key: 'home', path: '/', title: homeTitle },
    ...navEntries(manifest).map((c) => ({ key: `${c.pluginId}${c.path}`, path: c.path, title: c.title ?? c.path })),
    ...(slotItems(manifest, 'settings-panel', '/settings').length > 0
      ? [{ key: 'settings', path: '/settings', title: 'Settings' }]
      : []),
  ];
  const active = activeNavPath(entries, location || '/');
  return (
    <nav className="shell-nav" aria-label="Main">
      <ul className="shell-nav__list">
        {entries.map((entry) => (
          <li key={entry.key}>
            <Link
              href={entry.path}
              className="shell-nav__link"
              aria-current={entry.path === active ? 'page' : undefined}
            >
              {entry.title}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

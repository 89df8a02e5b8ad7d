// The admin portal's settings page panel: links to the administration pages the user may open.
import { Link, useCan } from '@dotmac/ui';

interface AdministrationPage {
  readonly to: string;
  readonly title: string;
  readonly what: string;
  readonly permission: string;
}

const PAGES: readonly AdministrationPage[] = [
  {
    to: '/settings/modules',
    title: 'Modules',
    what: 'Switch modules on and off.',
    permission: 'kernel.plugins.manage',
  },
  {
    to: '/settings/users',
    title: 'Users',
    what: 'Invite people, change their roles.',
    permission: 'kernel.users.read',
  },
  {
    to: '/settings/roles',
    title: 'Roles',
    what: 'What each role may do.',
    permission: 'kernel.users.read',
  },
  {
    to: '/settings/audit',
    title: 'Audit log',
    what: 'Who changed what, and when.',
    permission: 'kernel.audit.read',
  },
];

export default function AdministrationPanel() {
  const can = {
    'kernel.plugins.manage': useCan('kernel.plugins.manage'),
    'kernel.users.read': useCan('kernel.users.read'),
    'kernel.audit.read': useCan('kernel.audit.read'),
  } as Readonly<Record<string, boolean>>;
  const mine = PAGES.filter((page) => can[page.permission]);
  if (mine.length === 0) return null;
  return (
    <nav aria-labelledby="portal-admin-panel-title">
      <h2 id="portal-admin-panel-title">Administration</h2>
      <ul>
        {mine.map((page) => (
          <li key={page.to}>
            <Link to={page.to}>{page.title}</Link> — {page.what}
          </li>
        ))}
      </ul>
    </nav>
  );
}

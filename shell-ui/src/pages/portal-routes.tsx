// Which page a portal path shows: the dashboard at `/`, settings at `/settings`, else the most
// specific `route` contribution, else not found.
import { useLocation } from 'wouter';
import { routeFor } from '../manifest/contributions.ts';
import { ContributionView } from '../slots/contribution-view.tsx';
import { usePortalRuntime } from '../slots/portal-runtime.ts';
import { DashboardPage } from './dashboard-page.tsx';
import { NotFoundPage } from './not-found-page.tsx';
import { SettingsPage } from './settings-page.tsx';

export function PortalRoutes({ homeTitle }: { readonly homeTitle: string }) {
  const [location] = useLocation();
  const { manifest } = usePortalRuntime();
  const path = location === '' ? '/' : location;
  if (path === '/') return <DashboardPage title={homeTitle} />;
  if (path === '/settings') return <SettingsPage />;
  const match = routeFor(manifest, path);
  if (!match) return <NotFoundPage path={path} />;
  const { contribution, params } = match;
  return (
    <ContributionView
      key={`${contribution.pluginId}${contribution.path}`}
      contribution={contribution}
      params={params}
      resetKey={path}
    />
  );
}

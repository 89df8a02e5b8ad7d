// What the kernel tells the shell a portal holds (GET /api/v1/ui/manifest), read as the signed-in
// user would get it: the tests compare the page with it.
import type { Installation, SignedIn } from '../../support/portal-users.ts';
import { as, expectStatus } from './people.ts';

export interface ManifestContribution {
  readonly pluginId: string;
  readonly slot: 'route' | 'nav' | 'dashboard-widget' | 'detail-tab' | 'settings-panel';
  readonly path: string;
  readonly module?: string;
  readonly title?: string;
}

export interface PortalManifest {
  readonly remotes: readonly { readonly pluginId: string; readonly entry: string }[];
  readonly contributions: readonly ManifestContribution[];
}

export async function uiManifest(at: Installation, who: SignedIn, portal: string): Promise<PortalManifest> {
  return expectStatus(await as(at, who, `/api/v1/ui/manifest?portal=${portal}`), 200).body as PortalManifest;
}

/** The titles of `pluginId`'s contributions to `slot`. */
export function titlesOf(manifest: PortalManifest, pluginId: string, slot: ManifestContribution['slot']): string[] {
  return manifest.contributions.filter((c) => c.pluginId === pluginId && c.slot === slot).map((c) => c.title ?? c.path);
}

/** `pluginId`'s pages without parameters (/billing/invoices, not /billing/invoices/:id), with their titles. */
export function plainRoutesOf(
  manifest: PortalManifest,
  pluginId: string,
): { readonly path: string; readonly title: string }[] {
  return manifest.contributions
    .filter((c) => c.pluginId === pluginId && c.slot === 'route' && !c.path.includes(':'))
    .map((c) => ({ path: c.path, title: c.title ?? c.path }));
}

// What goes where in a portal, from the UI manifest: the sidebar entries, the page for a path,
// and the items of a slot, each in order (`order`, lower first, 100 by default; then manifest order).
import type { SlotName, UiContribution, UiManifest } from '@dotmac/ui';
import { matchPath, specificity } from './route-match.ts';

const DEFAULT_ORDER = 100;

/** `contributions` by `order`, keeping the manifest's order among equals. */
export function inOrder(contributions: readonly UiContribution[]): UiContribution[] {
  return contributions
    .map((contribution, index) => ({ contribution, index }))
    .sort(
      (a, b) => (a.contribution.order ?? DEFAULT_ORDER) - (b.contribution.order ?? DEFAULT_ORDER) || a.index - b.index,
    )
    .map(({ contribution }) => contribution);
}

/** The sidebar entries: `nav` contributions with a title, in order. */
export function navEntries(manifest: UiManifest): UiContribution[] {
  return inOrder(manifest.contributions.filter((c) => c.slot === 'nav' && c.title));
}

/** The nav entry that is current at `path`: the longest whose path is `path` or a parent of it. */
export function activeNavPath(entries: readonly { readonly path: string }[], path: string): string | undefined {
  let best: string | undefined;
  for (const { path: target } of entries) {
    const inside = target === '/' ? path === '/' : path === target || path.startsWith(`${target.replace(/\/$/, '')}/`);
    if (inside && (best === undefined || target.length > best.length)) best = target;
  }
  return best;
}

/** The page for `path`: the most specific matching `route` contribution (then by order), with its parameters. */
export function routeFor(
  manifest: UiManifest,
  path: string,
): { readonly contribution: UiContribution; readonly params: Record<string, string> } | undefined {
  const matches = inOrder(manifest.contributions.filter((c) => c.slot === 'route' && c.module))
    .map((contribution) => ({ contribution, params: matchPath(contribution.path, path) }))
    .filter((m): m is { contribution: UiContribution; params: Record<string, string> } => m.params !== null);
  let best: (typeof matches)[number] | undefined;
  for (const match of matches) {
    if (!best || specificity(match.contribution.path) > specificity(best.contribution.path)) best = match;
  }
  return best;
}

/** The items of a slot at `path` (a detail page's pattern, `/` for the dashboard), in order. */
export function slotItems(manifest: UiManifest, slot: SlotName, path: string): UiContribution[] {
  return inOrder(manifest.contributions.filter((c) => c.slot === slot && c.path === path && c.module));
}

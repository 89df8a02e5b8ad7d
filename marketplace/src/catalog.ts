// What the registry offers, as pure functions over version rows: the latest version of a
// plugin, and the search over plugins by text, capability, portal and kernel compatibility.
import semver from 'semver';

/** The searchable facts of one published version (no package bytes). */
export interface VersionFacts {
  readonly pluginId: string;
  readonly version: string;
  readonly name: string;
  readonly description: string;
  readonly publisher: string;
  /** engines.kernel: the kernel versions it runs on. */
  readonly kernel: string;
  /** capabilitySummary of its manifest. */
  readonly capabilities: readonly string[];
  /** The portals its ui contributes to. */
  readonly portals: readonly string[];
  readonly yanked: string | null;
  readonly downloads: number;
}

/** What the caller searches for; every given filter must hold. */
export interface CatalogFilter {
  /** Text found (case-insensitively) in the id, name or description. */
  readonly q?: string;
  /** Prefix of one of the capabilities (`egress`, `events.publish: hooks`). */
  readonly capability?: string;
  /** A portal the plugin's ui contributes to. */
  readonly portal?: string;
  /** A kernel version: only versions whose engines.kernel it satisfies are offered. */
  readonly kernel?: string;
}

/** One plugin as listed: its offered version's facts plus counts over every version. */
export interface CatalogItem {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly publisher: string;
  /** The version offered for new installs. */
  readonly latest: string;
  /** How many versions were published (yanked ones included). */
  readonly versions: number;
  readonly capabilities: readonly string[];
  readonly portals: readonly string[];
  readonly kernel: string;
  /** Downloads of every version. */
  readonly downloads: number;
}

/** Newest first, by semver precedence. */
export function bySemverDescending(a: { version: string }, b: { version: string }): number {
  return semver.rcompare(a.version, b.version);
}

/**
 * The version offered for new installs: the highest that is not yanked and, with `kernel`,
 * runs on that kernel; a pre-release only when no release qualifies. Undefined when none does.
 */
export function offeredVersion<V extends Pick<VersionFacts, 'version' | 'yanked' | 'kernel'>>(
  versions: readonly V[],
  kernel?: string,
): V | undefined {
  const candidates = [...versions]
    .sort(bySemverDescending)
    .filter((v) => v.yanked === null && (kernel === undefined || runsOn(v.kernel, kernel)));
  return candidates.find((v) => semver.prerelease(v.version) === null) ?? candidates[0];
}

/** Whether a plugin needing kernel `range` runs on kernel `version` (as the kernel itself judges it). */
export function runsOn(range: string, version: string): boolean {
  return semver.satisfies(version, range);
}

/** The plugins matching `filter`, by id, each described by its offered version. */
export function searchCatalog(versions: readonly VersionFacts[], filter: CatalogFilter): CatalogItem[] {
  const byPlugin = new Map<string, VersionFacts[]>();
  for (const v of versions) byPlugin.set(v.pluginId, [...(byPlugin.get(v.pluginId) ?? []), v]);
  const items: CatalogItem[] = [];
  for (const [id, all] of byPlugin) {
    const offered = offeredVersion(all, filter.kernel);
    if (!offered || !matches(offered, filter)) continue;
    items.push({
      id,
      name: offered.name,
      description: offered.description,
      publisher: offered.publisher,
      latest: offered.version,
      versions: all.length,
      capabilities: offered.capabilities,
      portals: offered.portals,
      kernel: offered.kernel,
      downloads: all.reduce((sum, v) => sum + v.downloads, 0),
    });
  }
  return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function matches(v: VersionFacts, filter: CatalogFilter): boolean {
  if (filter.q) {
    const q = filter.q.toLowerCase();
    if (![v.pluginId, v.name, v.description].some((text) => text.toLowerCase().includes(q))) return false;
  }
  if (filter.capability) {
    const prefix = filter.capability.toLowerCase();
    if (!v.capabilities.some((c) => c.toLowerCase().startsWith(prefix))) return false;
  }
  if (filter.portal && !v.portals.includes(filter.portal)) return false;
  return true;
}

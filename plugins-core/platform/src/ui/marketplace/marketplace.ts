// What the kernel's operator API for plugin packages answers (kernel/src/plugins/installer.ts),
// as the Marketplace screen reads it.

/** A plugin a registry offers, marked by the kernel as fitting it or not. */
export interface CatalogPlugin {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly publisher: string;
  /** The version offered for new installs. */
  readonly latest: string;
  readonly capabilities: readonly string[];
  readonly portals: readonly string[];
  /** engines.kernel of the latest version. */
  readonly kernel: string;
  readonly downloads: number;
  /** Whether this kernel is in `kernel`. */
  readonly compatible: boolean;
  /** The version installed here, if any. */
  readonly installed: string | null;
}

/** GET /admin/marketplace/plugins: the matches of each configured registry. */
export interface CatalogAnswer {
  readonly items: readonly { readonly registry: string; readonly items: readonly CatalogPlugin[] }[];
}

/** POST /admin/installations/preview: what installing would do and ask approval for. */
export interface InstallPlan {
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly keyId: string;
  /** The plugin's capabilities, then each dependency's as `<id>: <capability>`. */
  readonly capabilities: readonly string[];
  readonly dependencies: Readonly<Record<string, string>>;
  /** Dependencies not installed, with the version that would be installed (null: none compatible). */
  readonly missing: readonly { readonly pluginId: string; readonly range: string; readonly version: string | null }[];
  /** Deprecation notices of what would be installed. */
  readonly notices: readonly string[];
}

/** POST /admin/installations answers the plan and what it installed, dependencies first. */
export interface Installation extends InstallPlan {
  readonly installed: readonly { readonly pluginId: string; readonly version: string }[];
}

/** GET /admin/installations: a plugin installed from a package. */
export interface InstalledPackage {
  readonly pluginId: string;
  readonly version: string;
  /** The registry's URL, or `file`. */
  readonly source: string;
  readonly publisher: string;
  readonly keyId: string;
  readonly capabilities: readonly string[];
  readonly installedAt: string;
  /** Yanked or deprecated at its registry, or that it could not be checked. */
  readonly warnings: readonly string[];
}

/** Whether the operator has ticked every capability asked for (the kernel refuses an install otherwise). */
export function allApproved(asked: readonly string[], ticked: ReadonlySet<string>): boolean {
  return asked.every((capability) => ticked.has(capability));
}

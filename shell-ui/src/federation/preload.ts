// Fetching a remote module's chunks at once: its mf-manifest.json lists them, and a
// modulepreload link fetches and compiles a module without running it.

/** The chunks each exposed module of a remote needs, from its mf-manifest.json. */
export interface ExposedAssets {
  /** Files relative to the remote's folder (assets/Customers-x.js). */
  filesOf(module: string): readonly string[];
}

interface ManifestExposes {
  readonly exposes?: readonly {
    readonly name?: string;
    readonly path?: string;
    readonly assets?: { readonly js?: { readonly sync?: readonly string[]; readonly async?: readonly string[] } };
  }[];
}

/** The chunks of `module`: those it imports at once, and the shared-module loader it imports later. */
export class ExposedAssetsOf implements ExposedAssets {
  constructor(private readonly manifest: unknown) {}

  filesOf(module: string): readonly string[] {
    const exposes = (this.manifest as ManifestExposes | null)?.exposes ?? [];
    const expose = exposes.find((e) => e.path === module || `./${e.name}` === module);
    const js = expose?.assets?.js;
    // The async list also holds the remote's fallback copies of shared packages, which the shell provides.
    return [...(js?.sync ?? []), ...(js?.async ?? []).filter((file) => file.includes('loadShare'))];
  }
}

const preloaded = new Set<string>();

/** Adds a modulepreload link for each file (relative to the remote entry's folder), once. */
export function preloadModules(entry: string, files: readonly string[]): void {
  if (typeof document === 'undefined') return;
  for (const file of files) {
    const href = new URL(file, new URL(entry, location.href)).href;
    if (preloaded.has(href)) continue;
    preloaded.add(href);
    const link = document.createElement('link');
    link.rel = 'modulepreload';
    link.href = href;
    document.head.append(link);
  }
}

// Where a plugin's UI remote lives and what it is called: `dotmac-plugin build` writes it, the
// kernel serves it and lists it in the UI manifest, the shell loads it.

/** Folder of the built Module Federation remote, relative to the plugin folder. */
export const UI_DIR = 'dist/ui';

/** The remote's entry file inside UI_DIR. */
export const REMOTE_ENTRY = 'remoteEntry.js';

/**
 * The Module Federation name of a plugin's remote, a JavaScript identifier as the runtime needs:
 * `-` becomes `_` and `.` becomes `__` (`contrib.outage-notices` → `contrib__outage_notices`).
 * Plugin ids hold no `_`, so no two ids share a name.
 */
export function remoteName(pluginId: string): string {
  return pluginId.replace(/-/g, '_').replace(/\./g, '__');
}

/** URL path under which the kernel serves a plugin version's UI remote files. */
export function uiAssetsPath(pluginId: string, version: string): string {
  return `/plugins/${pluginId}/${version}/ui`;
}

// Whether a remote will run on the shell's React: its mf-manifest.json (written by the SDK build)
// must declare react and react-dom as shared singletons at a version the shell's React satisfies.
// A remote that does not would load a second React: hooks break and the page with them.

/** The part of an mf-manifest.json the check reads. */
export interface RemoteManifest {
  readonly shared?: readonly {
    readonly name: string;
    readonly version?: string;
    readonly singleton?: boolean;
    readonly requiredVersion?: string | false;
  }[];
}

/** The React major the shell runs. */
export const REACT_MAJOR = 19;
const MUST_SHARE = ['react', 'react-dom'] as const;

/**
 * Why `manifest` would make `pluginId` run its own React, or undefined when it shares the
 * shell's: react and react-dom shared, as singletons, at version 19.x (what `^19` accepts).
 */
export function secondReactProblem(pluginId: string, manifest: unknown): string | undefined {
  const rebuild = `${pluginId}'s screens were built without DotMac's shared React (rebuild with dotmac-plugin build)`;
  const shared = (manifest as RemoteManifest | null)?.shared;
  if (!Array.isArray(shared)) return rebuild;
  const problems: string[] = [];
  for (const name of MUST_SHARE) {
    const entry = shared.find((s) => s?.name === name);
    if (!entry) problems.push(`${name} is not shared`);
    else if (entry.singleton !== true) problems.push(`${name} is not a singleton`);
    else if (!satisfiesMajor(entry.version, REACT_MAJOR)) {
      problems.push(`${name} ${entry.version ?? '(no version)'} is not ^${REACT_MAJOR}`);
    }
  }
  return problems.length === 0 ? undefined : `${rebuild}: ${problems.join(', ')}`;
}

/** Whether `version` is a release (or prerelease) of `major`. */
function satisfiesMajor(version: string | undefined, major: number): boolean {
  const match = /^v?(\d+)\.\d+\.\d+/.exec(version ?? '');
  return match !== null && Number(match[1]) === major;
}

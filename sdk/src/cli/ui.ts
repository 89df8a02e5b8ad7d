// The UI half of `dotmac-plugin build`: the modules the manifest's `ui` contributions name,
// built from src/ui/ into dist/ui/ as a Module Federation remote (remoteEntry.js, ES module)
// that the shell registers and loads, with React, the router and @dotmac/ui shared as singletons.
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { REMOTE_ENTRY, remoteName, UI_DIR } from '@dotmac/schemas/contract/ui';
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import { federation } from '@module-federation/vite';
import { build, parseSync } from 'vite';
import { CliError } from './errors.ts';

/** Where the UI sources are, relative to the plugin folder. */
export const UI_SOURCE = 'src/ui';
/** Where the built remote goes and what it is called: the contract the kernel and shell share. */
export { REMOTE_ENTRY, remoteName, UI_DIR };

/** Extensions tried, in order, for an exposed module `./Name` → `src/ui/Name.<ext>`. */
const EXTENSIONS = ['.tsx', '.ts', '.jsx', '.js'];
/**
 * Packages the shell provides once for every remote, with the range the remote asks for. React
 * and react-dom must be installed beside the plugin (the remote carries them as the fallback the
 * federation runtime needs); the JSX runtime goes with React, one instance of everything. The
 * router and @dotmac/ui (its contexts: session, tenant, slots) are shared too when installed,
 * which they are wherever a screen imports @dotmac/ui. The shell refuses a remote whose
 * mf-manifest.json does not declare React this way, so a remote built otherwise never runs a
 * second React. Fixed here: the build reads no vite config of the plugin's.
 */
const REQUIRED_SHARED = ['react', 'react-dom'] as const;
const OPTIONAL_SHARED = ['wouter', '@dotmac/ui'] as const;
/** The React major the shell runs; a remote built for another is refused at load. */
const REACT_RANGE = '^19.0.0';
const RANGES: Readonly<Record<string, string>> = {
  react: REACT_RANGE,
  'react-dom': REACT_RANGE,
  'react/jsx-runtime': REACT_RANGE,
  wouter: '^3.0.0',
};

/** What the UI build produced. */
export interface UiBuildResult {
  /** Absolute path of dist/ui/remoteEntry.js. */
  readonly remoteEntry: string;
  /** The Module Federation name of the remote (see `remoteName`). */
  readonly name: string;
  /** Exposed module → its source, relative to the plugin folder (`./NoticeList` → `src/ui/NoticeList.tsx`). */
  readonly exposes: Readonly<Record<string, string>>;
}

/**
 * Builds the remote for `manifest`'s ui contributions into dist/ui/, or removes a stale
 * dist/ui/ and answers undefined when the manifest contributes no UI.
 */
export async function buildUi(root: string, manifest: PluginManifest): Promise<UiBuildResult | undefined> {
  const outDir = join(root, UI_DIR);
  const modules = [...new Set((manifest.ui ?? []).flatMap((contribution) => contribution.module ?? []))];
  if (modules.length === 0) {
    await rm(outDir, { recursive: true, force: true });
    return undefined;
  }
  const exposes = await exposedSources(root, manifest, modules);
  checkSharedInstalled(root);
  const shared = sharedConfig(root);
  const sharedNames = Object.keys(shared);
  await checkSyntax(root);
  const name = remoteName(manifest.id);
  try {
    await asProduction(() =>
      build({
        root,
        mode: 'production',
        base: './',
        configFile: false,
        envFile: false,
        publicDir: false,
        logLevel: 'silent',
        resolve: { dedupe: sharedNames },
        build: {
          outDir,
          emptyOutDir: true,
          target: 'es2022',
          modulePreload: false,
          reportCompressedSize: false,
          // No entry of its own: the federation plugin adds remoteEntry.js and one chunk per exposed module.
          rolldownOptions: { input: {} },
        },
        plugins: [
          evenUnderTests(() =>
            federation({
              name,
              filename: REMOTE_ENTRY,
              exposes: Object.fromEntries(Object.entries(exposes).map(([module, source]) => [module, `./${source}`])),
              shared,
              // The shell's singletons are loaded before any remote: take them, compare nothing.
              shareStrategy: 'loaded-first',
              manifest: true,
              dts: false,
            }),
          ),
        ],
      }),
    );
  } catch (e) {
    throw new CliError(`the UI of ${root} does not build:`, uiBuildProblems(root, e));
  }
  // Vite's own build manifest: only the build reads it. mf-manifest.json is the one the shell may use.
  await rm(join(outDir, '.vite'), { recursive: true, force: true });
  return { remoteEntry: join(outDir, REMOTE_ENTRY), name, exposes };
}

/** Exposed module → source file, relative to `root`; every module must have one. */
async function exposedSources(
  root: string,
  manifest: PluginManifest,
  modules: readonly string[],
): Promise<Record<string, string>> {
  const exposes: Record<string, string> = {};
  const missing: string[] = [];
  for (const module of modules) {
    const base = `${UI_SOURCE}/${module.slice(2)}`;
    let found: string | undefined;
    for (const ext of EXTENSIONS) {
      const info = await stat(join(root, base + ext)).catch(() => undefined);
      if (info?.isFile()) {
        found = base + ext;
        break;
      }
    }
    if (found) exposes[module] = found;
    else {
      const at = (manifest.ui ?? []).findIndex((c) => c.module === module);
      missing.push(
        `plugin.json /ui/${at}/module names ${module}, but there is no ${base}${EXTENSIONS[0]} (nor ${EXTENSIONS.slice(1).join(', ')})`,
      );
    }
  }
  if (missing.length > 0) throw new CliError('a UI module the manifest names does not exist:', missing);
  return exposes;
}

/**
 * Runs a build as production whatever NODE_ENV the caller has (a test runner sets `test`):
 * Vite reads NODE_ENV for the JSX transform and React's build, and a remote built for
 * development would import react/jsx-dev-runtime, which the shell's production React lacks.
 */
async function asProduction<T>(run: () => Promise<T>): Promise<T> {
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
  }
}

/**
 * The federation plugin turns itself into nothing when it sees a test runner (VITEST,
 * NODE_ENV=test), as when `dotmac-plugin test` or a spec builds a plugin; this build is wanted
 * there too. Its documented switch is read only while the plugin is created.
 */
function evenUnderTests<T>(create: () => T): T {
  const key = 'MFE_VITE_NO_TEST_ENV_CHECK';
  const before = process.env[key];
  process.env[key] = 'true';
  try {
    return create();
  } finally {
    if (before === undefined) delete process.env[key];
    else process.env[key] = before;
  }
}

/**
 * The shared packages must resolve from the plugin folder: the remote carries them as the
 * fallback the federation runtime needs, and reads their versions. Checked first, because a
 * build without them only fails after the federation plugin's parse timeout.
 */
function checkSharedInstalled(root: string): void {
  const missing = REQUIRED_SHARED.filter((pkg) => installedVersion(root, pkg) === undefined);
  if (missing.length > 0) {
    throw new CliError(
      `the UI of ${root} needs ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed there: run npm install (the scaffold's package.json lists react and react-dom)`,
    );
  }
}

/** The federation `shared` option: every shared package installed beside the plugin, a singleton. */
function sharedConfig(root: string): Record<string, { singleton: true; requiredVersion: string }> {
  const shared: Record<string, { singleton: true; requiredVersion: string }> = {};
  const share = (pkg: string, range: string) => {
    shared[pkg] = { singleton: true, requiredVersion: range };
  };
  for (const pkg of REQUIRED_SHARED) share(pkg, RANGES[pkg] as string);
  share('react/jsx-runtime', REACT_RANGE);
  for (const pkg of OPTIONAL_SHARED) {
    const version = installedVersion(root, pkg);
    if (version) share(pkg, RANGES[pkg] ?? caretOf(version));
  }
  return shared;
}

/** `^1.0.0` for 1.4.2, `^0.3.0` for 0.3.1: the versions compatible with the one installed. */
function caretOf(version: string): string {
  const [major = '0', minor = '0'] = version.split('.');
  return major === '0' ? `^0.${minor}.0` : `^${major}.0.0`;
}

/**
 * The version of `pkg` as Node would resolve it from `root`, or undefined when it is not
 * installed. Read from its package.json directly: a package's `exports` may hide that file.
 */
function installedVersion(root: string, pkg: string): string | undefined {
  const require = createRequire(join(root, 'package.json'));
  for (const folder of require.resolve.paths(pkg) ?? []) {
    try {
      const { version } = JSON.parse(readFileSync(join(folder, pkg, 'package.json'), 'utf8')) as { version?: string };
      if (version) return version;
    } catch {
      // Not in this node_modules: look further up.
    }
  }
  return undefined;
}

/**
 * Parses every source under src/ui first: a syntax error is reported at once with its place,
 * where the federation plugin would wait out its parse timeout (10 s) before the build fails.
 */
async function checkSyntax(root: string): Promise<void> {
  const folder = join(root, UI_SOURCE);
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const sources = entries
    .filter((entry) => entry.isFile() && /\.[cm]?[jt]sx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  const problems: string[] = [];
  for (const file of sources) {
    const text = await readFile(file, 'utf8');
    for (const error of parseSync(file, text).errors) {
      if (error.severity !== 'Error') continue;
      const start = error.labels[0]?.start;
      const where = start === undefined ? '' : `:${lineAndColumn(text, start)}`;
      problems.push(`${relative(root, file)}${where}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new CliError(`the UI of ${root} does not build:`, problems);
}

/** `line:column` (both from 1) of a UTF-16 offset into `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

/** What a Vite (Rolldown) build error carries. */
interface BuildProblem {
  readonly message?: string;
  readonly id?: string;
  readonly loc?: { readonly file?: string; readonly line: number; readonly column: number };
}

/** The lines of a failed Vite build: file:line:column and message, as for the server code. */
function uiBuildProblems(root: string, e: unknown): string[] {
  const errors = (e as { errors?: unknown[] }).errors;
  const list = Array.isArray(errors) && errors.length > 0 ? errors : [e];
  return list.map((error) => {
    const { message, loc, id } = error as BuildProblem;
    const text = stripVTControlCharacters(message ?? String(error)).split('\n')[0] as string;
    const file = loc?.file ?? id;
    if (!file) return text;
    const where = loc ? `:${loc.line}:${loc.column + 1}` : '';
    return `${relative(root, file) || file}${where}: ${text}`;
  });
}

// `dotmac-plugin build`: bundles src/server/index.ts into dist/server.js, one classic script
// for the sandbox (plain ECMAScript, no Node APIs, no imports left), then the UI the manifest
// contributes into dist/ui/, a Module Federation remote (ui.ts).
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import { build, type Message, type Plugin } from 'esbuild';
import { Entry, type RouteKey } from '../entries.ts';
import { CliError } from './errors.ts';
import { loadManifest, pluginFolder } from './manifest.ts';
import { buildUi, type UiBuildResult } from './ui.ts';

/** Where the server code starts, relative to the plugin folder. */
export const SERVER_ENTRY = 'src/server/index.ts';
/** Where the bundle goes, relative to the plugin folder. */
export const SERVER_BUNDLE = 'dist/server.js';

/** What a build produced. */
export interface BuildResult {
  /** Absolute path of dist/server.js. */
  readonly bundle: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** The UI remote, when the manifest has `ui` contributions. */
  readonly ui?: UiBuildResult;
}

const SDK_ENTRY = fileURLToPath(new URL('../index.ts', import.meta.url));
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Refuses Node built-ins (`node:fs`, `fs`), and resolves @dotmac/sdk to this SDK. */
const sandboxImports: Plugin = {
  name: 'dotmac-sandbox-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.path === '@dotmac/sdk') return { path: SDK_ENTRY };
      if (args.path.startsWith('node:') || NODE_BUILTINS.has(args.path)) {
        return {
          errors: [
            {
              text: `imports the Node built-in "${args.path}": plugin server code runs in a sandbox without Node APIs; use the capabilities on ctx (ctx.db, ctx.fetch, ctx.secrets…) instead`,
            },
          ],
        };
      }
      return undefined;
    });
  },
};

/**
 * Validates the manifest, bundles the server code (errors name file:line:column), checks that
 * the bundle registers a handler for everything the manifest declares, and nothing else, then
 * builds the UI remote when the manifest contributes UI.
 */
export async function buildPlugin(dir: string): Promise<BuildResult> {
  const root = await pluginFolder(dir);
  const manifest = await loadManifest(root);
  const server = await buildServer(root, manifest);
  const ui = await buildUi(root, manifest);
  return ui ? { ...server, ui } : server;
}

async function buildServer(root: string, manifest: PluginManifest): Promise<BuildResult> {
  const outfile = join(root, SERVER_BUNDLE);
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [SERVER_ENTRY],
      outfile,
      bundle: true,
      format: 'iife',
      platform: 'neutral',
      target: 'es2023',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'silent',
      metafile: true,
      plugins: [sandboxImports],
    });
    const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
    await checkEntries(manifest, outfile);
    return { bundle: outfile, bytes };
  } catch (e) {
    if (e instanceof CliError) throw e;
    const errors = (e as { errors?: Message[] }).errors;
    if (!errors) throw e;
    throw new CliError(
      `the server code of ${root} does not build:`,
      errors.map((m) => formatMessage(root, m)),
    );
  }
}

function formatMessage(root: string, message: Message): string {
  const at = message.location;
  if (!at) return message.text;
  const file = relative(root, join(root, at.file)) || at.file;
  return `${file}:${at.line}:${at.column + 1}: ${message.text}\n    ${at.lineText.trim()}`;
}

/** Entry name → where the manifest declares it, for every handler the manifest makes the host call. */
function declaredEntries(manifest: PluginManifest): Map<string, string> {
  const declared = new Map<string, string>();
  const capabilities = manifest.capabilities;
  (capabilities?.http?.routes ?? []).forEach((route, i) => {
    declared.set(Entry.route(`${route.method} ${route.path}` as RouteKey), `/capabilities/http/routes/${i}`);
  });
  if ((capabilities?.events?.subscribe ?? []).length > 0) declared.set(Entry.event, '/capabilities/events/subscribe');
  (capabilities?.jobs ?? []).forEach((job, i) => {
    declared.set(Entry.job(job.name), `/capabilities/jobs/${i}`);
  });
  (capabilities?.services?.exports ?? []).forEach((service, i) => {
    declared.set(Entry.service(service.name), `/capabilities/services/exports/${i}`);
  });
  return declared;
}

/**
 * Loads the bundle in a throwaway node:vm context (the author's own code, on the author's machine)
 * to learn the entries it registers, and compares them with the manifest.
 */
async function checkEntries(manifest: PluginManifest, bundle: string): Promise<void> {
  let registered: string[] | undefined;
  const dotmac = Object.freeze({
    register: (handlers: Record<string, unknown>) => {
      registered = Object.keys(handlers);
    },
    host: () => Promise.reject(new Error('capabilities are not available while the bundle loads')),
  });
  try {
    runInNewContext(await readFile(bundle, 'utf8'), { dotmac }, { filename: SERVER_BUNDLE, timeout: 5000 });
  } catch (e) {
    throw new CliError(`${SERVER_BUNDLE} fails while it loads: ${(e as Error)?.message ?? String(e)}`);
  }
  if (!registered) {
    throw new CliError(`${SERVER_ENTRY} never calls definePlugin: export default definePlugin({ … })`);
  }
  const declared = declaredEntries(manifest);
  const has = new Set(registered);
  const problems = [
    ...[...declared]
      .filter(([entry]) => !has.has(entry))
      .map(([entry, pointer]) => `plugin.json ${pointer} declares ${entry}, but ${SERVER_ENTRY} has no handler for it`),
    ...registered
      // A bundle may also handle a batch of the events it subscribes to (the sandbox otherwise feeds `event`).
      .filter((entry) => !declared.has(entry) && !(entry === Entry.events && declared.has(Entry.event)))
      .map(
        (entry) =>
          `${SERVER_ENTRY} handles ${entry}, which plugin.json does not declare, so the kernel would never call it`,
      ),
  ];
  if (problems.length > 0) {
    throw new CliError('the server code and plugin.json do not match:', problems);
  }
}

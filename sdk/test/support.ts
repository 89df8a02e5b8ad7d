// What the SDK specs share: temp folders and scaffolds cleaned up after each test, a sandbox
// running a built bundle with a recording host router, and the CLI run as a process.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type CallEnvelope, createLogger, PluginSandbox } from '@dotmac/kernel';
import { afterEach, expect } from 'vitest';
import { buildPlugin } from '../src/cli/build.ts';
import { createPlugin } from '../src/cli/create.ts';
import { CliError } from '../src/cli/errors.ts';

export const TENANT_A = '00000000-0000-4000-8000-00000000000a';
export const TENANT_B = '00000000-0000-4000-8000-00000000000b';

/** Folders removed after the test. */
export const folders: string[] = [];
const sandboxes: PluginSandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
});

/** A new empty folder, removed after the test. */
export async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'dotmac-sdk-test-'));
  folders.push(folder);
  return folder;
}

/** The repository root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A new empty folder inside the repository (under the git-ignored sdk/.dotmac), removed after
 * the test: plugins there resolve @dotmac/sdk, react and vitest as a plugin that ran npm install.
 */
export async function repoFolder(): Promise<string> {
  const parent = join(REPO, 'sdk/.dotmac');
  await mkdir(parent, { recursive: true });
  const folder = await mkdtemp(join(parent, 'test-'));
  folders.push(folder);
  return folder;
}

/** A scaffolded plugin in a repository temp folder, with `server` as its server code when given. */
export async function scaffold(server?: string): Promise<string> {
  const dir = join(await repoFolder(), 'hello');
  await createPlugin(dir, { id: 'acme.hello' });
  if (server !== undefined) await writeFile(join(dir, 'src/server/index.ts'), server);
  return dir;
}

/** One capability call the host router received. */
export interface Routed {
  readonly envelope: CallEnvelope;
  readonly capability: string;
  readonly method: string;
  readonly args: unknown;
}

/** A sandbox running `dir`'s built bundle, whose host router records every call and answers from `answers`. */
export async function sandboxFor(dir: string, answers: Record<string, unknown>) {
  const routed: Routed[] = [];
  const sandbox = new PluginSandbox({
    pluginId: 'acme.hello',
    version: '0.1.0',
    code: await readFile(join(dir, 'dist/server.js'), 'utf8'),
    memoryMb: 32,
    callTimeoutMs: 2000,
    idleMs: 60_000,
    log: createLogger('silent'),
    host: async (envelope, capability, method, args) => {
      routed.push({ envelope, capability, method, args });
      return answers[`${capability}.${method}`] ?? null;
    },
  });
  sandboxes.push(sandbox);
  return { sandbox, routed };
}

const BIN = join(REPO, 'node_modules/.bin');

/** Runs `command` with the repository's bin folder on PATH; answers its exit code and output. */
export async function run(
  command: string,
  args: readonly string[],
  cwd: string,
  extraEnv: Readonly<Record<string, string>> = {},
) {
  // Plain output (no colours) whatever the test runner around this asked for.
  const { FORCE_COLOR: _, ...inherited } = process.env;
  const env = { ...inherited, NO_COLOR: '1', ...extraEnv, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}` };
  try {
    const { stdout, stderr } = await promisify(execFile)(join(BIN, command), [...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** SHA-256 of `bytes`, hex. */
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The CliError `promise` rejects with (fails the test if it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return e as CliError;
  }
  throw new Error('expected a CliError');
}

/** Makes the scaffold's manifest declare what EVERY_KIND handles. */
async function declareEveryKind(dir: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8'));
  const route = (method: string, path: string) => ({
    method,
    path,
    summary: `${method} ${path}`,
    permission: 'acme.hello.greetings.read',
    responses: { '200': { description: 'ok' } },
  });
  manifest.capabilities.http.routes = [route('GET', '/invoices/:id'), route('POST', '/invoices')];
  manifest.capabilities.jobs = [{ name: 'nightly' }];
  manifest.capabilities.services = {
    exports: [{ name: 'findInvoice', description: 'Finds an invoice', input: {}, output: {} }],
  };
  // Server code only: these specs need no UI build.
  delete manifest.ui;
  await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest));
}

/** A built plugin whose server code is EVERY_KIND. */
export async function everyKind(): Promise<string> {
  const dir = await scaffold(EVERY_KIND);
  await declareEveryKind(dir);
  await buildPlugin(dir);
  return dir;
}

/** Server code with a handler of every kind, each calling a capability. */
export const EVERY_KIND = `
import { definePlugin } from '@dotmac/sdk';
export default definePlugin({
  routes: {
    'GET /invoices/:id': async (ctx, { params }) => {
      const rows = await ctx.db.query('select * from invoices where id = $1', [params.id]);
      return { id: params.id, tenantId: ctx.tenantId, rows };
    },
    'POST /invoices': async (_ctx, { body }) => ({ created: body }),
  },
  async onEvent(ctx, event) { await ctx.events.publish('hello.greeted', { name: event.name }); },
  jobs: { nightly: async (ctx) => { await ctx.clock.now(); } },
  services: { findInvoice: async (_ctx, input) => ({ input }) },
});
`;

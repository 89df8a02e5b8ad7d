// Builds the fixture plugins of test/e2e/fixtures/ in the test's setup, so no build output is
// committed: one with the SDK, one with plain Vite (no shared config), and one whose remote is
// only a placeholder (the test's browser answers 404 for it).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { REPOSITORY } from './installation.ts';

export const FIXTURES = `${REPOSITORY}test/e2e/fixtures/`;

/** The fixture plugins: their ids and folders. */
export const FIXTURE = {
  throwing: { id: 'e2e.throwing-screen', dir: `${FIXTURES}throwing-screen` },
  missing: { id: 'e2e.missing-remote', dir: `${FIXTURES}missing-remote` },
  unshared: { id: 'e2e.unshared-react', dir: `${FIXTURES}unshared-react` },
} as const;

/** A server bundle that registers no handler: what a plugin without server code needs. */
const EMPTY_SERVER = 'dotmac.register({});\n';

const run = promisify(execFile);

async function node(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<void> {
  try {
    await run(process.execPath, [...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const failed = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${args.join(' ')} failed in ${cwd}: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    );
  }
}

/** `dotmac-plugin build` of the throwing-screen fixture: server bundle and UI remote, React shared. */
function buildThrowingScreen(): Promise<void> {
  return node([`${REPOSITORY}sdk/src/cli.ts`, 'build', FIXTURE.throwing.dir], REPOSITORY);
}

/** `vite build` of the unshared-react fixture with its own config, and an empty server bundle. */
async function buildUnsharedReact(): Promise<void> {
  // The federation plugin switches itself off under a test runner unless told otherwise.
  await node([`${REPOSITORY}node_modules/vite/bin/vite.js`, 'build'], FIXTURE.unshared.dir, {
    MFE_VITE_NO_TEST_ENV_CHECK: 'true',
  });
  writeFileSync(`${FIXTURE.unshared.dir}/dist/server.js`, EMPTY_SERVER);
}

/**
 * The missing-remote fixture: an empty server bundle, an mf-manifest.json that shares React as
 * the SDK's does (so the shell's check lets it through), and a remote entry the kernel lists but
 * the browser never gets: the test answers 404 for it.
 */
function writeMissingRemote(): void {
  const ui = `${FIXTURE.missing.dir}/dist/ui`;
  mkdirSync(ui, { recursive: true });
  writeFileSync(`${FIXTURE.missing.dir}/dist/server.js`, EMPTY_SERVER);
  writeFileSync(`${ui}/remoteEntry.js`, 'throw new Error("e2e.missing-remote: the test answers 404 for this file");\n');
  const shared = ['react', 'react-dom'].map((name) => ({
    id: `e2e__missing_remote:${name}`,
    name,
    version: '19.3.1',
    singleton: true,
    requiredVersion: '^19.0.0',
  }));
  writeFileSync(
    `${ui}/mf-manifest.json`,
    JSON.stringify({ id: 'e2e__missing_remote', name: 'e2e__missing_remote', shared }),
  );
}

/** Builds every fixture plugin (in parallel); answers the plugin root to boot the kernel with. */
export async function buildFixturePlugins(): Promise<string> {
  writeMissingRemote();
  await Promise.all([buildThrowingScreen(), buildUnsharedReact()]);
  return FIXTURES;
}

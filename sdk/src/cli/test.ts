// `dotmac-plugin test`: builds the plugin, then runs its test/ folder with vitest the way the
// sandbox needs (forked processes started with --no-node-snapshot), telling the tests where
// the plugin is so that `createTestbed()` finds it.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PLUGIN_DIR_ENV } from '../testbed.ts';
import { buildPlugin } from './build.ts';
import { CliError } from './errors.ts';
import { pluginFolder } from './manifest.ts';

/** Where a plugin's tests are, relative to its folder. */
export const TEST_DIR = 'test';

/**
 * Builds the plugin in `dir` and runs `test/**\/*.test.ts` once; `filters` narrow the files as
 * vitest's own filters do. Answers true when every test passed.
 */
export async function testPlugin(dir: string, filters: readonly string[] = []): Promise<boolean> {
  const root = await pluginFolder(dir);
  await buildPlugin(root);
  const tests = join(root, TEST_DIR);
  if (!(await stat(tests).catch(() => undefined))?.isDirectory()) {
    throw new CliError(`${tests} does not exist: a plugin's tests go in ${TEST_DIR}/<name>.test.ts`);
  }
  const { startVitest } = await import('vitest/node');
  // vitest reports failure through process.exitCode; read it, and leave it as it was.
  const before = process.exitCode;
  process.exitCode = undefined;
  const vitest = await startVitest([...filters], {
    root,
    config: false,
    run: true,
    watch: false,
    include: [`${TEST_DIR}/**/*.test.ts`],
    pool: 'forks',
    // isolated-vm creates isolates only in processes started without the startup snapshot.
    execArgv: ['--no-node-snapshot'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { [PLUGIN_DIR_ENV]: root },
  });
  await vitest.close();
  const passed = (process.exitCode ?? 0) === 0 && vitest.state.getCountOfFailedTests() === 0;
  process.exitCode = before;
  return passed;
}

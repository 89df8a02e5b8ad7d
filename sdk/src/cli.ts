#!/usr/bin/env tsx
// The `dotmac-plugin` command. tsx reads the tsconfig of the working directory, which in a
// plugin's folder does not enable the decorators the kernel is written with; so this launcher
// re-runs the CLI with the repository's base tsconfig (it covers kernel/ and sdk/) and the
// flags isolated-vm needs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.env.DOTMAC_PLUGIN_CLI === '1') {
  const { main } = await import('./cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const child = spawnSync(
    process.execPath,
    [
      '--no-node-snapshot',
      '--import',
      import.meta.resolve('tsx/esm'),
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        DOTMAC_PLUGIN_CLI: '1',
        TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../tsconfig.base.json', import.meta.url)),
      },
    },
  );
  process.exitCode = child.status ?? 1;
}

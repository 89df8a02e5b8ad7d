// `npm run marketplace`: runs the registry as this process until SIGTERM or SIGINT.
// Environment: PORT (4873), HOST (127.0.0.1), DATABASE_URL (unset: embedded PGlite under
// MARKETPLACE_DATA_DIR, default .data/marketplace), MAX_PACKAGE_BYTES (20 MiB), LOG_LEVEL (info).
import { createLogger, DotmacError } from '@dotmac/kernel';
import { startRegistry } from './index.ts';

const env = process.env;
const log = createLogger(env.LOG_LEVEL || 'info');

const port = Number(env.PORT || 4873);
const maxPackageBytes = env.MAX_PACKAGE_BYTES ? Number(env.MAX_PACKAGE_BYTES) : undefined;
const problems = [
  ...(Number.isInteger(port) && port >= 0 && port < 65536 ? [] : [`PORT: ${env.PORT} is not a TCP port`]),
  ...(maxPackageBytes === undefined || (Number.isInteger(maxPackageBytes) && maxPackageBytes > 0)
    ? []
    : [`MAX_PACKAGE_BYTES: ${env.MAX_PACKAGE_BYTES} is not a positive number of bytes`]),
];

if (problems.length) {
  console.error(`dotmac marketplace: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exitCode = 78; // EX_CONFIG
} else {
  try {
    const registry = await startRegistry({
      port,
      host: env.HOST || '127.0.0.1',
      databaseUrl: env.DATABASE_URL || undefined,
      dataDir: env.MARKETPLACE_DATA_DIR || '.data/marketplace',
      maxPackageBytes,
      log,
    });
    console.log(`DotMac marketplace is running at ${registry.url}`);
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) process.exit(130); // a second Ctrl-C means now
      log.info({ signal }, 'shutting down');
      registry.close().then(
        () => process.exit(0),
        (e) => {
          log.error({ err: e }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  } catch (e) {
    console.error(
      `dotmac marketplace: cannot start: ${e instanceof DotmacError ? e.message : ((e as Error).stack ?? e)}`,
    );
    process.exitCode = 1;
  }
}

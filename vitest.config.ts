// One test run for the whole repository. Isolates need --no-node-snapshot, so tests run in
// forked processes started with it. Kernel database tests run twice: on PostgreSQL and on
// the embedded PGlite.
import { defineConfig } from 'vitest/config';

const shared = {
  pool: 'forks' as const,
  execArgv: ['--no-node-snapshot'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  globalSetup: ['test/support/global-setup.ts'],
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: [
            'kernel/test/**/*.test.ts',
            'schemas/**/*.test.ts',
            'sdk/ui/test/**/*.test.ts',
            'shell-ui/test/**/*.test.ts',
          ],
          exclude: ['kernel/test/db/**'],
        },
      },
      {
        test: {
          ...shared,
          name: 'db-postgresql',
          include: ['kernel/test/db/**/*.test.ts'],
          env: { DOTMAC_TEST_DB: 'postgresql' },
        },
      },
      {
        test: {
          ...shared,
          name: 'db-pglite',
          include: ['kernel/test/db/**/*.test.ts'],
          env: { DOTMAC_TEST_DB: 'pglite' },
        },
      },
      {
        test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts'] },
      },
      {
        test: { ...shared, name: 'hostile', include: ['test/hostile/**/*.test.ts'] },
      },
      {
        test: { ...shared, name: 'sdk', include: ['sdk/test/**/*.test.ts'] },
      },
      {
        test: { ...shared, name: 'marketplace', include: ['marketplace/test/**/*.test.ts'] },
      },
      {
        // Chromium against a running kernel and the built shell (npm test builds both first).
        test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'] },
      },
    ],
  },
});

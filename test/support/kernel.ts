// Boots kernels for tests on the database the project under test names (DOTMAC_TEST_DB):
// a fresh PostgreSQL database, or an embedded PGlite in a temp folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, type Database, Kernel, type KernelOptions, loadConfig } from '@dotmac/kernel';
import { createTestDatabase } from './services.ts';

export type TestDb = 'postgresql' | 'pglite';

export function testDbKind(): TestDb {
  return process.env.DOTMAC_TEST_DB === 'pglite' ? 'pglite' : 'postgresql';
}

export interface TestKernel {
  readonly kernel: Kernel;
  /** Stops the kernel and removes its database. */
  dispose(): Promise<void>;
}

/** Config for a test kernel: silent logs, an ephemeral port, quick retries. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', PORT: '0', EVENT_BACKOFF_MS: '5', EVENT_LEASE_MS: '1000', ...overrides });
}

/** A kernel on its own database (PostgreSQL or PGlite per DOTMAC_TEST_DB), not started. */
export async function bootTestKernel(
  options: Omit<KernelOptions, 'config'> & { env?: Record<string, string>; db?: TestDb } = {},
): Promise<TestKernel> {
  const kind = options.db ?? testDbKind();
  let cleanup: () => Promise<void>;
  const env: Record<string, string> = { ...(options.env ?? {}) };
  if (kind === 'postgresql') {
    const db = await createTestDatabase();
    env.DATABASE_URL = db.url;
    cleanup = db.drop;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'dotmac-test-'));
    env.DATA_DIR = dir;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const kernel = await Kernel.boot({ ...options, config: testConfig(env) });
  return {
    kernel,
    async dispose() {
      await kernel.stop();
      await cleanup();
    },
  };
}

/** A new tenant (slug and name `slug`); returns its id. Identity's tenant API replaces this later. */
export async function createTenant(db: Database, slug: string): Promise<string> {
  const [row] = await db.query<{ id: string }>('insert into kernel.tenant (slug, name) values ($1, $1) returning id', [
    slug,
  ]);
  if (!row) throw new Error(`tenant ${slug} was not created`);
  return row.id;
}

// The scaled-out set-up for integration tests: a fresh PostgreSQL database and Redis prefix
// shared by API and worker processes started from the test fixture.
import pg from 'pg';
import { FIXTURE, type KernelProcess, startKernelProcess, stopProcess } from './process.ts';
import { createTestDatabase, deleteQueueKeys, TEST_REDIS_URL, uniqueQueuePrefix } from './services.ts';

export const ADMIN_TOKEN = 'integration-test-admin-token';

export interface ScaledSetup {
  readonly env: Record<string, string>;
  readonly db: pg.Pool;
  /** Starts a fixture process in `role` with the shared env plus `extra`. */
  start(role: 'all' | 'worker', extra?: Record<string, string>): KernelProcess;
  dispose(): Promise<void>;
}

export async function scaledSetup(): Promise<ScaledSetup> {
  const database = await createTestDatabase();
  const db = new pg.Pool({ connectionString: database.url, max: 3 });
  await db.query(
    `create table public.test_started (event_id uuid not null, pid integer not null, at timestamptz default now())`,
  );
  await db.query(
    `create table public.test_delivery (event_id uuid not null, pid integer not null, at timestamptz default now())`,
  );
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniqueQueuePrefix(),
    ADMIN_TOKEN,
    PORT: '0',
    LOG_LEVEL: 'info',
    EVENT_LEASE_MS: '1000',
    EVENT_BACKOFF_MS: '50',
  };
  const processes: KernelProcess[] = [];
  return {
    env,
    db,
    start(role, extra = {}) {
      const p = startKernelProcess(FIXTURE, { args: [role], env: { ...env, ...extra } });
      processes.push(p);
      return p;
    },
    async dispose() {
      await Promise.all(processes.map((p) => stopProcess(p)));
      await db.end();
      await database.drop();
      await deleteQueueKeys(env.QUEUE_PREFIX);
    },
  };
}

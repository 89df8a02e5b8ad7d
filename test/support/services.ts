// Where the tests find PostgreSQL and Redis. Tests never skip for want of them: an
// unreachable service fails the run with a message saying how to provide it.
import { randomBytes } from 'node:crypto';
import { createScratchDatabase, type ScratchDatabase } from '@dotmac/kernel';
import { Redis } from 'ioredis';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A new, empty database on the test server; `drop` removes it. */
export function createTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(TEST_DATABASE_URL);
}

/** A Redis key prefix no other test run uses. */
export function uniqueQueuePrefix(): string {
  return `dotmac_t_${randomBytes(6).toString('hex')}`;
}

/** Deletes every Redis key under `prefix` (what a test's queues left behind). */
export async function deleteQueueKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

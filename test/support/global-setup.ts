// Fails the whole run at once, with instructions, when PostgreSQL or Redis is unreachable.
import { Socket } from 'node:net';
import pg from 'pg';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services.ts';

async function checkPostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${TEST_DATABASE_URL} does not answer (${(e as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function checkRedis(): Promise<string | undefined> {
  const url = new URL(TEST_REDIS_URL);
  return new Promise((resolve) => {
    const socket = new Socket();
    const fail = (why: string) => {
      socket.destroy();
      resolve(`Redis at ${TEST_REDIS_URL} does not answer (${why})`);
    };
    socket.setTimeout(5000, () => fail('timeout'));
    socket.once('error', (e) => fail(e.message));
    socket.connect(Number(url.port || 6379), url.hostname, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(
        d.toString().startsWith('+PONG') ? undefined : `Redis at ${TEST_REDIS_URL} answered ${d.toString().trim()}`,
      );
    });
  });
}

export default async function setup(): Promise<void> {
  const problems = (await Promise.all([checkPostgres(), checkRedis()])).filter(Boolean);
  if (problems.length) {
    throw new Error(
      `${problems.join('\n')}\nThe tests need both. Start them, or point TEST_DATABASE_URL / TEST_REDIS_URL at yours (.ci/run shows how).`,
    );
  }
}

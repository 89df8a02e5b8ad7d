// Throwaway databases for tests, plugin testbeds and benchmarks: a fresh, empty database on a
// PostgreSQL server, dropped (with its connections) when done.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database made by createScratchDatabase: its URL, and `drop` to remove it. */
export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** `serverUrl` with its password masked, for messages. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/i, '$1***@');
}

/**
 * Creates `<prefix>_<random>` on the server `serverUrl` names (any database on it will do
 * to connect). Fails with a message naming the server (password masked) when it cannot.
 */
export async function createScratchDatabase(serverUrl: string, prefix = 'dotmac_t'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`).catch((e: Error) => {
    throw new Error(`cannot create a scratch database on ${withoutPassword(serverUrl)}: ${e.message}`, { cause: e });
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

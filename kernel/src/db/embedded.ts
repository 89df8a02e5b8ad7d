// The embedded default: PGlite (PostgreSQL in WASM) persisted under DATA_DIR, exposed on a
// private unix socket through pglite-socket so the very same pg driver, MikroORM and
// migrations run on it as on a real PostgreSQL server.
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ConflictError } from '../errors.ts';

/** Where and how the pg driver reaches the embedded database. */
export interface EmbeddedPostgres {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const SOCKET_PORT = 5432;

/**
 * Starts PGlite on `dataDir` (created if missing) and serves it on a unix socket in a fresh
 * private temp folder. A lock file refuses a second process on the same data folder, which
 * would corrupt it.
 */
export async function startEmbeddedPostgres(dataDir: string, maxConnections: number): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const releaseLock = lockDataDir(dir);
  try {
    const db = await PGlite.create({ dataDir: dir });
    const socketDir = mkdtempSync(join(tmpdir(), 'dotmac-pg-'));
    const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`), maxConnections });
    await server.start();
    return {
      host: socketDir,
      port: SOCKET_PORT,
      dataDir: dir,
      async stop() {
        await server.stop();
        await db.close();
        rmSync(socketDir, { recursive: true, force: true });
        releaseLock();
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}

function lockDataDir(dir: string): () => void {
  const lockPath = join(dir, 'dotmac.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lockPath, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new ConflictError(
          `the embedded database in ${dir} is in use by process ${holder}; stop it first, or set DATABASE_URL to share a PostgreSQL server between processes`,
        );
      }
      rmSync(lockPath, { force: true }); // left behind by a process that died
    }
  }
  throw new ConflictError(`cannot lock the embedded database in ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

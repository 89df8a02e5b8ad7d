// The kernel's database: MikroORM on one pg pool, against PostgreSQL (DATABASE_URL) or the
// embedded PGlite. Raw SQL goes through the same pool and transactions as the ORM, with real
// server-side parameters ($1, $2 ...).

import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type SqlEntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { Config } from '../config.ts';
import { UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts';
import { kernelEntities } from './entities.ts';
import { kernelMigrations } from './migrations/index.ts';

/** A unit of work inside one database transaction. */
export interface Tx {
  /** Runs parameterised SQL in this transaction and returns the rows. */
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** The ORM entity manager bound to this transaction. */
  readonly em: SqlEntityManager;
  /** Runs `fn` once the transaction has committed (never after a rollback). */
  afterCommit(fn: () => void): void;
  /**
   * Runs `fn` inside the transaction just before it commits, once per `key` however often it
   * is asked for (e.g. one NOTIFY for a transaction that publishes a hundred events).
   */
  beforeCommit(key: string, fn: () => Promise<void>): void;
}

/** Which engine serves the database. */
export type DatabaseKind = 'postgresql' | 'pglite';

// Any 64-bit number, fixed for the kernel: serialises concurrent boots running migrations.
const MIGRATION_LOCK = 7_450_221_119;

export class Database {
  private constructor(
    readonly kind: DatabaseKind,
    readonly orm: MikroORM,
    private readonly embedded: EmbeddedPostgres | undefined,
  ) {}

  /** Connects to DATABASE_URL, or starts the embedded database under DATA_DIR. */
  static async open(config: Config, log: Logger): Promise<Database> {
    // PGlite is one backend session behind pglite-socket, which interleaves the extended-protocol
    // messages of concurrent connections (one connection's Bind can meet another's Parse), so the
    // embedded database gets exactly one connection; PGlite runs one statement at a time anyway.
    const poolMax = config.DATABASE_URL ? config.DB_POOL_MAX : 1;
    let embedded: EmbeddedPostgres | undefined;
    let connection: Record<string, unknown>;
    if (config.DATABASE_URL) {
      connection = { clientUrl: config.DATABASE_URL };
    } else {
      // The socket serves the pool plus one spare connection.
      embedded = await startEmbeddedPostgres(`${config.DATA_DIR}/pgdata`, poolMax + 1);
      connection = { host: embedded.host, port: embedded.port, user: 'postgres', dbName: 'postgres' };
      log.info({ dataDir: embedded.dataDir }, 'embedded PGlite database started');
    }
    try {
      const orm = await MikroORM.init({
        ...connection,
        entities: kernelEntities,
        extensions: [Migrator],
        pool: { min: 0, max: poolMax },
        migrations: {
          migrationsList: kernelMigrations,
          tableName: 'kernel_migrations',
          transactional: true,
          allOrNothing: true,
          snapshot: false,
          silent: true,
        },
        debug: false,
        allowGlobalContext: false,
      });
      return new Database(embedded ? 'pglite' : 'postgresql', orm, embedded);
    } catch (e) {
      await embedded?.stop();
      throw new UnavailableError(`cannot connect to the database: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The pg pool behind the ORM (for LISTEN/NOTIFY and long-lived connections). */
  async pool(): Promise<pg.Pool> {
    return (await this.orm.em.getConnection().getNativeClient()) as pg.Pool;
  }

  /** Applies pending kernel migrations; concurrent boots wait for each other. */
  async migrate(): Promise<string[]> {
    // One process owns an embedded database (and its single connection): nothing to wait for.
    if (this.kind === 'pglite') return (await this.orm.migrator.up()).map((m) => m.name);
    const pool = await this.pool();
    const lock = await pool.connect();
    try {
      await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const applied = await this.orm.migrator.up();
      return applied.map((m) => m.name);
    } finally {
      await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      lock.release();
    }
  }

  /** Runs one statement outside any transaction. */
  async query<R extends object = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const em = this.orm.em.fork();
    const result = await em.getKysely().executeQuery(CompiledQuery.raw(sql, [...params]));
    return result.rows as R[];
  }

  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const committed: Array<() => void> = [];
    const beforeCommit = new Map<string, () => Promise<void>>();
    const result = await this.orm.em.fork().transactional(async (em) => {
      const kysely = em.getKysely();
      const tx: Tx = {
        em,
        async query<R extends object>(sql: string, params: readonly unknown[] = []) {
          return (await kysely.executeQuery(CompiledQuery.raw(sql, [...params]))).rows as R[];
        },
        afterCommit(cb) {
          committed.push(cb);
        },
        beforeCommit(key, cb) {
          if (!beforeCommit.has(key)) beforeCommit.set(key, cb);
        },
      };
      const value = await fn(tx);
      for (const cb of beforeCommit.values()) await cb();
      return value;
    });
    for (const cb of committed) cb();
    return result;
  }

  /** Throws UnavailableError unless the database answers. */
  async ping(): Promise<void> {
    try {
      await this.query('select 1');
    } catch (e) {
      throw new UnavailableError(`database does not answer: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.orm.close(true);
    await this.embedded?.stop();
  }
}

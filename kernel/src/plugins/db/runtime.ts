// Runs a plugin's queries for one tenant: its runtime role, its schema, that tenant's rows.
import type { Database, Tx } from '../../db/database.ts';
import { DotmacError, ValidationError } from '../../errors.ts';
import type { CallerScope } from '../sandbox/bridge.ts';
import { type PluginDbNames, quoteIdent } from './names.ts';
import { registeredPluginDb } from './schema.ts';
import { checkPluginSql, loadSqlParser } from './statement-check.ts';

/** Runs one checked, parameterised statement in the plugin's transaction and returns its rows. */
export type PluginQuery = <R extends object = Record<string, unknown>>(
  sql: string,
  params?: readonly unknown[],
) => Promise<R[]>;

/** One statement of a batch. */
export interface PluginStatement {
  readonly sql: string;
  readonly params?: readonly unknown[];
}

/** Limits for one plugin transaction. */
export interface PluginTransactionOptions {
  /** Cancels any statement that runs longer (PostgreSQL `statement_timeout`). */
  readonly statementTimeoutMs?: number;
  /**
   * Runs after the plugin's statements, in the same transaction but back under the kernel's own
   * role: how events a plugin publishes with its writes reach the outbox atomically.
   */
  readonly asKernel?: (tx: Tx) => Promise<void>;
  /**
   * The portal user the statements serve. The kernel's scoping policies use it: a customer's
   * rows are those whose customer_id is the user's subject, and so on. Absent: the system.
   */
  readonly caller?: CallerScope;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in one transaction as the plugin's runtime role, with `search_path` set to its
 * schema and `app.tenant_id` to `tenantId` (which the host takes from its call envelope,
 * never from the plugin). Every statement passed to `q` is checked before it runs; `q`
 * refuses to run once the transaction is over.
 */
export async function pluginTransaction<T>(
  db: Database,
  pluginId: string,
  tenantId: string,
  fn: (q: PluginQuery) => Promise<T>,
  options: PluginTransactionOptions = {},
): Promise<T> {
  checkTenantId(tenantId);
  const [names] = await Promise.all([registeredPluginDb(db, pluginId), loadSqlParser()]);
  return db.transaction(async (tx) => {
    await enterPluginScope(tx, names, tenantId, options);
    let open = true;
    const q: PluginQuery = async <R extends object>(sql: string, params: readonly unknown[] = []) => {
      if (!open) throw new DotmacError(`plugin ${pluginId}: query after its transaction ended`);
      checkPluginSql(sql, names.schema, 'runtime');
      return tx.query<R>(sql, params);
    };
    let result: T;
    try {
      result = await fn(q);
    } finally {
      open = false;
    }
    if (options.asKernel) {
      await tx.query('reset role');
      await options.asKernel(tx);
    }
    return result;
  });
}

/**
 * Runs the statements in order in one plugin transaction and returns each one's rows. All of
 * them are checked before any runs, so one refused statement runs none.
 */
export async function pluginBatch(
  db: Database,
  pluginId: string,
  tenantId: string,
  statements: readonly PluginStatement[],
  options: PluginTransactionOptions = {},
): Promise<Record<string, unknown>[][]> {
  checkTenantId(tenantId);
  const [names] = await Promise.all([registeredPluginDb(db, pluginId), loadSqlParser()]);
  statements.forEach((s, i) => {
    try {
      checkPluginSql(s.sql, names.schema, 'runtime');
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      throw new ValidationError(`statement ${i} of the batch: ${e.message}`, [
        { pointer: `/statements/${i}/sql`, detail: e.errors[0]?.detail ?? e.message },
      ]);
    }
  });
  return pluginTransaction(
    db,
    pluginId,
    tenantId,
    async (q) => {
      const results: Record<string, unknown>[][] = [];
      for (const s of statements) results.push(await q(s.sql, s.params ?? []));
      return results;
    },
    options,
  );
}

/**
 * Puts the transaction under the plugin's runtime role, schema and tenant. Exported for the
 * host and for tests that check what the database refuses without the statement checker.
 */
export async function enterPluginScope(
  tx: Tx,
  names: PluginDbNames,
  tenantId: string,
  options: PluginTransactionOptions = {},
): Promise<void> {
  checkTenantId(tenantId);
  await tx.query(
    // standard_conforming_strings: the checker's parser reads backslashes in strings this way;
    // a server reading them the old way could see statements the checker did not.
    `select set_config('app.tenant_id', $1, true), set_config('search_path', $2, true),
            set_config('standard_conforming_strings', 'on', true),
            set_config('statement_timeout', coalesce($3::text, current_setting('statement_timeout')), true),
            set_config('app.caller_portal', $4, true), set_config('app.caller_subject', $5, true),
            set_config('app.caller_user', $6, true),
            -- Last (arguments are evaluated in order): from here on the transaction can do only
            -- what the runtime role may. One statement with the settings: one round trip fewer.
            set_config('role', $7, true)`,
    [
      tenantId.toLowerCase(),
      `${quoteIdent(names.schema)}, pg_temp`,
      options.statementTimeoutMs === undefined ? null : String(options.statementTimeoutMs),
      options.caller?.portal ?? '',
      options.caller?.subjectId ?? '',
      options.caller?.userId ?? '',
      names.runtimeRole,
    ],
  );
}

function checkTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
    throw new ValidationError(`tenant id "${String(tenantId)}" is not a uuid`, [
      { pointer: '/tenantId', detail: 'must be a uuid' },
    ]);
  }
}

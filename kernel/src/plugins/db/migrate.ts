// Applies a plugin's numbered SQL migrations to its own schema, as its owner role, and then
// makes every table in the schema tenant-safe with row-level security.
import { createHash } from 'node:crypto';
import type { Database, Tx } from '../../db/database.ts';
import { ConflictError, DotmacError, ValidationError } from '../../errors.ts';
import { type PluginDbNames, quoteIdent } from './names.ts';
import { ensurePluginDb, lockPluginDb } from './schema.ts';
import { checkPluginSql, loadSqlParser } from './statement-check.ts';

/** One forward-only migration of a plugin: `0001-create-invoices` and its SQL. */
export interface PluginMigration {
  readonly name: string;
  readonly sql: string;
}

/** The row-level security policy the kernel puts on every plugin table. */
export const TENANT_POLICY = 'dotmac_tenant_isolation';
const TENANT_MATCHES = `tenant_id = nullif(pg_catalog.current_setting('app.tenant_id', true), '')::uuid`;
const MIGRATION_NAME = /^(\d{4})-[a-z0-9][a-z0-9-]*$/;

/**
 * The scoping rules every plugin gets: a table with one of these columns shows a user of that
 * portal only the rows whose column is the record their login acts as (the caller's subject).
 * Staff, the system (events, jobs) and API keys are not scoped by them. Restrictive policies:
 * they narrow the tenant policy, never widen it.
 */
export const SCOPE_POLICIES = [
  { column: 'customer_id', portal: 'customer', policy: 'dotmac_customer_scope' },
  { column: 'reseller_id', portal: 'reseller', policy: 'dotmac_reseller_scope' },
  { column: 'technician_id', portal: 'technician', policy: 'dotmac_technician_scope' },
] as const;
const scopeMatches = (column: string, portal: string) =>
  `(coalesce(pg_catalog.current_setting('app.caller_portal', true), '') <> '${portal}'
    or ${column}::text = nullif(pg_catalog.current_setting('app.caller_subject', true), ''))`;

/**
 * Applies the migrations not yet applied, in order, in one transaction, and returns
 * their names. An applied migration whose SQL changed, a missing or out-of-order one, SQL the
 * checker refuses and a table without `tenant_id uuid not null` are refused; a migration the
 * database rejects is rolled back completely and reported with the database's error.
 */
export async function migratePlugin(
  db: Database,
  pluginId: string,
  migrations: readonly PluginMigration[],
): Promise<string[]> {
  const planned = plan(pluginId, migrations);
  await loadSqlParser();
  const names = await ensurePluginDb(db, pluginId);
  const applied = await appliedMigrations(db, pluginId);
  checkHistory(pluginId, planned, applied);
  for (const m of planned) {
    if (!applied.has(m.name)) checkMigrationSql(pluginId, names, m);
  }

  // All pending migrations in one transaction: a version's schema is all there or not at all,
  // so an upgrade whose third migration fails leaves the schema the old version knows.
  const pending = planned.filter((m) => !applied.has(m.name));
  if (pending.length === 0) return [];
  return db.transaction(async (tx) => {
    await lockPluginDb(tx, pluginId);
    const done: string[] = [];
    for (const m of pending) {
      const [already] = await tx.query<{ checksum: string }>(
        'select checksum from kernel.plugin_migration where plugin_id = $1 and name = $2',
        [pluginId, m.name],
      );
      if (already) continue; // a concurrent install applied it first
      await applyMigration(tx, names, m);
      await makeTenantSafe(tx, names, m.name);
      await tx.query('insert into kernel.plugin_migration (plugin_id, name, checksum) values ($1, $2, $3)', [
        pluginId,
        m.name,
        m.checksum,
      ]);
      done.push(m.name);
    }
    return done;
  });
}

interface PlannedMigration extends PluginMigration {
  readonly number: number;
  readonly checksum: string;
}

function plan(pluginId: string, migrations: readonly PluginMigration[]): PlannedMigration[] {
  let last = 0;
  return migrations.map((m, i) => {
    const match = MIGRATION_NAME.exec(m.name);
    if (!match) {
      throw new ValidationError(`migration "${m.name}" of plugin ${pluginId} is not named like 0001-create-items`, [
        {
          pointer: `/migrations/${i}/name`,
          detail: 'must be four digits, a dash and lowercase words: 0001-create-items',
        },
      ]);
    }
    const number = Number(match[1]);
    if (number <= last) {
      throw new ValidationError(`migration ${m.name} of plugin ${pluginId} is out of order`, [
        { pointer: `/migrations/${i}/name`, detail: 'migration numbers must increase' },
      ]);
    }
    last = number;
    return { ...m, number, checksum: createHash('sha256').update(m.sql).digest('hex') };
  });
}

async function appliedMigrations(db: Database, pluginId: string): Promise<Map<string, string>> {
  const rows = await db.query<{ name: string; checksum: string }>(
    'select name, checksum from kernel.plugin_migration where plugin_id = $1 order by name',
    [pluginId],
  );
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

/** Forward-only: what was applied stays as it was, and nothing new goes before it. */
function checkHistory(pluginId: string, planned: readonly PlannedMigration[], applied: Map<string, string>): void {
  const byName = new Map(planned.map((m) => [m.name, m]));
  for (const [name, checksum] of applied) {
    const m = byName.get(name);
    if (!m) {
      throw new ConflictError(
        `plugin ${pluginId}: migration ${name} was applied to this database but is not in this version; migrations are forward-only`,
      );
    }
    if (m.checksum !== checksum) {
      throw new ConflictError(
        `plugin ${pluginId}: migration ${name} changed after it was applied (checksum ${checksum.slice(0, 12)}… is now ${m.checksum.slice(0, 12)}…); add a new migration instead of editing a released one`,
      );
    }
  }
  const lastApplied = Math.max(0, ...planned.filter((m) => applied.has(m.name)).map((m) => m.number));
  const late = planned.find((m) => !applied.has(m.name) && m.number < lastApplied);
  if (late) {
    throw new ConflictError(
      `plugin ${pluginId}: migration ${late.name} is numbered before migrations already applied; give it a higher number`,
    );
  }
}

function checkMigrationSql(pluginId: string, names: PluginDbNames, m: PlannedMigration): void {
  try {
    checkPluginSql(m.sql, names.schema, 'migration');
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new ValidationError(`plugin ${pluginId}: migration ${m.name} refused: ${e.errors[0]?.detail}`, e.errors);
    }
    throw e;
  }
}

async function applyMigration(tx: Tx, names: PluginDbNames, m: PlannedMigration): Promise<void> {
  await tx.query(`set local role ${quoteIdent(names.ownerRole)}`);
  await tx.query(`set local search_path to ${quoteIdent(names.schema)}, pg_temp`);
  await tx.query('set local standard_conforming_strings to on'); // as the checker's parser reads strings
  for (const statement of checkPluginSql(m.sql, names.schema, 'migration')) {
    try {
      await tx.query(statement.sql);
    } catch (e) {
      throw new DotmacError(`plugin ${names.pluginId}: migration ${m.name} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  await tx.query('set local role none');
  await tx.query('set local search_path to pg_catalog, pg_temp');
}

/**
 * Every table in the schema gets ENABLE and FORCE ROW LEVEL SECURITY and the kernel's policies
 * only: the tenant's (a row is visible and writable only when its tenant_id is the
 * transaction's) and the scoping rule of each scope column it has (SCOPE_POLICIES).
 */
async function makeTenantSafe(tx: Tx, names: PluginDbNames, migration: string): Promise<void> {
  const tables = await tx.query<{ oid: string; qualified: string; has_tenant: boolean; columns: string[] }>(
    `select c.oid::text as oid, format('%I.%I', n.nspname, c.relname) as qualified,
            exists (select 1 from pg_attribute a
                     where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
                       and a.atttypid = 'uuid'::regtype and a.attnotnull) as has_tenant,
            array(select a.attname::text from pg_attribute a
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p')
      order by c.relname`,
    [names.schema],
  );
  for (const table of tables) {
    if (!table.has_tenant) {
      throw new ValidationError(
        `plugin ${names.pluginId}: migration ${migration} leaves table ${table.qualified} without a "tenant_id uuid not null" column; every plugin table needs one, row-level security keeps tenants apart by it`,
        [{ pointer: '/sql', detail: `table ${table.qualified} has no tenant_id uuid not null column` }],
      );
    }
    await tx.query(`alter table ${table.qualified} enable row level security`);
    await tx.query(`alter table ${table.qualified} force row level security`);
    const policies = await tx.query<{ polname: string }>('select polname from pg_policy where polrelid = $1::oid', [
      table.oid,
    ]);
    const kernelPolicies = new Set<string>([TENANT_POLICY, ...SCOPE_POLICIES.map((p) => p.policy)]);
    const foreign = policies.find((p) => !kernelPolicies.has(p.polname));
    if (foreign) {
      throw new ValidationError(`table ${table.qualified} has a policy the kernel did not create: ${foreign.polname}`, [
        { pointer: '/sql', detail: `unexpected policy ${foreign.polname}` },
      ]);
    }
    const present = new Set(policies.map((p) => p.polname));
    if (!present.has(TENANT_POLICY)) {
      await tx.query(
        `create policy ${TENANT_POLICY} on ${table.qualified} as permissive for all to public
           using (${TENANT_MATCHES}) with check (${TENANT_MATCHES})`,
      );
    }
    for (const scope of SCOPE_POLICIES) {
      if (!table.columns.includes(scope.column) || present.has(scope.policy)) continue;
      const matches = scopeMatches(scope.column, scope.portal);
      await tx.query(
        `create policy ${scope.policy} on ${table.qualified} as restrictive for all to public
           using (${matches}) with check (${matches})`,
      );
    }
  }
}

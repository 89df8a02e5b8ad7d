// Exports one tenant's data as a .tar.gz: a JSON-lines file per table (kernel tables and every
// plugin table with a tenant_id), that tenant's rows only, credentials left out, and a
// manifest.json listing the tables and their row counts. Read in one repeatable-read snapshot.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { create as createTar } from 'tar';
import { type Clock, systemClock } from '../clock.ts';
import type { Database, Tx } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';

/** An archive written by `exportTenant`. */
export interface TenantArchive {
  /** Absolute path of the archive. */
  readonly file: string;
  /** Its file name (what the download route takes). */
  readonly name: string;
  readonly bytes: number;
  /** SHA-256 of the archive, hex. */
  readonly sha256: string;
}

/** One table in the archive, as manifest.json lists it. */
export interface ExportedTable {
  /** `kernel.app_user`, `plugin_dotmac_billing.invoices`. */
  readonly table: string;
  /** The plugin that owns the table; absent for kernel tables. */
  readonly plugin?: string;
  /** Path of its JSON-lines file inside the archive. */
  readonly file: string;
  readonly rows: number;
  /** Columns left out because they hold credentials (hashes, secrets, ciphertext). */
  readonly omittedColumns: readonly string[];
}

/** File names of archives: `<slug>-<UTC time>-<random>.tar.gz`. */
export const ARCHIVE_NAME = /^[a-z0-9][a-z0-9-]{1,62}-\d{8}T\d{6}Z-[0-9a-f]{8}\.tar\.gz$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Kernel columns never exported: credentials and encrypted values. Plugin secrets go out as names only. */
const CREDENTIAL_COLUMN = '(^|_)(hash|secret|ciphertext|iv|tag|private_key)($|_)';
const BATCH_ROWS = 500;

/**
 * The kernel tables a tenant's data lives in, with the FROM/WHERE that selects its rows
 * (`t` is the exported table; `$1` the tenant id). Refresh tokens and one-time tokens are
 * credentials and are not exported at all.
 */
const KERNEL_TABLES: ReadonlyArray<{ readonly table: string; readonly rows: string }> = [
  { table: 'tenant', rows: 'kernel.tenant t where t.id = $1' },
  { table: 'tenant_hostname', rows: 'kernel.tenant_hostname t where t.tenant_id = $1 order by t.hostname' },
  {
    table: 'saas_plan',
    rows: 'kernel.saas_plan t where t.id = (select plan_id from kernel.tenant where id = $1)',
  },
  { table: 'app_user', rows: 'kernel.app_user t where t.tenant_id = $1 order by t.created_at, t.id' },
  { table: 'role', rows: 'kernel.role t where t.tenant_id = $1 order by t.portal, t.name' },
  {
    table: 'user_role',
    rows: 'kernel.user_role t join kernel.app_user u on u.id = t.user_id where u.tenant_id = $1 order by t.user_id, t.role_id',
  },
  { table: 'api_key', rows: 'kernel.api_key t where t.tenant_id = $1 order by t.created_at, t.id' },
  { table: 'plugin_installation', rows: 'kernel.plugin_installation t where t.tenant_id = $1 order by t.plugin_id' },
  { table: 'plugin_secret', rows: 'kernel.plugin_secret t where t.tenant_id = $1 order by t.plugin_id, t.name' },
  { table: 'audit_log', rows: 'kernel.audit_log t where t.tenant_id = $1 order by t.id' },
];

/**
 * Writes an archive of `tenantId`'s data to `dir/<tenantId>/` (private to the kernel's user)
 * and answers where it is, its size and its SHA-256. NotFoundError for an unknown tenant.
 */
export async function exportTenant(
  db: Database,
  tenantId: string,
  dir: string,
  options: { readonly clock?: Clock } = {},
): Promise<TenantArchive> {
  if (!UUID.test(tenantId)) throw new NotFoundError(`no tenant ${tenantId}`);
  const clock = options.clock ?? systemClock;
  const folder = join(resolve(dir), tenantId.toLowerCase());
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(folder, '.staging-'));
  try {
    const { slug, tables } = await db.transaction(async (tx) => {
      // One snapshot for every table: the archive is consistent even while the tenant works.
      await tx.query('set transaction isolation level repeatable read, read only');
      // Plugin tables enforce row-level security by this setting (as plugin-db/runtime.ts sets it).
      await tx.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
      const [tenant] = await tx.query<{ slug: string }>('select slug from kernel.tenant where id = $1', [tenantId]);
      if (!tenant) throw new NotFoundError(`no tenant ${tenantId}`);
      const written: ExportedTable[] = [];
      for (const k of KERNEL_TABLES) written.push(await dumpKernelTable(tx, tenantId, staging, k.table, k.rows));
      written.push(...(await dumpPluginTables(tx, tenantId, staging)));
      return { slug: tenant.slug, tables: written };
    });
    const exportedAt = clock.now();
    await writeFile(
      join(staging, 'manifest.json'),
      `${JSON.stringify({ format: 'dotmac.tenant-export', formatVersion: 1, tenantId, slug, exportedAt: exportedAt.toISOString(), tables }, null, 2)}\n`,
      { mode: 0o600 },
    );
    const name = `${slug}-${exportedAt.toISOString().replace(/[-:]|\.\d+/g, '')}-${randomBytes(4).toString('hex')}.tar.gz`;
    const partial = join(folder, `.${name}.partial`);
    await createTar({ gzip: true, file: partial, cwd: staging, portable: true }, [
      'manifest.json',
      ...tables.map((t) => t.file),
    ]);
    await chmod(partial, 0o600);
    const sha256 = await sha256Of(partial);
    const file = join(folder, name);
    await rename(partial, file);
    return { file, name, bytes: (await stat(file)).size, sha256 };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Where archive `name` of `tenantId` is under `dir`. NotFoundError unless `name` is an archive
 * name (so no path can climb out of the tenant's folder) and the file exists.
 */
export async function archivePath(dir: string, tenantId: string, name: string): Promise<string> {
  const missing = new NotFoundError(`tenant ${tenantId} has no export ${name}`);
  if (!UUID.test(tenantId) || !ARCHIVE_NAME.test(name)) throw missing;
  const folder = join(resolve(dir), tenantId.toLowerCase());
  const file = resolve(folder, name);
  if (!file.startsWith(folder + sep)) throw missing;
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) throw missing;
  return file;
}

async function dumpKernelTable(
  tx: Tx,
  tenantId: string,
  staging: string,
  table: string,
  rows: string,
): Promise<ExportedTable> {
  const omitted = (
    await tx.query<{ column_name: string }>(
      `select column_name from information_schema.columns
        where table_schema = 'kernel' and table_name = $1 and column_name ~ $2 order by column_name`,
      [table, CREDENTIAL_COLUMN],
    )
  ).map((c) => c.column_name);
  const file = `kernel/${table}.jsonl`;
  const count = await dumpRows(
    tx,
    `select (to_jsonb(t) - $2::text[])::text as line from ${rows}`,
    [tenantId, omitted],
    {
      staging,
      file,
    },
  );
  return { table: `kernel.${table}`, file, rows: count, omittedColumns: omitted };
}

/** Every table with a tenant_id column in every schema a plugin owns (kernel.plugin_database). */
async function dumpPluginTables(tx: Tx, tenantId: string, staging: string): Promise<ExportedTable[]> {
  const tables = await tx.query<{ plugin_id: string; schema_name: string; table_name: string; qualified: string }>(
    `select d.plugin_id, d.schema_name, c.relname as table_name, format('%I.%I', n.nspname, c.relname) as qualified
       from kernel.plugin_database d
       join pg_namespace n on n.nspname = d.schema_name
       join pg_class c on c.relnamespace = n.oid and c.relkind in ('r', 'p')
      where exists (select 1 from pg_attribute a
                     where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
                       and a.atttypid = 'uuid'::regtype)
      order by d.schema_name, c.relname`,
  );
  const written: ExportedTable[] = [];
  const used = new Set<string>();
  for (const t of tables) {
    let file = `plugins/${t.schema_name}/${safeFileName(t.table_name)}.jsonl`;
    for (let i = 2; used.has(file); i++) file = `plugins/${t.schema_name}/${safeFileName(t.table_name)}-${i}.jsonl`;
    used.add(file);
    const count = await dumpRows(
      tx,
      `select to_jsonb(t)::text as line from ${t.qualified} t where t.tenant_id = $1`,
      [tenantId],
      { staging, file },
    );
    written.push({
      table: `${t.schema_name}.${t.table_name}`,
      plugin: t.plugin_id,
      file,
      rows: count,
      omittedColumns: [],
    });
  }
  return written;
}

/** Streams the rows of `sql` (one JSON text per row, column `line`) to a JSON-lines file through a cursor. */
async function dumpRows(
  tx: Tx,
  sql: string,
  params: readonly unknown[],
  target: { readonly staging: string; readonly file: string },
): Promise<number> {
  const path = join(target.staging, target.file);
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const out = await open(path, 'wx', 0o600);
  let count = 0;
  try {
    await tx.query(`declare dotmac_export no scroll cursor for ${sql}`, params);
    for (;;) {
      const batch = await tx.query<{ line: string }>(`fetch ${BATCH_ROWS} from dotmac_export`);
      if (batch.length === 0) break;
      await out.write(`${batch.map((r) => r.line).join('\n')}\n`);
      count += batch.length;
    }
    await tx.query('close dotmac_export');
  } finally {
    await out.close();
  }
  return count;
}

/** A table name as a file name: plugin tables may be quoted identifiers with any characters. */
function safeFileName(table: string): string {
  return table.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

function sha256Of(file: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

// The `db` capability: a plugin's own schema, migrations, row-level security between tenants,
// and the two walls around plugin SQL (the statement checker, then roles and privileges).
import { randomUUID } from 'node:crypto';
import { ConflictError, type Database, DotmacError, NotFoundError, ValidationError } from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, type TestKernel } from '../../../test/support/kernel.ts';
import {
  enterPluginScope,
  migratePlugin,
  type PluginMigration,
  pluginBatch,
  pluginDbNames,
  pluginTransaction,
  registeredPluginDb,
} from '../../src/plugins/db/index.ts';

const ALPHA = 'test.alpha';
const BETA = 'test.beta';
const TENANT_A = '6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e0a';
const TENANT_B = '6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e0b';

const alphaMigrations: PluginMigration[] = [
  {
    name: '0001-create-items',
    sql: `create table items (
            id bigint generated always as identity primary key,
            tenant_id uuid not null default current_setting('app.tenant_id')::uuid,
            label text not null,
            x integer not null default 0
          );
          create index items_label on items (tenant_id, label);`,
  },
  { name: '0002-add-note', sql: `alter table items add column note text; comment on table items is 'test items'` },
];

let t: TestKernel;
let db: Database;

beforeAll(async () => {
  t = await bootTestKernel();
  db = t.kernel.db;
  await migratePlugin(db, ALPHA, alphaMigrations);
  await migratePlugin(db, BETA, [
    {
      name: '0001-secrets',
      sql: `create table secrets (tenant_id uuid not null, value text not null);
            create view secret_values as select value from secrets`,
    },
  ]);
  for (const tenant of [TENANT_A, TENANT_B]) {
    await pluginTransaction(db, BETA, tenant, (q) =>
      q('insert into secrets (tenant_id, value) values ($1, $2)', [tenant, `beta secret of ${tenant}`]),
    );
  }
});

afterAll(async () => {
  await t?.dispose();
});

/** Runs `sql` under the plugin's runtime scope without the statement checker: the database is the only wall. */
async function bypassingChecker(pluginId: string, tenantId: string, sql: string, params: unknown[] = []) {
  const names = await registeredPluginDb(db, pluginId);
  return db.transaction(async (tx) => {
    await enterPluginScope(tx, names, tenantId);
    return tx.query(sql, params);
  });
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof Error)) throw new Error('expected a rejection, but it succeeded');
  return outcome;
}

describe(`plugin database on ${process.env.DOTMAC_TEST_DB}`, () => {
  describe('migrations', () => {
    test('create the plugin schema and its tables, owned by the owner role, and record each migration', async () => {
      const names = pluginDbNames(ALPHA);
      expect(names).toEqual({
        pluginId: ALPHA,
        schema: 'plugin_test_alpha',
        ownerRole: 'dotmac_p_test_alpha_owner',
        runtimeRole: 'dotmac_p_test_alpha',
      });
      const tables = await db.query<{ owner: string; rls: boolean; forced: boolean }>(
        `select pg_get_userbyid(c.relowner) as owner, c.relrowsecurity as rls, c.relforcerowsecurity as forced
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'plugin_test_alpha' and c.relname = 'items'`,
      );
      expect(tables).toEqual([{ owner: names.ownerRole, rls: true, forced: true }]);
      const roles = await db.query<Record<string, boolean>>(
        `select rolname, rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname like 'dotmac_p_test_alpha%' order by rolname`,
      );
      expect(roles).toEqual([
        { rolname: 'dotmac_p_test_alpha', rolsuper: false, rolbypassrls: false, rolcanlogin: false },
        { rolname: 'dotmac_p_test_alpha_owner', rolsuper: false, rolbypassrls: false, rolcanlogin: false },
      ]);
      const recorded = await db.query<{ name: string; checksum: string }>(
        'select name, checksum from kernel.plugin_migration where plugin_id = $1 order by name',
        [ALPHA],
      );
      expect(recorded.map((r) => r.name)).toEqual(['0001-create-items', '0002-add-note']);
      expect(recorded[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    });

    test('re-running the same migrations applies nothing and changes nothing', async () => {
      expect(await migratePlugin(db, ALPHA, alphaMigrations)).toEqual([]);
      const [count] = await db.query<{ n: number }>(
        'select count(*)::int as n from kernel.plugin_migration where plugin_id = $1',
        [ALPHA],
      );
      expect(count?.n).toBe(2);
    });

    test('a new migration is applied after the ones already applied', async () => {
      const id = 'test.growing';
      expect(await migratePlugin(db, id, alphaMigrations.slice(0, 1))).toEqual(['0001-create-items']);
      expect(await migratePlugin(db, id, alphaMigrations)).toEqual(['0002-add-note']);
    });

    test('an applied migration whose SQL changed is refused, and nothing is applied', async () => {
      const edited = [
        { name: '0001-create-items', sql: `${alphaMigrations[0]?.sql} -- edited` },
        alphaMigrations[1] as PluginMigration,
        { name: '0003-more', sql: 'create table more (tenant_id uuid not null)' },
      ];
      const error = await errorOf(migratePlugin(db, ALPHA, edited));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toContain('migration 0001-create-items changed after it was applied');
      expect(
        await db.query(`select 1 from pg_tables where schemaname = 'plugin_test_alpha' and tablename = 'more'`),
      ).toEqual([]);
    });

    test('a migration the database rejects rolls back with every migration of its run, naming the migration and the error', async () => {
      const id = 'test.failing';
      const error = await errorOf(
        migratePlugin(db, id, [
          { name: '0001-good', sql: 'create table good (tenant_id uuid not null)' },
          {
            name: '0002-bad',
            sql: `create table half (tenant_id uuid not null);
                  insert into half (tenant_id) values ('6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e0a');
                  insert into missing_table values (1);`,
          },
        ]),
      );
      expect(error).toBeInstanceOf(DotmacError);
      expect(error.message).toMatch(
        /plugin test\.failing: migration 0002-bad failed: relation "missing_table" does not exist/,
      );
      const tables = await db.query<{ tablename: string }>(
        `select tablename from pg_tables where schemaname = 'plugin_test_failing' order by tablename`,
      );
      // The pending migrations go in together: 0001 is rolled back with 0002, so the schema is
      // what the plugin's previous version knew (here: nothing), never half of a version's.
      expect(tables.map((r) => r.tablename)).toEqual([]);
      const recorded = await db.query<{ name: string }>(
        'select name from kernel.plugin_migration where plugin_id = $1',
        [id],
      );
      expect(recorded.map((r) => r.name)).toEqual([]);
      // Once fixed, both apply.
      const applied = await migratePlugin(db, id, [
        { name: '0001-good', sql: 'create table good (tenant_id uuid not null)' },
        { name: '0002-bad', sql: 'create table half (tenant_id uuid not null)' },
      ]);
      expect(applied).toEqual(['0001-good', '0002-bad']);
    });

    test('a table without a tenant_id uuid not null column is refused, naming the table', async () => {
      const id = 'test.untenanted';
      const error = await errorOf(
        migratePlugin(db, id, [
          { name: '0001-ok', sql: 'create table fine (tenant_id uuid not null)' },
          { name: '0002-no-tenant', sql: 'create table loose (id int); create table nullable (tenant_id uuid)' },
        ]),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('migration 0002-no-tenant leaves table plugin_test_untenanted.loose without');
      const tables = await db.query<{ tablename: string }>(
        `select tablename from pg_tables where schemaname = 'plugin_test_untenanted' order by tablename`,
      );
      expect(tables.map((r) => r.tablename)).toEqual([]);
    });

    test('a later migration cannot drop tenant_id nor make it nullable', async () => {
      const id = 'test.dropper';
      const first = { name: '0001-t', sql: 'create table t (tenant_id uuid not null, x int)' };
      await migratePlugin(db, id, [first]);
      // The database refuses the drop (the kernel's policy depends on the column) ...
      const drop = await errorOf(
        migratePlugin(db, id, [first, { name: '0002-drop', sql: 'alter table t drop column tenant_id' }]),
      );
      expect(drop.message).toContain('migration 0002-drop failed: cannot drop column tenant_id of table t');
      // ... and the kernel's check after the migration refuses a nullable tenant_id.
      const nullable = await errorOf(
        migratePlugin(db, id, [
          first,
          { name: '0002-nullable', sql: 'alter table t alter column tenant_id drop not null' },
        ]),
      );
      expect(nullable.message).toContain('migration 0002-nullable leaves table plugin_test_dropper.t without');
      const [column] = await db.query<{ attnotnull: boolean }>(
        `select attnotnull from pg_attribute where attrelid = 'plugin_test_dropper.t'::regclass and attname = 'tenant_id'`,
      );
      expect(column?.attnotnull).toBe(true);
    });

    test.each([
      ['create function f() returns int language sql as $$ select 1 $$', 'CREATE FUNCTION'],
      ['create policy open on items using (true)', 'CREATE POLICY'],
      ['create role sneaky', 'CREATE ROLE'],
      ['create extension dblink', 'CREATE EXTENSION'],
      ['create trigger t before insert on items for each row execute function f()', 'CREATE TRIG'],
      ['alter table items disable row level security', 'DisableRowSecurity'],
      ['alter table items no force row level security', 'NoForceRowSecurity'],
      ['alter table items owner to postgres', 'ChangeOwner'],
      ['grant select on items to public', 'GRANT'],
      ['do $$ begin perform 1; end $$', 'DO'],
      ['set role postgres', 'VARIABLE SET'],
      ['copy items from stdin', 'COPY'],
      ['create table kernel.stolen (tenant_id uuid not null)', 'kernel.stolen is outside'],
      ['create table t (tenant_id uuid not null references kernel.tenant (id))', 'kernel.tenant is outside'],
      ['create temporary table t (tenant_id uuid not null)', 'temporary relation'],
      ['create view v as select set_config($$role$$, $$postgres$$, false)', 'function set_config'],
      ['drop schema plugin_test_beta cascade', 'DROP schema'],
      ['drop table plugin_test_beta.secrets', 'outside the plugin'],
    ])('a migration with %s is refused before anything runs', async (sql, reason) => {
      const error = await errorOf(migratePlugin(db, 'test.refused', [{ name: '0001-attempt', sql }]));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('migration 0001-attempt refused');
      expect(error.message).toContain(reason);
    });
  });

  describe('tenants', () => {
    test('each tenant sees only its own rows, even with a deliberately unscoped select', async () => {
      for (const [tenant, label] of [
        [TENANT_A, 'a1'],
        [TENANT_A, 'a2'],
        [TENANT_B, 'b1'],
      ] as const) {
        await pluginTransaction(db, ALPHA, tenant, (q) => q('insert into items (label) values ($1)', [label]));
      }
      const seenByA = await pluginTransaction(db, ALPHA, TENANT_A, (q) =>
        q<{ label: string; tenant_id: string }>('select * from items order by label'),
      );
      expect(seenByA.map((r) => [r.label, r.tenant_id])).toEqual([
        ['a1', TENANT_A],
        ['a2', TENANT_A],
      ]);
      const seenByB = await pluginTransaction(db, ALPHA, TENANT_B, (q) => q<{ label: string }>('select * from items'));
      expect(seenByB.map((r) => r.label)).toEqual(['b1']);
    });

    test('an unscoped update changes only the calling tenant rows', async () => {
      const updated = await pluginTransaction(db, ALPHA, TENANT_B, (q) =>
        q<{ label: string }>('update items set x = 1 returning label'),
      );
      expect(updated.map((r) => r.label)).toEqual(['b1']);
      const [a] = await pluginTransaction(db, ALPHA, TENANT_A, (q) =>
        q<{ touched: number }>('select count(*)::int as touched from items where x = 1'),
      );
      expect(a?.touched).toBe(0);
    });

    test('an unscoped delete removes only the calling tenant rows', async () => {
      await pluginTransaction(db, ALPHA, TENANT_B, (q) => q('insert into items (label) values ($1)', ['b-doomed']));
      const deleted = await pluginTransaction(db, ALPHA, TENANT_B, (q) =>
        q<{ label: string }>(`delete from items where label like '%doomed' or true returning label`),
      );
      expect(deleted.map((r) => r.label).sort()).toEqual(['b-doomed', 'b1']);
      const left = await pluginTransaction(db, ALPHA, TENANT_A, (q) => q('select 1 from items'));
      expect(left).toHaveLength(2);
    });

    test("writing a row with another tenant's id is refused by the policy's WITH CHECK", async () => {
      const insert = await errorOf(
        pluginTransaction(db, ALPHA, TENANT_A, (q) =>
          q('insert into items (tenant_id, label) values ($1, $2)', [TENANT_B, 'smuggled']),
        ),
      );
      expect(insert.message).toContain('row-level security');
      const move = await errorOf(
        pluginTransaction(db, ALPHA, TENANT_A, (q) => q('update items set tenant_id = $1', [TENANT_B])),
      );
      expect(move.message).toContain('row-level security');
    });

    test("a view owned by the plugin shows only the calling tenant's rows", async () => {
      const seen = await pluginTransaction(db, BETA, TENANT_A, (q) =>
        q<{ value: string }>('select value from secret_values'),
      );
      expect(seen).toEqual([{ value: `beta secret of ${TENANT_A}` }]);
    });

    test('ordinary reads and writes pass the checker: CTEs, upserts, row locks, settings reads', async () => {
      const rows = await pluginTransaction(db, ALPHA, TENANT_A, async (q) => {
        await q('insert into items (label) values ($1) on conflict do nothing', ['ordinary']);
        await q(
          `with mine as (select id from items where label = $1)
           update items set note = 'cte' where id in (select id from mine)`,
          ['ordinary'],
        );
        await q('select * from items where label = $1 for update', ['ordinary']);
        return q<{ label: string; note: string; mine: boolean }>(
          `select label, note, tenant_id = current_setting('app.tenant_id')::uuid as mine
             from plugin_test_alpha.items where label = $1;`,
          ['ordinary'],
        );
      });
      expect(rows).toEqual([{ label: 'ordinary', note: 'cte', mine: true }]);
    });

    test('plugin statements run with standard_conforming_strings on, as the checker parses them', async () => {
      const names = await registeredPluginDb(db, ALPHA);
      const [row] = await db.transaction(async (tx) => {
        await tx.query('set local standard_conforming_strings to off');
        await enterPluginScope(tx, names, TENANT_A);
        return tx.query<{ scs: string }>(`select current_setting('standard_conforming_strings') as scs`);
      });
      expect(row?.scs).toBe('on');
    });

    test('a tenant id that is not a uuid is refused before any query', async () => {
      const error = await errorOf(pluginTransaction(db, ALPHA, "' or true --", (q) => q('select 1')));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('is not a uuid');
    });
  });

  describe('walls between plugins and the kernel', () => {
    test("plugin A cannot read plugin B's table: the checker refuses it, and so does the database", async () => {
      const refused = await errorOf(
        pluginTransaction(db, ALPHA, TENANT_A, (q) => q('select * from plugin_test_beta.secrets')),
      );
      expect(refused).toBeInstanceOf(ValidationError);
      expect(refused.message).toContain("plugin_test_beta.secrets is outside the plugin's schema plugin_test_alpha");
      const denied = await errorOf(bypassingChecker(ALPHA, TENANT_A, 'select * from plugin_test_beta.secrets'));
      expect(denied.message).toContain('permission denied for schema plugin_test_beta');
    });

    test('a plugin cannot read kernel.tenant: the checker refuses it, and so does the database', async () => {
      const refused = await errorOf(pluginTransaction(db, ALPHA, TENANT_A, (q) => q('select * from kernel.tenant')));
      expect(refused).toBeInstanceOf(ValidationError);
      const denied = await errorOf(bypassingChecker(ALPHA, TENANT_A, 'select * from kernel.tenant'));
      expect(denied.message).toContain('permission denied for schema kernel');
    });

    test('DDL at runtime is refused by the checker, and by the database', async () => {
      for (const sql of [
        'create table extra (tenant_id uuid not null)',
        'drop table items',
        'alter table items disable row level security',
        'truncate items',
        'grant select on items to public',
        'select * into copy_of_items from items',
      ]) {
        const refused = await errorOf(pluginTransaction(db, ALPHA, TENANT_A, (q) => q(sql)));
        expect(refused, sql).toBeInstanceOf(ValidationError);
      }
      expect((await errorOf(bypassingChecker(ALPHA, TENANT_A, 'create table extra (x int)'))).message).toContain(
        'permission denied for schema plugin_test_alpha',
      );
      expect(
        (await errorOf(bypassingChecker(ALPHA, TENANT_A, 'alter table items disable row level security'))).message,
      ).toContain('must be owner of table items');
      expect((await errorOf(bypassingChecker(ALPHA, TENANT_A, 'truncate items'))).message).toContain(
        'permission denied for table items',
      );
    });

    test('a string with more than one statement is refused, whatever the statements are', async () => {
      for (const sql of ['select 1; select 2', `insert into items (label) values ('x'); reset role`]) {
        const refused = await errorOf(pluginTransaction(db, ALPHA, TENANT_A, (q) => q(sql)));
        expect(refused).toBeInstanceOf(ValidationError);
        expect(refused.message).toContain('holds 2 statements');
      }
    });

    test('a query function kept after its transaction ended refuses to run', async () => {
      let kept: ((sql: string) => Promise<unknown>) | undefined;
      await pluginTransaction(db, ALPHA, TENANT_A, async (q) => {
        kept = q;
      });
      const error = await errorOf(kept?.('select * from items') ?? Promise.resolve());
      expect(error.message).toContain('query after its transaction ended');
    });

    test('a plugin without a database is not found', async () => {
      const error = await errorOf(pluginTransaction(db, 'test.never-migrated', TENANT_A, (q) => q('select 1')));
      expect(error).toBeInstanceOf(NotFoundError);
    });

    test('two plugin ids that map to the same schema name cannot both own it', async () => {
      await migratePlugin(db, 'test.same-name', [{ name: '0001-x', sql: 'create table x (tenant_id uuid not null)' }]);
      const error = await errorOf(migratePlugin(db, 'test-same.name', []));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toContain('which plugin test.same-name already owns');
    });

    test('long plugin ids get role names within PostgreSQL 63-byte limit, distinct per id', () => {
      const a = pluginDbNames(`dotmac.${'a'.repeat(40)}.one`);
      const b = pluginDbNames(`dotmac.${'a'.repeat(40)}.two`);
      for (const n of [a, b]) {
        expect(n.ownerRole.length).toBeLessThanOrEqual(63);
        expect(n.schema.length).toBeLessThanOrEqual(63);
      }
      expect(a.ownerRole).not.toBe(b.ownerRole);
      expect(a.runtimeRole).not.toBe(b.runtimeRole);
    });
  });

  describe('escalation attempts', () => {
    const attacks = [
      'reset role',
      'set role postgres',
      'set session authorization postgres',
      `select set_config('role', 'postgres', true)`,
      `select "pg_catalog"."set_config"('role', 'postgres', true)`,
      `update pg_settings set setting = 'postgres' where name = 'role'`,
      `update pg_catalog.pg_settings set setting = '${TENANT_B}' where name = 'app.tenant_id'`,
      `select set_config('app.tenant_id', '${TENANT_B}', true)`,
      `select query_to_xml('select set_config(''app.tenant_id'', ''${TENANT_B}'', true)', true, true, '')`,
      `select pg_advisory_lock(1)`,
      `select U&"set\\005fconfig"('role', 'postgres', true)`,
      `select SET_CONFIG('role', 'postgres', true)`,
      'commit',
      'rollback',
      'savepoint s',
      'create temporary table t (x int)',
      'select * from pg_class',
      'select * from information_schema.tables',
      `select pg_notify('dotmac_outbox', '')`,
      'explain analyze select 1',
      'prepare p as select 1',
      'lock table items',
    ];

    test.each(attacks)('%s is refused by the checker', async (sql) => {
      const refused = await errorOf(pluginTransaction(db, ALPHA, TENANT_A, (q) => q(sql)));
      expect(refused).toBeInstanceOf(ValidationError);
    });

    /** What the transaction is after `sql` runs with no checker in front of it. */
    async function afterBypass(sql: string) {
      const names = await registeredPluginDb(db, BETA);
      return db
        .transaction(async (tx) => {
          await enterPluginScope(tx, names, TENANT_A);
          await tx.query(sql);
          const [state] = await tx.query<{ role: string; tenant: string }>(
            `select current_user as role, current_setting('app.tenant_id', true) as tenant`,
          );
          const secrets = await tx.query<{ value: string }>('select value from secrets order by value');
          return { role: state?.role, tenant: state?.tenant, secrets: secrets.map((r) => r.value) };
        })
        .catch((e: Error) => ({ refusedByDatabase: e.message }));
    }

    // Without the checker the database alone does NOT stop these: the session user is a
    // superuser (always on PGlite; on PostgreSQL unless the kernel connects as a lesser role), so
    // leaving the runtime role or re-pointing app.tenant_id succeeds. The checker is the wall here.
    const everyTenant = [`beta secret of ${TENANT_A}`, `beta secret of ${TENANT_B}`];
    test.each([
      ['reset role', { role: 'postgres', secrets: everyTenant }],
      ['set role postgres', { role: 'postgres', secrets: everyTenant }],
      [`select set_config('role', 'postgres', true)`, { role: 'postgres', secrets: everyTenant }],
      [`select set_config('app.tenant_id', '${TENANT_B}', true)`, { tenant: TENANT_B, secrets: everyTenant.slice(1) }],
      ['set session authorization postgres', { role: 'postgres', secrets: everyTenant }],
      ['select 1; reset role', { role: 'postgres', secrets: everyTenant }],
      [
        `select query_to_xml('select set_config(''app.tenant_id'', ''${TENANT_B}'', true)', true, true, '')`,
        { tenant: TENANT_B, secrets: everyTenant.slice(1) },
      ],
    ])('bypassing the checker, %s escapes the walls (so only the checker stops it)', async (sql, escaped) => {
      expect(await afterBypass(sql)).toMatchObject(escaped);
    });

    test('bypassing the checker, updating pg_settings cannot change the role (it is not listed there)', async () => {
      expect(await afterBypass(`update pg_settings set setting = 'postgres' where name = 'role'`)).toMatchObject({
        role: 'dotmac_p_test_beta',
        tenant: TENANT_A,
        secrets: [`beta secret of ${TENANT_A}`],
      });
    });
  });

  describe('batches', () => {
    test('a batch runs its statements in order in one transaction and returns each result', async () => {
      const [inserted, selected] = await pluginBatch(db, ALPHA, TENANT_A, [
        { sql: 'insert into items (label) values ($1) returning label', params: ['batch'] },
        { sql: 'select label from items where label = $1', params: ['batch'] },
      ]);
      expect(inserted).toEqual([{ label: 'batch' }]);
      expect(selected).toEqual([{ label: 'batch' }]);
    });

    test('a batch with one refused statement runs none of them', async () => {
      const label = randomUUID();
      const error = await errorOf(
        pluginBatch(db, ALPHA, TENANT_A, [
          { sql: 'insert into items (label) values ($1)', params: [label] },
          { sql: 'select * from kernel.tenant' },
        ]),
      );
      expect(error.message).toContain('statement 1 of the batch');
      expect(
        await pluginTransaction(db, ALPHA, TENANT_A, (q) => q('select 1 from items where label = $1', [label])),
      ).toEqual([]);
    });
  });
});

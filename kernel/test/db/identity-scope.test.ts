// The row-scoping rules every plugin gets from the kernel: within a tenant, a customer sees and
// writes only the rows of their own account, a reseller only those of customers they own, a
// technician only the work assigned to them — enforced by the database, whatever SQL the plugin
// runs. Staff and the system (events, jobs) see the whole tenant.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../../../test/support/kernel.ts';
import { migratePlugin, pluginTransaction } from '../../src/plugins/db/index.ts';
import type { CallerScope } from '../../src/plugins/sandbox/index.ts';

const PLUGIN = 'test.crm';
let t: TestKernel;
let tenant: string;
let other: string;

const customer = (subjectId?: string): CallerScope => ({ portal: 'customer', userId: 'u1', subjectId });
const reseller = (subjectId: string): CallerScope => ({ portal: 'reseller', userId: 'u2', subjectId });
const technician = (subjectId: string): CallerScope => ({ portal: 'technician', userId: 'u3', subjectId });
const staff: CallerScope = { portal: 'admin', userId: 'u4' };

/** Runs `sql` as the plugin for `tenantId`, serving `caller`; answers the rows. */
const run = (tenantId: string, caller: CallerScope | undefined, sql: string, params: unknown[] = []) =>
  pluginTransaction(t.kernel.db, PLUGIN, tenantId, (q) => q<Record<string, unknown>>(sql, params), { caller });

beforeAll(async () => {
  t = await bootTestKernel();
  tenant = await createTenant(t.kernel.db, 'scope-isp');
  other = await createTenant(t.kernel.db, 'scope-other');
  await migratePlugin(t.kernel.db, PLUGIN, [
    {
      name: '0001-crm',
      sql: `create table invoices (id serial primary key, tenant_id uuid not null, customer_id text not null, total int not null);
            create table customers (id text not null, tenant_id uuid not null, customer_id text not null, reseller_id text, primary key (tenant_id, id));
            create table jobs (id serial primary key, tenant_id uuid not null, technician_id text, customer_id text not null);
            create table plans (id serial primary key, tenant_id uuid not null, name text not null);`,
    },
  ]);
  for (const id of [tenant, other]) {
    await run(
      id,
      undefined,
      `insert into invoices (tenant_id, customer_id, total) values ($1::uuid, 'c1', 10), ($1::uuid, 'c1', 20), ($1::uuid, 'c2', 30);
       `.trim(),
      [id],
    );
    await run(
      id,
      undefined,
      `insert into customers (id, tenant_id, customer_id, reseller_id) values ('c1', $1::uuid, 'c1', 'r1'), ('c2', $1::uuid, 'c2', 'r2'), ('c3', $1::uuid, 'c3', 'r1')`,
      [id],
    );
    await run(
      id,
      undefined,
      `insert into jobs (tenant_id, technician_id, customer_id) values ($1::uuid, 't1', 'c1'), ($1::uuid, 't2', 'c2'), ($1::uuid, null, 'c3')`,
      [id],
    );
    await run(id, undefined, `insert into plans (tenant_id, name) values ($1::uuid, 'Home 50')`, [id]);
  }
});

afterAll(async () => {
  await t?.dispose();
});

describe(`the kernel's row scoping on ${process.env.DOTMAC_TEST_DB}`, () => {
  test("a customer's unscoped query sees only their own account's rows", async () => {
    const rows = await run(tenant, customer('c1'), 'select customer_id, total from invoices order by total');
    expect(rows).toEqual([
      { customer_id: 'c1', total: 10 },
      { customer_id: 'c1', total: 20 },
    ]);
    expect(await run(tenant, customer('c1'), 'select id from customers')).toEqual([{ id: 'c1' }]);
  });

  test("a customer cannot write rows of another account, nor change their own into another's", async () => {
    await expect(
      run(tenant, customer('c1'), "insert into invoices (tenant_id, customer_id, total) values ($1::uuid, 'c2', 1)", [
        tenant,
      ]),
    ).rejects.toThrow(/row-level security/);
    expect(
      await run(tenant, customer('c1'), "update invoices set total = 0 where customer_id = 'c2' returning id"),
    ).toEqual([]);
    expect(await run(tenant, customer('c1'), "delete from invoices where customer_id = 'c2' returning id")).toEqual([]);
    await expect(
      run(tenant, customer('c1'), "update invoices set customer_id = 'c2' where customer_id = 'c1'"),
    ).rejects.toThrow(/row-level security/);
    expect(
      (await run(tenant, undefined, "select count(*)::int as n from invoices where customer_id = 'c2'"))[0],
    ).toEqual({
      n: 1,
    });
  });

  test('a customer login that acts as no account sees nothing', async () => {
    expect(await run(tenant, customer(undefined), 'select id from invoices')).toEqual([]);
  });

  test('a reseller sees only the customers they own; a technician only the work assigned to them', async () => {
    expect(await run(tenant, reseller('r1'), 'select id from customers order by id')).toEqual([
      { id: 'c1' },
      { id: 'c3' },
    ]);
    expect(await run(tenant, technician('t1'), 'select customer_id from jobs')).toEqual([{ customer_id: 'c1' }]);
    expect(await run(tenant, technician('t9'), 'select customer_id from jobs')).toEqual([]);
  });

  test('staff and the system see the whole tenant, and a table without scope columns is shared', async () => {
    expect((await run(tenant, staff, 'select count(*)::int as n from invoices'))[0]).toEqual({ n: 3 });
    expect((await run(tenant, undefined, 'select count(*)::int as n from jobs'))[0]).toEqual({ n: 3 });
    expect(await run(tenant, customer('c1'), 'select name from plans')).toEqual([{ name: 'Home 50' }]);
  });

  test("scoping narrows the tenant wall, never widens it: customer c1 of one tenant sees nothing of another's c1", async () => {
    const rows = await run(tenant, customer('c1'), 'select tenant_id::text from invoices');
    expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([tenant]));
  });

  test('the policies are the kernel’s own, restrictive, and recreated by later migrations', async () => {
    await migratePlugin(t.kernel.db, PLUGIN, [
      {
        name: '0001-crm',
        sql: `create table invoices (id serial primary key, tenant_id uuid not null, customer_id text not null, total int not null);
            create table customers (id text not null, tenant_id uuid not null, customer_id text not null, reseller_id text, primary key (tenant_id, id));
            create table jobs (id serial primary key, tenant_id uuid not null, technician_id text, customer_id text not null);
            create table plans (id serial primary key, tenant_id uuid not null, name text not null);`,
      },
      { name: '0002-plan-owner', sql: 'alter table plans add column customer_id text' },
    ]);
    const policies = await t.kernel.db.query<{ table: string; policy: string; permissive: boolean }>(
      `select c.relname as table, p.polname as policy, p.polpermissive as permissive
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'plugin_test_crm' order by 1, 2`,
    );
    expect(policies.filter((p) => p.table === 'plans')).toEqual([
      { table: 'plans', policy: 'dotmac_customer_scope', permissive: false },
      { table: 'plans', policy: 'dotmac_tenant_isolation', permissive: true },
    ]);
    expect(policies.filter((p) => p.table === 'customers').map((p) => p.policy)).toEqual([
      'dotmac_customer_scope',
      'dotmac_reseller_scope',
      'dotmac_tenant_isolation',
    ]);
    // Plans have no owner yet: a customer sees none of them now (null matches no account).
    expect(await run(tenant, customer('c1'), 'select name from plans')).toEqual([]);
  });
});

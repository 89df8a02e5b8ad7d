// The statement checker splits what it checks into statements exactly, whatever the text holds.
import { beforeAll, expect, test } from 'vitest';
import { checkPluginSql, loadSqlParser } from '../../src/plugins/db/statement-check.ts';

beforeAll(() => loadSqlParser());

test('statements after non-ASCII text (comments, strings) are cut at the right places', () => {
  const sql = `-- Tarifs café… and “quotes” cost more than one byte each
create table plans (tenant_id uuid not null, name text not null default 'Éco 50 Mbit/s');
create index plans_name on plans (name);`;
  expect(checkPluginSql(sql, 'plugin_test_x', 'migration')).toEqual([
    {
      kind: 'CreateStmt',
      sql: "create table plans (tenant_id uuid not null, name text not null default 'Éco 50 Mbit/s')",
    },
    { kind: 'IndexStmt', sql: 'create index plans_name on plans (name)' },
  ]);
});

// The `db` capability, host side: a plugin's own schema, its migrations and its tenant-scoped queries.
export { migratePlugin, type PluginMigration, TENANT_POLICY } from './migrate.ts';
export { type PluginDbNames, pluginDbNames } from './names.ts';
export {
  enterPluginScope,
  type PluginQuery,
  type PluginStatement,
  type PluginTransactionOptions,
  pluginBatch,
  pluginTransaction,
} from './runtime.ts';
export { dropPluginDb, ensurePluginDb, registeredPluginDb } from './schema.ts';
export { type CheckedStatement, checkPluginSql, loadSqlParser, type StatementContext } from './statement-check.ts';

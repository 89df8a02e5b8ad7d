import { Migration } from '@mikro-orm/migrations';

/** Which plugin owns which database schema, and the plugin migrations applied to it. */
export class Migration0002PluginDb extends Migration {
  override async up(): Promise<void> {
    // Two plugin ids can map to one schema name (`a.b-c`, `a-b.c`): the first one keeps it.
    this.addSql(`create table kernel.plugin_database (
      plugin_id text primary key,
      schema_name text not null unique,
      owner_role text not null unique,
      runtime_role text not null unique,
      created_at timestamptz not null default now()
    )`);

    this.addSql(`create table kernel.plugin_migration (
      plugin_id text not null references kernel.plugin_database (plugin_id) on delete cascade,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now(),
      primary key (plugin_id, name)
    )`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Plugin packages installed by the operator (from a registry or a file): the verified bytes,
 * who signed them and what the operator approved. One active version per plugin; earlier
 * versions stay for the record. Every process unpacks the active ones at boot. Replaces the
 * placeholder table of 0001, which nothing wrote.
 */
export class Migration0006PluginPackages extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop table kernel.plugin_package');
    this.addSql(`create table kernel.plugin_package (
      plugin_id text not null,
      version text not null,
      package bytea not null,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      source text not null,
      publisher text not null,
      key_id text not null,
      capabilities text[] not null,
      installed_at timestamptz not null default now(),
      active boolean not null default false,
      primary key (plugin_id, version)
    )`);
    this.addSql('create unique index plugin_package_active on kernel.plugin_package (plugin_id) where active');
  }
}

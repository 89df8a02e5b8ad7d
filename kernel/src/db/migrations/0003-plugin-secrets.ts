import { Migration } from '@mikro-orm/migrations';

/** Each tenant's plugin secrets, encrypted by the kernel (AES-256-GCM); plaintext is never stored. */
export class Migration0003PluginSecrets extends Migration {
  override async up(): Promise<void> {
    // key_id names the key that wrote the row, so a changed SECRETS_KEY is reported as such.
    this.addSql(`create table kernel.plugin_secret (
      tenant_id uuid not null references kernel.tenant (id) on delete cascade,
      plugin_id text not null,
      name text not null,
      ciphertext bytea not null,
      iv bytea not null check (octet_length(iv) = 12),
      tag bytea not null check (octet_length(tag) = 16),
      key_id text not null check (key_id ~ '^[0-9a-f]{16}$'),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, plugin_id, name)
    )`);
  }
}

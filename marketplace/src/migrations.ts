// The registry's own schema, `marketplace`: numbered migrations, each applied once, in one
// transaction that concurrent registry processes on one database wait for.
import type { Database } from '@dotmac/kernel';

/** One schema change; `version` numbers are never reused or edited once released. */
interface Migration {
  readonly version: number;
  readonly sql: string;
}

// Any 64-bit number, fixed for the registry: serialises concurrent starts running migrations.
const MIGRATION_LOCK = 4_873_090_001;

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      create table marketplace.publisher (
        name text primary key check (name ~ '^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$'),
        created_at timestamptz not null default now()
      );

      -- A publisher's Ed25519 keys; the key id is the first 16 hex chars of sha256(raw key).
      create table marketplace.publisher_key (
        key_id text primary key,
        publisher text not null references marketplace.publisher (name),
        public_key text not null unique,
        created_at timestamptz not null default now()
      );
      create index publisher_key_publisher on marketplace.publisher_key (publisher);

      -- The first publisher of a plugin id owns it.
      create table marketplace.plugin (
        id text primary key,
        owner text not null references marketplace.publisher (name),
        created_at timestamptz not null default now()
      );

      create table marketplace.version (
        plugin_id text not null references marketplace.plugin (id),
        version text not null,
        manifest jsonb not null,
        package bytea not null,
        sha256 text not null,
        key_id text not null references marketplace.publisher_key (key_id),
        readme text,
        changelog text,
        kernel text not null,
        capabilities text[] not null,
        portals text[] not null,
        published_at timestamptz not null default now(),
        deprecated text,
        deprecated_at timestamptz,
        yanked text,
        yanked_at timestamptz,
        downloads bigint not null default 0,
        -- Concurrent publishes of one version: this constraint picks the one that wins.
        constraint version_unique unique (plugin_id, version)
      );

      -- A published version is immutable: only its deprecation, yank and download count change.
      create function marketplace.refuse_version_change() returns trigger language plpgsql as $$
      begin
        raise exception 'version %@% is immutable: publish a new version instead', old.plugin_id, old.version;
      end $$;
      create trigger version_immutable
        before update of plugin_id, version, manifest, package, sha256, key_id, readme, changelog, kernel, capabilities, portals, published_at
        on marketplace.version for each row execute function marketplace.refuse_version_change();
    `,
  },
  {
    version: 2,
    sql: `
      -- A revoked key signs nothing more: not packages, not requests. Kept for the record.
      alter table marketplace.publisher_key
        add column revoked_at timestamptz,
        add column revoked_reason text check ((revoked_at is null) = (revoked_reason is null));
    `,
  },
];

/** Applies the migrations this database has not had yet; returns the versions applied. */
export async function migrateRegistry(db: Database): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('create schema if not exists marketplace');
    await tx.query(
      `create table if not exists marketplace.migration (
         version integer primary key,
         applied_at timestamptz not null default now()
       )`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>('select version from marketplace.migration')).map((r) => r.version),
    );
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await tx.query(migration.sql);
      await tx.query('insert into marketplace.migration (version) values ($1)', [migration.version]);
      applied.push(migration.version);
    }
    return applied;
  });
}

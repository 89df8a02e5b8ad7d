// The registry's data in the `marketplace` schema: publishers and their keys, plugins and
// their immutable versions. Every write is one statement or one transaction.
import { ConflictError, type Database, ForbiddenError, NotFoundError, type PluginManifest } from '@dotmac/kernel';
import type { VersionFacts } from './catalog.ts';

/** A publisher's key as the API shows it. */
export interface PublisherKey {
  readonly keyId: string;
  /** `ed25519:<base64url of the raw 32-byte key>`. */
  readonly publicKey: string;
}

export interface Publisher {
  readonly name: string;
  /** The keys it signs with now. */
  readonly keys: readonly PublisherKey[];
  /** Keys it revoked: what they signed before stays, they sign nothing more. */
  readonly revokedKeys: readonly (PublisherKey & { readonly revokedAt: string; readonly reason: string })[];
  readonly createdAt: string;
}

/** A version about to be stored, as publishing checked it. */
export interface NewVersion {
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly keyId: string;
  readonly manifest: PluginManifest;
  readonly tgz: Buffer;
  readonly sha256: string;
  readonly readme: string | undefined;
  readonly changelog: string | undefined;
  readonly kernel: string;
  readonly capabilities: readonly string[];
  readonly portals: readonly string[];
}

/** One stored version, without its package bytes. */
export interface StoredVersion {
  readonly version: string;
  readonly name: string;
  readonly description: string;
  readonly publishedAt: string;
  readonly kernel: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly portals: readonly string[];
  readonly changelog: string | null;
  readonly sha256: string;
  readonly keyId: string;
  readonly size: number;
  readonly downloads: number;
  readonly deprecated: string | null;
  readonly yanked: string | null;
}

/** A plugin with every version it has, newest published first. */
export interface StoredPlugin {
  readonly id: string;
  readonly owner: string;
  readonly versions: readonly StoredVersion[];
}

/** A package's bytes as downloaded. */
export interface DownloadedPackage {
  readonly tgz: Buffer;
  readonly sha256: string;
  readonly yanked: string | null;
}

type VersionRow = {
  version: string;
  name: string;
  description: string;
  published_at: string;
  kernel: string;
  dependencies: Record<string, string> | null;
  capabilities: string[];
  portals: string[];
  changelog: string | null;
  sha256: string;
  key_id: string;
  size: number;
  downloads: string;
  deprecated: string | null;
  yanked: string | null;
};

const VERSION_COLUMNS = `
  v.version, v.manifest->>'name' as name, v.manifest->>'description' as description,
  to_char(v.published_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as published_at,
  v.kernel, v.manifest->'dependencies' as dependencies, v.capabilities, v.portals, v.changelog,
  v.sha256, v.key_id, octet_length(v.package) as size, v.downloads, v.deprecated, v.yanked`;

export class RegistryStore {
  constructor(private readonly db: Database) {}

  /** Registers `name` with its first key; 409 when the name or the key is taken. */
  async createPublisher(name: string, key: PublisherKey): Promise<Publisher> {
    try {
      await this.db.transaction(async (tx) => {
        await tx.query('insert into marketplace.publisher (name) values ($1)', [name]);
        await tx.query('insert into marketplace.publisher_key (key_id, publisher, public_key) values ($1, $2, $3)', [
          key.keyId,
          name,
          key.publicKey,
        ]);
      });
    } catch (e) {
      if (violates(e, 'publisher_pkey')) throw new ConflictError(`publisher name ${name} is taken`);
      throw keyConflict(e, key);
    }
    return this.existingPublisher(name);
  }

  /** Adds a key to `publisher`; 409 when the key is registered already. */
  async addKey(publisher: string, key: PublisherKey): Promise<Publisher> {
    try {
      await this.db.query('insert into marketplace.publisher_key (key_id, publisher, public_key) values ($1, $2, $3)', [
        key.keyId,
        publisher,
        key.publicKey,
      ]);
    } catch (e) {
      throw keyConflict(e, key);
    }
    return this.existingPublisher(publisher);
  }

  private async existingPublisher(name: string): Promise<Publisher> {
    const publisher = await this.publisher(name);
    if (!publisher) throw new NotFoundError(`no publisher ${name} is registered here`);
    return publisher;
  }

  async publisher(name: string): Promise<Publisher | undefined> {
    const [row] = await this.db.query<{ created_at: string }>(
      `select to_char(created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
       from marketplace.publisher where name = $1`,
      [name],
    );
    if (!row) return undefined;
    const revoked = await this.db.query<{ key_id: string; public_key: string; revoked_at: string; reason: string }>(
      `select key_id, public_key, revoked_reason as reason,
              to_char(revoked_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as revoked_at
         from marketplace.publisher_key where publisher = $1 and revoked_at is not null order by revoked_at, key_id`,
      [name],
    );
    return {
      name,
      keys: await this.keysOf(name),
      revokedKeys: revoked.map((r) => ({
        keyId: r.key_id,
        publicKey: r.public_key,
        revokedAt: r.revoked_at,
        reason: r.reason,
      })),
      createdAt: row.created_at,
    };
  }

  /**
   * Revokes a key of `publisher`: it signs no package or request from now on. Refused for an
   * unknown or already revoked key, and for the last key (the publisher would be locked out).
   */
  async revokeKey(publisher: string, keyId: string, reason: string): Promise<Publisher> {
    await this.db.transaction(async (tx) => {
      await tx.query('select name from marketplace.publisher where name = $1 for update', [publisher]);
      const keys = await tx.query<{ key_id: string }>(
        'select key_id from marketplace.publisher_key where publisher = $1 and revoked_at is null',
        [publisher],
      );
      if (!keys.some((k) => k.key_id === keyId)) {
        throw new NotFoundError(`publisher ${publisher} has no key ${keyId} in use`);
      }
      if (keys.length === 1) {
        throw new ConflictError(`key ${keyId} is ${publisher}'s last key: add another before revoking it`);
      }
      await tx.query(
        'update marketplace.publisher_key set revoked_at = now(), revoked_reason = $3 where publisher = $1 and key_id = $2',
        [publisher, keyId, reason],
      );
    });
    return this.existingPublisher(publisher);
  }

  /** The keys `publisher` signs with, revoked ones left out (none for an unknown publisher). */
  async keysOf(publisher: string): Promise<PublisherKey[]> {
    const rows = await this.db.query<{ key_id: string; public_key: string }>(
      `select key_id, public_key from marketplace.publisher_key
        where publisher = $1 and revoked_at is null order by created_at, key_id`,
      [publisher],
    );
    return rows.map((r) => ({ keyId: r.key_id, publicKey: r.public_key }));
  }

  /** The key with this id and whose it is, unless revoked. */
  async key(keyId: string): Promise<(PublisherKey & { publisher: string }) | undefined> {
    const [row] = await this.db.query<{ publisher: string; public_key: string }>(
      'select publisher, public_key from marketplace.publisher_key where key_id = $1 and revoked_at is null',
      [keyId],
    );
    return row && { keyId, publicKey: row.public_key, publisher: row.publisher };
  }

  /**
   * Stores a version. The first publisher of a plugin id owns it (403 for anyone else); a
   * version that exists is refused (409), also when two publishes of it race.
   */
  async publish(v: NewVersion): Promise<void> {
    const ref = `${v.pluginId}@${v.version}`;
    await this.db.transaction(async (tx) => {
      // A concurrent claim of the same new id waits here for the other transaction's outcome.
      await tx.query('insert into marketplace.plugin (id, owner) values ($1, $2) on conflict (id) do nothing', [
        v.pluginId,
        v.publisher,
      ]);
      const [plugin] = await tx.query<{ owner: string }>('select owner from marketplace.plugin where id = $1', [
        v.pluginId,
      ]);
      if (plugin?.owner !== v.publisher) {
        throw new ForbiddenError(
          `plugin ${v.pluginId} belongs to publisher ${plugin?.owner}; ${v.publisher} cannot publish versions of it`,
        );
      }
      try {
        await tx.query(
          `insert into marketplace.version
             (plugin_id, version, manifest, package, sha256, key_id, readme, changelog, kernel, capabilities, portals)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            v.pluginId,
            v.version,
            JSON.stringify(v.manifest),
            v.tgz,
            v.sha256,
            v.keyId,
            v.readme ?? null,
            v.changelog ?? null,
            v.kernel,
            v.capabilities,
            v.portals,
          ],
        );
      } catch (e) {
        if (violates(e, 'version_unique')) {
          throw new ConflictError(`${ref} is already published; versions are immutable, publish a new version`);
        }
        throw e;
      }
    });
  }

  /** The searchable facts of every version of every plugin. */
  async versionFacts(): Promise<VersionFacts[]> {
    const rows = await this.db.query<{
      plugin_id: string;
      version: string;
      name: string;
      description: string;
      owner: string;
      kernel: string;
      capabilities: string[];
      portals: string[];
      yanked: string | null;
      downloads: string;
    }>(
      `select v.plugin_id, v.version, v.manifest->>'name' as name, v.manifest->>'description' as description,
              p.owner, v.kernel, v.capabilities, v.portals, v.yanked, v.downloads
       from marketplace.version v join marketplace.plugin p on p.id = v.plugin_id`,
    );
    return rows.map((r) => ({
      pluginId: r.plugin_id,
      version: r.version,
      name: r.name,
      description: r.description,
      publisher: r.owner,
      kernel: r.kernel,
      capabilities: r.capabilities,
      portals: r.portals,
      yanked: r.yanked,
      downloads: Number(r.downloads),
    }));
  }

  /** A plugin and its versions; undefined when no version of it was published. */
  async plugin(id: string): Promise<StoredPlugin | undefined> {
    const [plugin] = await this.db.query<{ owner: string }>('select owner from marketplace.plugin where id = $1', [id]);
    if (!plugin) return undefined;
    const rows = await this.db.query<VersionRow>(
      `select ${VERSION_COLUMNS} from marketplace.version v where v.plugin_id = $1 order by v.published_at desc`,
      [id],
    );
    return { id, owner: plugin.owner, versions: rows.map(toStoredVersion) };
  }

  /** One version with its manifest and readme. */
  async version(
    pluginId: string,
    version: string,
  ): Promise<StoredVersion & { manifest: PluginManifest; readme: string | null }> {
    const [row] = await this.db.query<VersionRow & { manifest: PluginManifest; readme: string | null }>(
      `select ${VERSION_COLUMNS}, v.manifest, v.readme
       from marketplace.version v where v.plugin_id = $1 and v.version = $2`,
      [pluginId, version],
    );
    if (!row) throw notPublished(pluginId, version);
    return { ...toStoredVersion(row), manifest: row.manifest, readme: row.readme };
  }

  /** A version's package, counting the download (one atomic update). */
  async download(pluginId: string, version: string): Promise<DownloadedPackage> {
    const [row] = await this.db.query<{ package: Buffer; sha256: string; yanked: string | null }>(
      `update marketplace.version set downloads = downloads + 1
       where plugin_id = $1 and version = $2 returning package, sha256, yanked`,
      [pluginId, version],
    );
    if (!row) throw notPublished(pluginId, version);
    return { tgz: row.package, sha256: row.sha256, yanked: row.yanked };
  }

  /** Marks a version deprecated with `message` (replacing an earlier message). */
  async deprecate(pluginId: string, version: string, message: string): Promise<StoredVersion> {
    const [row] = await this.db.query<{ version: string }>(
      `update marketplace.version set deprecated = $3, deprecated_at = now()
       where plugin_id = $1 and version = $2 returning version`,
      [pluginId, version, message],
    );
    if (!row) throw notPublished(pluginId, version);
    return this.version(pluginId, version);
  }

  /** Yanks a version: no longer offered for new installs; its bytes stay downloadable. */
  async yank(pluginId: string, version: string, reason: string): Promise<StoredVersion> {
    const [row] = await this.db.query<{ version: string }>(
      `update marketplace.version set yanked = $3, yanked_at = coalesce(yanked_at, now())
       where plugin_id = $1 and version = $2 returning version`,
      [pluginId, version, reason],
    );
    if (!row) throw notPublished(pluginId, version);
    return this.version(pluginId, version);
  }

  /** The publisher owning `pluginId`, if anyone published it. */
  async ownerOf(pluginId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ owner: string }>('select owner from marketplace.plugin where id = $1', [
      pluginId,
    ]);
    return row?.owner;
  }
}

function toStoredVersion(r: VersionRow): StoredVersion {
  return {
    version: r.version,
    name: r.name,
    description: r.description,
    publishedAt: r.published_at,
    kernel: r.kernel,
    dependencies: r.dependencies ?? {},
    capabilities: r.capabilities,
    portals: r.portals,
    changelog: r.changelog,
    sha256: r.sha256,
    keyId: r.key_id,
    size: r.size,
    downloads: Number(r.downloads),
    deprecated: r.deprecated,
    yanked: r.yanked,
  };
}

function notPublished(pluginId: string, version: string): NotFoundError {
  return new NotFoundError(`${pluginId}@${version} is not published here`);
}

/** A registered key as a 409; any other error as it is. */
function keyConflict(e: unknown, key: PublisherKey): unknown {
  if (violates(e, 'publisher_key_pkey') || violates(e, 'publisher_key_public_key_key')) {
    return new ConflictError(`key ${key.keyId} is already registered to a publisher`);
  }
  return e;
}

/** Whether `e` is PostgreSQL's unique violation of `constraint`. */
function violates(e: unknown, constraint: string): boolean {
  const pgError = e as { code?: string; constraint?: string };
  return pgError.code === '23505' && pgError.constraint === constraint;
}

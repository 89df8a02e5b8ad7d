// Per-tenant plugin secrets, sealed at rest (seal.ts: AES-256-GCM) and readable only by the plugin
// whose manifest declares them. Values are never logged, audited or returned to operators.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import configSchema from '@dotmac/schemas/kernel-config.schema.json' with { type: 'json' };
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { ConfigError, DotmacError, NotFoundError, ValidationError } from '../errors.ts';
import { keyIdOf, SealingKeyMissingError, seal, unseal } from '../seal.ts';
import { compileSchema, type JsonSchema, validateOrThrow } from '../validation.ts';
import { type Actor, audit } from './enablement.ts';

/** A stored secret cannot be decrypted: the key changed, or the row was altered or copied. */
export class SecretUnreadableError extends DotmacError {
  override readonly status = 500;
  override readonly type = 'secret-unreadable';
  override readonly title = 'Secret cannot be read';
}

/** One declared secret as an operator sees it: whether it is set, never its value. */
export interface PluginSecretStatus {
  readonly name: string;
  readonly description: string;
  readonly set: boolean;
  /** When it was last set (ISO 8601), or null while unset. */
  readonly updatedAt: string | null;
}

/** JSON Schema of a secret value, shared by the admin API and the checks here. */
export const secretValueSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 8192,
  description: 'The secret value (1 to 8192 characters). It is stored encrypted and never shown again.',
} as const;

const KEY_BYTES = 32;
const KEY_FILE = 'secrets.key';
const KEY_PATTERN = new RegExp(configSchema.properties.SECRETS_KEY.pattern);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const validateValue = compileSchema<string>(secretValueSchema as JsonSchema);

/**
 * The key plugin secrets are encrypted with: SECRETS_KEY when set; else, with the embedded
 * database, the key in DATA_DIR/secrets.key (created with mode 0600 the first time); else
 * undefined, and PluginSecrets refuses every operation with SealingKeyMissingError.
 */
export async function loadSecretsKey(config: Config): Promise<Buffer | undefined> {
  if (config.SECRETS_KEY) return decodeKey(config.SECRETS_KEY, 'SECRETS_KEY');
  if (config.DATABASE_URL) return undefined;
  return embeddedKey(config.DATA_DIR);
}

/** Reads DATA_DIR/secrets.key, first creating it when absent (atomically, so racing boots agree). */
async function embeddedKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, KEY_FILE);
  let text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) {
    await mkdir(dataDir, { recursive: true });
    // Written whole under a private name, then linked into place: a reader never sees half a key.
    const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(draft, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      await link(draft, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await unlink(draft);
    }
    text = await readFile(path, 'utf8');
  }
  return decodeKey(text.trim(), path);
}

function decodeKey(text: string, source: string): Buffer {
  if (!KEY_PATTERN.test(text)) {
    throw new ConfigError([`${source}: must be ${configSchema.properties.SECRETS_KEY['x-expected']}`]);
  }
  return Buffer.from(text, text.length === 64 ? 'hex' : 'base64');
}

interface SecretRow {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  key_id: string;
}

export class PluginSecrets {
  private byId: ReadonlyMap<string, PluginManifest>;
  private readonly keyId: string | undefined;

  /** `key`: from loadSecretsKey; `installed`: the resolved plugins of this installation. */
  constructor(
    private readonly db: Database,
    private readonly key: Buffer | undefined,
    installed: readonly PluginManifest[],
  ) {
    if (key && key.length !== KEY_BYTES) {
      throw new ConfigError([`SECRETS_KEY: must be ${KEY_BYTES} bytes (got ${key.length})`]);
    }
    this.byId = new Map(installed.map((m) => [m.id, m]));
    this.keyId = key && keyIdOf(key);
  }

  /** Replaces the installed plugins (after an install, upgrade or uninstall). */
  setInstalled(installed: readonly PluginManifest[]): void {
    this.byId = new Map(installed.map((m) => [m.id, m]));
  }

  /** The tenant's value of a secret `pluginId` declares, or null while unset. */
  async get(tenantId: string, pluginId: string, name: string): Promise<string | null> {
    const key = this.requireKey();
    this.checkDeclared(tenantId, pluginId, name);
    const [row] = await this.db.query<SecretRow>(
      'select ciphertext, iv, tag, key_id from kernel.plugin_secret where tenant_id = $1 and plugin_id = $2 and name = $3',
      [tenantId, pluginId, name],
    );
    if (!row) return null;
    const what = `secret ${name} of ${pluginId} for tenant ${tenantId}`;
    if (row.key_id !== this.keyId) {
      throw new SecretUnreadableError(
        `${what} was written with key ${row.key_id}, this kernel has key ${this.keyId}: SECRETS_KEY changed? Restore the key with id ${row.key_id}, or set the secret again`,
      );
    }
    try {
      return unseal(key, additionalData(tenantId, pluginId, name), row).toString('utf8');
    } catch (e) {
      throw new SecretUnreadableError(
        `${what} does not decrypt: its stored row was altered or copied from another tenant, plugin or secret; set it again`,
        { cause: e },
      );
    }
  }

  /** Sets (or replaces) the tenant's value of a secret `pluginId` declares. */
  async set(tenantId: string, pluginId: string, name: string, value: string, actor: Actor): Promise<void> {
    const key = this.requireKey();
    this.checkDeclared(tenantId, pluginId, name);
    validateOrThrow(validateValue, value, `invalid value for secret ${name} of ${pluginId}`, '/value');
    const { ciphertext, iv, tag } = seal(key, additionalData(tenantId, pluginId, name), Buffer.from(value, 'utf8'));
    await this.db.transaction(async (tx) => {
      const tenant = await tx.query('select 1 from kernel.tenant where id = $1', [tenantId]);
      if (tenant.length === 0) throw new NotFoundError(`no tenant ${tenantId}`);
      await tx.query(
        `insert into kernel.plugin_secret (tenant_id, plugin_id, name, ciphertext, iv, tag, key_id, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, now())
         on conflict (tenant_id, plugin_id, name) do update set ciphertext = excluded.ciphertext, iv = excluded.iv,
           tag = excluded.tag, key_id = excluded.key_id, updated_at = now()`,
        [tenantId, pluginId, name, ciphertext, iv, tag, this.keyId],
      );
      await audit(tx, tenantId, actor, 'plugin.secret.set', secretTarget(pluginId, name));
    });
  }

  /** Removes the tenant's value of a secret; removing an unset secret changes nothing and audits nothing. */
  async delete(tenantId: string, pluginId: string, name: string, actor: Actor): Promise<void> {
    this.requireKey();
    this.checkDeclared(tenantId, pluginId, name);
    await this.db.transaction(async (tx) => {
      const removed = await tx.query(
        'delete from kernel.plugin_secret where tenant_id = $1 and plugin_id = $2 and name = $3 returning name',
        [tenantId, pluginId, name],
      );
      if (removed.length) await audit(tx, tenantId, actor, 'plugin.secret.delete', secretTarget(pluginId, name));
    });
  }

  /** Every secret `pluginId` declares, in manifest order, with whether the tenant has set it. */
  async list(tenantId: string, pluginId: string): Promise<PluginSecretStatus[]> {
    this.requireKey();
    checkTenantId(tenantId);
    const declared = this.manifest(pluginId).capabilities?.secrets ?? [];
    const rows = await this.db.query<{ name: string; updated_at: Date | string }>(
      'select name, updated_at from kernel.plugin_secret where tenant_id = $1 and plugin_id = $2',
      [tenantId, pluginId],
    );
    const updated = new Map(rows.map((r) => [r.name, new Date(r.updated_at).toISOString()]));
    return declared.map((s) => ({
      name: s.name,
      description: s.description,
      set: updated.has(s.name),
      updatedAt: updated.get(s.name) ?? null,
    }));
  }

  private requireKey(): Buffer {
    if (!this.key) throw new SealingKeyMissingError('plugin secrets');
    return this.key;
  }

  private manifest(pluginId: string): PluginManifest {
    const manifest = this.byId.get(pluginId);
    if (!manifest) throw new NotFoundError(`plugin ${pluginId} is not installed`);
    return manifest;
  }

  /** Refuses a secret `pluginId` does not declare: a plugin reaches only the secrets it declares. */
  private checkDeclared(tenantId: string, pluginId: string, name: string): void {
    checkTenantId(tenantId);
    const declared = this.manifest(pluginId).capabilities?.secrets ?? [];
    if (!declared.some((s) => s.name === name)) {
      const known = declared.length ? `it declares ${declared.map((s) => s.name).join(', ')}` : 'it declares none';
      throw new NotFoundError(`plugin ${pluginId} declares no secret ${JSON.stringify(name)}; ${known}`);
    }
  }
}

/** Binds a ciphertext to its row: moved to another tenant, plugin or name, it fails to decrypt. */
function additionalData(tenantId: string, pluginId: string, name: string): string {
  return `${tenantId.toLowerCase()}\n${pluginId}\n${name}`;
}

/** The audit target of one secret (the audit log records which secret changed, never its value). */
function secretTarget(pluginId: string, name: string): string {
  return `${pluginId}/secrets/${name}`;
}

function checkTenantId(tenantId: string): void {
  if (!UUID.test(tenantId)) {
    throw new ValidationError(`tenant id ${JSON.stringify(tenantId)} is not a uuid`, [
      { pointer: '/tenantId', detail: 'must be a uuid' },
    ]);
  }
}

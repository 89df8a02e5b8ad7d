// Per-tenant enablement of installed plugins, with dependency checks both ways, and each
// tenant's plugin configuration. State lives in kernel.plugin_installation. Each process
// caches a tenant's enabled set only while it can hear changes: a change commits a NOTIFY
// that every process LISTENs for (PostgreSQL), or it is the only process (embedded), so a
// change takes effect on the next request in every process, with no restart.
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { ValidateFunction } from 'ajv';
import type pg from 'pg';
import type { Database, Tx } from '../db/database.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { compileSchema, type JsonSchema, validateOrThrow } from '../validation.ts';
import { dependantsOf } from './resolver.ts';

/** Who asked for a change, for the audit log. */
export interface Actor {
  readonly type: string;
  readonly id?: string;
  readonly requestId?: string;
}

/** One installed plugin as a tenant's admin sees it. */
export interface TenantPlugin {
  readonly pluginId: string;
  readonly version: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly dependencies: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The NOTIFY channel on which enablement changes are announced (payload: the tenant id). */
export const ENABLEMENT_CHANNEL = 'dotmac_plugin_enablement';
/** Even while listening, a cached set is read again after this long (a missed notification heals). */
const CACHE_TTL_MS = 30_000;
/** Wait before listening again after the listening connection broke. */
const RELISTEN_MS = 1000;

export class PluginEnablement {
  private byId: ReadonlyMap<string, PluginManifest>;
  private readonly configValidators = new Map<string, ValidateFunction>();
  /** Tenant → enabled plugin ids, valid only while `caching`. */
  private readonly cache = new Map<string, { readonly plugins: ReadonlySet<string>; readonly at: number }>();
  /** Bumped by every invalidation, so a read that raced a change does not cache what it read. */
  private generation = 0;
  private listener: pg.PoolClient | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private closed = false;

  /** `installed`: the resolved plugins of this installation (one version per id). */
  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private installed: readonly PluginManifest[],
  ) {
    this.byId = new Map(installed.map((m) => [m.id, m]));
  }

  /** Replaces the installed plugins (after an install, upgrade or uninstall). */
  setInstalled(installed: readonly PluginManifest[]): void {
    this.installed = installed;
    this.byId = new Map(installed.map((m) => [m.id, m]));
    this.configValidators.clear();
    this.invalidate();
  }

  /** Every installed plugin, with whether `tenantId` has it on. */
  async list(tenantId: string): Promise<TenantPlugin[]> {
    const enabled = await this.enabledFor(tenantId);
    return this.installed.map((m) => ({
      pluginId: m.id,
      version: m.version,
      name: m.name ?? m.id,
      enabled: enabled.has(m.id),
      dependencies: Object.keys(m.dependencies ?? {}),
    }));
  }

  /**
   * Starts hearing other processes' changes, which lets this one cache (PostgreSQL). The
   * embedded database has one process, which hears its own changes without it.
   */
  async start(): Promise<void> {
    if (this.db.kind !== 'postgresql' || this.listener || this.closed) return;
    const pool = await this.db.pool();
    const listener = await pool.connect();
    listener.on('notification', (n) => this.invalidate(n.payload));
    listener.on('error', () => this.lostListener(listener));
    listener.on('end', () => this.lostListener(listener));
    await listener.query(`listen ${ENABLEMENT_CHANNEL}`);
    this.listener = listener;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.relisten);
    const listener = this.listener;
    this.listener = undefined;
    this.invalidate();
    if (listener) {
      await listener.query(`unlisten ${ENABLEMENT_CHANNEL}`).catch(() => undefined);
      listener.release();
    }
  }

  /** Ids of the plugins `tenantId` has on. */
  async enabledFor(tenantId: string): Promise<Set<string>> {
    checkTenantId(tenantId);
    return new Set(await this.enabledSet(tenantId));
  }

  async isEnabled(tenantId: string, pluginId: string): Promise<boolean> {
    if (!UUID.test(tenantId) || !this.byId.has(pluginId)) return false;
    return (await this.enabledSet(tenantId)).has(pluginId);
  }

  /** Tenants that have `pluginId` on (cron jobs run for these). */
  async tenantsWith(pluginId: string): Promise<string[]> {
    this.manifest(pluginId);
    const rows = await this.db.query<{ tenant_id: string }>(
      'select tenant_id from kernel.plugin_installation where plugin_id = $1 and enabled order by tenant_id',
      [pluginId],
    );
    return rows.map((r) => r.tenant_id);
  }

  /** Whether this process hears every change (and so may cache). */
  private get caching(): boolean {
    return !this.closed && (this.db.kind === 'pglite' || this.listener !== undefined);
  }

  private async enabledSet(tenantId: string): Promise<ReadonlySet<string>> {
    const now = Date.now();
    const hit = this.cache.get(tenantId);
    if (hit && this.caching && now - hit.at < CACHE_TTL_MS) return hit.plugins;
    const generation = this.generation;
    const rows = await this.db.query<{ plugin_id: string }>(
      'select plugin_id from kernel.plugin_installation where tenant_id = $1 and enabled',
      [tenantId],
    );
    const plugins = new Set(rows.map((r) => r.plugin_id).filter((id) => this.byId.has(id)));
    if (this.caching && generation === this.generation) this.cache.set(tenantId, { plugins, at: now });
    return plugins;
  }

  /** Forgets a tenant's cached set (every tenant's without an id). */
  private invalidate(tenantId?: string): void {
    this.generation++;
    if (tenantId && UUID.test(tenantId)) this.cache.delete(tenantId);
    else this.cache.clear();
  }

  private lostListener(listener: pg.PoolClient): void {
    if (this.listener !== listener) return;
    this.listener = undefined;
    this.invalidate();
    listener.release(true);
    if (!this.closed) {
      this.relisten = setTimeout(() => {
        this.start().catch(() => this.lostListener(listener));
      }, RELISTEN_MS);
      this.relisten.unref();
    }
  }

  /**
   * Switches `pluginId` on for `tenantId`. Refused while a plugin it depends on is off for
   * that tenant. Enabling an enabled plugin changes nothing and publishes nothing.
   */
  async enable(tenantId: string, pluginId: string, actor: Actor): Promise<void> {
    const manifest = this.manifest(pluginId);
    await this.change(tenantId, async (tx, enabled) => {
      if (enabled.has(pluginId)) return;
      const missing = Object.keys(manifest.dependencies ?? {}).filter((id) => !enabled.has(id));
      if (missing.length) {
        throw new ConflictError(
          `cannot enable ${pluginId} for this tenant: it needs ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not enabled`,
        );
      }
      await tx.query(
        `insert into kernel.plugin_installation (tenant_id, plugin_id, enabled, updated_at) values ($1, $2, true, now())
         on conflict (tenant_id, plugin_id) do update set enabled = true, updated_at = now()`,
        [tenantId, pluginId],
      );
      await this.bus.publish(tx, {
        name: 'plugin.enabled',
        tenantId,
        payload: { tenantId, pluginId, version: manifest.version },
      });
      await audit(tx, tenantId, actor, 'plugin.enable', pluginId);
    });
  }

  /** Switches `pluginId` off for `tenantId`. Refused while an enabled plugin depends on it. */
  async disable(tenantId: string, pluginId: string, actor: Actor): Promise<void> {
    this.manifest(pluginId);
    await this.change(tenantId, async (tx, enabled) => {
      if (!enabled.has(pluginId)) return;
      const dependants = dependantsOf(pluginId, this.installed)
        .map((m) => m.id)
        .filter((id) => enabled.has(id));
      if (dependants.length) {
        throw new ConflictError(
          `cannot disable ${pluginId} for this tenant: ${dependants.join(', ')} ${dependants.length > 1 ? 'depend' : 'depends'} on it; disable ${dependants.length > 1 ? 'them' : 'it'} first`,
        );
      }
      await tx.query(
        'update kernel.plugin_installation set enabled = false, updated_at = now() where tenant_id = $1 and plugin_id = $2',
        [tenantId, pluginId],
      );
      await this.bus.publish(tx, { name: 'plugin.disabled', tenantId, payload: { tenantId, pluginId } });
      await audit(tx, tenantId, actor, 'plugin.disable', pluginId);
    });
  }

  /** The tenant's configuration of `pluginId` (`{}` until set). */
  async config(tenantId: string, pluginId: string): Promise<Record<string, unknown>> {
    checkTenantId(tenantId);
    this.manifest(pluginId);
    const [row] = await this.db.query<{ config: Record<string, unknown> }>(
      'select config from kernel.plugin_installation where tenant_id = $1 and plugin_id = $2',
      [tenantId, pluginId],
    );
    return row?.config ?? {};
  }

  /** Replaces the tenant's configuration of `pluginId`, validated against the manifest's config schema. */
  async setConfig(tenantId: string, pluginId: string, config: unknown, actor: Actor): Promise<void> {
    checkTenantId(tenantId);
    const valid = validateOrThrow(this.configValidator(pluginId), config, `invalid config for ${pluginId}`, '/config');
    await this.db.transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      await tx.query(
        `insert into kernel.plugin_installation (tenant_id, plugin_id, config, updated_at) values ($1, $2, $3::jsonb, now())
         on conflict (tenant_id, plugin_id) do update set config = excluded.config, updated_at = now()`,
        [tenantId, pluginId, JSON.stringify(valid)],
      );
      await audit(tx, tenantId, actor, 'plugin.configure', pluginId);
    });
  }

  private manifest(pluginId: string): PluginManifest {
    const manifest = this.byId.get(pluginId);
    if (!manifest) throw new NotFoundError(`plugin ${pluginId} is not installed`);
    return manifest;
  }

  private configValidator(pluginId: string): ValidateFunction {
    let validate = this.configValidators.get(pluginId);
    if (!validate) {
      const schema = this.manifest(pluginId).capabilities?.config as JsonSchema | undefined;
      if (!schema) {
        throw new ValidationError(`plugin ${pluginId} takes no configuration`, [
          { pointer: '/config', detail: `${pluginId} declares no config schema` },
        ]);
      }
      validate = compileSchema(schema);
      this.configValidators.set(pluginId, validate);
    }
    return validate;
  }

  /**
   * Runs one enablement change for a tenant under a row lock on the tenant, so concurrent
   * changes (enable billing while disabling customers) cannot both pass their dependency check.
   */
  private async change(tenantId: string, apply: (tx: Tx, enabled: Set<string>) => Promise<void>): Promise<void> {
    checkTenantId(tenantId);
    try {
      await this.db.transaction(async (tx) => {
        await lockTenant(tx, tenantId);
        const rows = await tx.query<{ plugin_id: string }>(
          'select plugin_id from kernel.plugin_installation where tenant_id = $1 and enabled',
          [tenantId],
        );
        await apply(tx, new Set(rows.map((r) => r.plugin_id)));
        // Delivered to every listening process when (and only if) the change commits.
        if (this.db.kind === 'postgresql') await tx.query('select pg_notify($1, $2)', [ENABLEMENT_CHANNEL, tenantId]);
      });
    } finally {
      this.invalidate(tenantId);
    }
  }
}

function checkTenantId(tenantId: string): void {
  if (!UUID.test(tenantId)) {
    throw new ValidationError(`tenant id ${JSON.stringify(tenantId)} is not a uuid`, [
      { pointer: '/tenantId', detail: 'must be a uuid' },
    ]);
  }
}

async function lockTenant(tx: Tx, tenantId: string): Promise<void> {
  const rows = await tx.query('select id from kernel.tenant where id = $1 for update', [tenantId]);
  if (rows.length === 0) throw new NotFoundError(`no tenant ${tenantId}`);
}

export async function audit(tx: Tx, tenantId: string, actor: Actor, action: string, pluginId: string): Promise<void> {
  await tx.query(
    `insert into kernel.audit_log (tenant_id, actor_type, actor_id, action, target, request_id)
     values ($1, $2, $3, $4, $5, $6)`,
    [tenantId, actor.type, actor.id ?? null, action, `plugin:${pluginId}`, actor.requestId ?? null],
  );
}

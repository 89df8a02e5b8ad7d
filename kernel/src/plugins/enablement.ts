// Per-tenant enablement of installed plugins, with dependency checks both ways, and each
// tenant's plugin configuration. State lives in kernel.plugin_installation, read on every
// check, so a change takes effect on the next request in every process, with no restart.
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { ValidateFunction } from 'ajv';
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

export class PluginEnablement {
  private readonly byId: ReadonlyMap<string, PluginManifest>;
  private readonly configValidators = new Map<string, ValidateFunction>();

  /** `installed`: the resolved plugins of this installation (one version per id). */
  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly installed: readonly PluginManifest[],
  ) {
    this.byId = new Map(installed.map((m) => [m.id, m]));
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

  /** Ids of the plugins `tenantId` has on. */
  async enabledFor(tenantId: string): Promise<Set<string>> {
    checkTenantId(tenantId);
    const rows = await this.db.query<{ plugin_id: string }>(
      'select plugin_id from kernel.plugin_installation where tenant_id = $1 and enabled',
      [tenantId],
    );
    return new Set(rows.map((r) => r.plugin_id).filter((id) => this.byId.has(id)));
  }

  async isEnabled(tenantId: string, pluginId: string): Promise<boolean> {
    if (!UUID.test(tenantId) || !this.byId.has(pluginId)) return false;
    const rows = await this.db.query(
      'select 1 from kernel.plugin_installation where tenant_id = $1 and plugin_id = $2 and enabled',
      [tenantId, pluginId],
    );
    return rows.length > 0;
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
    await this.db.transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      const rows = await tx.query<{ plugin_id: string }>(
        'select plugin_id from kernel.plugin_installation where tenant_id = $1 and enabled',
        [tenantId],
      );
      await apply(tx, new Set(rows.map((r) => r.plugin_id)));
    });
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

async function audit(tx: Tx, tenantId: string, actor: Actor, action: string, pluginId: string): Promise<void> {
  await tx.query(
    `insert into kernel.audit_log (tenant_id, actor_type, actor_id, action, target, request_id)
     values ($1, $2, $3, $4, $5, $6)`,
    [tenantId, actor.type, actor.id ?? null, action, `plugin:${pluginId}`, actor.requestId ?? null],
  );
}

// SaaS plans: which installed plugins (modules) a tenant on each plan may switch on. A tenant
// without a plan may switch on every installed plugin (the embedded single-ISP install has no plans).
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { Database, Tx } from '../db/database.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Actor } from '../plugins/enablement.ts';
import { compileSchema, validateOrThrow } from '../validation.ts';
import { appendAudit } from './audit.ts';

/** What plans need to know of an installed plugin (a PluginManifest is one). */
export type InstalledModule = Pick<PluginManifest, 'id' | 'version' | 'dependencies'>;

/** A SaaS plan as the operator sees it. */
export interface SaasPlan {
  readonly id: string;
  readonly name: string;
  /** Ids of the plugins a tenant on this plan may switch on, sorted. */
  readonly modules: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A plan to create or replace. */
export interface PlanInput {
  readonly id: string;
  readonly name: string;
  readonly modules: readonly string[];
}

/** The same pattern as the kernel.saas_plan id check. */
export const PLAN_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** A plan id as a path parameter or a field. */
export const planIdSchema = {
  type: 'string',
  pattern: PLAN_ID_PATTERN,
  description: 'Plan id: lowercase letters, digits and dashes, e.g. fibre-pro.',
} as const;

/** The body of PUT /api/v1/platform/plans/:planId. */
export const planBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'modules'],
  description: 'A SaaS plan: its name and the modules (plugins) a tenant on it may switch on.',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, description: 'Display name, e.g. Fibre Pro.' },
    modules: {
      type: 'array',
      uniqueItems: true,
      maxItems: 500,
      description:
        'Ids of installed plugins a tenant on this plan may switch on, e.g. dotmac.billing; a plugin’s dependencies must be listed too.',
      items: { type: 'string', minLength: 1, maxLength: 56, description: 'An installed plugin id.' },
    },
  },
} as const;

const planInputValidator = compileSchema<PlanInput>({
  ...planBodySchema,
  required: ['id', ...planBodySchema.required],
  properties: { id: planIdSchema, ...planBodySchema.properties },
});

interface PlanRow {
  id: string;
  name: string;
  modules: string[];
  created_at: Date | string;
  updated_at: Date | string;
}

export class Plans {
  private byId: ReadonlyMap<string, InstalledModule>;

  /** `installed`: the plugins of this installation (e.g. the plugin host's manifests). */
  constructor(
    private readonly db: Database,
    installed: readonly InstalledModule[],
  ) {
    this.byId = new Map(installed.map((m) => [m.id, m]));
  }

  /** Replaces the installed plugins (after an install or uninstall). */
  setInstalled(installed: readonly InstalledModule[]): void {
    this.byId = new Map(installed.map((m) => [m.id, m]));
  }

  /** Every plan, by id. */
  async list(): Promise<SaasPlan[]> {
    const rows = await this.db.query<PlanRow>(
      'select id, name, modules, created_at, updated_at from kernel.saas_plan order by id',
    );
    return rows.map(toPlan);
  }

  /** The plan `id`; NotFoundError when there is none. */
  async get(id: string): Promise<SaasPlan> {
    const [row] = await this.db.query<PlanRow>(
      'select id, name, modules, created_at, updated_at from kernel.saas_plan where id = $1',
      [id],
    );
    if (!row) throw new NotFoundError(`no SaaS plan ${id}`);
    return toPlan(row);
  }

  /**
   * Creates or replaces plan `id`. Every module must be an installed plugin, listed with the
   * plugins it depends on (so a tenant can switch on all of them). Tenants already on the plan
   * keep what they have switched on; the plan governs what they may switch on next.
   */
  async upsert(input: PlanInput, actor: Actor): Promise<SaasPlan> {
    const plan = validateOrThrow(planInputValidator, structuredClone(input), 'invalid plan');
    this.checkModules(plan.modules);
    const modules = [...plan.modules].sort();
    return this.db.transaction(async (tx) => {
      const [before] = await tx.query<PlanRow>(
        'select id, name, modules, created_at, updated_at from kernel.saas_plan where id = $1 for update',
        [plan.id],
      );
      const [row] = await tx.query<PlanRow>(
        `insert into kernel.saas_plan (id, name, modules) values ($1, $2, $3::text[])
         on conflict (id) do update set name = excluded.name, modules = excluded.modules, updated_at = now()
         returning id, name, modules, created_at, updated_at`,
        [plan.id, plan.name, modules],
      );
      if (!row) throw new Error(`plan ${plan.id} was not written`);
      const after = toPlan(row);
      await appendAudit(tx, {
        tenantId: null,
        actorType: actor.type,
        actorId: actor.id ?? null,
        action: before ? 'plan.update' : 'plan.create',
        target: `plan:${plan.id}`,
        ...(before ? { before: toPlan(before) } : {}),
        after,
        requestId: actor.requestId ?? null,
      });
      return after;
    });
  }

  /**
   * Whether `tenantId`'s plan lets it switch on `pluginId`: true for an installed plugin when
   * the tenant has no plan, false for an unknown tenant or a plugin not installed.
   */
  async allows(tenantId: string, pluginId: string): Promise<boolean> {
    if (!this.byId.has(pluginId) || !UUID.test(tenantId)) return false;
    const [row] = await this.db.query<{ modules: string[] | null }>(
      `select p.modules from kernel.tenant t left join kernel.saas_plan p on p.id = t.plan_id where t.id = $1`,
      [tenantId],
    );
    if (!row) return false;
    return row.modules === null || row.modules.includes(pluginId);
  }

  /**
   * The installed modules of plan `planId`, each after the ones it depends on: what a new
   * tenant on the plan gets switched on. ValidationError (pointer /planId) when there is no such plan.
   */
  async modulesToEnable(tx: Tx, planId: string): Promise<InstalledModule[]> {
    const wanted = new Set((await this.require(tx, planId)).filter((id) => this.byId.has(id)));
    const ordered: InstalledModule[] = [];
    const visit = (id: string, path: ReadonlySet<string>) => {
      const m = this.byId.get(id);
      if (!m || !wanted.has(id) || ordered.includes(m) || path.has(id)) return;
      for (const dep of Object.keys(m.dependencies ?? {})) visit(dep, new Set([...path, id]));
      ordered.push(m);
    };
    for (const id of [...wanted].sort()) visit(id, new Set());
    return ordered;
  }

  /** The modules of plan `planId`; ValidationError (pointer /planId) when there is no such plan. */
  async require(tx: Tx, planId: string): Promise<string[]> {
    const [row] = await tx.query<{ modules: string[] }>('select modules from kernel.saas_plan where id = $1', [planId]);
    if (!row) {
      throw new ValidationError(`there is no SaaS plan ${planId}`, [
        { pointer: '/planId', detail: `no plan ${planId}; create it first (PUT /api/v1/platform/plans/${planId})` },
      ]);
    }
    return row.modules;
  }

  /** Refuses modules that are not installed, or listed without a plugin they depend on. */
  private checkModules(modules: readonly string[]): void {
    const listed = new Set(modules);
    const problems = modules.flatMap((id, i) => {
      const m = this.byId.get(id);
      if (!m) {
        return [{ pointer: `/modules/${i}`, detail: `${id} is not an installed plugin` }];
      }
      const missing = Object.keys(m.dependencies ?? {}).filter((dep) => !listed.has(dep));
      return missing.length
        ? [{ pointer: `/modules/${i}`, detail: `${id} needs ${missing.join(', ')}, which the plan must list too` }]
        : [];
    });
    if (problems.length) {
      const installed = [...this.byId.keys()].sort().join(', ') || 'none';
      throw new ValidationError(
        `invalid plan modules: ${problems.map((p) => p.detail).join('; ')} (installed plugins: ${installed})`,
        problems,
      );
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toPlan(row: PlanRow): SaasPlan {
  return {
    id: row.id,
    name: row.name,
    modules: [...row.modules].sort(),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

// A module as GET /api/v1/modules answers it, and how the page words its state.

/** The health the kernel reports for a module: its sandbox's state and this tenant's calls and faults. */
export interface ModuleHealth {
  /** `ready`, or `degraded` (its calls fail fast until the operator resets it), or `closed`. */
  readonly state: string;
  readonly calls?: number;
  readonly faults?: number;
  readonly reason?: string | null;
}

/** The word a health state is shown as. */
export function healthWord(health: ModuleHealth): string {
  return health.state === 'ready' ? 'healthy' : health.state;
}

/** What the page says beside the state: the reason, or this tenant's faults. */
export function healthDetail(health: ModuleHealth): string | undefined {
  if (health.reason) return health.reason;
  if (health.faults) return `${health.faults} of ${health.calls ?? '?'} calls failed`;
  if (health.state === 'degraded') return 'Its calls fail until your provider resets it.';
  return undefined;
}

/** One installed module, as the tenant's admin sees it. */
export interface TenantModule {
  readonly pluginId: string;
  readonly version: string;
  readonly name: string;
  readonly enabled: boolean;
  /** Ids of the modules it needs on. */
  readonly dependencies: readonly string[];
  readonly allowedByPlan: boolean;
  readonly health?: ModuleHealth | null;
}

/** This plugin: switching it off would take this very page away, so the page does not offer it. */
export const SELF_ID = 'dotmac.portal-admin';

/** Why the switch of `module` cannot be used, or undefined when it can. */
export function lockedReason(module: TenantModule): string | undefined {
  if (module.pluginId === SELF_ID && module.enabled) {
    return 'This module holds these settings pages; only your provider can switch it off.';
  }
  if (!module.enabled && !module.allowedByPlan) return 'Not included in your plan; ask your provider to add it.';
  return undefined;
}

/** The names of `ids` among `modules`, in order; an id without a module stays an id. */
export function namesOf(ids: readonly string[], modules: readonly TenantModule[]): string[] {
  return ids.map((id) => modules.find((m) => m.pluginId === id)?.name ?? id);
}

/** Modules that are on and depend on `module`. */
export function dependantsOn(module: TenantModule, modules: readonly TenantModule[]): TenantModule[] {
  return modules.filter((m) => m.enabled && m.dependencies.includes(module.pluginId));
}

/** Modules `module` needs that are off. */
export function missingDependencies(module: TenantModule, modules: readonly TenantModule[]): string[] {
  return module.dependencies.filter((id) => !modules.some((m) => m.pluginId === id && m.enabled));
}

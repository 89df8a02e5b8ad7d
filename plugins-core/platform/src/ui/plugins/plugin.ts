// An installed plugin and the health of its sandbox, as GET /api/v1/admin/plugins lists it.

/** The usage of one tenant in a plugin's sandbox. */
export interface TenantUsage {
  readonly tenantId: string;
  readonly cpuMs: number;
  readonly calls: number;
  readonly faults: number;
  readonly unhandledRejections: number;
  readonly contextAlive: boolean;
}

export interface InstalledPlugin {
  readonly name: string;
  readonly pluginId: string;
  readonly version: string;
  /** `degraded`: its circuit breaker is open and calls fail fast until it is reset. */
  readonly state: 'ready' | 'degraded' | 'closed';
  readonly breaker: {
    readonly open: boolean;
    readonly recentFaults: number;
    readonly openedAt?: string;
    readonly lastFault?: string;
  };
  readonly isolateAlive: boolean;
  readonly isolateStarts: number;
  readonly contextsAlive: number;
  readonly tenants: readonly TenantUsage[];
}

/** Sums of a plugin's usage over its tenants. */
export function usageOf(plugin: InstalledPlugin): { calls: number; faults: number; cpuMs: number } {
  return plugin.tenants.reduce(
    (sum, t) => ({ calls: sum.calls + t.calls, faults: sum.faults + t.faults, cpuMs: sum.cpuMs + t.cpuMs }),
    { calls: 0, faults: 0, cpuMs: 0 },
  );
}

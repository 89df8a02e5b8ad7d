// The plugins' sandboxes in Prometheus: CPU, calls and faults per plugin and tenant, and which
// plugins are degraded (their breaker open until an operator resets them).
import type { Metrics } from '../http/metrics.ts';
import type { PluginHost } from './host.ts';

export function registerPluginMetrics(metrics: Metrics, host: PluginHost): void {
  const perTenant = (
    name: string,
    help: string,
    read: (t: { cpuMs: number; calls: number; faults: number }) => number,
  ) =>
    metrics.gauge(name, help, ['plugin', 'tenant'], async (set) => {
      for (const plugin of host.list()) {
        for (const tenant of plugin.sandbox.stats().tenants) {
          set({ plugin: plugin.manifest.id, tenant: tenant.tenantId }, read(tenant));
        }
      }
    });
  perTenant(
    'dotmac_plugin_cpu_seconds_total',
    'CPU time a plugin’s sandbox spent on a tenant’s calls since the process started.',
    (t) => t.cpuMs / 1000,
  );
  perTenant('dotmac_plugin_calls_total', 'Calls into a plugin for a tenant (requests, events, jobs).', (t) => t.calls);
  perTenant(
    'dotmac_plugin_faults_total',
    'Calls that failed by the plugin’s fault (threw, timed out, ran out of memory).',
    (t) => t.faults,
  );
  metrics.gauge(
    'dotmac_plugin_degraded',
    '1 while a plugin is degraded: repeated faults opened its breaker and calls fail fast until an admin resets it.',
    ['plugin'],
    async (set) => {
      for (const plugin of host.list())
        set({ plugin: plugin.manifest.id }, plugin.sandbox.stats().state === 'degraded' ? 1 : 0);
    },
  );
  metrics.gauge('dotmac_plugin_contexts', 'Tenant contexts alive in a plugin’s isolate.', ['plugin'], async (set) => {
    for (const plugin of host.list()) set({ plugin: plugin.manifest.id }, plugin.sandbox.stats().contextsAlive);
  });
}

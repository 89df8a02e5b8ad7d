// The platform portal's Plugins page (/plugins): every installed plugin, the health of its
// sandbox and its usage; a degraded plugin (circuit breaker open) can be reset.
import { Button, DateText, ErrorNotice, Loading, PageFrame, StatusBadge, useKernelApi, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import { type InstalledPlugin, usageOf } from './plugins/plugin.ts';

export default function PluginHealth() {
  const api = useKernelApi();
  const plugins = useQuery((signal) => api.get<{ items: InstalledPlugin[] }>('/admin/plugins', { signal }), [api]);
  const [resetting, setResetting] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ readonly pluginId: string; readonly error?: unknown } | null>(null);

  const reset = async (plugin: InstalledPlugin) => {
    setResetting(plugin.pluginId);
    setOutcome(null);
    try {
      await api.post(`/admin/plugins/${encodeURIComponent(plugin.pluginId)}/reset`);
      setOutcome({ pluginId: plugin.pluginId });
      plugins.reload();
    } catch (error) {
      setOutcome({ pluginId: plugin.pluginId, error });
    } finally {
      setResetting(null);
    }
  };

  const body = () => {
    if (plugins.error) return <ErrorNotice error={plugins.error} />;
    if (!plugins.data) return <Loading label="Loading plugins" />;
    const items = [...plugins.data.items].sort((a, b) => a.name.localeCompare(b.name));
    return (
      <div className="dm-table-wrap">
        <table className="dm-table">
          <caption className="dm-table__caption">Installed plugins</caption>
          <thead>
            <tr>
              <th scope="col">Plugin</th>
              <th scope="col">Version</th>
              <th scope="col">Health</th>
              <th scope="col" className="dm-cell--end">
                Calls
              </th>
              <th scope="col" className="dm-cell--end">
                Faults
              </th>
              <th scope="col" className="dm-cell--end">
                CPU time
              </th>
              <th scope="col" className="dm-cell--end">
                Tenants in memory
              </th>
              <th scope="col" className="dm-cell--end">
                Sandbox starts
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((plugin) => {
              const usage = usageOf(plugin);
              return (
                <tr key={plugin.pluginId}>
                  <th scope="row">
                    {plugin.name} <code>{plugin.pluginId}</code>
                  </th>
                  <td>{plugin.version}</td>
                  <td>
                    <StatusBadge status={plugin.state === 'ready' ? 'healthy' : plugin.state} />
                    {plugin.state === 'degraded' && (
                      <div className="dm-field__hint">
                        {plugin.breaker.recentFaults} recent faults
                        {plugin.breaker.openedAt && (
                          <>
                            , since <DateText value={plugin.breaker.openedAt} time />
                          </>
                        )}
                        {plugin.breaker.lastFault && <div>Last fault: {plugin.breaker.lastFault}</div>}
                        <Button variant="primary" onClick={() => reset(plugin)} disabled={resetting !== null}>
                          {`Reset ${plugin.name}`}
                        </Button>
                      </div>
                    )}
                    {outcome?.pluginId === plugin.pluginId &&
                      (outcome.error !== undefined ? <ErrorNotice error={outcome.error} /> : <div>Reset.</div>)}
                  </td>
                  <td className="dm-cell--end">{usage.calls}</td>
                  <td className="dm-cell--end">{usage.faults}</td>
                  <td className="dm-cell--end">{Math.round(usage.cpuMs)} ms</td>
                  <td className="dm-cell--end">{plugin.contextsAlive}</td>
                  <td className="dm-cell--end">{plugin.isolateStarts}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  };

  return (
    <PageFrame
      title="Plugins"
      actions={
        <Button variant="secondary" onClick={plugins.reload}>
          Refresh
        </Button>
      }
    >
      <p>
        A plugin that faults repeatedly is marked degraded: its calls fail fast while the rest of the platform keeps
        serving. Reset it once the cause is fixed.
      </p>
      {body()}
    </PageFrame>
  );
}

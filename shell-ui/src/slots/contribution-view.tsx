// One contribution on screen: its module loaded from the plugin's remote, in its own error
// boundary and loading state, inside the plugin's scope (what useApi() and usePluginId() read).
import { type ContributionProps, Loading, PluginScope, type UiContribution } from '@dotmac/ui';
import { type ComponentType, type LazyExoticComponent, lazy, Suspense } from 'react';
import type { RemoteRegistry } from '../federation/remote-registry.ts';
import { ContributionBoundary } from './contribution-boundary.tsx';
import { usePortalRuntime } from './portal-runtime.ts';

const lazyComponents = new WeakMap<
  RemoteRegistry,
  Map<string, LazyExoticComponent<ComponentType<ContributionProps>>>
>();

/** One lazy component per remote module, so a re-render does not load it again. */
function lazyComponent(registry: RemoteRegistry, remote: string, module: string) {
  let byModule = lazyComponents.get(registry);
  if (!byModule) {
    byModule = new Map();
    lazyComponents.set(registry, byModule);
  }
  const key = `${remote}/${module}`;
  let component = byModule.get(key);
  if (!component) {
    component = lazy(async () => ({ default: await registry.component(remote, module) }));
    byModule.set(key, component);
  }
  return component;
}

export function ContributionView(props: {
  readonly contribution: UiContribution;
  readonly params: Readonly<Record<string, string>>;
  readonly resetKey?: unknown;
}) {
  const { registry } = usePortalRuntime();
  const { contribution, params } = props;
  const module = contribution.module ?? '';
  const Screen = lazyComponent(registry, contribution.remote, module);
  return (
    <ContributionBoundary pluginId={contribution.pluginId} module={module} resetKey={props.resetKey}>
      <Suspense fallback={<Loading label={`Loading ${contribution.title ?? contribution.pluginId}…`} />}>
        <PluginScope pluginId={contribution.pluginId}>
          <Screen params={params} path={contribution.path} />
        </PluginScope>
      </Suspense>
    </ContributionBoundary>
  );
}

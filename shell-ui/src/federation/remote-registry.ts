// Loading plugin screens: each remote is checked (its mf-manifest.json must share the shell's
// React) and registered once with the Module Federation runtime, then its modules are loaded.
// A remote cannot be unloaded: a changed manifest means a page reload.
import type { ContributionProps, UiRemote } from '@dotmac/ui';
import { createInstance, type ModuleFederation } from '@module-federation/enhanced/runtime';
import type { ComponentType } from 'react';
import { type ExposedAssets, ExposedAssetsOf, preloadModules } from './preload.ts';
import { secondReactProblem } from './shared-check.ts';
import { sharedModules } from './shared-modules.ts';

/** Why a contribution's module could not be loaded; the message names the plugin and module. */
export class RemoteLoadError extends Error {
  constructor(
    message: string,
    readonly pluginId: string,
    readonly module: string | undefined,
  ) {
    super(message);
    this.name = 'RemoteLoadError';
  }
}

let instance: ModuleFederation | undefined;

/** The shell's one federation instance. */
function federation(): ModuleFederation {
  // loaded-first: the shell's copies are loaded before any remote; version-first would fetch
  // every registered remote's entry to compare versions before the first module loads.
  instance ??= createInstance({
    name: 'dotmac_shell',
    remotes: [],
    shared: sharedModules(),
    shareStrategy: 'loaded-first',
  });
  return instance;
}

/** The URL of the mf-manifest.json beside a remote's entry. */
export function manifestUrlOf(entry: string): string {
  return entry.replace(/[^/]*$/, 'mf-manifest.json');
}

export class RemoteRegistry {
  private readonly ready = new Map<string, Promise<ExposedAssets>>();
  private readonly components = new Map<string, Promise<ComponentType<ContributionProps>>>();

  constructor(
    private readonly remotes: readonly UiRemote[],
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  /** The default export of `module` of `remoteName`, loaded once. */
  component(remoteName: string, module: string): Promise<ComponentType<ContributionProps>> {
    const key = `${remoteName}/${module}`;
    let loading = this.components.get(key);
    if (!loading) {
      loading = this.load(remoteName, module);
      this.components.set(key, loading);
    }
    return loading;
  }

  private async load(remoteName: string, module: string): Promise<ComponentType<ContributionProps>> {
    const remote = this.remotes.find((r) => r.name === remoteName);
    if (!remote) throw new RemoteLoadError(`no remote ${remoteName} in the UI manifest`, remoteName, module);
    const assets = await this.register(remote);
    // The module's chunks, fetched in parallel rather than one import after another.
    preloadModules(remote.entry, assets.filesOf(module));
    let loaded: unknown;
    try {
      mark(`${remote.pluginId} ${module} load`);
      loaded = await federation().loadRemote(`${remote.name}/${module.replace(/^\.\//, '')}`);
      mark(`${remote.pluginId} ${module} loaded`);
    } catch (e) {
      throw new RemoteLoadError(
        `${remote.pluginId} could not load ${module}: ${messageOf(e)}`,
        remote.pluginId,
        module,
      );
    }
    const component = (loaded as { default?: unknown } | null)?.default ?? loaded;
    if (typeof component !== 'function' && !(component && typeof component === 'object' && '$$typeof' in component)) {
      throw new RemoteLoadError(
        `${remote.pluginId}'s ${module} has no component as its default export`,
        remote.pluginId,
        module,
      );
    }
    return component as ComponentType<ContributionProps>;
  }

  /** Checks and registers a remote once; every module of a refused remote fails with the reason. */
  private register(remote: UiRemote): Promise<ExposedAssets> {
    let registering = this.ready.get(remote.name);
    if (!registering) {
      registering = this.checkAndRegister(remote);
      this.ready.set(remote.name, registering);
    }
    return registering;
  }

  private async checkAndRegister(remote: UiRemote): Promise<ExposedAssets> {
    const url = manifestUrlOf(remote.entry);
    mark(`${remote.pluginId} check`);
    // Fetched and parsed while the manifest is checked; run only once it passes.
    preloadModules(remote.entry, [remote.entry]);
    let manifest: unknown;
    try {
      const response = await this.fetchFn(url, { headers: { accept: 'application/json' } });
      if (!response.ok) {
        throw new Error(`${url} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
      }
      manifest = await response.json();
    } catch (e) {
      throw new RemoteLoadError(
        `${remote.pluginId}'s screens could not be loaded: ${messageOf(e)}`,
        remote.pluginId,
        undefined,
      );
    }
    const refusal = secondReactProblem(remote.pluginId, manifest);
    if (refusal) throw new RemoteLoadError(refusal, remote.pluginId, undefined);
    federation().registerRemotes([{ name: remote.name, entry: remote.entry, type: 'module' }]);
    mark(`${remote.pluginId} registered`);
    return new ExposedAssetsOf(manifest);
  }
}

/** A performance mark (dotmac:…), for the UI benchmark and the browser's profiler. */
function mark(name: string): void {
  performance.mark(`dotmac:${name}`);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// Finds the installed plugins and decides whether and in which order they can be activated.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { DotmacError } from '../errors.ts';
import { MANIFEST_FILE, type PluginManifest, readManifest } from './manifest.ts';

/** The set of plugins cannot be loaded or activated; lists every problem, one per line. */
export class PluginResolutionError extends DotmacError {
  override readonly status = 409;
  override readonly type = 'plugin-resolution';
  override readonly title = 'Plugins cannot be activated';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`plugins cannot be activated:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
  }
}

/** A plugin found on disk: its folder and its validated manifest. */
export interface DiscoveredPlugin {
  readonly dir: string;
  readonly manifest: PluginManifest;
}

/**
 * Reads `<root>/<folder>/plugin.json` for every folder one level under each root, in order
 * (plugins-core/, plugins-contrib/, the installed-packages folder). A root that does not exist
 * holds no plugins; a folder without plugin.json is not a plugin. Throws PluginResolutionError
 * listing every invalid manifest and every id found in two folders.
 */
export async function discoverPlugins(roots: readonly string[]): Promise<DiscoveredPlugin[]> {
  const dirs = (await Promise.all(roots.map(pluginDirs))).flat();
  const results = await Promise.allSettled(dirs.map((dir) => readManifest(dir)));
  const problems: string[] = [];
  const found = new Map<string, DiscoveredPlugin>();
  results.forEach((result, i) => {
    const dir = dirs[i] as string;
    if (result.status === 'rejected') {
      problems.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
      return;
    }
    const manifest = result.value;
    const other = found.get(manifest.id);
    if (other) {
      problems.push(
        `plugin ${manifest.id} is installed twice: ${join(other.dir, MANIFEST_FILE)} and ${join(dir, MANIFEST_FILE)}`,
      );
      return;
    }
    found.set(manifest.id, { dir, manifest });
  });
  if (problems.length) throw new PluginResolutionError(problems);
  return [...found.values()];
}

/** Folders directly under `root` (or links to folders) that hold a plugin.json, sorted by name. */
async function pluginDirs(root: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const names = entries
    .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
    .map((entry) => entry.name)
    .sort();
  const found = await Promise.all(
    names.map(async (name) => {
      const manifest = await stat(join(root, name, MANIFEST_FILE)).catch(() => undefined);
      return manifest?.isFile() ? [join(root, name)] : [];
    }),
  );
  return found.flat();
}

/**
 * The activation order of `manifests`: every plugin after the plugins it depends on, ties
 * broken by id, so the order is the same on every boot. Throws PluginResolutionError listing
 * every problem: a kernel range this kernel is not in, a missing or incompatible dependency,
 * a dependency cycle, a service called but not exported, a dependency's permission it does not
 * define, an event or id declared by two plugins.
 */
export function resolvePlugins(manifests: readonly PluginManifest[], kernelVersion: string): PluginManifest[] {
  const byId = new Map<string, PluginManifest>();
  const problems: string[] = [];
  for (const m of manifests) {
    const other = byId.get(m.id);
    if (other) problems.push(`plugin ${m.id} is given twice: ${m.id}@${other.version} and ${m.id}@${m.version}`);
    else byId.set(m.id, m);
  }
  const plugins = [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
  for (const m of plugins) {
    problems.push(...kernelProblems(m, kernelVersion), ...dependencyProblems(m, byId));
    problems.push(...serviceProblems(m, byId), ...permissionProblems(m, byId));
  }
  problems.push(...eventConflicts(plugins), ...cycles(plugins, byId).map(describeCycle));
  if (problems.length) throw new PluginResolutionError(problems);
  return activationOrder(plugins, byId);
}

/** The plugins that depend on `id` directly, sorted by id ("cannot disable X: Y depends on it"). */
export function dependantsOf(id: string, manifests: readonly PluginManifest[]): PluginManifest[] {
  return manifests.filter((m) => m.id !== id && id in (m.dependencies ?? {})).sort((a, b) => compareIds(a.id, b.id));
}

/** `dotmac.billing@1.0.0` */
function label(m: PluginManifest): string {
  return `${m.id}@${m.version}`;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function kernelProblems(m: PluginManifest, kernelVersion: string): string[] {
  return semver.satisfies(kernelVersion, m.engines.kernel)
    ? []
    : [`plugin ${label(m)} needs kernel ${m.engines.kernel}; this kernel is ${kernelVersion}`];
}

function dependencyProblems(m: PluginManifest, byId: ReadonlyMap<string, PluginManifest>): string[] {
  return Object.entries(m.dependencies ?? {}).flatMap(([id, range]) => {
    if (id === m.id) return []; // a cycle of one, reported with the cycles
    const dependency = byId.get(id);
    if (!dependency) return [`plugin ${label(m)} needs ${id} ${range}, which is not installed`];
    return semver.satisfies(dependency.version, range)
      ? []
      : [`plugin ${label(m)} needs ${id} ${range}; ${id} is ${dependency.version}`];
  });
}

/** Services are declared on both sides: each call must name a function the callee exports. */
function serviceProblems(m: PluginManifest, byId: ReadonlyMap<string, PluginManifest>): string[] {
  return (m.capabilities?.services?.calls ?? []).flatMap((call) => {
    const dot = call.lastIndexOf('.');
    const callee = byId.get(call.slice(0, dot));
    const fn = call.slice(dot + 1);
    if (!callee) return []; // reported as a missing dependency, or by the manifest check
    const exported = (callee.capabilities?.services?.exports ?? []).some((s) => s.name === fn);
    return exported ? [] : [`plugin ${label(m)} calls ${call}; ${label(callee)} exports no function ${fn}`];
  });
}

/** A permission required from another plugin must be one that plugin defines. */
function permissionProblems(m: PluginManifest, byId: ReadonlyMap<string, PluginManifest>): string[] {
  const required = [
    ...(m.capabilities?.http?.routes ?? []).map((r) => ({
      permission: r.permission,
      where: `route ${r.method} ${r.path}`,
    })),
    ...(m.ui ?? []).map((u) => ({ permission: u.permission, where: `${u.portal} ${u.slot} ${u.path}` })),
  ];
  return required.flatMap(({ permission, where }) => {
    if (permission === undefined || permission.startsWith(`${m.id}.`)) return [];
    const owners = Object.keys(m.dependencies ?? {})
      .filter((id) => permission.startsWith(`${id}.`))
      .flatMap((id) => byId.get(id) ?? []);
    if (owners.length === 0) return []; // reported as a missing dependency, or by the manifest check
    const defined = owners.some((o) => (o.permissions ?? []).some((p) => p.name === permission));
    return defined
      ? []
      : [
          `plugin ${label(m)} requires permission ${permission} (${where}); ${owners.map(label).join(', ')} defines no such permission`,
        ];
  });
}

/** An event name has one publisher, which owns its schema. */
function eventConflicts(plugins: readonly PluginManifest[]): string[] {
  const publishers = new Map<string, PluginManifest[]>();
  for (const m of plugins) {
    for (const event of m.capabilities?.events?.publish ?? []) {
      publishers.set(event.name, [...(publishers.get(event.name) ?? []), m]);
    }
  }
  return [...publishers]
    .filter(([, ms]) => ms.length > 1)
    .sort(([a], [b]) => compareIds(a, b))
    .map(([name, ms]) => `event ${name} is published by ${ms.map(label).join(' and ')}; an event has one publisher`);
}

/** Installed dependencies of `m`, sorted by id. */
function edges(m: PluginManifest, byId: ReadonlyMap<string, PluginManifest>): PluginManifest[] {
  return Object.keys(m.dependencies ?? {})
    .sort(compareIds)
    .flatMap((id) => byId.get(id) ?? []);
}

/**
 * One cycle per strongly connected component that has one (Tarjan), each as the plugins
 * along it, starting and ending at the component's smallest id.
 */
function cycles(plugins: readonly PluginManifest[], byId: ReadonlyMap<string, PluginManifest>): PluginManifest[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: PluginManifest[] = [];
  const onStack = new Set<string>();
  const found: PluginManifest[][] = [];

  const visit = (m: PluginManifest): void => {
    index.set(m.id, index.size);
    low.set(m.id, index.get(m.id) as number);
    stack.push(m);
    onStack.add(m.id);
    for (const d of edges(m, byId)) {
      if (!index.has(d.id)) {
        visit(d);
        low.set(m.id, Math.min(low.get(m.id) as number, low.get(d.id) as number));
      } else if (onStack.has(d.id)) {
        low.set(m.id, Math.min(low.get(m.id) as number, index.get(d.id) as number));
      }
    }
    if (low.get(m.id) !== index.get(m.id)) return;
    const component: PluginManifest[] = [];
    let top: PluginManifest;
    do {
      top = stack.pop() as PluginManifest;
      onStack.delete(top.id);
      component.push(top);
    } while (top !== m);
    const selfLoop = component.length === 1 && edges(m, byId).includes(m);
    if (component.length > 1 || selfLoop) found.push(shortestCycle(component, byId));
  };
  for (const m of plugins) if (!index.has(m.id)) visit(m);
  return found.sort((a, b) => compareIds((a[0] as PluginManifest).id, (b[0] as PluginManifest).id));
}

/** The shortest way from the component's smallest id back to itself (breadth first, by id). */
function shortestCycle(
  component: readonly PluginManifest[],
  byId: ReadonlyMap<string, PluginManifest>,
): PluginManifest[] {
  const inComponent = new Set(component.map((m) => m.id));
  const start = [...component].sort((a, b) => compareIds(a.id, b.id))[0] as PluginManifest;
  const previous = new Map<string, PluginManifest>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const m = queue[i] as PluginManifest;
    for (const d of edges(m, byId)) {
      if (!inComponent.has(d.id)) continue;
      if (d === start) {
        const path = [m];
        for (let p = m; p !== start; p = previous.get(p.id) as PluginManifest)
          path.push(previous.get(p.id) as PluginManifest);
        return [...path.reverse(), start];
      }
      if (!previous.has(d.id)) {
        previous.set(d.id, m);
        queue.push(d);
      }
    }
  }
  throw new Error(`no cycle through ${start.id} in its strongly connected component`);
}

function describeCycle(cycle: readonly PluginManifest[]): string {
  return `dependency cycle: ${cycle.map(label).join(' -> ')}`;
}

/** Kahn's algorithm, always taking the smallest id that is ready. Assumes no cycles. */
function activationOrder(
  plugins: readonly PluginManifest[],
  byId: ReadonlyMap<string, PluginManifest>,
): PluginManifest[] {
  const waitingOn = new Map(plugins.map((m) => [m.id, edges(m, byId).length]));
  const dependants = new Map<string, PluginManifest[]>();
  for (const m of plugins) for (const d of edges(m, byId)) dependants.set(d.id, [...(dependants.get(d.id) ?? []), m]);
  const ready = plugins.filter((m) => waitingOn.get(m.id) === 0);
  const order: PluginManifest[] = [];
  while (ready.length) {
    ready.sort((a, b) => compareIds(b.id, a.id));
    const next = ready.pop() as PluginManifest;
    order.push(next);
    for (const d of dependants.get(next.id) ?? []) {
      const left = (waitingOn.get(d.id) as number) - 1;
      waitingOn.set(d.id, left);
      if (left === 0) ready.push(d);
    }
  }
  return order;
}

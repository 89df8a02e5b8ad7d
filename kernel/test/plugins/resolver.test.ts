// Specification of plugin discovery and resolution: which plugins exist, whether they fit
// together and this kernel, and the order they are activated in.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { DotmacError } from '../../src/errors.ts';
import type { PluginManifest } from '../../src/plugins/manifest.ts';
import { dependantsOf, discoverPlugins, PluginResolutionError, resolvePlugins } from '../../src/plugins/resolver.ts';

const KERNEL = '1.4.0';

/** A valid manifest of `id@version` depending on `dependencies`, with `extra` fields. */
function plugin(
  id: string,
  version = '1.0.0',
  dependencies: Record<string, string> = {},
  extra: Partial<PluginManifest> = {},
): PluginManifest {
  return {
    id,
    version,
    name: id,
    description: `The ${id} plugin.`,
    publisher: 'Test',
    engines: { kernel: '^1.0.0' },
    dependencies,
    ...extra,
  };
}

const ids = (manifests: readonly PluginManifest[]) => manifests.map((m) => m.id);

/** The problems `resolvePlugins` reports; fails the test when it resolves. */
function resolutionProblems(manifests: readonly PluginManifest[], kernel = KERNEL): readonly string[] {
  try {
    resolvePlugins(manifests, kernel);
  } catch (e) {
    expect(e).toBeInstanceOf(PluginResolutionError);
    return (e as PluginResolutionError).problems;
  }
  throw new Error(`resolvePlugins accepted ${ids(manifests).join(', ')}`);
}

describe('resolvePlugins orders activation', () => {
  test('dependencies before their dependants', () => {
    const order = resolvePlugins(
      [
        plugin('dotmac.billing', '1.0.0', { 'dotmac.customers': '^1.0.0', 'dotmac.catalog': '^2.0.0' }),
        plugin('dotmac.customers', '1.4.0'),
        plugin('dotmac.catalog', '2.1.0', { 'dotmac.customers': '^1.2.0' }),
      ],
      KERNEL,
    );
    expect(ids(order)).toEqual(['dotmac.customers', 'dotmac.catalog', 'dotmac.billing']);
  });

  test('plugins with no order between them by id, whatever order they are given in', () => {
    const given = [
      plugin('c.three'),
      plugin('a.one'),
      plugin('b.two', '1.0.0', { 'z.base': '^1.0.0' }),
      plugin('z.base'),
    ];
    const expected = ['a.one', 'c.three', 'z.base', 'b.two'];
    expect(ids(resolvePlugins(given, KERNEL))).toEqual(expected);
    expect(ids(resolvePlugins([...given].reverse(), KERNEL))).toEqual(expected);
  });

  test('no plugins at all', () => {
    expect(resolvePlugins([], KERNEL)).toEqual([]);
  });

  test('a prerelease dependency only when the range asks for prereleases, as npm does', () => {
    const billing = plugin('dotmac.billing', '1.0.0', { 'dotmac.customers': '^2.0.0-rc.1' });
    expect(ids(resolvePlugins([billing, plugin('dotmac.customers', '2.0.0-rc.2')], KERNEL))).toHaveLength(2);
    const strict = plugin('dotmac.billing', '1.0.0', { 'dotmac.customers': '^1.0.0' });
    expect(resolutionProblems([strict, plugin('dotmac.customers', '1.5.0-rc.1')])).toEqual([
      'plugin dotmac.billing@1.0.0 needs dotmac.customers ^1.0.0; dotmac.customers is 1.5.0-rc.1',
    ]);
  });
});

describe('resolvePlugins refuses, naming both sides', () => {
  test('a plugin whose engines.kernel this kernel is not in', () => {
    const billing = plugin('dotmac.billing', '2.1.0', {}, { engines: { kernel: '^2.0.0' } });
    expect(resolutionProblems([billing], '0.1.0')).toEqual([
      'plugin dotmac.billing@2.1.0 needs kernel ^2.0.0; this kernel is 0.1.0',
    ]);
  });

  test('a dependency whose version is outside the range', () => {
    const manifests = [
      plugin('dotmac.billing', '1.0.0', { 'dotmac.customers': '^2.0.0' }),
      plugin('dotmac.customers', '1.4.0'),
    ];
    expect(resolutionProblems(manifests)).toEqual([
      'plugin dotmac.billing@1.0.0 needs dotmac.customers ^2.0.0; dotmac.customers is 1.4.0',
    ]);
  });

  test('a dependency that is not installed', () => {
    expect(resolutionProblems([plugin('dotmac.billing', '1.0.0', { 'dotmac.customers': '^1.0.0' })])).toEqual([
      'plugin dotmac.billing@1.0.0 needs dotmac.customers ^1.0.0, which is not installed',
    ]);
  });

  test('a plugin that depends on itself, as a cycle of one', () => {
    expect(resolutionProblems([plugin('a.one', '1.0.0', { 'a.one': '^1.0.0' })])).toEqual([
      'dependency cycle: a.one@1.0.0 -> a.one@1.0.0',
    ]);
  });

  test('two plugins that depend on each other', () => {
    const manifests = [
      plugin('a.two', '2.0.0', { 'a.one': '^1.0.0' }),
      plugin('a.one', '1.0.0', { 'a.two': '^2.0.0' }),
    ];
    expect(resolutionProblems(manifests)).toEqual(['dependency cycle: a.one@1.0.0 -> a.two@2.0.0 -> a.one@1.0.0']);
  });

  test('a cycle of three, named once from its smallest id, not for the plugins that only lead into it', () => {
    const manifests = [
      plugin('c.three', '1.0.0', { 'a.one': '^1.0.0', 'd.base': '^1.0.0' }),
      plugin('b.two', '1.0.0', { 'c.three': '^1.0.0' }),
      plugin('a.one', '1.0.0', { 'b.two': '^1.0.0' }),
      plugin('d.base'),
      plugin('e.top', '1.0.0', { 'a.one': '^1.0.0' }),
    ];
    expect(resolutionProblems(manifests)).toEqual([
      'dependency cycle: a.one@1.0.0 -> b.two@1.0.0 -> c.three@1.0.0 -> a.one@1.0.0',
    ]);
  });

  test('every cycle, one line each', () => {
    const manifests = [
      plugin('a.one', '1.0.0', { 'a.two': '^1.0.0' }),
      plugin('a.two', '1.0.0', { 'a.one': '^1.0.0' }),
      plugin('b.one', '1.0.0', { 'b.two': '^1.0.0' }),
      plugin('b.two', '1.0.0', { 'b.one': '^1.0.0' }),
    ];
    expect(resolutionProblems(manifests)).toEqual([
      'dependency cycle: a.one@1.0.0 -> a.two@1.0.0 -> a.one@1.0.0',
      'dependency cycle: b.one@1.0.0 -> b.two@1.0.0 -> b.one@1.0.0',
    ]);
  });

  test('a service call to a function the dependency does not export', () => {
    const manifests = [
      plugin(
        'dotmac.billing',
        '1.0.0',
        { 'dotmac.customers': '^1.0.0' },
        { capabilities: { services: { calls: ['dotmac.customers.findCustomer', 'dotmac.customers.deleteAll'] } } },
      ),
      plugin(
        'dotmac.customers',
        '1.4.0',
        {},
        {
          capabilities: {
            services: { exports: [{ name: 'findCustomer', description: 'x', input: {}, output: {} }] },
          },
        },
      ),
    ];
    expect(resolutionProblems(manifests)).toEqual([
      'plugin dotmac.billing@1.0.0 calls dotmac.customers.deleteAll; dotmac.customers@1.4.0 exports no function deleteAll',
    ]);
  });

  test('a permission required from a dependency that does not define it', () => {
    const route = {
      method: 'GET' as const,
      path: '/invoices',
      summary: 'Invoices',
      responses: { '200': { description: 'OK' } },
    };
    const manifests = [
      plugin(
        'dotmac.billing',
        '1.0.0',
        { 'dotmac.customers': '^1.0.0' },
        {
          capabilities: {
            http: {
              routes: [
                { ...route, permission: 'dotmac.customers.read' },
                { ...route, path: '/x', permission: 'dotmac.customers.erase' },
              ],
            },
          },
          ui: [
            {
              portal: 'admin',
              slot: 'nav',
              path: '/billing',
              module: './Nav',
              permission: 'dotmac.customers.admin',
            },
          ],
        },
      ),
      plugin('dotmac.customers', '1.4.0', {}, { permissions: [{ name: 'dotmac.customers.read', description: 'x' }] }),
    ];
    expect(resolutionProblems(manifests)).toEqual([
      'plugin dotmac.billing@1.0.0 requires permission dotmac.customers.erase (route GET /x); dotmac.customers@1.4.0 defines no such permission',
      'plugin dotmac.billing@1.0.0 requires permission dotmac.customers.admin (admin nav /billing); dotmac.customers@1.4.0 defines no such permission',
    ]);
  });

  test('an event that two plugins publish', () => {
    const publishes = (name: string) => ({
      capabilities: { events: { publish: [{ name, description: 'x', schema: {} }] } },
    });
    const manifests = [
      plugin('acme.invoicing', '3.0.0', {}, publishes('invoice.issued')),
      plugin('dotmac.billing', '1.0.0', {}, publishes('invoice.issued')),
    ];
    expect(resolutionProblems(manifests)).toEqual([
      'event invoice.issued is published by acme.invoicing@3.0.0 and dotmac.billing@1.0.0; an event has one publisher',
    ]);
  });

  test('the same plugin id given twice', () => {
    expect(resolutionProblems([plugin('a.one', '1.0.0'), plugin('a.one', '1.1.0')])).toEqual([
      'plugin a.one is given twice: a.one@1.0.0 and a.one@1.1.0',
    ]);
  });

  test('with every problem at once, as a DotmacError', () => {
    const manifests = [
      plugin(
        'dotmac.billing',
        '2.1.0',
        { 'dotmac.customers': '^2.0.0', 'dotmac.tax': '^1.0.0' },
        {
          engines: { kernel: '^2.0.0' },
        },
      ),
      plugin('dotmac.customers', '1.4.0'),
      plugin('a.one', '1.0.0', { 'a.two': '^1.0.0' }),
      plugin('a.two', '1.0.0', { 'a.one': '^1.0.0' }),
    ];
    let error: unknown;
    try {
      resolvePlugins(manifests, KERNEL);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DotmacError);
    expect((error as PluginResolutionError).problems).toEqual([
      'plugin dotmac.billing@2.1.0 needs kernel ^2.0.0; this kernel is 1.4.0',
      'plugin dotmac.billing@2.1.0 needs dotmac.customers ^2.0.0; dotmac.customers is 1.4.0',
      'plugin dotmac.billing@2.1.0 needs dotmac.tax ^1.0.0, which is not installed',
      'dependency cycle: a.one@1.0.0 -> a.two@1.0.0 -> a.one@1.0.0',
    ]);
    expect((error as Error).message).toBe(
      [
        'plugins cannot be activated:',
        '  - plugin dotmac.billing@2.1.0 needs kernel ^2.0.0; this kernel is 1.4.0',
        '  - plugin dotmac.billing@2.1.0 needs dotmac.customers ^2.0.0; dotmac.customers is 1.4.0',
        '  - plugin dotmac.billing@2.1.0 needs dotmac.tax ^1.0.0, which is not installed',
        '  - dependency cycle: a.one@1.0.0 -> a.two@1.0.0 -> a.one@1.0.0',
      ].join('\n'),
    );
  });
});

describe('resolvePlugins on random dependency graphs', () => {
  /** `n` plugins and, for each, the indexes of the plugins it depends on. */
  type Graph = { n: number; deps: number[][] };

  const manifestsOf = ({ n, deps }: Graph): PluginManifest[] =>
    Array.from({ length: n }, (_, i) =>
      plugin(`p.n${i}`, '1.0.0', Object.fromEntries((deps[i] ?? []).map((d) => [`p.n${d}`, '^1.0.0']))),
    );

  /** A DAG: plugin i depends only on plugins with a smaller index. */
  const dag = fc
    .integer({ min: 1, max: 12 })
    .chain((n) =>
      fc
        .tuple(
          ...Array.from({ length: n }, (_, i) =>
            fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: i }),
          ),
        )
        .map((deps) => ({ n, deps })),
    );

  test('every dependency comes before its dependant, and the order is a permutation of the input', () => {
    fc.assert(
      fc.property(dag, fc.integer(), (graph, seed) => {
        const manifests = manifestsOf(graph);
        // Given in a shuffled order, so that the input order cannot be the answer by accident.
        const shuffled = [...manifests].sort(
          (a, b) => (hash(a.id, seed) - hash(b.id, seed)) | 0 || a.id.localeCompare(b.id),
        );
        const order = ids(resolvePlugins(shuffled, KERNEL));
        expect([...order].sort()).toEqual(ids(manifests).sort());
        for (const m of manifests) {
          for (const d of Object.keys(m.dependencies ?? {})) expect(order.indexOf(d)).toBeLessThan(order.indexOf(m.id));
        }
        expect(ids(resolvePlugins(manifests, KERNEL))).toEqual(order);
      }),
    );
  });

  test('a graph with a cycle is refused, naming a cycle that is in the graph', () => {
    const cyclic = dag.chain((graph) =>
      fc.uniqueArray(fc.integer({ min: 0, max: graph.n - 1 }), { minLength: 1, maxLength: graph.n }).map((cycle) => {
        // Close the cycle c0 -> c1 -> ... -> ck -> c0 on top of the DAG's edges.
        const deps = graph.deps.map((d) => [...d]);
        cycle.forEach((from, i) => {
          const to = cycle[(i + 1) % cycle.length] as number;
          if (!deps[from]?.includes(to)) deps[from]?.push(to);
        });
        return { n: graph.n, deps };
      }),
    );
    fc.assert(
      fc.property(cyclic, (graph) => {
        const manifests = manifestsOf(graph);
        const problems = resolutionProblems(manifests);
        const named = problems.filter((p) => p.startsWith('dependency cycle: '));
        expect(named.length).toBeGreaterThan(0);
        for (const problem of named) {
          const path = problem
            .slice('dependency cycle: '.length)
            .split(' -> ')
            .map((p) => p.replace(/@1\.0\.0$/, ''));
          expect(path[0]).toBe(path[path.length - 1]);
          for (let i = 0; i + 1 < path.length; i++) {
            const from = manifests.find((m) => m.id === path[i]);
            expect(Object.keys(from?.dependencies ?? {})).toContain(path[i + 1]);
          }
        }
      }),
    );
  });
});

/** A deterministic pseudo-random number for `text` under `seed` (for shuffling). */
function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 2654435761);
  return h;
}

describe('dependantsOf', () => {
  const manifests = [
    plugin('dotmac.customers', '1.4.0'),
    plugin('dotmac.tickets', '1.0.0', { 'dotmac.customers': '^1.0.0' }),
    plugin('dotmac.billing', '1.0.0', { 'dotmac.customers': '^1.0.0' }),
    plugin('dotmac.dunning', '1.0.0', { 'dotmac.billing': '^1.0.0' }),
  ];

  test('lists the plugins that depend on a plugin directly, by id', () => {
    expect(ids(dependantsOf('dotmac.customers', manifests))).toEqual(['dotmac.billing', 'dotmac.tickets']);
  });

  test('is empty for a plugin nothing depends on', () => {
    expect(dependantsOf('dotmac.dunning', manifests)).toEqual([]);
  });
});

describe('discoverPlugins', () => {
  const temp: string[] = [];
  afterAll(() => Promise.all(temp.map((t) => rm(t, { recursive: true, force: true }))));

  /** A fresh folder holding `files` (path → JSON content or text). */
  async function folder(files: Record<string, unknown>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dotmac-plugins-'));
    temp.push(dir);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return dir;
  }

  test('reads every <root>/<folder>/plugin.json, in root order then folder name order', async () => {
    const core = await folder({
      'customers/plugin.json': plugin('dotmac.customers'),
      'billing/plugin.json': plugin('dotmac.billing'),
    });
    const contrib = await folder({ 'mikrotik/plugin.json': plugin('acme.mikrotik-sync') });
    const found = await discoverPlugins([core, contrib]);
    expect(found.map((p) => [p.manifest.id, p.dir])).toEqual([
      ['dotmac.billing', join(core, 'billing')],
      ['dotmac.customers', join(core, 'customers')],
      ['acme.mikrotik-sync', join(contrib, 'mikrotik')],
    ]);
  });

  test('skips roots that do not exist, files, folders without plugin.json and deeper manifests', async () => {
    const root = await folder({
      'README.md': '# plugins',
      'notes/todo.txt': 'nothing here',
      'nested/deeper/plugin.json': plugin('a.deep'),
      'billing/plugin.json': plugin('dotmac.billing'),
    });
    const found = await discoverPlugins([join(root, 'missing'), root]);
    expect(found.map((p) => p.manifest.id)).toEqual(['dotmac.billing']);
  });

  test('follows a link to a plugin folder (an installed or linked package)', async () => {
    const elsewhere = await folder({ 'plugin.json': plugin('acme.linked') });
    const installed = await folder({});
    await symlink(elsewhere, join(installed, 'linked'), 'dir');
    expect((await discoverPlugins([installed])).map((p) => p.manifest.id)).toEqual(['acme.linked']);
  });

  test('refuses one id in two folders, naming both plugin.json paths', async () => {
    const core = await folder({ 'billing/plugin.json': plugin('dotmac.billing', '1.0.0') });
    const installed = await folder({ 'dotmac-billing/plugin.json': plugin('dotmac.billing', '1.1.0') });
    await expect(discoverPlugins([core, installed])).rejects.toThrow(
      `plugin dotmac.billing is installed twice: ${join(core, 'billing', 'plugin.json')} and ${join(installed, 'dotmac-billing', 'plugin.json')}`,
    );
  });

  test('refuses invalid manifests, listing each with its file, all at once', async () => {
    const root = await folder({
      'a/plugin.json': { ...plugin('dotmac.a'), id: 'A' },
      'b/plugin.json': '{',
      'c/plugin.json': plugin('dotmac.c'),
    });
    const error = await discoverPlugins([root]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginResolutionError);
    expect((error as PluginResolutionError).problems).toEqual([
      `invalid plugin manifest ${join(root, 'a', 'plugin.json')}: /id must be a reverse-DNS id like dotmac.billing`,
      expect.stringMatching(
        new RegExp(`^invalid plugin manifest ${join(root, 'b', 'plugin.json')}: / is not valid JSON`),
      ),
    ]);
  });
});

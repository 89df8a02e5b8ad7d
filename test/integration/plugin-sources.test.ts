// First-party and contributed plugins are written against the public SDK only: no import may
// reach the kernel (its package or its files), nor Node's own modules, which the sandbox lacks.
// A plugin may import relative files of its own, the SDK, and packages it declares.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const PLUGIN_FOLDERS = ['plugins-core', 'plugins-contrib'];
const SOURCE = /\.(ts|tsx|js|jsx|mjs)$/;
const IMPORT =
  /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function plugins(): string[] {
  return PLUGIN_FOLDERS.flatMap((folder) => {
    const root = join(REPOSITORY, folder);
    return readdirSync(root)
      .map((name) => join(root, name))
      .filter((dir) => statSync(dir).isDirectory() && readdirSync(dir).includes('plugin.json'));
  });
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', 'fixtures'].includes(entry.name) ? [] : sources(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

/** What `specifier` in `file` of plugin `dir` may not import, or undefined when it may. */
function forbidden(dir: string, file: string, specifier: string, declared: ReadonlySet<string>): string | undefined {
  if (specifier.startsWith('.')) {
    const target = resolve(file, '..', specifier);
    return target === dir || target.startsWith(dir + sep) ? undefined : 'reaches outside the plugin folder';
  }
  // Tests, and the plugin's commands (cli/: run by an operator against the API), run in Node, not
  // the sandbox: they may use Node's modules (never the kernel).
  const inTests = ['test', 'cli'].includes(relative(dir, file).split(sep)[0] as string);
  if (specifier.startsWith('node:')) return inTests ? undefined : 'is a Node module, which the sandbox does not have';
  const name = specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : (specifier.split('/')[0] as string);
  if (name === '@dotmac/kernel') return 'is the kernel: plugins use the SDK only';
  if (name === '@dotmac/sdk' || declared.has(name)) return undefined;
  return 'is not a dependency the plugin declares in its package.json';
}

describe('plugin sources', () => {
  const found = plugins();

  test('the repository has plugins to check', () => {
    expect(found.length).toBeGreaterThan(0);
  });

  test.each(found.map((dir) => [relative(REPOSITORY, dir), dir]))(
    '%s imports only its own files, the SDK and its declared packages',
    (_, dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
      const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
      const problems: string[] = [];
      for (const file of sources(dir)) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(IMPORT)) {
          const specifier = (match[1] ?? match[2] ?? match[3] ?? match[4]) as string;
          const why = forbidden(dir, file, specifier, declared);
          if (why) problems.push(`${relative(REPOSITORY, file)}: '${specifier}' ${why}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  test('the check catches a plugin reaching into the kernel', () => {
    const dir = join(REPOSITORY, 'plugins-contrib', 'outage-notices');
    const file = join(dir, 'src', 'server', 'index.ts');
    const none = new Set<string>();
    expect(forbidden(dir, file, '../../../../kernel/src/db/database.ts', none)).toBe(
      'reaches outside the plugin folder',
    );
    expect(forbidden(dir, file, '@dotmac/kernel', none)).toBe('is the kernel: plugins use the SDK only');
    expect(forbidden(dir, file, 'node:fs', none)).toMatch(/Node module/);
    expect(forbidden(dir, join(dir, 'test', 'notices.test.ts'), 'node:fs', none)).toBeUndefined();
    expect(forbidden(dir, join(dir, 'test', 'notices.test.ts'), '@dotmac/kernel', none)).toMatch(/the kernel/);
    expect(forbidden(dir, file, 'pg', none)).toMatch(/not a dependency/);
    expect(forbidden(dir, file, './notices.ts', none)).toBeUndefined();
    expect(forbidden(dir, file, '@dotmac/sdk', none)).toBeUndefined();
  });
});

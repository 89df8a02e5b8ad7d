// Specification of the dotmac-plugin CLI: create → build (server bundle and UI remote) → test
// → pack, and an explanation for every bad input.
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, test } from 'vitest';
import { buildPlugin } from '../src/cli/build.ts';
import { createPlugin } from '../src/cli/create.ts';
import { loadManifest } from '../src/cli/manifest.ts';
import { packPlugin } from '../src/cli/pack.ts';
import { EVERY_KIND, REPO, rejection, run, sandboxFor, scaffold, sha256, TENANT_A, tempFolder } from './support.ts';

describe('dotmac-plugin create, build and pack', () => {
  test('a new plugin is created, built and packed, and its route runs in a sandbox', async () => {
    const dir = await scaffold();
    const manifest = await loadManifest(dir);
    expect(manifest.id).toBe('acme.hello');
    expect(await readFile(join(dir, 'migrations/0001-init.sql'), 'utf8')).toContain('tenant_id uuid not null');

    const { bundle } = await buildPlugin(dir);
    const code = await readFile(bundle, 'utf8');
    expect(code).not.toMatch(/\b(import|require)\s*\(/);

    const { sandbox, routed } = await sandboxFor(dir, {
      'clock.now': '2026-01-15T09:00:00.000Z',
      'db.batch': [[], [{ times: 3 }]],
    });
    const reply = await sandbox.invoke(TENANT_A, 'route:GET /greetings/:name', { params: { name: 'Ada' } });
    expect(reply).toEqual({ message: 'Hello, Ada!', times: 3 });
    expect(routed.map((r) => `${r.capability}.${r.method}`)).toEqual(['clock.now', 'db.batch']);

    const { file } = await packPlugin(dir);
    expect(file).toBe(join(dir, 'acme.hello-0.1.0.tgz'));
    const entries: string[] = [];
    await tar.list({ file, onReadEntry: (entry) => void entries.push(entry.path) });
    expect(entries.filter((e) => !e.startsWith('dist/ui/'))).toEqual([
      'README.md',
      'checksums.json',
      'dist/server.js',
      'migrations/0001-init.sql',
      'plugin.json',
    ]);
    expect(entries).toEqual(expect.arrayContaining(['dist/ui/remoteEntry.js', 'dist/ui/mf-manifest.json']));
    expect(entries.some((e) => e.startsWith('dist/ui/assets/'))).toBe(true);
  });

  test('build makes the UI a Module Federation remote exposing the modules the manifest names', async () => {
    const dir = await scaffold();
    const { ui } = await buildPlugin(dir);
    expect(ui).toEqual({
      remoteEntry: join(dir, 'dist/ui/remoteEntry.js'),
      name: 'acme__hello',
      exposes: { './Greetings': 'src/ui/Greetings.tsx' },
    });
    // An ES module the shell loads with the federation runtime (type "module"), naming its exposed module.
    const entry = await readFile(join(dir, 'dist/ui/remoteEntry.js'), 'utf8');
    expect(entry).toContain('"./Greetings"');
    expect(entry).toMatch(/export\s*\{/);
    const mf = JSON.parse(await readFile(join(dir, 'dist/ui/mf-manifest.json'), 'utf8'));
    expect(mf.name).toBe('acme__hello');
    expect(mf.metaData.remoteEntry).toMatchObject({ name: 'remoteEntry.js', type: 'module' });
    expect(mf.exposes.map((e: { path: string }) => e.path)).toEqual(['./Greetings']);
    const shared = Object.fromEntries(
      mf.shared.map((s: { name: string; singleton: boolean }) => [s.name, s.singleton]),
    );
    expect(shared).toMatchObject({ react: true, 'react-dom': true });
    // React is the host's: the remote keeps only the fallback the runtime asks for, never bundled into the module.
    const exposed = mf.exposes[0].assets.js.sync.find((f: string) => /Greetings/.test(f));
    expect(await readFile(join(dir, 'dist/ui', exposed), 'utf8')).not.toContain('react.production');
  });

  test('a UI module the manifest names without a source file, or one that does not compile, fails the build', async () => {
    const dir = await scaffold();
    await rm(join(dir, 'src/ui/Greetings.tsx'));
    const missing = await rejection(buildPlugin(dir));
    expect(missing.details).toEqual([
      'plugin.json /ui/0/module names ./Greetings, but there is no src/ui/Greetings.tsx (nor .ts, .jsx, .js)',
    ]);
    await writeFile(
      join(dir, 'src/ui/Greetings.jsx'),
      'export default function Greetings() {\n  return <p>unclosed;\n}\n',
    );
    const broken = await rejection(buildPlugin(dir));
    expect(broken.message).toMatch(/the UI of .* does not build:/);
    expect(broken.details).toEqual([expect.stringMatching(/^src\/ui\/Greetings\.jsx:3:1: Unexpected token/)]);
  });

  test('a plugin without ui contributions builds no remote and drops a stale one', async () => {
    const dir = await scaffold();
    await buildPlugin(dir);
    const manifest = JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8'));
    delete manifest.ui;
    await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest));
    expect((await buildPlugin(dir)).ui).toBeUndefined();
    expect(await stat(join(dir, 'dist/ui')).catch(() => 'gone')).toBe('gone');
  });

  test('pack is deterministic and checksums.json holds the SHA-256 of every other file', async () => {
    const dir = await scaffold();
    await buildPlugin(dir);
    const first = await packPlugin(dir, join(await tempFolder(), 'one'));
    // Over a second apart, so that a timestamp leaking into the archive would change it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await packPlugin(dir, join(await tempFolder(), 'two'));
    expect(sha256(await readFile(first.file))).toBe(sha256(await readFile(second.file)));

    const out = await tempFolder();
    await tar.extract({ file: first.file, cwd: out });
    const checksums = JSON.parse(await readFile(join(out, 'checksums.json'), 'utf8')) as Record<string, string>;
    const entries: string[] = [];
    await tar.list({ file: first.file, onReadEntry: (entry) => void entries.push(entry.path) });
    expect(Object.keys(checksums)).toEqual(entries.filter((e) => e !== 'checksums.json'));
    expect(Object.keys(checksums)).toEqual(expect.arrayContaining(['dist/server.js', 'dist/ui/remoteEntry.js']));
    for (const [name, sum] of Object.entries(checksums)) expect(sha256(await readFile(join(out, name)))).toBe(sum);
  });

  test('a server file importing node:fs fails the build, naming the import and where it is', async () => {
    const dir = await scaffold(`import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`);
    const error = await rejection(buildPlugin(dir));
    expect(error.details.join('\n')).toContain('src/server/index.ts:1:');
    expect(error.details.join('\n')).toContain('imports the Node built-in "node:fs"');
  });

  test('an import that cannot be bundled fails the build with its file and line', async () => {
    const dir = await scaffold(`import x from 'left-pad-that-is-not-installed';\nexport default x;\n`);
    const error = await rejection(buildPlugin(dir));
    expect(error.details.join('\n')).toMatch(
      /src\/server\/index\.ts:1:\d+: Could not resolve "left-pad-that-is-not-installed"/,
    );
  });

  test('a build fails when the server code and the manifest disagree, naming both sides', async () => {
    const dir = await scaffold(EVERY_KIND);
    const error = await rejection(buildPlugin(dir));
    expect(error.message).toBe('the server code and plugin.json do not match:');
    expect(error.details).toEqual(
      expect.arrayContaining([
        'plugin.json /capabilities/http/routes/0 declares route:GET /greetings/:name, but src/server/index.ts has no handler for it',
        'src/server/index.ts handles job:nightly, which plugin.json does not declare, so the kernel would never call it',
      ]),
    );
    const silent = await scaffold('export const nothing = 1;\n');
    expect((await rejection(buildPlugin(silent))).message).toMatch(/never calls definePlugin/);
  });

  test('a bad manifest fails build and pack with every problem as a JSON pointer', async () => {
    const dir = await scaffold();
    const manifest = JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8'));
    manifest.version = 'one';
    manifest.engines.kernel = '>=0.1.0';
    manifest.colour = 'blue';
    await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest));
    // One at a time: a second promise made up front would reject unobserved while the first runs.
    for (const run of [() => buildPlugin(dir), () => packPlugin(dir)]) {
      const error = await rejection(run());
      expect(error.message).toMatch(/plugin\.json is not a valid plugin manifest/);
      expect(error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^\/version: /)]));
      expect(error.details.join('\n')).toContain('colour');
    }
  });

  test('missing folders, a missing manifest, an unbuilt plugin and a bad id are explained', async () => {
    const folder = await tempFolder();
    expect((await rejection(buildPlugin(join(folder, 'nope')))).message).toMatch(/nope does not exist/);
    expect((await rejection(buildPlugin(folder))).message).toMatch(/no plugin\.json in .*create/);
    const dir = await scaffold();
    expect((await rejection(packPlugin(dir))).message).toMatch(/dist\/server\.js is missing: run dotmac-plugin build/);
    expect((await rejection(createPlugin(join(folder, 'x'), { id: 'Hello' }))).message).toMatch(/not a plugin id/);
    expect((await rejection(createPlugin(dir, { id: 'acme.other' }))).message).toMatch(/is not empty/);
  });

  test('dotmac-plugin test builds a new plugin and its own testbed tests pass in the real kernel', async () => {
    const dir = await scaffold();
    const result = await run('dotmac-plugin', ['test'], dir);
    expect(result.stdout + result.stderr).toMatch(/Tests\s+4 passed \(4\)/);
    expect(result.code).toBe(0);
    expect(await stat(join(dir, 'dist/ui/remoteEntry.js'))).toBeTruthy();
    // A child vitest run that boots a kernel: minutes on a loaded 2-core machine.
  }, 180_000);

  test('dotmac-plugin test exits 1 when a test fails, and explains a plugin without tests', async () => {
    const dir = await scaffold();
    await rm(join(dir, 'test/plugin.test.ts'));
    await writeFile(
      join(dir, 'test/failing.test.ts'),
      `import { expect, test } from 'vitest';\ntest('finds the plugin folder', () => { expect(process.env.DOTMAC_PLUGIN_DIR).toBe('nowhere'); });\n`,
    );
    const failed = await run('dotmac-plugin', ['test', dir], REPO);
    expect(failed.stdout + failed.stderr).toContain('1 failed');
    expect(failed.stdout + failed.stderr).toContain(`Received: "${dir}"`);
    expect(failed.code).toBe(1);
    await rm(join(dir, 'test'), { recursive: true });
    const none = await run('dotmac-plugin', ['test', dir], REPO);
    expect(none).toMatchObject({
      code: 1,
      stderr: `dotmac-plugin: ${join(dir, 'test')} does not exist: a plugin's tests go in test/<name>.test.ts\n`,
    });
  }, 180_000);

  test('the dotmac-plugin command runs a command and reports bad input on stderr with exit code 1', async () => {
    const folder = await tempFolder();
    const created = await run('dotmac-plugin', ['create', 'hello', '--id', 'acme.hello'], folder);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain('created acme.hello in hello');
    const missing = await run('dotmac-plugin', ['build', 'nope'], folder);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`dotmac-plugin: plugin folder ${join(folder, 'nope')} does not exist\n`);
  });
});

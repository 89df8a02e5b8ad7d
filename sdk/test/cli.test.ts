// Specification of the dotmac-plugin CLI: create → build → pack, and an explanation for
// every bad input.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, test } from 'vitest';
import { buildPlugin } from '../src/cli/build.ts';
import { createPlugin } from '../src/cli/create.ts';
import { loadManifest } from '../src/cli/manifest.ts';
import { packPlugin } from '../src/cli/pack.ts';
import {
  EVERY_KIND,
  folders,
  REPO,
  rejection,
  run,
  sandboxFor,
  scaffold,
  sha256,
  TENANT_A,
  tempFolder,
} from './support.ts';

describe('dotmac-plugin create, build and pack', () => {
  test('a new plugin is created, built and packed, and its route runs in a sandbox', async () => {
    const dir = await scaffold();
    const manifest = await loadManifest(dir);
    expect(manifest.id).toBe('acme.hello');
    expect(await readFile(join(dir, 'migrations/0001-init.sql'), 'utf8')).toContain('tenant_id uuid not null');

    const { bundle } = await buildPlugin(dir);
    const code = await readFile(bundle, 'utf8');
    expect(code).not.toMatch(/\b(import|require)\s*\(/);

    const { sandbox, routed } = await sandboxFor(dir, { 'db.batch': [[]] });
    const reply = await sandbox.invoke(TENANT_A, 'route:GET /greetings/:name', { params: { name: 'Ada' } });
    expect(reply).toEqual({ message: 'Hello, Ada!' });
    expect(routed[0]).toMatchObject({ capability: 'db', method: 'batch' });

    const { file } = await packPlugin(dir);
    expect(file).toBe(join(dir, 'acme.hello-0.1.0.tgz'));
    const entries: string[] = [];
    await tar.list({ file, onReadEntry: (entry) => void entries.push(entry.path) });
    expect(entries).toEqual([
      'README.md',
      'checksums.json',
      'dist/server.js',
      'migrations/0001-init.sql',
      'plugin.json',
    ]);
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
    expect(Object.keys(checksums)).toEqual(['README.md', 'dist/server.js', 'migrations/0001-init.sql', 'plugin.json']);
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
    for (const run of [buildPlugin(dir), packPlugin(dir)]) {
      const error = await rejection(run);
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

  test("the scaffold's own unit test passes", async () => {
    // Inside the repository (in a git-ignored .dotmac folder) so that @dotmac/sdk and vitest resolve.
    const parent = join(REPO, 'sdk/.dotmac');
    await mkdir(parent, { recursive: true });
    const dir = join(await mkdtemp(join(parent, 'scaffold-')), 'hello');
    folders.push(dirname(dir));
    await createPlugin(dir, { id: 'acme.hello' });
    const result = await run('vitest', ['run'], dir);
    expect(result.stdout + result.stderr).toContain('1 passed');
    expect(result.code).toBe(0);
  });

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

// Specification of the marketplace commands of dotmac-plugin: keygen, sign and publish to a real
// registry, install and enable in a real kernel, and how a refusal reaches the user.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHECKSUMS_FILE,
  createLogger,
  keyIdOf,
  PackageError,
  readPackage,
  verifySignature,
  writePackage,
} from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startRegistry } from '../../marketplace/src/index.ts';
import { buildPlugin } from '../src/cli/build.ts';
import { createPlugin } from '../src/cli/create.ts';
import { main } from '../src/cli/main.ts';
import { installPlugin } from '../src/cli/operator.ts';
import { packPlugin } from '../src/cli/pack.ts';
import { createTestbed } from '../src/testing.ts';
import { REPO, repoFolder, run, tempFolder } from './support.ts';

/** Runs `dotmac-plugin <argv>` in this process; answers its exit code and what it printed. */
async function cli(argv: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
  try {
    const code = await main(argv, env);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** A new key for `publisher` in a temp HOME; answers the HOME and what keygen printed. */
async function keygen(publisher: string) {
  const home = await tempFolder();
  const { code, stdout } = await cli(['keygen', '--publisher', publisher], { HOME: home });
  expect(code).toBe(0);
  const publicKey = /^public key (ed25519:\S+)$/m.exec(stdout)?.[1] as string;
  return { home, publicKey, file: join(home, '.config/dotmac', `${publisher}.pem`) };
}

/** A scaffolded, built and packed plugin; answers its folder and package file. */
async function packedPlugin(id = 'acme.hello') {
  const dir = join(await repoFolder(), 'plugin');
  await createPlugin(dir, { id });
  await buildPlugin(dir);
  const { file } = await packPlugin(dir);
  return { dir, file };
}

describe('dotmac-plugin keygen', () => {
  test('writes the private key readable by its owner only and prints the public key and its id', async () => {
    const home = await tempFolder();
    const { code, stdout } = await cli(['keygen', '--publisher', 'acme'], { HOME: home });
    expect(code).toBe(0);
    const file = join(home, '.config/dotmac/acme.pem');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const publicKey = /^public key (ed25519:[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1] as string;
    expect(stdout).toContain(`key id     ${keyIdOf(publicKey)}`);
    expect(stdout).toContain(`\n  { "publisher": "acme", "publicKey": "${publicKey}" }`);
  });

  test('refuses to replace an existing key, leaving it as it was', async () => {
    const file = join(await tempFolder(), 'keys/acme.pem');
    expect((await cli(['keygen', '--publisher', 'acme', '--out', file])).code).toBe(0);
    const before = await readFile(file, 'utf8');
    const again = await cli(['keygen', '--publisher', 'acme', '--out', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `dotmac-plugin: ${file} already exists; keygen never replaces a key, since registries and operators trust its public key: pass --out to write another key`,
    );
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  test('refuses a publisher name a registry would refuse', async () => {
    const { code, stderr } = await cli([
      'keygen',
      '--publisher',
      'Acme Ltd',
      '--out',
      join(await tempFolder(), 'k.pem'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^dotmac-plugin: publisher Acme Ltd is not a publisher name: use 2 to 40 lowercase/);
  });
});

describe('dotmac-plugin sign', () => {
  test('signs checksums.json with the key: verifies with that key, not with another', async () => {
    const { file } = await packedPlugin();
    const key = await keygen('acme');
    const other = await keygen('acme');
    const { code, stdout } = await cli(['sign', file, '--publisher', 'acme', '--key', key.file]);
    expect(code).toBe(0);
    const pkg = await readPackage(await readFile(file));
    expect(stdout).toBe(
      `signed ${file}: acme.hello 0.1.0 by acme, key ${keyIdOf(key.publicKey)}\n` +
        `checksums.json sha256 ${createHashHex(pkg.checksumsBytes)}`,
    );
    expect(verifySignature(pkg, [{ publisher: 'acme', publicKey: key.publicKey }])).toEqual({
      publisher: 'acme',
      keyId: keyIdOf(key.publicKey),
    });
    const refused = catchError(() => verifySignature(pkg, [{ publisher: 'acme', publicKey: other.publicKey }]));
    expect(refused).toBeInstanceOf(PackageError);
    expect((refused as PackageError).check).toBe('untrusted');
  });

  test('refuses a package changed after it was packed, naming the file', async () => {
    const { file } = await packedPlugin();
    const key = await keygen('acme');
    const pkg = await readPackage(await readFile(file));
    const files = new Map(pkg.files);
    files.set('dist/server.js', Buffer.concat([pkg.files.get('dist/server.js') as Buffer, Buffer.from(' ')]));
    files.set(CHECKSUMS_FILE, pkg.checksumsBytes);
    await writeFile(file, await writePackage(files));
    const { code, stderr } = await cli(['sign', file, '--publisher', 'acme', '--key', key.file]);
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toBe(
      'dotmac-plugin: checksums: dist/server.js does not match checksums.json (the package was changed after it was packed)',
    );
    expect((await readPackage(await readFile(file)).catch((e) => e)).check).toBe('checksums');
  });
});

describe('dotmac-plugin publish and install, against a registry', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  // Its own folder: tempFolder()s are removed after each test, and the registry outlives them.
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dotmac-registry-'));
    registry = await startRegistry({ dataDir, log: createLogger('silent') });
  }, 60_000);
  afterAll(async () => {
    await registry?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('builds, packs, signs, registers the publisher and uploads; the same version again is refused', async () => {
    const { dir } = await packedPlugin();
    await writeFile(join(dir, 'CHANGELOG.md'), '## 0.1.0\n\nFirst release.\n');
    const key = await keygen('acme');
    const keyId = keyIdOf(key.publicKey);

    const first = await cli(['publish', dir, '--registry', registry.url], { HOME: key.home });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toMatch(/^built dist\/server\.js \(\d+ bytes\) and dist\/ui\/remoteEntry\.js$/);
    expect(lines[1]).toMatch(/^packed acme\.hello-0\.1\.0\.tgz \(\d+ files\)$/);
    expect(lines.slice(2, 4)).toEqual([
      `signed as acme with key ${keyId}`,
      `registered publisher acme with key ${keyId} at ${registry.url}`,
    ]);
    expect(lines[4]).toMatch(
      new RegExp(`^published acme\\.hello 0\\.1\\.0 to ${registry.url} \\(sha256 [0-9a-f]{64}\\)$`),
    );

    const page = (await (await fetch(`${registry.url}/api/v1/plugins/acme.hello`)).json()) as {
      publisher: string;
      versions: { version: string; keyId: string; changelog: string }[];
    };
    expect(page.publisher).toBe('acme');
    expect(page.versions).toMatchObject([{ version: '0.1.0', keyId, changelog: '## 0.1.0\n\nFirst release.\n' }]);

    // As a user runs it: the real command, its refusal on stderr.
    const again = await run('dotmac-plugin', ['publish', '.', '--registry', registry.url], dir, { HOME: key.home });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`publisher acme is registered at ${registry.url} with key ${keyId}`);
    expect(again.stderr).toBe(
      'dotmac-plugin: acme.hello@0.1.0 is already published; versions are immutable, publish a new version\n',
    );
  }, 180_000);

  test('the owner deprecates and yanks a version with signed requests; another key is refused', async () => {
    const key = await keygen('initech');
    const published = await cli(['publish', (await packedPlugin('initech.tps')).dir, '--registry', registry.url], {
      HOME: key.home,
    });
    expect(published.code, published.stderr).toBe(0);
    const common = ['--registry', registry.url, '--publisher', 'initech'];
    const deprecated = await cli(['deprecate', 'initech.tps@0.1.0', ...common, '--message', 'use 0.2.0'], {
      HOME: key.home,
    });
    expect(deprecated).toEqual({
      code: 0,
      stdout: `deprecated initech.tps 0.1.0 at ${registry.url}: still offered, with: use 0.2.0`,
      stderr: '',
    });
    const other = await keygen('initech');
    const refused = await cli(['yank', 'initech.tps@0.1.0', ...common, '--reason', 'bad'], { HOME: other.home });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^dotmac-plugin: /);
    const yanked = await cli(['yank', 'initech.tps@0.1.0', ...common, '--reason', 'loses TPS reports'], {
      HOME: key.home,
    });
    expect(yanked.code, yanked.stderr).toBe(0);
    const page = (await (await fetch(`${registry.url}/api/v1/plugins/initech.tps`)).json()) as {
      versions: { version: string; deprecated: string | null; yanked: string | null }[];
    };
    expect(page.versions).toMatchObject([{ version: '0.1.0', deprecated: 'use 0.2.0', yanked: 'loses TPS reports' }]);
    const noReason = await cli(['yank', 'initech.tps@0.1.0', ...common], { HOME: key.home });
    expect(noReason).toMatchObject({ code: 1, stderr: expect.stringContaining('yank needs --reason') });
  }, 180_000);

  test('a publisher name registered with other keys is refused before anything is uploaded', async () => {
    const owner = await keygen('globex');
    const { dir } = await packedPlugin('globex.hello');
    const published = await cli(['publish', dir, '--registry', registry.url], { HOME: owner.home });
    expect(published.code).toBe(0);

    const intruder = await keygen('globex');
    const manifest = JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8'));
    await writeFile(join(dir, 'plugin.json'), JSON.stringify({ ...manifest, version: '0.2.0' }));
    const { code, stdout, stderr } = await cli(['publish', dir, '--registry', registry.url], { HOME: intruder.home });
    expect(code).toBe(1);
    expect(stdout).not.toContain('published');
    expect(stderr).toBe(
      `dotmac-plugin: publisher globex is registered at ${registry.url} with other keys (${keyIdOf(owner.publicKey)}), not ${keyIdOf(intruder.publicKey)} (${intruder.file})\n` +
        '  sign with one of its keys (--key), or publish under another name (--publisher)',
    );
    const page = (await (await fetch(`${registry.url}/api/v1/plugins/globex.hello`)).json()) as {
      versions: { version: string }[];
    };
    expect(page.versions.map((v) => v.version)).toEqual(['0.1.0']);
  }, 180_000);

  test("the registry's refusal of another publisher's plugin id is shown as it says it", async () => {
    const owner = await keygen('hooli');
    expect(
      (
        await cli(['publish', (await packedPlugin('hooli.tools')).dir, '--registry', registry.url], {
          HOME: owner.home,
        })
      ).code,
    ).toBe(0);

    // Another publisher, with its own registered key, publishing under the same plugin id.
    const other = await keygen('piedpiper');
    const { dir } = await packedPlugin('hooli.tools');
    const { code, stderr } = await cli(['publish', dir, '--registry', registry.url, '--publisher', 'piedpiper'], {
      HOME: other.home,
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'dotmac-plugin: plugin hooli.tools belongs to publisher hooli; piedpiper cannot publish versions of it',
    );
  }, 180_000);

  test('install shows what the plugin asks for, installs only once approved, and enable switches it on', async () => {
    const key = await keygen('umbrella');
    const published = await cli(['publish', (await packedPlugin('umbrella.notes')).dir, '--registry', registry.url], {
      HOME: key.home,
    });
    expect(published.code).toBe(0);
    const bed = await createTestbed({
      dir: (await packedPlugin()).dir,
      settings: {
        PLUGIN_REGISTRIES: JSON.stringify([
          { url: registry.url, trustedKeys: [{ publisher: 'umbrella', publicKey: key.publicKey }] },
        ]),
      },
    });
    try {
      const env = { DOTMAC_ADMIN_TOKEN: bed.adminToken };
      const kernel = ['--kernel', bed.url];
      const asked = [
        `umbrella.notes 0.1.0, signed by umbrella (key ${keyIdOf(key.publicKey)}, trusted by this kernel)`,
        '  asks for:',
        '    db',
        '    events.publish: notes.greeted',
        '    events.subscribe: plugin.enabled',
        '    http routes: 1',
        '    jobs: forget-greetings',
        '    ui: admin',
      ];
      // Not a terminal, not approved: shown, not installed.
      const unapproved = await run('dotmac-plugin', ['install', 'umbrella.notes', ...kernel], REPO, env);
      expect(unapproved.stderr).toBe(
        'dotmac-plugin: nothing installed: review the capabilities above, then run again with --yes to grant them\n',
      );
      expect(unapproved.stdout).toBe(`${asked.join('\n')}\n`);
      expect(unapproved.code).toBe(1);
      const declined: string[] = [];
      const refusal = await installPlugin('umbrella.notes', {
        kernel: bed.url,
        env,
        report: (line) => declined.push(line),
        withDependencies: false,
        yes: false,
        confirm: async (question) => {
          expect(question).toBe('Install umbrella.notes 0.1.0 and grant these capabilities? [y/N] ');
          return false;
        },
      }).catch((e: Error) => e.message);
      expect(refusal).toBe('umbrella.notes 0.1.0 was not installed');
      expect(bed.kernel.plugins.list().map((p) => p.manifest.id)).not.toContain('umbrella.notes');

      const installed = await cli(['install', 'umbrella.notes@0.1.0', ...kernel, '--yes'], env);
      expect(installed.stderr).toBe('');
      expect(installed.stdout).toBe(
        [
          ...asked,
          'installed umbrella.notes 0.1.0',
          `next: dotmac-plugin enable umbrella.notes --kernel ${bed.url} --tenant <tenant slug>`,
        ].join('\n'),
      );
      // A signed file, for a kernel that reaches no registry: the same checks, the same approval.
      const { file } = await packedPlugin('umbrella.files');
      expect((await cli(['sign', file, '--publisher', 'umbrella', '--key', key.file])).code).toBe(0);
      const fromFile = await cli(['install', '--file', file, ...kernel, '--yes'], env);
      expect(fromFile.stderr).toBe('');
      expect(fromFile.stdout.split('\n')).toEqual(
        expect.arrayContaining(['    events.publish: files.greeted', 'installed umbrella.files 0.1.0']),
      );

      const tenantId = await bed.tenant('isp-east');
      const enabled = await cli(['enable', 'umbrella.notes', ...kernel, '--tenant', 'isp-east'], env);
      expect(enabled.stdout).toBe(`enabled umbrella.notes for tenant isp-east (${tenantId})`);
      expect((await bed.request(tenantId, 'GET /greetings/Ada', undefined, { plugin: 'umbrella.notes' })).body).toEqual(
        {
          message: 'Hello, Ada!',
          times: 1,
        },
      );
    } finally {
      await bed.close();
    }
  }, 240_000);

  test('an unreachable registry is named, with the reason', async () => {
    const { dir } = await packedPlugin();
    const key = await keygen('acme');
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await cli(['publish', dir, '--registry', closed], { HOME: key.home });
    expect(code).toBe(1);
    expect(stderr).toBe(`dotmac-plugin: cannot reach the registry ${closed}: ECONNREFUSED`);
  }, 180_000);
});

describe('dotmac-plugin enable, against a kernel', () => {
  test('switches the plugin on for a tenant named by its slug', async () => {
    const { dir } = await packedPlugin();
    const bed = await createTestbed({ dir });
    try {
      const tenantId = await bed.tenant('isp-north');
      await bed.setEnabled(tenantId, false);
      const env = { DOTMAC_ADMIN_TOKEN: bed.adminToken };
      const { code, stdout } = await cli(['enable', 'acme.hello', '--kernel', bed.url, '--tenant', 'isp-north'], env);
      expect(code).toBe(0);
      expect(stdout).toBe(`enabled acme.hello for tenant isp-north (${tenantId})`);
      expect((await bed.request(tenantId, 'GET /greetings/Ada')).status).toBe(200);

      const unknown = await cli(['enable', 'acme.hello', '--kernel', bed.url, '--tenant', 'isp-south'], env);
      expect(unknown.stderr).toBe(
        `dotmac-plugin: the kernel ${bed.url} has no tenant with slug isp-south; give the tenant's slug or id`,
      );
      const noToken = await cli(['enable', 'acme.hello', '--kernel', bed.url, '--tenant', 'isp-north']);
      expect(noToken.stderr).toBe(
        "dotmac-plugin: set DOTMAC_ADMIN_TOKEN to the kernel's operator token (its ADMIN_TOKEN) to act as the operator",
      );
      const wrongToken = await cli(['enable', 'acme.hello', '--kernel', bed.url, '--tenant', 'isp-north'], {
        DOTMAC_ADMIN_TOKEN: 'not-the-token',
      });
      expect(wrongToken.code).toBe(1);
      expect(wrongToken.stderr).toContain("DOTMAC_ADMIN_TOKEN must be the kernel's ADMIN_TOKEN");
    } finally {
      await bed.close();
    }
  }, 180_000);
});

/** A local TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function createHashHex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// The third-party flow of sdk/README.md, run as a new publisher and an operator would: five
// dotmac-plugin commands (create, keygen, publish, install, enable) from nothing to a plugin
// installed from a registry started here and serving a tenant of a running kernel.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel } from '@dotmac/kernel';
import { type RunningRegistry, startRegistry } from '@dotmac/marketplace';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { dotmacPlugin } from '../support/cli.ts';
import { createTenant, testConfig } from '../support/kernel.ts';
import { createTestDatabase } from '../support/services.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN_TOKEN = 'third-party-flow-admin-token-0123';

let registry: RunningRegistry;
let registryDb: Awaited<ReturnType<typeof createTestDatabase>>;
let kernelDb: Awaited<ReturnType<typeof createTestDatabase>>;
let kernel: Kernel | undefined;
let home: string;
let work: string;
let dataDir: string;

/** One dotmac-plugin command as a person runs it in `work`. */
const run = (...args: string[]) =>
  dotmacPlugin(args, { cwd: work, env: { HOME: home, DOTMAC_ADMIN_TOKEN: ADMIN_TOKEN } });

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'dotmac-publisher-home-'));
  // Inside the repository: the new plugin's `@dotmac/sdk` resolves as an installed package would.
  mkdirSync(join(REPOSITORY, 'test', '.work'), { recursive: true });
  work = mkdtempSync(join(REPOSITORY, 'test', '.work', 'flow-'));
  dataDir = mkdtempSync(join(tmpdir(), 'dotmac-flow-kernel-'));
  registryDb = await createTestDatabase();
  kernelDb = await createTestDatabase();
  registry = await startRegistry({ databaseUrl: registryDb.url, host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await kernel?.stop();
  await registry?.close();
  await registryDb?.drop();
  await kernelDb?.drop();
  for (const dir of [home, work, dataDir]) rmSync(dir, { recursive: true, force: true });
});

test('create, keygen, publish, install, enable: the plugin serves the tenant', async () => {
  const created = await run('create', 'hello', '--id', 'acme.hello', '--publisher', 'acme');
  expect(created.code, created.output).toBe(0);
  expect(created.output).toContain('created acme.hello in hello:');

  const keygen = await run('keygen', '--publisher', 'acme');
  expect(keygen.code, keygen.output).toBe(0);
  const publicKey = /public key (ed25519:[A-Za-z0-9_-]{43})/.exec(keygen.output)?.[1];
  expect(publicKey, keygen.output).toBeDefined();

  // The operator's kernel trusts the publisher's key for this registry (its configuration, not a command).
  kernel = await Kernel.boot({
    config: testConfig({
      DATABASE_URL: kernelDb.url,
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      PLUGIN_REGISTRIES: JSON.stringify([
        { url: registry.url, trustedKeys: [{ publisher: 'acme', publicKey: publicKey as string }] },
      ]),
    }),
    pluginRoots: [],
  });
  await kernel.start();
  const tenant = await createTenant(kernel.db, 'north-fibre');
  const kernelUrl = kernel.url as string;

  const published = await run('publish', 'hello', '--registry', registry.url);
  expect(published.code, published.output).toBe(0);
  expect(published.output).toMatch(/published acme\.hello 0\.1\.0 to /);

  const installed = await run('install', 'acme.hello', '--kernel', kernelUrl, '--yes');
  expect(installed.code, installed.output).toBe(0);
  expect(installed.output).toContain('signed by acme');
  expect(installed.output).toContain('installed acme.hello 0.1.0');

  const enabled = await run('enable', 'acme.hello', '--kernel', kernelUrl, '--tenant', 'north-fibre');
  expect(enabled.code, enabled.output).toBe(0);
  expect(enabled.output).toContain(`enabled acme.hello for tenant north-fibre (${tenant})`);

  const res = await fetch(`${kernelUrl}/api/v1/p/acme.hello/greetings/Ada`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-dotmac-tenant': tenant },
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ message: 'Hello, Ada!' });
}, 300_000);

// The operator installs plugins from a registry started by the test: verified (checksums,
// trusted signature, manifest, kernel range, dependencies), approved, migrated and activated in
// the running kernel; upgraded with automatic rollback; uninstalled keeping or dropping data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, Kernel, keyIdOf, readPackage, signRequest, writePackage } from '@dotmac/kernel';
import { type RunningRegistry, startRegistry } from '@dotmac/marketplace';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTenant, testConfig } from '../support/kernel.ts';
import {
  CREATE_NOTES,
  packageWorkspace,
  packNotesPlugin,
  registerPublisher,
  signedNotesPlugin,
} from '../support/plugin-packages.ts';
import { createTestDatabase } from '../support/services.ts';

const ADMIN_TOKEN = 'marketplace-admin-token-0123456789';
const acme = { publisher: 'acme', ...generateKeyPair() };
const mallory = { publisher: 'mallory', ...generateKeyPair() };
/** Trusted by the operator, then revoked by its publisher at the registry. */
const initech = { publisher: 'initech', ...generateKeyPair() };
/** The capabilities of the notes plugin, as the operator approves them. */
const NOTES_CAPABILITIES = ['db', 'http routes: 2'];

let registry: RunningRegistry;
let registryDb: Awaited<ReturnType<typeof createTestDatabase>>;
let kernelDb: Awaited<ReturnType<typeof createTestDatabase>>;
let workspace: Awaited<ReturnType<typeof packageWorkspace>>;
let dataDir: string;
let kernel: Kernel;
let tenant: string;

async function publish(pkg: Buffer): Promise<Response> {
  return fetch(`${registry.url}/api/v1/packages`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(pkg),
  });
}

async function bootKernel(): Promise<Kernel> {
  const k = await Kernel.boot({
    config: testConfig({
      DATABASE_URL: kernelDb.url,
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      PLUGIN_REGISTRIES: JSON.stringify([
        {
          url: registry.url,
          trustedKeys: [
            { publisher: 'acme', publicKey: acme.publicKey },
            { publisher: 'initech', publicKey: initech.publicKey },
          ],
        },
      ]),
    }),
    pluginRoots: [],
  });
  await k.start();
  return k;
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; raw?: Buffer; tenant?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${kernel.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(init.tenant ? { 'x-dotmac-tenant': tenant } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.raw ? { 'content-type': 'application/gzip' } : {}),
    },
    body: init.raw ? new Uint8Array(init.raw) : init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const install = (body: Record<string, unknown>) => call('/api/v1/admin/installations', { method: 'POST', body });
const installed = async () => {
  const res = await call('/api/v1/admin/installations');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as { pluginId: string; version: string }[]).map((i) => `${i.pluginId}@${i.version}`);
};
const loaded = async () =>
  ((await call('/api/v1/admin/plugins')).body.items as { pluginId: string; version: string }[]).map(
    (p) => `${p.pluginId}@${p.version}`,
  );

beforeAll(async () => {
  registryDb = await createTestDatabase();
  kernelDb = await createTestDatabase();
  workspace = await packageWorkspace();
  dataDir = mkdtempSync(join(tmpdir(), 'dotmac-marketplace-'));
  registry = await startRegistry({ databaseUrl: registryDb.url, host: '127.0.0.1', port: 0 });
  await registerPublisher(registry.url, acme);
  await registerPublisher(registry.url, mallory);
  await registerPublisher(registry.url, initech);
  // What the publishers put on the registry.
  for (const version of ['1.0.0']) {
    const res = await publish(await signedNotesPlugin(workspace.dir, { version }, acme));
    expect(res.status, await res.text()).toBe(201);
  }
  const broken = await signedNotesPlugin(
    workspace.dir,
    {
      version: '1.1.0',
      migrations: {
        '0001-create-notes': CREATE_NOTES,
        '0002-add-pinned': 'alter table notes add column pinned boolean not null default false',
        '0003-backfill': 'insert into notes_archive (tenant_id) select tenant_id from notes',
      },
    },
    acme,
  );
  expect((await publish(broken)).status).toBe(201);
  const fixed = await signedNotesPlugin(
    workspace.dir,
    {
      version: '1.2.0',
      migrations: {
        '0001-create-notes': CREATE_NOTES,
        '0002-add-pinned': 'alter table notes add column pinned boolean not null default false',
      },
    },
    acme,
  );
  expect((await publish(fixed)).status).toBe(201);
  kernel = await bootKernel();
  tenant = await createTenant(kernel.db, 'marketplace-isp');
}, 240_000);

afterAll(async () => {
  await kernel?.stop();
  await registry?.close();
  await registryDb?.drop();
  await kernelDb?.drop();
  await workspace?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('refused packages install nothing and say which check failed', () => {
  test('a package with one byte changed in its bundle fails the checksum check', async () => {
    const good = await signedNotesPlugin(workspace.dir, { id: 'acme.tampered', version: '1.0.0' }, acme);
    const { files } = await readPackage(good);
    const tamperedFiles = new Map<string, Buffer>();
    const original = await readPackageFiles(good);
    for (const [path, bytes] of original) tamperedFiles.set(path, Buffer.from(bytes));
    const bundle = tamperedFiles.get('dist/server.js') as Buffer;
    bundle[10] = (bundle[10] as number) ^ 1;
    expect(files.get('dist/server.js')?.equals(bundle)).toBe(false);
    const res = await call('/api/v1/admin/installations/file?approve=db%0Ahttp%20routes%3A%202', {
      method: 'POST',
      raw: await writePackage(tamperedFiles),
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/^checksums: dist\/server\.js/);
    expect(await installed()).toEqual([]);
    expect(await loaded()).toEqual([]);
  });

  test('a package signed by a key the operator does not trust fails the trust check', async () => {
    const res = await call('/api/v1/admin/installations/file?approve=db%0Ahttp%20routes%3A%202', {
      method: 'POST',
      raw: await signedNotesPlugin(workspace.dir, { id: 'mallory.notes', version: '1.0.0' }, mallory),
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/^untrusted: .*publisher "mallory"/);
    // The same through a registry: mallory published there, the kernel does not trust mallory.
    const published = await publish(
      await signedNotesPlugin(workspace.dir, { id: 'mallory.tools', version: '1.0.0' }, mallory),
    );
    expect(published.status).toBe(201);
    const viaRegistry = await install({ pluginId: 'mallory.tools', approvedCapabilities: NOTES_CAPABILITIES });
    expect(viaRegistry.status).toBe(400);
    expect(viaRegistry.body.detail).toMatch(/^untrusted: /);
    expect(await installed()).toEqual([]);
  });

  test('a key the operator trusts but its publisher revoked at the registry no longer counts', async () => {
    expect(
      (await publish(await signedNotesPlugin(workspace.dir, { id: 'initech.tps', version: '1.0.0' }, initech))).status,
    ).toBe(201);
    const next = generateKeyPair();
    const signed = async (path: string, body: unknown, key: { privateKeyPem: string; publicKey: string }) => {
      const text = JSON.stringify(body);
      return fetch(`${registry.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signRequest({
            method: 'POST',
            path,
            body: text,
            keyId: keyIdOf(key.publicKey),
            privateKeyPem: key.privateKeyPem,
          }),
        },
        body: text,
      });
    };
    expect((await signed('/api/v1/publishers/initech/keys', { publicKey: next.publicKey }, initech)).status).toBe(201);
    const keyId = keyIdOf(initech.publicKey);
    const revoked = await signed(`/api/v1/publishers/initech/keys/${keyId}/revoke`, { reason: 'leaked' }, next);
    expect(revoked.status).toBe(200);
    const res = await install({ pluginId: 'initech.tps', approvedCapabilities: NOTES_CAPABILITIES });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(
      new RegExp(
        `^untrusted: initech\\.tps@1\\.0\\.0 is signed with key ${keyId}, which publisher initech revoked at .* \\(leaked\\)$`,
      ),
    );
    expect(await installed()).toEqual([]);
  });

  test('an unsigned package fails the signature check', async () => {
    const res = await call('/api/v1/admin/installations/file?approve=db%0Ahttp%20routes%3A%202', {
      method: 'POST',
      raw: await packNotesPlugin(workspace.dir, { id: 'acme.unsigned', version: '1.0.0' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/^unsigned: acme\.unsigned@1\.0\.0 is not signed/);
    expect(await installed()).toEqual([]);
    expect(await loaded()).toEqual([]);
  });

  test('a package whose kernel range this kernel is not in is refused naming both versions', async () => {
    expect(
      (
        await publish(
          await signedNotesPlugin(workspace.dir, { id: 'acme.future', version: '2.0.0', kernel: '^9.0.0' }, acme),
        )
      ).status,
    ).toBe(201);
    const latest = await install({ pluginId: 'acme.future', approvedCapabilities: NOTES_CAPABILITIES });
    expect(latest.status).toBe(409);
    expect(latest.body.detail).toBe('no version of acme.future fits kernel 0.1.0: 2.0.0 needs kernel ^9.0.0');
    const exact = await install({
      pluginId: 'acme.future',
      version: '2.0.0',
      approvedCapabilities: NOTES_CAPABILITIES,
    });
    expect(exact.status).toBe(409);
    expect(exact.body.detail).toBe('acme.future@2.0.0 needs kernel ^9.0.0; this kernel is 0.1.0');
    expect(await installed()).toEqual([]);
  });

  test('a dependency with no compatible version is refused naming the range', async () => {
    expect(
      (
        await publish(
          await signedNotesPlugin(
            workspace.dir,
            { id: 'acme.reports', version: '1.0.0', dependencies: { 'acme.notes': '^2.0.0' } },
            acme,
          ),
        )
      ).status,
    ).toBe(201);
    const res = await install({
      pluginId: 'acme.reports',
      approvedCapabilities: NOTES_CAPABILITIES,
      installDependencies: true,
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe(
      'cannot install acme.reports@1.0.0: it needs acme.notes ^2.0.0, and no registry has a compatible version',
    );
    expect(await installed()).toEqual([]);
  });

  test('capabilities the operator did not approve are refused, each named', async () => {
    const res = await install({ pluginId: 'acme.notes', version: '1.0.0', approvedCapabilities: ['db'] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe(
      'acme.notes@1.0.0 asks for capabilities the operator has not approved: http routes: 2',
    );
    expect(await installed()).toEqual([]);
  });
});

describe('install, enable, upgrade, roll back, uninstall', () => {
  test('the preview shows who signed it and what it asks for; install makes it available to tenants', async () => {
    const preview = await call('/api/v1/admin/installations/preview', {
      method: 'POST',
      body: { pluginId: 'acme.notes', version: '1.0.0' },
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      pluginId: 'acme.notes',
      version: '1.0.0',
      publisher: 'acme',
      capabilities: NOTES_CAPABILITIES,
      missing: [],
    });
    const res = await install({ pluginId: 'acme.notes', version: '1.0.0', approvedCapabilities: NOTES_CAPABILITIES });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.installed).toEqual([{ pluginId: 'acme.notes', version: '1.0.0' }]);
    expect(await installed()).toEqual(['acme.notes@1.0.0']);
    expect(await loaded()).toEqual(['acme.notes@1.0.0']);

    // Off for the tenant until its admin switches it on.
    expect((await call('/api/v1/p/acme.notes/notes', { tenant: true })).status).toBe(404);
    const on = await call(`/api/v1/admin/tenants/${tenant}/plugins/acme.notes`, {
      method: 'PUT',
      body: { enabled: true },
    });
    expect(on.status).toBe(200);
    const added = await call('/api/v1/p/acme.notes/notes', {
      method: 'POST',
      body: { text: 'before the upgrade' },
      tenant: true,
    });
    expect(added.status).toBe(201);
    expect(await call('/api/v1/p/acme.notes/notes', { tenant: true })).toEqual({
      status: 200,
      body: { version: '1.0.0', items: ['before the upgrade'] },
    });
  });

  test('installing it again is refused: it is an upgrade', async () => {
    const res = await install({ pluginId: 'acme.notes', version: '1.0.0', approvedCapabilities: NOTES_CAPABILITIES });
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe('acme.notes is already installed (1.0.0): upgrade it instead');
  });

  test('an upgrade whose third migration fails rolls back: the old version serves the data written before', async () => {
    const res = await call('/api/v1/admin/installations/acme.notes/upgrade', {
      method: 'POST',
      body: { version: '1.1.0', approvedCapabilities: NOTES_CAPABILITIES },
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(
      /^the upgrade of acme\.notes from 1\.0\.0 to 1\.1\.0 failed and was rolled back; 1\.0\.0 still serves: .*migration 0003-backfill failed: relation "notes_archive" does not exist/,
    );
    expect(await call('/api/v1/p/acme.notes/notes', { tenant: true })).toEqual({
      status: 200,
      body: { version: '1.0.0', items: ['before the upgrade'] },
    });
    // 0002 ran in the same transaction as 0003 and went with it.
    const columns = await kernel.db.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_schema = 'plugin_acme_notes' and table_name = 'notes' order by column_name`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'tenant_id', 'text']);
    const migrations = await kernel.db.query<{ name: string }>(
      `select name from kernel.plugin_migration where plugin_id = 'acme.notes' order by name`,
    );
    expect(migrations.map((m) => m.name)).toEqual(['0001-create-notes']);
    expect(await installed()).toEqual(['acme.notes@1.0.0']);
    // Still writable through the old version.
    const added = await call('/api/v1/p/acme.notes/notes', {
      method: 'POST',
      body: { text: 'after the rollback' },
      tenant: true,
    });
    expect(added.body).toEqual({ text: 'after the rollback', version: '1.0.0' });
  });

  test('a good upgrade migrates, activates the new version and keeps the data', async () => {
    // The preview of an installed plugin is its upgrade: the newest fitting version above it.
    const preview = await call('/api/v1/admin/installations/preview', {
      method: 'POST',
      body: { pluginId: 'acme.notes' },
    });
    expect(preview.body).toMatchObject({ pluginId: 'acme.notes', version: '1.2.0', capabilities: NOTES_CAPABILITIES });
    const res = await call('/api/v1/admin/installations/acme.notes/upgrade', {
      method: 'POST',
      body: { approvedCapabilities: NOTES_CAPABILITIES },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.version).toBe('1.2.0');
    expect(await call('/api/v1/p/acme.notes/notes', { tenant: true })).toEqual({
      status: 200,
      body: { version: '1.2.0', items: ['before the upgrade', 'after the rollback'] },
    });
    expect(await installed()).toEqual(['acme.notes@1.2.0']);
  });

  test('a kernel started again loads the installed version from the database', async () => {
    await kernel.stop();
    rmSync(join(dataDir, 'packages'), { recursive: true, force: true });
    kernel = await bootKernel();
    expect(await loaded()).toEqual(['acme.notes@1.2.0']);
    expect((await call('/api/v1/p/acme.notes/notes', { tenant: true })).body).toEqual({
      version: '1.2.0',
      items: ['before the upgrade', 'after the rollback'],
    });
  });

  test('a yanked version is not offered, and the installed one shows the warning', async () => {
    // No signed request helper here: the registry's own tests cover deprecate and yank; this
    // one only needs the kernel's view, so it yanks through the database the registry owns.
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: registryDb.url });
    await client.connect();
    try {
      await client.query(
        `update marketplace.version set yanked = 'data loss on upgrade' where plugin_id = 'acme.notes' and version = '1.2.0'`,
      );
    } finally {
      await client.end();
    }
    const [item] = (await call('/api/v1/admin/installations')).body.items as { warnings: string[] }[];
    expect(item?.warnings).toEqual(['yanked by its publisher: data loss on upgrade']);
  });

  test('uninstalling switches it off everywhere first; keeping the schema keeps the data', async () => {
    const needsChoice = await call('/api/v1/admin/installations/acme.notes', { method: 'DELETE' });
    expect(needsChoice.status).toBe(400);
    expect(needsChoice.body.detail).toBe('uninstalling acme.notes needs a choice: keep or drop its schema');
    const res = await call('/api/v1/admin/installations/acme.notes?schema=keep', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await loaded()).toEqual([]);
    expect(await installed()).toEqual([]);
    expect((await call('/api/v1/p/acme.notes/notes', { tenant: true })).status).toBe(404);
    const [enabled] = await kernel.db.query<{ enabled: boolean }>(
      `select enabled from kernel.plugin_installation where tenant_id = $1 and plugin_id = 'acme.notes'`,
      [tenant],
    );
    expect(enabled?.enabled).toBe(false);
    const rows = await kernel.db.query<{ text: string }>('select text from plugin_acme_notes.notes order by id');
    expect(rows.map((r) => r.text)).toEqual(['before the upgrade', 'after the rollback']);
  });

  test('installed again from a file, then uninstalled dropping the schema', async () => {
    // The kept schema has 1.2.0's migrations: an older version would be refused (forward-only).
    const file = await signedNotesPlugin(
      workspace.dir,
      {
        version: '1.2.0',
        migrations: {
          '0001-create-notes': CREATE_NOTES,
          '0002-add-pinned': 'alter table notes add column pinned boolean not null default false',
        },
      },
      acme,
    );
    const res = await call('/api/v1/admin/installations/file?approve=db%0Ahttp%20routes%3A%202', {
      method: 'POST',
      raw: file,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await installed()).toEqual(['acme.notes@1.2.0']);
    const dropped = await call('/api/v1/admin/installations/acme.notes?schema=drop', { method: 'DELETE' });
    expect(dropped.status).toBe(204);
    const schemas = await kernel.db.query(`select 1 from pg_namespace where nspname = 'plugin_acme_notes'`);
    expect(schemas).toEqual([]);
  });
});

describe('dependencies installed on request', () => {
  test('without the request the missing dependency is named with the version that would be installed', async () => {
    expect(
      (
        await publish(
          await signedNotesPlugin(
            workspace.dir,
            { id: 'acme.digest', version: '1.0.0', dependencies: { 'acme.base': '^1.0.0' } },
            acme,
          ),
        )
      ).status,
    ).toBe(201);
    expect(
      (await publish(await signedNotesPlugin(workspace.dir, { id: 'acme.base', version: '1.3.0' }, acme))).status,
    ).toBe(201);
    const refused = await install({ pluginId: 'acme.digest', approvedCapabilities: NOTES_CAPABILITIES });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(
      'cannot install acme.digest@1.0.0: it needs acme.base ^1.0.0, which is not installed (acme.base@1.3.0 is available: install dependencies too)',
    );
    const preview = await call('/api/v1/admin/installations/preview', {
      method: 'POST',
      body: { pluginId: 'acme.digest', installDependencies: true },
    });
    expect(preview.body.capabilities).toEqual([
      ...NOTES_CAPABILITIES.map((c) => `acme.base: ${c}`),
      ...NOTES_CAPABILITIES,
    ]);
    const res = await install({
      pluginId: 'acme.digest',
      installDependencies: true,
      approvedCapabilities: preview.body.capabilities,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.installed).toEqual([
      { pluginId: 'acme.base', version: '1.3.0' },
      { pluginId: 'acme.digest', version: '1.0.0' },
    ]);
    expect(await loaded()).toEqual(['acme.base@1.3.0', 'acme.digest@1.0.0']);
  });
});

describe('an install is all or nothing', () => {
  test('when the plugin fails after its dependency was installed for it, the dependency goes too', async () => {
    for (const pkg of [
      await signedNotesPlugin(workspace.dir, { id: 'acme.ledger', version: '1.0.0' }, acme),
      await signedNotesPlugin(
        workspace.dir,
        {
          id: 'acme.audit',
          version: '1.0.0',
          dependencies: { 'acme.ledger': '^1.0.0' },
          migrations: { '0001-create-notes': `${CREATE_NOTES}; insert into missing_table values (1)` },
        },
        acme,
      ),
    ]) {
      expect((await publish(pkg)).status).toBe(201);
    }
    const before = await loaded();
    const preview = await call('/api/v1/admin/installations/preview', {
      method: 'POST',
      body: { pluginId: 'acme.audit', installDependencies: true },
    });
    const res = await install({
      pluginId: 'acme.audit',
      installDependencies: true,
      approvedCapabilities: preview.body.capabilities,
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(
      /^installing acme\.audit@1\.0\.0 failed, and nothing was installed: .*migration 0001-create-notes failed: relation "missing_table" does not exist/,
    );
    expect(await loaded()).toEqual(before);
    expect(await installed()).toEqual(before);
  });
});

describe('more processes on one database', () => {
  test('another kernel (another machine: its own DATA_DIR) follows what the operator installs and uninstalls', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'dotmac-marketplace-other-'));
    const other = await Kernel.boot({
      config: testConfig({ DATABASE_URL: kernelDb.url, DATA_DIR: otherDir, ADMIN_TOKEN }),
      pluginRoots: [],
    });
    await other.start();
    try {
      const loadedByOther = () =>
        other.plugins
          .list()
          .map((p) => `${p.manifest.id}@${p.manifest.version}`)
          .sort();
      expect(loadedByOther()).toEqual(['acme.base@1.3.0', 'acme.digest@1.0.0']);
      const res = await install({ pluginId: 'acme.notes', version: '1.0.0', approvedCapabilities: NOTES_CAPABILITIES });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      await expect
        .poll(loadedByOther, { timeout: 20_000, interval: 250 })
        .toEqual(['acme.base@1.3.0', 'acme.digest@1.0.0', 'acme.notes@1.0.0']);
      const removed = await call('/api/v1/admin/installations/acme.notes?schema=drop', { method: 'DELETE' });
      expect(removed.status).toBe(204);
      await expect
        .poll(loadedByOther, { timeout: 20_000, interval: 250 })
        .toEqual(['acme.base@1.3.0', 'acme.digest@1.0.0']);
    } finally {
      await other.stop();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

/** Every file of a package, checksums.json and signature.json included, to rebuild it changed. */
async function readPackageFiles(tgz: Buffer): Promise<Map<string, Buffer>> {
  const pkg = await readPackage(tgz);
  const files = new Map(pkg.files);
  files.set('checksums.json', pkg.checksumsBytes);
  if (pkg.signature) files.set('signature.json', Buffer.from(`${JSON.stringify(pkg.signature, null, 2)}\n`));
  return files;
}

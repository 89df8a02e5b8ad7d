// The contrib webhook forwarder through the whole marketplace flow: packed and signed by its
// publisher, published to a registry started here, installed by the operator from it,
// switched on and configured for a tenant, and working: a customer created in the customers
// module reaches the tenant's receiver, signed with the tenant's secret. Its own suite passes
// through dotmac-plugin test as well.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, Kernel, signPackage } from '@dotmac/kernel';
import { type RunningRegistry, startRegistry } from '@dotmac/marketplace';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { packPlugin } from '../../sdk/src/cli/pack.ts';
import { dotmacPlugin } from '../support/cli.ts';
import { createTenant, testConfig } from '../support/kernel.ts';
import { registerPublisher } from '../support/plugin-packages.ts';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/services.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const FORWARDER = join(REPOSITORY, 'plugins-contrib', 'webhook-forwarder');
const PLUGIN = 'contrib.webhook-forwarder';
const ADMIN_TOKEN = 'webhook-flow-admin-token-0123456789';
const SIGNING_SECRET = 'tenant-a-shared-secret-0123456789';
const publisher = { publisher: 'dotmac-contrib', ...generateKeyPair() };

interface Delivery {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

let registry: RunningRegistry;
let registryDb: Awaited<ReturnType<typeof createTestDatabase>>;
let kernelDb: Awaited<ReturnType<typeof createTestDatabase>>;
let kernel: Kernel;
let receiver: Server;
let receiverUrl: string;
let dirs: string[] = [];
const received: Delivery[] = [];

async function call(path: string, init: { method?: string; body?: unknown; tenant?: string } = {}) {
  const res = await fetch(`${kernel.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(init.tenant ? { 'x-dotmac-tenant': init.tenant } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/isp-a`;

  registryDb = await createTestDatabase();
  kernelDb = await createTestDatabase();
  registry = await startRegistry({ databaseUrl: registryDb.url, host: '127.0.0.1', port: 0 });
  await registerPublisher(registry.url, publisher);

  // The kernel has the customers module bundled; the forwarder comes from the registry.
  const roots = mkdtempSync(join(tmpdir(), 'dotmac-flow-roots-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'dotmac-flow-data-'));
  dirs = [roots, dataDir];
  symlinkSync(join(REPOSITORY, 'plugins-core', 'customers'), join(roots, 'customers'));
  kernel = await Kernel.boot({
    config: testConfig({
      DATABASE_URL: kernelDb.url,
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      PLUGIN_EGRESS_ALLOW_NETWORKS: '127.0.0.0/8',
      PLUGIN_EGRESS_ALLOW_HTTP: 'true',
      PLUGIN_REGISTRIES: JSON.stringify([
        { url: registry.url, trustedKeys: [{ publisher: publisher.publisher, publicKey: publisher.publicKey }] },
      ]),
    }),
    pluginRoots: [roots],
  });
  await kernel.start();
}, 240_000);

afterAll(async () => {
  await kernel?.stop();
  await registry?.close();
  await registryDb?.drop();
  await kernelDb?.drop();
  receiver?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('its own suite passes through dotmac-plugin test on PostgreSQL', async () => {
  const { code, output } = await dotmacPlugin(['test', FORWARDER], {
    cwd: FORWARDER,
    env: { HOME: process.env.HOME ?? '', DOTMAC_TEST_DATABASE_URL: TEST_DATABASE_URL },
  });
  expect(code, output.slice(-4000)).toBe(0);
  // Every test ran and passed: the summary line, not the test names (some are about failures).
  const [, passed, total] = /Tests\s+(\d+) passed \((\d+)\)/.exec(output) ?? [];
  expect(Number(passed)).toBeGreaterThan(0);
  expect(passed).toBe(total);
}, 600_000);

test('published, installed from the registry, switched on for a tenant, and forwarding its events', async () => {
  // The publisher: pack (the plugin is built by npm test's pretest), sign, publish.
  const out = mkdtempSync(join(tmpdir(), 'dotmac-flow-pack-'));
  dirs.push(out);
  const { file } = await packPlugin(FORWARDER, out);
  const signed = await signPackage(await readFile(file), publisher.privateKeyPem, publisher.publisher);
  const published = await fetch(`${registry.url}/api/v1/packages`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(signed),
  });
  expect(published.status, await published.clone().text()).toBe(201);

  // The operator: read what it asks for, approve exactly that, install.
  const preview = await call('/api/v1/admin/installations/preview', { method: 'POST', body: { pluginId: PLUGIN } });
  expect(preview.status, JSON.stringify(preview.body)).toBe(200);
  expect(preview.body).toMatchObject({ publisher: 'dotmac-contrib', missing: [] });
  expect(preview.body.capabilities).toEqual(
    expect.arrayContaining(['db', 'egress: the URL each tenant sets in config url', 'secrets: SIGNING_SECRET']),
  );
  const installed = await call('/api/v1/admin/installations', {
    method: 'POST',
    body: { pluginId: PLUGIN, approvedCapabilities: preview.body.capabilities },
  });
  expect(installed.status, JSON.stringify(installed.body)).toBe(201);

  // The tenant: switch it on, point it at its receiver, set the signing secret.
  const tenant = await createTenant(kernel.db, 'flow-isp');
  for (const pluginId of ['dotmac.customers', PLUGIN]) {
    const on = await call(`/api/v1/admin/tenants/${tenant}/plugins/${pluginId}`, {
      method: 'PUT',
      body: { enabled: true },
    });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
  }
  const configured = await call(`/api/v1/admin/tenants/${tenant}/plugins/${PLUGIN}/config`, {
    method: 'PUT',
    body: { url: receiverUrl, events: ['customer.*'] },
  });
  expect(configured.status, JSON.stringify(configured.body)).toBe(200);
  const secret = await call(`/api/v1/admin/tenants/${tenant}/plugins/${PLUGIN}/secrets/SIGNING_SECRET`, {
    method: 'PUT',
    body: { value: SIGNING_SECRET },
  });
  expect(secret.status, JSON.stringify(secret.body)).toBeLessThan(300);

  // Working: a customer created in the customers module arrives at the receiver, signed.
  const created = await call('/api/v1/p/dotmac.customers/accounts', {
    method: 'POST',
    tenant,
    body: { kind: 'residential', name: 'Grace Hopper', currency: 'USD' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await expect.poll(() => received.length, { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
  const [delivery] = received;
  const body = JSON.parse(delivery?.body ?? '{}') as { type: string; data: { accountId?: string; id?: string } };
  expect(body.type).toBe('customer.created');
  expect(JSON.stringify(body.data)).toContain(String(created.body.id));
  expect(delivery?.headers['x-dotmac-event']).toBe('customer.created');
  const expected = `sha256=${createHmac('sha256', SIGNING_SECRET)
    .update(delivery?.body ?? '')
    .digest('hex')}`;
  expect(delivery?.headers['x-dotmac-signature']).toBe(expected);

  // And the operator sees the delivery in the plugin's log.
  const log = await call(`/api/v1/p/${PLUGIN}/deliveries`, { tenant });
  expect(log.status, JSON.stringify(log.body)).toBe(200);
  expect(JSON.stringify(log.body)).toContain('customer.created');
}, 180_000);

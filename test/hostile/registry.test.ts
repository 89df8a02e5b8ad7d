// A hostile registry (or whatever answers at a registry's URL): it streams a package without
// end, answers a listing far larger than any, serves another plugin than the one asked for,
// or redirects elsewhere. The kernel installs nothing, holds a bounded amount in memory, and
// says what the registry did.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, Kernel } from '@dotmac/kernel';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { testConfig } from '../support/kernel.ts';
import { packageWorkspace, signedNotesPlugin } from '../support/plugin-packages.ts';
import { createTestDatabase } from '../support/services.ts';

const ADMIN_TOKEN = 'hostile-registry-admin-token-0123';
const acme = { publisher: 'acme', ...generateKeyPair() };
const page = (id: string) => ({
  id,
  publisher: 'acme',
  versions: [{ version: '1.0.0', kernel: '^0.1.0', deprecated: null, yanked: null }],
});

let server: Server;
let url: string;
let kernel: Kernel;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let workspace: Awaited<ReturnType<typeof packageWorkspace>>;
let otherPlugin: Buffer;
/** Bytes the endless download managed to send before the kernel hung up. */
let streamed = 0;

beforeAll(async () => {
  workspace = await packageWorkspace();
  // Signed by the trusted key, but a different plugin than the one the operator asks for.
  otherPlugin = await signedNotesPlugin(workspace.dir, { id: 'acme.other', version: '1.0.0' }, acme);
  server = createServer((req, res) => {
    const path = req.url ?? '';
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/api/v1/plugins/acme.endless') return json(page('acme.endless'));
    if (path === '/api/v1/plugins/acme.endless/versions/1.0.0/package') {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      const chunk = Buffer.alloc(1024 * 1024, 0x1f);
      const pump = () => {
        while (res.write(chunk)) streamed += chunk.length;
        streamed += chunk.length;
      };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      pump();
      return;
    }
    if (path === '/api/v1/plugins/acme.huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"id":"acme.huge","padding":"${'x'.repeat(9 * 1024 * 1024)}"}`);
      return;
    }
    if (path === '/api/v1/plugins/acme.swapped') return json(page('acme.swapped'));
    if (path === '/api/v1/plugins/acme.swapped/versions/1.0.0/package') {
      return res.writeHead(200, { 'content-type': 'application/gzip' }).end(otherPlugin);
    }
    if (path === '/api/v1/plugins/acme.elsewhere') {
      return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  database = await createTestDatabase();
  kernel = await Kernel.boot({
    config: testConfig({
      DATABASE_URL: database.url,
      ADMIN_TOKEN,
      PLUGIN_REGISTRIES: JSON.stringify([{ url, trustedKeys: [{ publisher: 'acme', publicKey: acme.publicKey }] }]),
    }),
    pluginRoots: [],
  });
  await kernel.start();
}, 120_000);

afterAll(async () => {
  await kernel?.stop();
  server?.closeAllConnections();
  server?.close();
  await database?.drop();
  await workspace?.remove();
});

async function install(pluginId: string): Promise<{ status: number; detail: string }> {
  const res = await fetch(`${kernel.url}/api/v1/admin/installations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ pluginId, approvedCapabilities: ['db', 'http routes: 2'] }),
  });
  return { status: res.status, detail: ((await res.json()) as { detail: string }).detail };
}

async function nothingInstalled(): Promise<void> {
  expect(kernel.plugins.list()).toEqual([]);
  expect(await kernel.db.query('select plugin_id from kernel.plugin_package')).toEqual([]);
}

test('a package download without end is cut off at the package size limit', async () => {
  const res = await install('acme.endless');
  expect(res).toEqual({ status: 503, detail: `registry ${url} answered with more than ${20 * 1024 * 1024} bytes` });
  // It stopped reading near the limit (sockets buffer a little more), not at the end of memory.
  expect(streamed).toBeLessThan(64 * 1024 * 1024);
  await nothingInstalled();
});

test('a plugin page larger than any real one is refused', async () => {
  const res = await install('acme.huge');
  expect(res).toEqual({ status: 503, detail: `registry ${url} answered with more than ${8 * 1024 * 1024} bytes` });
  await nothingInstalled();
});

test('a package of another plugin, though signed by a trusted key, is refused', async () => {
  const res = await install('acme.swapped');
  expect(res).toEqual({ status: 400, detail: `${url} served acme.other@1.0.0 for acme.swapped@1.0.0` });
  await nothingInstalled();
});

test('a redirect (to a metadata address, here) is not followed', async () => {
  const res = await install('acme.elsewhere');
  expect(res.status).toBe(503);
  expect(res.detail).toMatch(new RegExp(`^registry ${url} cannot be reached: `));
  await nothingInstalled();
});

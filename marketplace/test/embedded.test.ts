// The registry with no DATABASE_URL: embedded PGlite under its data folder, kept across restarts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@dotmac/kernel';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningRegistry, startRegistry } from '../src/index.ts';
import { manifestOf, newPublisher, RegistryClient, sha256, signedPackage } from './support.ts';

let dataDir: string;
let registry: RunningRegistry | undefined;
const acme = newPublisher('acme');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dotmac-marketplace-'));
  registry = await start(); // a new PGlite database: initdb takes a while
});

afterAll(async () => {
  await registry?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function start() {
  return startRegistry({ dataDir, log: createLogger('error') });
}

test('publishes, refuses a second copy of a version, searches and counts downloads on PGlite', async () => {
  const api = new RegistryClient((registry as RunningRegistry).url);
  expect((await api.register(acme)).status).toBe(201);

  const copies = await Promise.all(
    [1, 2, 3].map((n) =>
      signedPackage(manifestOf('acme.embedded', '1.0.0'), acme, { files: { 'README.md': `# Copy ${n}\n` } }),
    ),
  );
  const answers = await Promise.all(copies.map((tgz) => api.publish(tgz)));
  expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
  const winner = copies.find((tgz) => sha256(tgz) === answers.find((a) => a.status === 201)?.body.sha256);

  expect((await api.get('/api/v1/plugins?q=EMBEDDED')).body).toMatchObject({
    items: [{ id: 'acme.embedded', latest: '1.0.0', versions: 1, publisher: 'acme' }],
  });
  const download = await fetch(`${api.url}/api/v1/plugins/acme.embedded/versions/1.0.0/package`);
  expect(Buffer.from(await download.arrayBuffer()).equals(winner as Buffer)).toBe(true);
  expect((await api.get('/api/v1/plugins/acme.embedded')).body.downloads).toBe(1);
});

test('a restart on the same data folder keeps publishers, versions and counts', async () => {
  await registry?.close();
  registry = await start();
  const api = new RegistryClient(registry.url);
  expect((await api.get('/api/v1/publishers/acme')).body).toMatchObject({ keys: [{ keyId: acme.keyId }] });
  const page = await api.get('/api/v1/plugins/acme.embedded');
  expect(page.body).toMatchObject({ latest: '1.0.0', downloads: 1 });
  const again = await api.publish(await signedPackage(manifestOf('acme.embedded', '1.0.0'), acme));
  expect(again.status).toBe(409);
  expect((await api.publish(await signedPackage(manifestOf('acme.embedded', '1.0.1'), acme))).status).toBe(201);
});

// What operators see on PostgreSQL: search with filters, plugin and version pages, downloads,
// and the publisher's deprecations and yanks (signed requests).
import { signRequest } from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  manifestOf,
  newPublisher,
  signedPackage,
  startTestRegistry,
  type TestPublisher,
  type TestRegistry,
} from './support.ts';

let registry: TestRegistry;
const acme = newPublisher('acme');
const bob = newPublisher('bob');

interface Item {
  id: string;
  latest: string;
  versions: number;
  capabilities: string[];
  portals: string[];
  downloads: number;
  publisher: string;
}

async function publish(publisher: TestPublisher, manifest: Record<string, unknown>, changelog?: string) {
  const tgz = await signedPackage(manifest, publisher, changelog ? { files: { 'CHANGELOG.md': changelog } } : {});
  const answer = await registry.api.publish(tgz);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
}

async function search(query: string): Promise<Item[]> {
  const { status, body } = await registry.api.get<{ items: Item[] }>(`/api/v1/plugins${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.items;
}

const ids = (items: Item[]) => items.map((i) => `${i.id}@${i.latest}`);

beforeAll(async () => {
  registry = await startTestRegistry();
  await registry.api.register(acme);
  await registry.api.register(bob);
  await publish(
    acme,
    manifestOf('acme.webhooks', '1.0.0', {
      name: 'Webhook forwarder',
      description: 'Posts selected events to a URL the tenant configures.',
      capabilities: { egress: [{ host: 'hooks.example.com' }], events: { subscribe: ['customer.*'] } },
    }),
    '## 1.0.0\n\n- First release.\n',
  );
  await publish(
    acme,
    manifestOf('acme.webhooks', '1.1.0', {
      name: 'Webhook forwarder',
      description: 'Posts selected events to a URL the tenant configures.',
      capabilities: { egress: [{ host: 'hooks.example.com' }], events: { subscribe: ['customer.*', 'invoice.*'] } },
    }),
    '## 1.1.0\n\n- Invoice events.\n\n## 1.0.0\n\n- First release.\n',
  );
  await publish(
    bob,
    manifestOf('bob.dashboard', '0.3.0', {
      name: 'Network Dashboard',
      description: 'A live view of the access network for staff and customers.',
      ui: [
        { portal: 'admin', slot: 'nav', path: '/network', title: 'Network' },
        { portal: 'customer', slot: 'nav', path: '/status', title: 'Status' },
      ],
    }),
  );
  await publish(bob, manifestOf('bob.next', '1.0.0', { engines: { kernel: '^0.1.0' } }));
  await publish(bob, manifestOf('bob.next', '2.0.0', { engines: { kernel: '^1.0.0' } }));
});

afterAll(async () => {
  await registry?.close();
});

describe('search', () => {
  test('lists every plugin by id with its latest version, publisher and what it asks for', async () => {
    const items = await search('');
    expect(ids(items)).toEqual(['acme.webhooks@1.1.0', 'bob.dashboard@0.3.0', 'bob.next@2.0.0']);
    expect(items[0]).toMatchObject({
      id: 'acme.webhooks',
      name: 'Webhook forwarder',
      publisher: 'acme',
      versions: 2,
      kernel: '^0.1.0',
      capabilities: ['egress: hooks.example.com', 'events.subscribe: customer.*', 'events.subscribe: invoice.*'],
      portals: [],
    });
    expect(items[1]?.portals).toEqual(['admin', 'customer']);
  });

  test('q finds text in the id, name or description, in any case', async () => {
    expect(ids(await search('?q=WEBHOOK'))).toEqual(['acme.webhooks@1.1.0']);
    expect(ids(await search('?q=access%20network'))).toEqual(['bob.dashboard@0.3.0']);
    expect(ids(await search('?q=bob.'))).toEqual(['bob.dashboard@0.3.0', 'bob.next@2.0.0']);
    expect(await search('?q=nothing-like-this')).toEqual([]);
  });

  test('capability matches a prefix of what the plugin asks for', async () => {
    expect(ids(await search('?capability=egress'))).toEqual(['acme.webhooks@1.1.0']);
    expect(ids(await search('?capability=events.subscribe:%20invoice'))).toEqual(['acme.webhooks@1.1.0']);
    expect(ids(await search('?capability=ui'))).toEqual(['bob.dashboard@0.3.0']);
    expect(await search('?capability=db')).toEqual([]);
  });

  test('portal keeps plugins whose UI contributes to it', async () => {
    expect(ids(await search('?portal=customer'))).toEqual(['bob.dashboard@0.3.0']);
    expect(await search('?portal=reseller')).toEqual([]);
  });

  test('kernel offers the highest version that runs on that kernel, and drops plugins with none', async () => {
    expect(ids(await search('?kernel=0.1.4'))).toEqual([
      'acme.webhooks@1.1.0',
      'bob.dashboard@0.3.0',
      'bob.next@1.0.0',
    ]);
    expect(ids(await search('?kernel=1.2.0'))).toEqual(['bob.next@2.0.0']);
    expect(ids(await search('?kernel=1.2.0&q=dashboard'))).toEqual([]);
  });

  test('bad filters are refused naming the parameter', async () => {
    const kernel = await registry.api.get('/api/v1/plugins?kernel=latest');
    expect(kernel.status).toBe(400);
    expect(kernel.body.errors).toEqual([{ pointer: '/query/kernel', detail: 'must be a semver version like 0.1.0' }]);
    const portal = await registry.api.get('/api/v1/plugins?portal=intranet');
    expect(portal.status).toBe(400);
    expect(portal.body.errors).toEqual([{ pointer: '/query/portal', detail: expect.stringContaining('"admin"') }]);
    const unknown = await registry.api.get('/api/v1/plugins?sort=downloads');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ pointer: '/query/sort', detail: 'is not an allowed property' }]);
  });
});

describe('plugin and version pages', () => {
  test('a plugin page shows the publisher, readme and every version newest first with its changelog', async () => {
    const { status, body } = await registry.api.get('/api/v1/plugins/acme.webhooks');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'acme.webhooks',
      name: 'Webhook forwarder',
      publisher: 'acme',
      latest: '1.1.0',
      readme: '# Webhook forwarder\n\nPosts selected events to a URL the tenant configures.\n',
    });
    const versions = body.versions as Record<string, unknown>[];
    expect(versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
    expect(versions[0]).toMatchObject({
      kernel: '^0.1.0',
      dependencies: {},
      capabilities: ['egress: hooks.example.com', 'events.subscribe: customer.*', 'events.subscribe: invoice.*'],
      changelog: '## 1.1.0\n\n- Invoice events.\n\n## 1.0.0\n\n- First release.\n',
      keyId: acme.keyId,
      deprecated: null,
      yanked: null,
      downloads: 0,
    });
    expect(versions[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(versions[0]?.publishedAt as string).getTime()).toBeGreaterThan(Date.now() - 600_000);
  });

  test('a version page carries its manifest', async () => {
    const { status, body } = await registry.api.get('/api/v1/plugins/bob.next/versions/2.0.0');
    expect(status).toBe(200);
    expect(body).toMatchObject({ pluginId: 'bob.next', version: '2.0.0', publisher: 'bob', kernel: '^1.0.0' });
    expect(body.manifest).toMatchObject({ id: 'bob.next', version: '2.0.0', engines: { kernel: '^1.0.0' } });
  });

  test('unknown plugins and versions are 404; malformed ones 400 naming the parameter', async () => {
    expect((await registry.api.get('/api/v1/plugins/acme.nothing')).status).toBe(404);
    const missing = await registry.api.get('/api/v1/plugins/acme.webhooks/versions/9.9.9');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('acme.webhooks@9.9.9 is not published here');
    const malformed = await registry.api.get('/api/v1/plugins/Acme_Hooks/versions/1.0');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([
      { pointer: '/params/id', detail: 'must be a reverse-DNS plugin id like acme.webhooks' },
      { pointer: '/params/version', detail: 'must be a semver version like 1.4.0' },
    ]);
  });
});

describe('downloads', () => {
  test('each package download is counted on the version, the plugin and the listing', async () => {
    const path = '/api/v1/plugins/bob.dashboard/versions/0.3.0/package';
    const downloads = await Promise.all([1, 2, 3].map(() => fetch(`${registry.url}${path}`)));
    for (const response of downloads) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/gzip');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="bob.dashboard-0.3.0.tgz"');
      await response.arrayBuffer();
    }
    const version = await registry.api.get('/api/v1/plugins/bob.dashboard/versions/0.3.0');
    expect(version.body.downloads).toBe(3);
    expect((await registry.api.get('/api/v1/plugins/bob.dashboard')).body.downloads).toBe(3);
    expect((await search('?q=dashboard'))[0]?.downloads).toBe(3);
  });
});

describe('deprecate and yank', () => {
  const base = '/api/v1/plugins/acme.webhooks/versions';

  test('the owner deprecates a version with a signed request; the version stays offered', async () => {
    const { status, body } = await registry.api.signedPost(
      `${base}/1.0.0/deprecate`,
      { message: 'Use 1.1.0: it also forwards invoice events.' },
      acme,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ version: '1.0.0', deprecated: 'Use 1.1.0: it also forwards invoice events.' });
    const page = await registry.api.get('/api/v1/plugins/acme.webhooks');
    expect((page.body.versions as { version: string; deprecated: string | null }[])[1]).toMatchObject({
      version: '1.0.0',
      deprecated: 'Use 1.1.0: it also forwards invoice events.',
    });
  });

  test('a yanked version is no longer latest, but stays listed and downloadable', async () => {
    const { status, body } = await registry.api.signedPost(
      `${base}/1.1.0/yank`,
      { reason: 'Forwards events of every tenant (CVE-2026-0001).' },
      acme,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ version: '1.1.0', yanked: 'Forwards events of every tenant (CVE-2026-0001).' });
    expect(ids(await search('?q=webhook'))).toEqual(['acme.webhooks@1.0.0']);
    const page = await registry.api.get('/api/v1/plugins/acme.webhooks');
    expect(page.body.latest).toBe('1.0.0');
    expect((page.body.versions as { yanked: string | null }[])[0]?.yanked).toMatch(/^Forwards events/);
    expect((await fetch(`${registry.url}${base}/1.1.0/package`)).status).toBe(200);
  });

  test('a plugin whose every version is yanked leaves the listing but keeps its page', async () => {
    const yanked = await registry.api.signedPost(
      '/api/v1/plugins/bob.dashboard/versions/0.3.0/yank',
      { reason: 'Withdrawn.' },
      bob,
    );
    expect(yanked.status).toBe(200);
    expect(ids(await search('?q=dashboard'))).toEqual([]);
    const page = await registry.api.get('/api/v1/plugins/bob.dashboard');
    expect(page.body).toMatchObject({ latest: null, name: 'Network Dashboard' });
  });

  test('a yank needs a reason', async () => {
    const { status, body } = await registry.api.signedPost(`${base}/1.0.0/yank`, {}, acme);
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ pointer: '/body/reason', detail: 'is required' }]);
  });

  test('requests not signed by the owner are refused and change nothing', async () => {
    const path = `${base}/1.0.0/yank`;
    const unsigned = await registry.api.postJson(path, { reason: 'x' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.detail).toMatch(/^the request is not signed: header x-dotmac-key-id, x-dotmac-timestamp/);

    const otherPublisher = await registry.api.signedPost(path, { reason: 'x' }, bob);
    expect(otherPublisher.status).toBe(403);
    expect(otherPublisher.body.detail).toBe(`key ${bob.keyId} belongs to publisher bob; only acme may do this`);

    const forgedBody = await registry.api.signedPost(path, { reason: 'ok' }, acme, { sentBody: { reason: 'evil' } });
    expect(forgedBody.status).toBe(401);
    expect(forgedBody.body.detail).toMatch(/does not verify with key/);

    const stale = await registry.api.signedPost(path, { reason: 'x' }, acme, {
      now: new Date(Date.now() - 10 * 60_000),
    });
    expect(stale.status).toBe(401);
    expect(stale.body.detail).toMatch(/more than 300 s from now/);

    const unknownKey = await registry.api.signedPost(path, { reason: 'x' }, acme, { keyId: '0123456789abcdef' });
    expect(unknownKey.status).toBe(401);
    expect(unknownKey.body.detail).toBe('key 0123456789abcdef is not a registered publisher key');

    const version = await registry.api.get(`${base}/1.0.0`);
    expect(version.body.yanked).toBeNull();
  });

  test('a signature for one path does not serve another', async () => {
    const headers = signRequest({
      method: 'POST',
      path: `${base}/1.0.0/deprecate`,
      body: JSON.stringify({ reason: 'x' }),
      keyId: acme.keyId,
      privateKeyPem: acme.privateKeyPem,
    });
    const replayed = await registry.api.postJson(`${base}/1.0.0/yank`, { reason: 'x' }, headers);
    expect(replayed.status).toBe(401);
    expect((await registry.api.get(`${base}/1.0.0`)).body.yanked).toBeNull();
  });
});

test('/openapi.json documents every route and /healthz answers', async () => {
  const { status, body } = await registry.api.get<{ paths: Record<string, unknown> }>('/openapi.json');
  expect(status).toBe(200);
  expect(Object.keys(body.paths)).toEqual(
    expect.arrayContaining([
      '/api/v1/publishers',
      '/api/v1/packages',
      '/api/v1/plugins/{id}/versions/{version}/package',
      '/api/v1/plugins/{id}/versions/{version}/yank',
    ]),
  );
  expect((await registry.api.get('/healthz')).body).toEqual({ status: 'ok' });
});

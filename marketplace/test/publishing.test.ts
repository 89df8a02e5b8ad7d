// Publishers and publishing on PostgreSQL: who may publish what, and every refusal of a package
// that is not exactly what its publisher signed.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  manifestOf,
  newPublisher,
  renameEntry,
  sha256,
  signedPackage,
  signedUnchecked,
  startTestRegistry,
  type TestRegistry,
  tamperedPackage,
  unsignedPackage,
} from './support.ts';

let registry: TestRegistry;
const acme = newPublisher('acme');
const bob = newPublisher('bob-networks');

beforeAll(async () => {
  registry = await startTestRegistry({ maxPackageBytes: 256 * 1024 });
  expect((await registry.api.register(acme)).status).toBe(201);
  expect((await registry.api.register(bob)).status).toBe(201);
});

afterAll(async () => {
  await registry?.close();
});

/** The versions stored for a plugin, straight from the database. */
async function storedVersions(pluginId: string): Promise<{ version: string; sha256: string }[]> {
  return registry.sql('select version, sha256 from marketplace.version where plugin_id = $1', [pluginId]);
}

describe('publishers', () => {
  test('registering a publisher answers its name and key id', async () => {
    const carol = newPublisher('carol');
    const { status, body } = await registry.api.register(carol);
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'carol', keys: [{ keyId: carol.keyId, publicKey: carol.publicKey }] });
    const lookedUp = await registry.api.get('/api/v1/publishers/carol');
    expect(lookedUp.body).toMatchObject({ name: 'carol', keys: [{ keyId: carol.keyId }] });
  });

  test('a malformed name is refused naming the field and the rule', async () => {
    for (const name of ['A', 'Acme', '-acme', 'acme-', 'a'.repeat(41), 'ac me']) {
      const { status, body } = await registry.api.register({ ...newPublisher('x'), name });
      expect(status, name).toBe(400);
      expect(body.errors).toEqual([{ pointer: '/body/name', detail: expect.stringContaining('2 to 40 lowercase') }]);
    }
  });

  test('a public key that is not ed25519:<32 bytes base64url> is refused naming the field', async () => {
    for (const publicKey of ['ssh-ed25519 AAAA', 'ed25519:abc', `ed25519:${randomBytes(33).toString('base64url')}`]) {
      const { status, body } = await registry.api.postJson('/api/v1/publishers', { name: 'dave', publicKey });
      expect(status, publicKey).toBe(400);
      expect(body.errors).toEqual([{ pointer: '/body/publicKey', detail: expect.stringContaining('ed25519:') }]);
    }
    expect((await registry.api.get('/api/v1/publishers/dave')).status).toBe(404);
  });

  test('a taken name is refused with 409, and so is a key registered to another name', async () => {
    const again = await registry.api.register({ ...newPublisher('acme') });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('publisher name acme is taken');
    const sameKey = await registry.api.register({ ...acme, name: 'acme-two' });
    expect(sameKey.status).toBe(409);
    expect(sameKey.body.detail).toContain(`key ${acme.keyId} is already registered`);
    expect((await registry.api.get('/api/v1/publishers/acme-two')).status).toBe(404);
  });

  test('a publisher adds a key with a request signed by a key it has', async () => {
    const erin = newPublisher('erin');
    await registry.api.register(erin);
    const second = newPublisher('erin');
    const refused = await registry.api.signedPost('/api/v1/publishers/erin/keys', { publicKey: second.publicKey }, bob);
    expect(refused.status).toBe(403);
    const added = await registry.api.signedPost('/api/v1/publishers/erin/keys', { publicKey: second.publicKey }, erin);
    expect(added.status).toBe(201);
    expect((added.body.keys as { keyId: string }[]).map((k) => k.keyId)).toEqual([erin.keyId, second.keyId]);
    // The new key now signs packages of erin.
    const published = await registry.api.publish(await signedPackage(manifestOf('erin.tool', '1.0.0'), second));
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ publisher: 'erin', keyId: second.keyId });
  });
});

describe('revoking a key', () => {
  test('a revoked key signs no package and no request; the last key cannot be revoked', async () => {
    const frank = newPublisher('frank');
    await registry.api.register(frank);
    const lastKey = await registry.api.signedPost(
      `/api/v1/publishers/frank/keys/${frank.keyId}/revoke`,
      { reason: 'rotating' },
      frank,
    );
    expect(lastKey.status).toBe(409);
    expect(lastKey.body.detail).toBe(`key ${frank.keyId} is frank's last key: add another before revoking it`);

    const second = newPublisher('frank');
    expect(
      (await registry.api.signedPost('/api/v1/publishers/frank/keys', { publicKey: second.publicKey }, frank)).status,
    ).toBe(201);
    const revoked = await registry.api.signedPost(
      `/api/v1/publishers/frank/keys/${frank.keyId}/revoke`,
      { reason: 'laptop stolen' },
      second,
    );
    expect(revoked.status).toBe(200);
    expect((revoked.body.keys as { keyId: string }[]).map((k) => k.keyId)).toEqual([second.keyId]);
    expect(revoked.body.revokedKeys).toMatchObject([{ keyId: frank.keyId, reason: 'laptop stolen' }]);

    // What the stolen key signs now is refused, packages and requests alike.
    const stolen = await registry.api.publish(await signedPackage(manifestOf('frank.tool', '1.0.0'), frank));
    expect(stolen.status).toBe(400);
    expect(stolen.body.detail).toMatch(/^untrusted: /);
    const request = await registry.api.signedPost(
      `/api/v1/publishers/frank/keys/${second.keyId}/revoke`,
      { reason: 'taking over' },
      frank,
    );
    expect(request.status).toBe(401);
    expect((await registry.api.get('/api/v1/publishers/frank')).body.keys).toEqual([
      { keyId: second.keyId, publicKey: second.publicKey },
    ]);
    // The key still in use publishes.
    const published = await registry.api.publish(await signedPackage(manifestOf('frank.tool', '1.0.0'), second));
    expect(published.status).toBe(201);
  });
});

describe('publishing', () => {
  test('a signed package is stored and answered with who signed it and its digest', async () => {
    const tgz = await signedPackage(manifestOf('acme.webhooks', '1.0.0'), acme);
    const { status, body } = await registry.api.publish(tgz);
    expect(status).toBe(201);
    expect(body).toEqual({
      pluginId: 'acme.webhooks',
      version: '1.0.0',
      publisher: 'acme',
      keyId: acme.keyId,
      sha256: sha256(tgz),
    });
    const download = await fetch(`${registry.url}/api/v1/plugins/acme.webhooks/versions/1.0.0/package`);
    expect(Buffer.from(await download.arrayBuffer()).equals(tgz)).toBe(true);
  });

  test('a version that exists is refused with 409 and the stored bytes stay', async () => {
    const first = await signedPackage(manifestOf('acme.immutable', '1.0.0'), acme);
    expect((await registry.api.publish(first)).status).toBe(201);
    const changed = await signedPackage(manifestOf('acme.immutable', '1.0.0'), acme, {
      files: { 'dist/server.js': 'export default { changed: true };\n' },
    });
    const { status, body } = await registry.api.publish(changed);
    expect(status).toBe(409);
    expect(body.detail).toBe(
      'acme.immutable@1.0.0 is already published; versions are immutable, publish a new version',
    );
    expect(await storedVersions('acme.immutable')).toEqual([{ version: '1.0.0', sha256: sha256(first) }]);
  });

  test('the database itself refuses to change a published version’s bytes', async () => {
    await registry.api.publish(await signedPackage(manifestOf('acme.locked', '1.0.0'), acme));
    await expect(
      registry.sql(`update marketplace.version set package = '\\x00' where plugin_id = 'acme.locked'`),
    ).rejects.toThrow('version acme.locked@1.0.0 is immutable');
  });

  test('another publisher cannot publish a version of an owned plugin id (403)', async () => {
    await registry.api.publish(await signedPackage(manifestOf('acme.owned', '1.0.0'), acme));
    const { status, body } = await registry.api.publish(await signedPackage(manifestOf('acme.owned', '1.1.0'), bob));
    expect(status).toBe(403);
    expect(body.detail).toBe('plugin acme.owned belongs to publisher acme; bob-networks cannot publish versions of it');
    expect((await storedVersions('acme.owned')).map((v) => v.version)).toEqual(['1.0.0']);
  });

  describe('packages that are not what the publisher signed are refused naming the check, and nothing is stored', () => {
    test('unsigned', async () => {
      const { status, body } = await registry.api.publish(await unsignedPackage(manifestOf('acme.unsigned', '1.0.0')));
      expect(status).toBe(400);
      expect(body.detail).toMatch(/^unsigned: acme\.unsigned@1\.0\.0 is not signed/);
      expect(await storedVersions('acme.unsigned')).toEqual([]);
    });

    test('one byte of the bundle changed after signing', async () => {
      const signed = await signedPackage(manifestOf('acme.tampered', '1.0.0'), acme);
      const tampered = await tamperedPackage(signed, (files) => {
        const bundle = Buffer.from(files.get('dist/server.js') as Buffer);
        bundle[0] = (bundle[0] as number) ^ 1;
        files.set('dist/server.js', bundle);
      });
      const { status, body } = await registry.api.publish(tampered);
      expect(status).toBe(400);
      expect(body.detail).toMatch(/^checksums: dist\/server\.js does not match checksums\.json/);
      expect(body.errors).toEqual([{ pointer: '/package/dist/server.js', detail: expect.any(String) }]);
      expect(await storedVersions('acme.tampered')).toEqual([]);
    });

    test('the bundle and checksums.json changed after signing', async () => {
      const signed = await signedPackage(manifestOf('acme.resigned', '1.0.0'), acme);
      const tampered = await tamperedPackage(signed, (files) => {
        const bundle = Buffer.from('export default { evil: true };\n');
        files.set('dist/server.js', bundle);
        const checksums = JSON.parse((files.get('checksums.json') as Buffer).toString());
        checksums['dist/server.js'] = sha256(bundle);
        files.set('checksums.json', Buffer.from(`${JSON.stringify(checksums, null, 2)}\n`));
      });
      const { status, body } = await registry.api.publish(tampered);
      expect(status).toBe(400);
      expect(body.detail).toMatch(/^signature: the signature of acme\.resigned@1\.0\.0 .* does not verify/);
      expect(await storedVersions('acme.resigned')).toEqual([]);
    });

    test('signed by the key of another publisher', async () => {
      const forged = await signedPackage(manifestOf('acme.forged', '1.0.0'), bob, { claiming: 'acme' });
      const { status, body } = await registry.api.publish(forged);
      expect(status).toBe(400);
      expect(body.detail).toBe(
        `untrusted: acme.forged@1.0.0 is signed by publisher "acme" with key ${bob.keyId}, which is not among the trusted keys`,
      );
      expect(await storedVersions('acme.forged')).toEqual([]);
    });

    test('signed by a key no publisher registered', async () => {
      const stranger = newPublisher('acme');
      const { status, body } = await registry.api.publish(
        await signedPackage(manifestOf('acme.stranger', '1.0.0'), stranger),
      );
      expect(status).toBe(400);
      expect(body.detail).toMatch(/^untrusted: /);
      expect(await storedVersions('acme.stranger')).toEqual([]);
    });

    test('a tar entry escaping the package folder (../../etc/passwd)', async () => {
      const signed = await signedPackage(manifestOf('acme.traversal', '1.0.0'), acme, {
        files: { 'aa/aa/etc/passwd': 'root:x:0:0::/root:/bin/sh\n' },
      });
      const evil = await renameEntry(signed, 'aa/aa/etc/passwd', '../../etc/passwd');
      const { status, body } = await registry.api.publish(evil);
      expect(status).toBe(400);
      expect(body.detail).toBe('archive: entry "../../etc/passwd" has a .. segment in its path');
      expect(body.errors).toEqual([{ pointer: '/package/../../etc/passwd', detail: expect.any(String) }]);
      expect(await storedVersions('acme.traversal')).toEqual([]);
    });

    test('an invalid manifest, naming the field', async () => {
      const { status, body } = await registry.api.publish(
        await signedUnchecked(manifestOf('acme.badmanifest', '1.0.0', { engines: { kernel: 'latest' } }), acme),
      );
      expect(status).toBe(400);
      expect(body.detail).toMatch(/^manifest: /);
      expect(body.errors).toContainEqual(expect.objectContaining({ pointer: '/engines/kernel' }));
      expect(await storedVersions('acme.badmanifest')).toEqual([]);
    });

    test('not a gzip at all, or sent as JSON', async () => {
      const garbage = await registry.api.publish(Buffer.from('not a package'));
      expect(garbage.status).toBe(400);
      expect(garbage.body.detail).toMatch(/^archive: the package is not a gzip file/);
      const json = await registry.api.publish(Buffer.from('{}'), 'application/json');
      expect(json.status).toBe(400);
      expect(json.body.errors).toEqual([
        { pointer: '/headers/content-type', detail: 'must be application/gzip (got application/json)' },
      ]);
    });
  });

  test('an oversized upload is refused with 413 naming the limit, declared or streamed', async () => {
    const big = await signedPackage(manifestOf('acme.big', '1.0.0'), acme, {
      files: { 'dist/blob.bin': randomBytes(300 * 1024) },
    });
    const declared = await registry.api.publish(big);
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({
      title: 'Request too large',
      detail: 'the package is larger than 262144 bytes (0.25 MiB), the most this registry accepts',
    });
    const streamed = await fetch(`${registry.url}/api/v1/packages`, {
      method: 'POST',
      headers: { 'content-type': 'application/gzip' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { detail: string }).detail).toBe(
      'the package is larger than 262144 bytes (0.25 MiB), the most this registry accepts',
    );
    expect(await storedVersions('acme.big')).toEqual([]);
  });

  test('concurrent publishes of one version: exactly one wins, the others get 409', async () => {
    const packages = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        signedPackage(manifestOf('acme.race', '1.0.0'), acme, { files: { 'README.md': `# Race ${n}\n` } }),
      ),
    );
    const answers = await Promise.all(packages.map((tgz) => registry.api.publish(tgz)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 201);
    const stored = await storedVersions('acme.race');
    expect(stored).toEqual([{ version: '1.0.0', sha256: winner?.body.sha256 }]);
  });

  test('two publishers claiming one new plugin id at once: one owns it, the other gets 403', async () => {
    const answers = await Promise.all([
      registry.api.publish(await signedPackage(manifestOf('shared.name', '1.0.0'), acme)),
      registry.api.publish(await signedPackage(manifestOf('shared.name', '1.0.1'), bob)),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 403]);
    const [owner] = await registry.sql<{ owner: string }>(
      `select owner from marketplace.plugin where id = 'shared.name'`,
    );
    const winner = answers.find((a) => a.status === 201);
    expect(owner?.owner).toBe(winner?.body.publisher);
    expect(await storedVersions('shared.name')).toHaveLength(1);
  });
});

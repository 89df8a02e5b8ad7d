// Specification of plugin packages: what a .tgz must be to be read, how tampering, a missing or
// foreign signature and hostile archives are refused (naming the check), and signed requests.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as tar from 'tar';
import { describe, expect, test } from 'vitest';
import { UnauthorizedError, ValidationError } from '../../src/errors.ts';
import { parseManifest } from '../../src/plugins/manifest.ts';
import {
  CHECKSUMS_FILE,
  capabilitySummary,
  DEFAULT_PACKAGE_LIMITS,
  generateKeyPair,
  keyIdOf,
  type PackageCheck,
  PackageError,
  readPackage,
  SIGNATURE_FILE,
  signPackage,
  signRequest,
  verifyRequest,
  verifySignature,
  writePackage,
} from '../../src/plugins/package.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The smallest valid manifest. */
function manifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'acme.hooks',
    version: '1.2.0',
    name: 'Hooks',
    description: 'Posts selected events to a URL the tenant configures.',
    publisher: 'Acme',
    engines: { kernel: '^0.1.0' },
    ...overrides,
  };
}

/** The files of a package, as pack lays them out (without checksums.json). */
function pluginFiles(plugin: Record<string, unknown> = manifest()): Map<string, Buffer> {
  return new Map([
    ['plugin.json', Buffer.from(`${JSON.stringify(plugin, null, 2)}\n`)],
    ['dist/server.js', Buffer.from('export default { async onEvent() {} };\n')],
    ['README.md', Buffer.from('# Hooks\n\nForwards events.\n')],
    ['CHANGELOG.md', Buffer.from('## 1.2.0\n\n- First release.\n')],
  ]);
}

function checksumsOf(files: ReadonlyMap<string, Buffer>): Buffer {
  const sums = Object.fromEntries([...files.keys()].sort().map((path) => [path, sha256(files.get(path) as Buffer)]));
  return Buffer.from(`${JSON.stringify(sums, null, 2)}\n`);
}

/** What `dotmac-plugin pack` makes of `files`. */
function pack(files: ReadonlyMap<string, Buffer> = pluginFiles()): Promise<Buffer> {
  return writePackage(new Map([...files, [CHECKSUMS_FILE, checksumsOf(files)]]));
}

/** A copy of `bytes` with the bits of `mask` flipped in the byte at `offset` (wrapped to its length). */
function withFlippedByte(bytes: Buffer, offset: number, mask: number): Buffer {
  const copy = Buffer.from(bytes);
  const at = offset % copy.length;
  copy.writeUInt8(copy.readUInt8(at) ^ mask, at);
  return copy;
}

interface RawEntry {
  readonly path: string;
  readonly type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice';
  readonly data?: Buffer;
  readonly linkpath?: string;
}

/** A .tgz written header by header, so it can hold what writePackage refuses to write. */
function rawTgz(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { path, type = 'File', data = Buffer.alloc(0), linkpath } of entries) {
    const header = new tar.Header({ path, type, size: type === 'File' ? data.length : 0, mode: 0o644, linkpath });
    header.encode();
    blocks.push(header.block as Buffer);
    if (type === 'File') blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A valid package's entries (checksums included) followed by `extra`. */
function withValidEntries(...extra: RawEntry[]): Buffer {
  const files = pluginFiles();
  const valid = [...files, [CHECKSUMS_FILE, checksumsOf(files)] as const].map(([path, data]) => ({ path, data }));
  return rawTgz([...valid, ...extra]);
}

/** The PackageError `work` rejects with, after checking that it names `check`. */
async function refusal(work: Promise<unknown> | (() => unknown), check: PackageCheck): Promise<PackageError> {
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    error = e;
  }
  expect(error, `expected a refusal by the ${check} check`).toBeInstanceOf(PackageError);
  const packageError = error as PackageError;
  expect(packageError.check, packageError.message).toBe(check);
  expect(packageError.message.startsWith(`${check}: `)).toBe(true);
  return packageError;
}

describe('reading a package', () => {
  test('a packed package gives back its manifest, files, checksums, changelog and digest', async () => {
    const files = pluginFiles();
    const tgz = await pack(files);
    const pkg = await readPackage(tgz);
    expect(pkg.manifest.id).toBe('acme.hooks');
    expect(pkg.manifest.version).toBe('1.2.0');
    expect([...pkg.files.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [path, bytes] of files) expect(pkg.files.get(path)?.equals(bytes)).toBe(true);
    expect(pkg.checksums['dist/server.js']).toBe(sha256(files.get('dist/server.js') as Buffer));
    expect(pkg.checksumsBytes.equals(checksumsOf(files))).toBe(true);
    expect(pkg.changelog).toContain('First release');
    expect(pkg.signature).toBeUndefined();
    expect(pkg.sha256).toBe(sha256(tgz));
  });

  test('directory entries are accepted and ignored', async () => {
    const pkg = await readPackage(withValidEntries({ path: 'dist/', type: 'Directory' }));
    expect(pkg.files.has('dist/')).toBe(false);
  });

  test('a file whose bytes changed after packing is refused by the checksums check, naming it', async () => {
    const files = pluginFiles();
    const checksums = checksumsOf(files);
    const server = withFlippedByte(files.get('dist/server.js') as Buffer, 7, 0x01);
    const tampered = await writePackage(new Map([...files, ['dist/server.js', server], [CHECKSUMS_FILE, checksums]]));
    const error = await refusal(readPackage(tampered), 'checksums');
    expect(error.message).toBe(
      'checksums: dist/server.js does not match checksums.json (the package was changed after it was packed)',
    );
    expect(error.errors).toEqual([{ pointer: '/package/dist/server.js', detail: expect.any(String) }]);
    expect(error).toBeInstanceOf(ValidationError);
  });

  test('any single changed byte in any file is caught', async () => {
    const files = pluginFiles();
    const checksums = checksumsOf(files);
    const paths = [...files.keys()];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (path, offset, flip) => {
          const bytes = withFlippedByte(files.get(path) as Buffer, offset, flip);
          const tgz = await writePackage(new Map([...files, [path, bytes], [CHECKSUMS_FILE, checksums]]));
          const error = await refusal(readPackage(tgz), 'checksums');
          expect(error.message).toContain(path);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('a file not listed in checksums.json, or listed but absent, is refused by the checksums check', async () => {
    const files = pluginFiles();
    const checksums = checksumsOf(files);
    const extra = await writePackage(
      new Map([...files, ['dist/extra.js', Buffer.from('1')], [CHECKSUMS_FILE, checksums]]),
    );
    expect((await refusal(readPackage(extra), 'checksums')).message).toContain(
      'dist/extra.js is in the package but not in checksums.json',
    );
    const fewer = new Map(files);
    fewer.delete('CHANGELOG.md');
    const missing = await writePackage(new Map([...fewer, [CHECKSUMS_FILE, checksums]]));
    expect((await refusal(readPackage(missing), 'checksums')).message).toContain(
      'CHANGELOG.md is listed in checksums.json but missing from the package',
    );
    const none = await writePackage(files);
    expect((await refusal(readPackage(none), 'checksums')).message).toContain('checksums.json is missing');
  });

  test('a checksums.json that is not a map of path to SHA-256 is refused', async () => {
    const files = pluginFiles();
    for (const bad of ['[]', '{"plugin.json": 42}', '{"plugin.json": "ABC"}', 'not json']) {
      const tgz = await writePackage(new Map([...files, [CHECKSUMS_FILE, Buffer.from(bad)]]));
      await refusal(readPackage(tgz), 'checksums');
    }
  });

  test('an invalid plugin.json is refused by the manifest check with its field problems', async () => {
    const error = await refusal(readPackage(await pack(pluginFiles(manifest({ version: 'one' })))), 'manifest');
    expect(error.errors.some((p) => p.pointer === '/version')).toBe(true);
    const notJson = pluginFiles();
    notJson.set('plugin.json', Buffer.from('{'));
    expect((await refusal(readPackage(await pack(notJson)), 'manifest')).message).toContain(
      'plugin.json is not valid JSON',
    );
    const absent = pluginFiles();
    absent.delete('plugin.json');
    expect((await refusal(readPackage(await pack(absent)), 'manifest')).message).toContain('plugin.json is missing');
  });

  test('a package without its server bundle is refused', async () => {
    const files = pluginFiles();
    files.delete('dist/server.js');
    expect((await refusal(readPackage(await pack(files)), 'archive')).message).toContain('dist/server.js is missing');
  });
});

describe('hostile archives', () => {
  const passwd = Buffer.from('root:x:0:0::/root:/bin/sh\n');

  test.each([
    ['../../etc/passwd', 'has a .. segment'],
    ['dist/../../etc/passwd', 'has a .. segment'],
    ['/etc/passwd', 'has an absolute path'],
    ['C:/Windows/evil.dll', 'has an absolute path'],
    ['dist\\..\\evil.js', 'has a backslash'],
    ['./dist/evil.js', 'not normalised'],
    ['dist//evil.js', 'not normalised'],
  ])('entry %s is refused by the archive check, naming it', async (path, why) => {
    const error = await refusal(readPackage(withValidEntries({ path, data: passwd })), 'archive');
    expect(error.message).toContain(JSON.stringify(path));
    expect(error.message).toContain(why);
    expect(error.errors[0]?.pointer).toBe(`/package/${path}`);
  });

  test('a path traversal is refused even when it is the only entry', async () => {
    const error = await refusal(readPackage(rawTgz([{ path: '../../etc/passwd', data: passwd }])), 'archive');
    expect(error.message).toBe('archive: entry "../../etc/passwd" has a .. segment in its path');
  });

  test.each([
    ['SymbolicLink', { path: 'dist/link.js', type: 'SymbolicLink', linkpath: '/etc/passwd' }],
    ['Link', { path: 'dist/hard.js', type: 'Link', linkpath: 'dist/server.js' }],
    ['CharacterDevice', { path: 'dist/tty', type: 'CharacterDevice' }],
  ] as const)('a %s entry is refused by the archive check', async (type, entry) => {
    const error = await refusal(readPackage(withValidEntries(entry)), 'archive');
    expect(error.message).toContain(`is a ${type}; a package holds only plain files`);
    expect(error.message).toContain(entry.path);
  });

  test('an entry that appears twice is refused', async () => {
    const error = await refusal(
      readPackage(withValidEntries({ path: 'README.md', data: Buffer.from('other') })),
      'archive',
    );
    expect(error.message).toContain('"README.md" appears twice');
  });

  test('bytes that are not a gzip tar are refused by the archive check', async () => {
    expect((await refusal(readPackage(Buffer.from('PK\x03\x04 a zip')), 'archive')).message).toContain(
      'not a gzip file',
    );
    expect((await refusal(readPackage(gzipSync(Buffer.from('hello'))), 'archive')).message).toContain(
      'not a tar archive',
    );
    const tgz = await pack();
    expect((await refusal(readPackage(tgz.subarray(0, tgz.length - 20)), 'archive')).message).toContain(
      'not a valid gzip',
    );
    const tarInTar = gzipSync(await pack());
    await refusal(readPackage(tarInTar), 'archive');
  });

  test('a package larger than maxBytes is refused by the size check before it is unpacked', async () => {
    const tgz = await pack();
    const error = await refusal(readPackage(tgz, { maxBytes: tgz.length - 1 }), 'size');
    expect(error.message).toBe(`size: the package is ${tgz.length} bytes; at most ${tgz.length - 1} are accepted`);
  });

  test('more entries than maxFiles are refused by the size check', async () => {
    await refusal(readPackage(await pack(), { maxFiles: 3 }), 'size');
  });

  test('files summing to more than maxUnpackedBytes are refused by the size check', async () => {
    const files = pluginFiles();
    files.set('dist/server.js', Buffer.alloc(64 * 1024, 'x'));
    const error = await refusal(readPackage(await pack(files), { maxUnpackedBytes: 32 * 1024 }), 'size');
    expect(error.message).toContain('unpacks to more than 32768 bytes');
  });

  test('a gzip bomb is refused by the size check while unpacking, without inflating it all', async () => {
    // 1 GiB of zeros behind one tar header, as 1024 concatenated gzip members of 1 MiB each
    // (gunzip reads them as one stream): about 1 MiB on the wire. Inflating it all would take
    // seconds and a gibibyte of memory; the refusal comes after the first few mebibytes.
    const header = new tar.Header({ path: 'dist/server.js', type: 'File', size: 1024 ** 3, mode: 0o644 });
    header.encode();
    const mebibyteOfZeros = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat([gzipSync(header.block as Buffer), ...Array(1024).fill(mebibyteOfZeros)]);
    expect(bomb.length).toBeLessThan(DEFAULT_PACKAGE_LIMITS.maxBytes);
    const started = performance.now();
    const error = await refusal(readPackage(bomb, { maxUnpackedBytes: 1024 * 1024 }), 'size');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.message).toBe('size: the package unpacks to more than 1048576 bytes');
  });
});

describe('signatures', () => {
  const acme = generateKeyPair();
  const other = generateKeyPair();
  const trusted = [{ publisher: 'acme', publicKey: acme.publicKey }];

  test('a key pair is an ed25519: public key with a 16-hex key id and a PKCS#8 PEM private key', () => {
    expect(acme.publicKey).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
    expect(acme.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    const raw = Buffer.from(acme.publicKey.slice('ed25519:'.length), 'base64url');
    expect(keyIdOf(acme.publicKey)).toBe(sha256(raw).slice(0, 16));
    expect(keyIdOf(acme.publicKey)).not.toBe(keyIdOf(other.publicKey));
  });

  test('a malformed public key is refused with a field problem', () => {
    for (const bad of ['ed25519:short', 'rsa:AAAA', `ed25519:${'A'.repeat(44)}`]) {
      expect(() => keyIdOf(bad)).toThrow(ValidationError);
    }
  });

  test('a signed package verifies against the trusted key and names its signer', async () => {
    const signed = await signPackage(await pack(), acme.privateKeyPem, 'acme');
    const pkg = await readPackage(signed);
    expect(pkg.signature).toMatchObject({ algorithm: 'ed25519', publisher: 'acme', keyId: keyIdOf(acme.publicKey) });
    expect(pkg.files.has(SIGNATURE_FILE)).toBe(false);
    expect(verifySignature(pkg, [...trusted, { publisher: 'other', publicKey: other.publicKey }])).toEqual({
      publisher: 'acme',
      keyId: keyIdOf(acme.publicKey),
    });
  });

  test('signing is deterministic and keeps every file and checksums.json as packed', async () => {
    const tgz = await pack();
    const signed = await signPackage(tgz, acme.privateKeyPem, 'acme');
    expect((await signPackage(tgz, acme.privateKeyPem, 'acme')).equals(signed)).toBe(true);
    const [before, after] = [await readPackage(tgz), await readPackage(signed)];
    expect(after.checksumsBytes.equals(before.checksumsBytes)).toBe(true);
    expect([...after.files.keys()]).toEqual([...before.files.keys()]);
  });

  test('signing re-checks the package first', async () => {
    const files = pluginFiles();
    const checksums = checksumsOf(files);
    files.set('dist/server.js', Buffer.from('changed'));
    const tampered = await writePackage(new Map([...files, [CHECKSUMS_FILE, checksums]]));
    await refusal(signPackage(tampered, acme.privateKeyPem, 'acme'), 'checksums');
  });

  test('an unsigned package is refused by the unsigned check', async () => {
    const error = await refusal(async () => verifySignature(await readPackage(await pack()), trusted), 'unsigned');
    expect(error.message).toContain('acme.hooks@1.2.0 is not signed');
  });

  test('a package signed by a key that is not trusted is refused by the untrusted check', async () => {
    const foreign = await readPackage(await signPackage(await pack(), other.privateKeyPem, 'acme'));
    const error = await refusal(() => verifySignature(foreign, trusted), 'untrusted');
    expect(error.message).toContain(keyIdOf(other.publicKey));
    // The trusted key, but claimed for another publisher.
    const impostor = await readPackage(await signPackage(await pack(), acme.privateKeyPem, 'evil'));
    expect((await refusal(() => verifySignature(impostor, trusted), 'untrusted')).message).toContain(
      'publisher "evil"',
    );
  });

  test('a package changed after signing, checksums.json included, is refused by the signature check', async () => {
    const pkg = await readPackage(await signPackage(await pack(), acme.privateKeyPem, 'acme'));
    // The attacker changes the bundle and recomputes checksums.json to match: the checksums
    // check passes, the signature over checksums.json does not.
    const files = new Map(pkg.files);
    files.set('dist/server.js', Buffer.from('steal()'));
    const signature = Buffer.from(`${JSON.stringify(pkg.signature, null, 2)}\n`);
    const tampered = await writePackage(
      new Map([...files, [CHECKSUMS_FILE, checksumsOf(files)], [SIGNATURE_FILE, signature]]),
    );
    const read = await readPackage(tampered);
    const error = await refusal(() => verifySignature(read, trusted), 'signature');
    expect(error.message).toContain('was changed after it was signed');
  });

  test('a malformed signature.json is refused by the signature check', async () => {
    const files = pluginFiles();
    const bad = Buffer.from(JSON.stringify({ algorithm: 'rsa', publisher: 'acme', keyId: 'x', signature: 'y' }));
    const tgz = await writePackage(new Map([...files, [CHECKSUMS_FILE, checksumsOf(files)], [SIGNATURE_FILE, bad]]));
    expect((await refusal(readPackage(tgz), 'signature')).message).toContain('only "ed25519"');
  });
});

describe('writing a package', () => {
  test('reading a package and writing its files back gives the same bytes', async () => {
    const tgz = await signPackage(await pack(), generateKeyPair().privateKeyPem, 'acme');
    const pkg = await readPackage(tgz);
    const signature = Buffer.from(`${JSON.stringify(pkg.signature, null, 2)}\n`);
    const again = await writePackage(
      new Map([...pkg.files, [CHECKSUMS_FILE, pkg.checksumsBytes], [SIGNATURE_FILE, signature]]),
    );
    expect(again.equals(tgz)).toBe(true);
  });

  test('the same files give the same bytes whatever order they are given in', async () => {
    const files = [...pluginFiles(), [CHECKSUMS_FILE, checksumsOf(pluginFiles())] as const];
    const forward = await writePackage(new Map(files));
    const backward = await writePackage(new Map([...files].reverse()));
    expect(backward.equals(forward)).toBe(true);
  });

  test("the bytes are those of tar.create with pack's conventions, long paths included", async () => {
    const files = pluginFiles();
    files.set(`dist/ui/${'a'.repeat(120)}/chunk.js`, Buffer.alloc(1500, 'c'));
    files.set(`dist/ui/${'b'.repeat(200)}.js`, Buffer.from('b'));
    files.set('dist/ui/é.js', Buffer.from(''));
    const staging = await mkdtemp(join(tmpdir(), 'dotmac-package-test-'));
    try {
      const names = [...files.keys()].sort();
      for (const name of names) {
        const path = join(staging, 'root', name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, files.get(name) as Buffer);
        await chmod(path, 0o644);
        await utimes(path, new Date('2000-01-01T00:00:00Z'), new Date('2000-01-01T00:00:00Z'));
      }
      const file = join(staging, 'out.tgz');
      await tar.create(
        {
          cwd: join(staging, 'root'),
          file,
          gzip: { level: 9 },
          portable: true,
          mtime: new Date('2000-01-01T00:00:00Z'),
          noDirRecurse: true,
        },
        names,
      );
      expect((await writePackage(files)).equals(await readFile(file))).toBe(true);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  });

  test('a path that could escape the package is refused when writing too', async () => {
    await refusal(writePackage(new Map([['../evil.js', Buffer.from('')]])), 'archive');
  });
});

describe('capability summary', () => {
  test('a manifest without capabilities asks for nothing', () => {
    expect(capabilitySummary(parseManifest(manifest(), 'plugin.json'))).toEqual([]);
  });

  test('every capability the manifest declares appears once, sorted', () => {
    const full = parseManifest(
      manifest({
        dependencies: { 'dotmac.customers': '^1.0.0' },
        capabilities: {
          db: true,
          events: {
            publish: [{ name: 'hooks.delivered', description: 'A hook was delivered.', schema: { type: 'object' } }],
            subscribe: ['customer.*', 'invoice.**'],
          },
          http: {
            routes: [
              {
                method: 'GET',
                path: '/hooks',
                summary: 'Hooks',
                responses: { '200': { description: 'ok' } },
                public: true,
              },
              {
                method: 'POST',
                path: '/hooks',
                summary: 'Add',
                responses: { '201': { description: 'ok' } },
                public: true,
              },
            ],
          },
          jobs: [{ name: 'retry-failed', cron: '0,30 * * * *' }],
          config: { type: 'object', properties: { url: { type: 'string', description: 'Where to post.' } } },
          secrets: [{ name: 'SIGNING_KEY', description: 'HMAC key.' }],
          egress: [{ host: 'hooks.example.com' }, { host: '*.example.net', ports: [443, 8443] }, { config: 'url' }],
          datagram: { ports: [3799, 1700] },
          services: {
            exports: [
              { name: 'deliver', description: 'Deliver now.', input: { type: 'object' }, output: { type: 'object' } },
            ],
            calls: ['dotmac.customers.lookup'],
          },
        },
        ui: [
          { portal: 'admin', slot: 'route', path: '/hooks', module: './Hooks' },
          { portal: 'admin', slot: 'nav', path: '/hooks', title: 'Hooks' },
          { portal: 'customer', slot: 'settings-panel', path: '/settings', module: './Settings' },
        ],
      }),
      'plugin.json',
    );
    const summary = capabilitySummary(full);
    expect(summary).toEqual([
      'config',
      'datagram: udp ports 1700 3799',
      'db',
      'egress: *.example.net (ports 443 8443)',
      'egress: hooks.example.com',
      'egress: the URL each tenant sets in config url',
      'events.publish: hooks.delivered',
      'events.subscribe: customer.*',
      'events.subscribe: invoice.**',
      'http routes: 2',
      'jobs: retry-failed',
      'secrets: SIGNING_KEY',
      'services.call: dotmac.customers.lookup',
      'services.export: acme.hooks.deliver',
      'ui: admin',
      'ui: customer',
    ]);
    for (const line of summary) expect(line).not.toContain(',');
  });

  test('the outage-notices contrib plugin asks for its db, events, routes, job and admin UI', async () => {
    const json = JSON.parse(
      await readFile(new URL('../../../plugins-contrib/outage-notices/plugin.json', import.meta.url), 'utf8'),
    );
    expect(capabilitySummary(parseManifest(json, 'plugin.json'))).toEqual([
      'db',
      'events.publish: outage.posted',
      'events.subscribe: outage.posted',
      'http routes: 2',
      'jobs: expire-notices',
      'ui: admin',
    ]);
  });
});

describe('signed registry requests', () => {
  const acme = generateKeyPair();
  const keyId = keyIdOf(acme.publicKey);
  const now = new Date('2025-03-01T12:00:00.000Z');
  const path = '/api/v1/plugins/acme.hooks/versions/1.2.0/yank';
  const body = JSON.stringify({ reason: 'leaks tokens' });
  const publicKeyOf = (id: string) => (id === keyId ? acme.publicKey : undefined);
  const signed = (overrides: Partial<Parameters<typeof signRequest>[0]> = {}) =>
    signRequest({ method: 'POST', path, body, keyId, privateKeyPem: acme.privateKeyPem, now, ...overrides });

  test('a signed request verifies and names its key', async () => {
    const headers = signed();
    expect(headers).toEqual({
      'x-dotmac-key-id': keyId,
      'x-dotmac-timestamp': '2025-03-01T12:00:00.000Z',
      'x-dotmac-signature': expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    expect(await verifyRequest({ method: 'POST', path, body, headers, publicKeyOf, now })).toEqual({ keyId });
    // Fetch's Headers work as well as a plain record; bytes as well as text.
    const fetchHeaders = new Headers(headers);
    expect(
      await verifyRequest({ method: 'post', path, body: Buffer.from(body), headers: fetchHeaders, publicKeyOf, now }),
    ).toEqual({
      keyId,
    });
  });

  async function unauthorized(work: Promise<unknown>): Promise<string> {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnauthorizedError);
    return (error as UnauthorizedError).message;
  }

  test('a request signed by another key does not verify', async () => {
    const other = generateKeyPair();
    const headers = signed({ privateKeyPem: other.privateKeyPem });
    expect(await unauthorized(verifyRequest({ method: 'POST', path, body, headers, publicKeyOf, now }))).toContain(
      `does not verify with key ${keyId}`,
    );
  });

  test('a request with a changed body, path or method does not verify', async () => {
    const headers = signed();
    await unauthorized(
      verifyRequest({ method: 'POST', path, body: body.replace('leaks', 'leak'), headers, publicKeyOf, now }),
    );
    await unauthorized(
      verifyRequest({ method: 'POST', path: path.replace('yank', 'deprecate'), body, headers, publicKeyOf, now }),
    );
    await unauthorized(verifyRequest({ method: 'PUT', path, body, headers, publicKeyOf, now }));
  });

  test('a request signed more than five minutes away from now is refused as stale', async () => {
    const headers = signed({ now: new Date(now.getTime() - 5 * 60 * 1000 - 1) });
    expect(await unauthorized(verifyRequest({ method: 'POST', path, body, headers, publicKeyOf, now }))).toContain(
      'check the clock',
    );
    const future = signed({ now: new Date(now.getTime() + 6 * 60 * 1000) });
    await unauthorized(verifyRequest({ method: 'POST', path, body, headers: future, publicKeyOf, now }));
    const edge = signed({ now: new Date(now.getTime() - 5 * 60 * 1000) });
    expect(await verifyRequest({ method: 'POST', path, body, headers: edge, publicKeyOf, now })).toEqual({ keyId });
  });

  test('an unsigned request, or one by an unknown key, is refused', async () => {
    expect(await unauthorized(verifyRequest({ method: 'POST', path, body, headers: {}, publicKeyOf, now }))).toContain(
      'x-dotmac-key-id, x-dotmac-timestamp, x-dotmac-signature missing',
    );
    const headers = { ...signed(), 'x-dotmac-key-id': '0123456789abcdef' };
    expect(await unauthorized(verifyRequest({ method: 'POST', path, body, headers, publicKeyOf, now }))).toContain(
      'key 0123456789abcdef is not a registered publisher key',
    );
    const garbled = { ...signed(), 'x-dotmac-timestamp': 'yesterday' };
    await unauthorized(verifyRequest({ method: 'POST', path, body, headers: garbled, publicKeyOf, now }));
  });
});

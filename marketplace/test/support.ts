// Registries on a scratch PostgreSQL database (or embedded PGlite), publishers with fresh keys,
// and packages built and signed with the kernel's package library, as `dotmac-plugin pack` and
// `sign` make them.
import { createHash, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import {
  createLogger,
  createScratchDatabase,
  generateKeyPair,
  keyIdOf,
  readPackage,
  type ScratchDatabase,
  signPackage,
  signRequest,
  writePackage,
} from '@dotmac/kernel';
import pg from 'pg';
import { type RegistryOptions, startRegistry } from '../src/index.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A publisher with a fresh key pair. */
export interface TestPublisher {
  readonly name: string;
  readonly publicKey: string;
  readonly privateKeyPem: string;
  readonly keyId: string;
}

export function newPublisher(name: string): TestPublisher {
  const { publicKey, privateKeyPem } = generateKeyPair();
  return { name, publicKey, privateKeyPem, keyId: keyIdOf(publicKey) };
}

/** A minimal valid manifest for `id@version`, with `extra` merged in. */
export function manifestOf(id: string, version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    version,
    name: `Plugin ${id}`,
    description: `What ${id} does.`,
    publisher: 'Test Publisher',
    engines: { kernel: '^0.1.0' },
    ...extra,
  };
}

/** Package files other than checksums.json and signature.json. */
export type PackageFiles = Readonly<Record<string, string | Buffer>>;

/** The files of a package of `manifest` with checksums.json: a server bundle, README and CHANGELOG unless `files` replaces them. */
function packageFiles(manifest: Record<string, unknown>, files: PackageFiles): Map<string, Buffer> {
  const contents = new Map<string, Buffer>();
  const all: PackageFiles = {
    'plugin.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'dist/server.js': `export default { name: ${JSON.stringify(manifest.id)} };\n`,
    'README.md': `# ${manifest.name}\n\n${manifest.description}\n`,
    'CHANGELOG.md': `## ${manifest.version}\n\n- Released.\n`,
    ...files,
  };
  for (const [path, content] of Object.entries(all)) contents.set(path, Buffer.from(content));
  const checksums = Object.fromEntries(
    [...contents.keys()].sort().map((path) => [path, sha256(contents.get(path) as Buffer)]),
  );
  contents.set('checksums.json', Buffer.from(`${JSON.stringify(checksums, null, 2)}\n`));
  return contents;
}

/** An unsigned package of `manifest`. */
export async function unsignedPackage(manifest: Record<string, unknown>, files: PackageFiles = {}): Promise<Buffer> {
  return writePackage(packageFiles(manifest, files));
}

/**
 * A package signed by `publisher` without the checks signPackage makes first: how a publisher
 * with a broken toolchain (or a hostile one) could still sign, say, an invalid manifest.
 */
export async function signedUnchecked(
  manifest: Record<string, unknown>,
  publisher: TestPublisher,
  files: PackageFiles = {},
): Promise<Buffer> {
  const contents = packageFiles(manifest, files);
  const signature = {
    algorithm: 'ed25519',
    publisher: publisher.name,
    keyId: publisher.keyId,
    signature: sign(null, contents.get('checksums.json') as Buffer, publisher.privateKeyPem).toString('base64'),
  };
  contents.set('signature.json', Buffer.from(`${JSON.stringify(signature, null, 2)}\n`));
  return writePackage(contents);
}

/** A package of `manifest` signed by `publisher` (or, with `claiming`, claiming to be another). */
export async function signedPackage(
  manifest: Record<string, unknown>,
  publisher: TestPublisher,
  options: { files?: PackageFiles; claiming?: string } = {},
): Promise<Buffer> {
  return signPackage(
    await unsignedPackage(manifest, options.files),
    publisher.privateKeyPem,
    options.claiming ?? publisher.name,
  );
}

/**
 * `tgz` rewritten with `change` applied to its files (checksums.json and signature.json
 * included, as they were signed): what someone altering a package after signing uploads.
 */
export async function tamperedPackage(tgz: Buffer, change: (files: Map<string, Buffer>) => void): Promise<Buffer> {
  const pkg = await readPackage(tgz);
  const files = new Map(pkg.files);
  files.set('checksums.json', pkg.checksumsBytes);
  if (pkg.signature) files.set('signature.json', Buffer.from(`${JSON.stringify(pkg.signature, null, 2)}\n`));
  change(files);
  return writePackage(files);
}

/**
 * `tgz` with the entry named `from` renamed to `to` (same length) in its tar header: how to
 * make entries writePackage itself refuses to write, like ../../etc/passwd.
 */
export async function renameEntry(tgz: Buffer, from: string, to: string): Promise<Buffer> {
  if (from.length !== to.length) throw new Error('renameEntry keeps the name length');
  const tar = await promisify(gunzip)(tgz);
  const at = tar.indexOf(Buffer.from(`${from}\0`));
  if (at < 0 || at % 512 !== 0) throw new Error(`no tar header names ${from}`);
  tar.write(to, at, 'latin1');
  // The header checksum: the byte sum of the header with its checksum field read as spaces.
  tar.fill(' ', at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += tar[i] as number;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
  return promisify(gzip)(tar);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A registry on a scratch database, with a client for its API and direct SQL for assertions. */
export interface TestRegistry {
  readonly url: string;
  readonly api: RegistryClient;
  /** Runs SQL on the registry's database (PostgreSQL registries only). */
  sql<R extends object>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** Starts a registry on a fresh scratch database of the test PostgreSQL server. */
export async function startTestRegistry(options: Omit<RegistryOptions, 'databaseUrl'> = {}): Promise<TestRegistry> {
  const scratch: ScratchDatabase = await createScratchDatabase(TEST_DATABASE_URL, 'dotmac_mkt');
  const pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
  try {
    const registry = await startRegistry({ log: createLogger('error'), ...options, databaseUrl: scratch.url });
    return {
      url: registry.url,
      api: new RegistryClient(registry.url),
      sql: async (text, params) => (await pool.query(text, params)).rows,
      async close() {
        await registry.close();
        await pool.end();
        await scratch.drop();
      },
    };
  } catch (e) {
    await pool.end();
    await scratch.drop();
    throw e;
  }
}

/** A response with its parsed body (JSON or problem+json). */
export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** The registry's HTTP API as a publisher and an operator's kernel call it. */
export class RegistryClient {
  constructor(readonly url: string) {}

  async get<T = Record<string, unknown>>(path: string): Promise<Answer<T>> {
    return answer<T>(await fetch(`${this.url}${path}`));
  }

  async postJson<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    return answer<T>(
      await fetch(`${this.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  }

  register(publisher: TestPublisher): Promise<Answer> {
    return this.postJson('/api/v1/publishers', { name: publisher.name, publicKey: publisher.publicKey });
  }

  async publish(tgz: Uint8Array, contentType = 'application/gzip'): Promise<Answer> {
    return answer(
      await fetch(`${this.url}/api/v1/packages`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: tgz,
      }),
    );
  }

  /** POSTs `body` as JSON signed with `publisher`'s key; `sentBody` is sent in its place, as a forger would. */
  signedPost(
    path: string,
    body: unknown,
    publisher: TestPublisher,
    options: { now?: Date; sentBody?: unknown; keyId?: string } = {},
  ): Promise<Answer> {
    const text = JSON.stringify(body);
    const headers = signRequest({
      method: 'POST',
      path,
      body: text,
      keyId: options.keyId ?? publisher.keyId,
      privateKeyPem: publisher.privateKeyPem,
      now: options.now,
    });
    return this.postJson(path, options.sentBody === undefined ? text : JSON.stringify(options.sentBody), headers);
  }
}

async function answer<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text itself
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

// Plugin packages (<id>-<version>.tgz made by `dotmac-plugin pack`): reading one safely, checking
// its checksums and publisher signature, signing it, and the signed requests a publisher sends
// to a registry. Everything here works on bytes in memory; nothing is unpacked to disk.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip, constants as zlibConstants } from 'node:zlib';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { type FieldProblem, UnauthorizedError, ValidationError } from '../errors.ts';
import { MANIFEST_FILE, type PluginManifest, parseManifest } from './manifest.ts';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** Name of the checksum file inside a package: `{ "<path>": "<sha256 hex>" }` for every other file. */
export const CHECKSUMS_FILE = 'checksums.json';
/** Name of the signature file inside a signed package (not listed in checksums.json). */
export const SIGNATURE_FILE = 'signature.json';
/** The server bundle every package carries. */
export const SERVER_BUNDLE_FILE = 'dist/server.js';

/** Which check refused a package; the first word of the PackageError message. */
export type PackageCheck = 'archive' | 'size' | 'checksums' | 'unsigned' | 'signature' | 'untrusted' | 'manifest';

/** A package was refused; `check` says which check failed and the message names the file. */
export class PackageError extends ValidationError {
  constructor(
    readonly check: PackageCheck,
    detail: string,
    errors?: readonly FieldProblem[],
    file?: string,
  ) {
    super(`${check}: ${detail}`, errors ?? [{ pointer: file ? `/package/${file}` : '/package', detail }]);
  }
}

/** How large a package may be. */
export interface PackageLimits {
  /** Size of the .tgz itself. */
  readonly maxBytes: number;
  /** Entries in the archive (files and directories). */
  readonly maxFiles: number;
  /** Sum of the sizes of the files once unpacked. */
  readonly maxUnpackedBytes: number;
}

/** Limits used when the caller gives none. */
export const DEFAULT_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxFiles: 2000,
  maxUnpackedBytes: 100 * 1024 * 1024,
});

/** The contents of signature.json. */
export interface PackageSignature {
  readonly algorithm: 'ed25519';
  /** Publisher name the signer claims. */
  readonly publisher: string;
  /** Key id (see keyIdOf) of the key that signed. */
  readonly keyId: string;
  /** Base64 Ed25519 signature over the exact bytes of checksums.json. */
  readonly signature: string;
}

/** A publisher key an operator (or the registry) trusts. */
export interface TrustedKey {
  readonly publisher: string;
  /** `ed25519:<base64url of the raw 32-byte key>`. */
  readonly publicKey: string;
}

/** A package that passed the archive, size, checksum and manifest checks (not yet the signature). */
export interface PluginPackage {
  /** plugin.json, validated with parseManifest. */
  readonly manifest: PluginManifest;
  /** Every file but checksums.json and signature.json, by path. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** checksums.json, parsed. */
  readonly checksums: Readonly<Record<string, string>>;
  /** checksums.json as packed: the signed message. */
  readonly checksumsBytes: Buffer;
  /** signature.json, when the package is signed. */
  readonly signature: PackageSignature | undefined;
  /** SHA-256 (hex) of the whole .tgz. */
  readonly sha256: string;
  /** CHANGELOG.md, when the package has one. */
  readonly changelog: string | undefined;
}

// --- reading -------------------------------------------------------------------------------

/**
 * Reads a .tgz in memory and checks it: gzip and tar well formed ('archive'), within `limits`
 * ('size', enforced while unpacking so a gzip bomb stops early), only plain files with safe,
 * unique relative paths ('archive'), every file matching checksums.json and nothing missing or
 * extra ('checksums'), plugin.json a valid manifest ('manifest'). The signature is parsed but
 * not verified: that is verifySignature, against the keys the caller trusts.
 */
export async function readPackage(tgz: Buffer, limits?: Partial<PackageLimits>): Promise<PluginPackage> {
  const limit = { ...DEFAULT_PACKAGE_LIMITS, ...limits };
  if (tgz.length > limit.maxBytes) {
    throw new PackageError('size', `the package is ${tgz.length} bytes; at most ${limit.maxBytes} are accepted`);
  }
  const tarBytes = await unzip(tgz, limit);
  const entries = await readTar(tarBytes, limit);

  const checksumsBytes = entries.get(CHECKSUMS_FILE);
  if (!checksumsBytes) {
    throw new PackageError('checksums', `${CHECKSUMS_FILE} is missing (make packages with dotmac-plugin pack)`);
  }
  const checksums = parseChecksums(checksumsBytes);
  const signatureBytes = entries.get(SIGNATURE_FILE);
  const files = new Map([...entries].filter(([path]) => path !== CHECKSUMS_FILE && path !== SIGNATURE_FILE));
  checkChecksums(files, checksums);

  const manifestBytes = files.get(MANIFEST_FILE);
  if (!manifestBytes) throw new PackageError('manifest', `${MANIFEST_FILE} is missing`, undefined, MANIFEST_FILE);
  const manifest = parseManifestFile(manifestBytes);
  if (!files.has(SERVER_BUNDLE_FILE)) {
    throw new PackageError(
      'archive',
      `${SERVER_BUNDLE_FILE} is missing (run dotmac-plugin build before pack)`,
      undefined,
      SERVER_BUNDLE_FILE,
    );
  }
  return {
    manifest,
    files,
    checksums,
    checksumsBytes,
    signature: signatureBytes ? parseSignature(signatureBytes) : undefined,
    sha256: sha256Hex(tgz),
    changelog: files.get('CHANGELOG.md')?.toString('utf8'),
  };
}

/** Gunzips, refusing early once the output passes what `limit` allows (headers included). */
async function unzip(tgz: Buffer, limit: PackageLimits): Promise<Buffer> {
  if (tgz.length < 2 || tgz[0] !== 0x1f || tgz[1] !== 0x8b) {
    throw new PackageError('archive', 'the package is not a gzip file (expected a .tgz made by dotmac-plugin pack)');
  }
  // Each entry adds a header block, maybe a pax header and padding to the file sizes.
  const maxOutputLength = limit.maxUnpackedBytes + (limit.maxFiles + 1) * 4 * 512 + 10_240;
  try {
    return await gunzipAsync(tgz, { maxOutputLength, chunkSize: 1024 * 1024 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PackageError('size', `the package unpacks to more than ${limit.maxUnpackedBytes} bytes`);
    }
    throw new PackageError('archive', `the package is not a valid gzip file (${(e as Error).message})`);
  }
}

/** The files of a tar held in memory, checked entry by entry. */
async function readTar(tarBytes: Buffer, limit: PackageLimits): Promise<Map<string, Buffer>> {
  // A ustar header is what pack writes; requiring it also refuses compression inside compression.
  if (tarBytes.length < 512 || tarBytes.subarray(257, 262).toString('latin1') !== 'ustar') {
    throw new PackageError('archive', 'the package is not a tar archive inside the gzip');
  }
  const files = new Map<string, Buffer>();
  let entryCount = 0;
  let unpackedBytes = 0;
  let refusal: PackageError | undefined;

  const onEntry = (entry: ReadEntry): void => {
    if (refusal) {
      entry.resume();
      return;
    }
    try {
      entryCount += 1;
      if (entryCount > limit.maxFiles) {
        throw new PackageError('size', `the package has more than ${limit.maxFiles} entries`);
      }
      const path = entry.path;
      if (entry.type === 'Directory') {
        entryPathProblem(path.replace(/\/$/, ''), path);
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile') {
        throw new PackageError(
          'archive',
          `entry ${JSON.stringify(path)} is a ${entry.type}; a package holds only plain files`,
          undefined,
          path,
        );
      }
      entryPathProblem(path, path);
      if (files.has(path)) {
        throw new PackageError('archive', `entry ${JSON.stringify(path)} appears twice`, undefined, path);
      }
      unpackedBytes += entry.size;
      if (unpackedBytes > limit.maxUnpackedBytes) {
        throw new PackageError('size', `the package unpacks to more than ${limit.maxUnpackedBytes} bytes`);
      }
      const chunks: Buffer[] = [];
      files.set(path, Buffer.alloc(0));
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => files.set(path, Buffer.concat(chunks)));
    } catch (e) {
      refusal = e as PackageError;
      entry.resume();
    }
  };

  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ strict: true, onReadEntry: onEntry });
    parser.on('error', (e: Error) =>
      reject(new PackageError('archive', `the package is not a valid tar archive (${e.message})`)),
    );
    parser.on('end', () => resolve());
    parser.end(tarBytes);
  });
  if (refusal) throw refusal;
  return files;
}

/** Throws when `path` could land outside the folder a package is unpacked in, or is ambiguous. */
function entryPathProblem(path: string, shown: string): void {
  const refuse = (why: string) => {
    throw new PackageError('archive', `entry ${JSON.stringify(shown)} ${why}`, undefined, shown);
  };
  if (path === '') refuse('has an empty path');
  if (path.includes('\0')) refuse('has a NUL character in its path');
  if (path.includes('\\')) refuse('has a backslash in its path (paths use /)');
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) refuse('has an absolute path');
  if (path.split('/').includes('..')) refuse('has a .. segment in its path');
  if (posix.normalize(path) !== path || path.startsWith('./') || path.endsWith('/')) {
    refuse('has a path that is not normalised (no ./, // or trailing /)');
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function parseChecksums(bytes: Buffer): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new PackageError(
      'checksums',
      `${CHECKSUMS_FILE} is not valid JSON (${(e as Error).message})`,
      undefined,
      CHECKSUMS_FILE,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new PackageError(
      'checksums',
      `${CHECKSUMS_FILE} must be an object of path to SHA-256`,
      undefined,
      CHECKSUMS_FILE,
    );
  }
  for (const [path, hash] of Object.entries(json)) {
    if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) {
      throw new PackageError(
        'checksums',
        `${CHECKSUMS_FILE} lists ${path} with ${JSON.stringify(hash)}, which is not a lowercase SHA-256 hex digest`,
        undefined,
        CHECKSUMS_FILE,
      );
    }
  }
  return Object.fromEntries(Object.entries(json)); // own properties only, even for a path like __proto__
}

/** Every file listed, listed files all present, and each one's bytes hashing to its entry. */
function checkChecksums(files: ReadonlyMap<string, Buffer>, checksums: Readonly<Record<string, string>>): void {
  for (const [path, bytes] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const expected = Object.hasOwn(checksums, path) ? checksums[path] : undefined;
    if (expected === undefined) {
      throw new PackageError(
        'checksums',
        `${path} is in the package but not in ${CHECKSUMS_FILE} (the package was changed after it was packed)`,
        undefined,
        path,
      );
    }
    if (sha256Hex(bytes) !== expected) {
      throw new PackageError(
        'checksums',
        `${path} does not match ${CHECKSUMS_FILE} (the package was changed after it was packed)`,
        undefined,
        path,
      );
    }
  }
  for (const path of Object.keys(checksums).sort()) {
    if (!files.has(path)) {
      throw new PackageError(
        'checksums',
        `${path} is listed in ${CHECKSUMS_FILE} but missing from the package`,
        undefined,
        path,
      );
    }
  }
}

function parseManifestFile(bytes: Buffer): PluginManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new PackageError(
      'manifest',
      `${MANIFEST_FILE} is not valid JSON (${(e as Error).message})`,
      undefined,
      MANIFEST_FILE,
    );
  }
  try {
    return parseManifest(json, MANIFEST_FILE);
  } catch (e) {
    if (e instanceof ValidationError) throw new PackageError('manifest', e.message, e.errors);
    throw e;
  }
}

function parseSignature(bytes: Buffer): PackageSignature {
  let json: Partial<Record<keyof PackageSignature, unknown>> | null;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new PackageError(
      'signature',
      `${SIGNATURE_FILE} is not valid JSON (${(e as Error).message})`,
      undefined,
      SIGNATURE_FILE,
    );
  }
  const malformed = (why: string) =>
    new PackageError('signature', `${SIGNATURE_FILE} ${why}`, undefined, SIGNATURE_FILE);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw malformed('must be an object');
  if (json.algorithm !== 'ed25519')
    throw malformed(`has algorithm ${JSON.stringify(json.algorithm)}; only "ed25519" is accepted`);
  for (const field of ['publisher', 'keyId', 'signature'] as const) {
    if (typeof json[field] !== 'string' || json[field] === '') throw malformed(`needs a non-empty string ${field}`);
  }
  return {
    algorithm: 'ed25519',
    publisher: json.publisher as string,
    keyId: json.keyId as string,
    signature: json.signature as string,
  };
}

// --- keys and signatures -------------------------------------------------------------------

const PUBLIC_KEY_PREFIX = 'ed25519:';

/** A fresh publisher key pair: the public key as `ed25519:<base64url>`, the private one as PKCS#8 PEM. */
export function generateKeyPair(): { publicKey: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: formatPublicKey(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Key id of a public key: the first 16 hex characters of SHA-256 of its raw 32 bytes. */
export function keyIdOf(publicKey: string): string {
  return sha256Hex(rawPublicKey(publicKey)).slice(0, 16);
}

/** Checks the package's signature against the keys `trusted`; returns who signed it. */
export function verifySignature(
  pkg: PluginPackage,
  trusted: readonly TrustedKey[],
): { publisher: string; keyId: string } {
  const name = `${pkg.manifest.id}@${pkg.manifest.version}`;
  const signature = pkg.signature;
  if (!signature) {
    throw new PackageError(
      'unsigned',
      `${name} is not signed (no ${SIGNATURE_FILE}; sign it with dotmac-plugin sign)`,
      undefined,
      SIGNATURE_FILE,
    );
  }
  const key = trusted.find((k) => k.publisher === signature.publisher && keyIdOf(k.publicKey) === signature.keyId);
  if (!key) {
    throw new PackageError(
      'untrusted',
      `${name} is signed by publisher "${signature.publisher}" with key ${signature.keyId}, which is not among the trusted keys`,
      undefined,
      SIGNATURE_FILE,
    );
  }
  const valid = verify(
    null,
    pkg.checksumsBytes,
    publicKeyObject(key.publicKey),
    Buffer.from(signature.signature, 'base64'),
  );
  if (!valid) {
    throw new PackageError(
      'signature',
      `the signature of ${name} by key ${signature.keyId} does not verify over ${CHECKSUMS_FILE} (the package was changed after it was signed)`,
      undefined,
      SIGNATURE_FILE,
    );
  }
  return { publisher: signature.publisher, keyId: signature.keyId };
}

/**
 * Signs a packed .tgz as `publisher`: re-checks it with readPackage, then writes the same files
 * with signature.json added (an existing signature is replaced). The signed message is the exact
 * bytes of checksums.json.
 */
export async function signPackage(tgz: Buffer, privateKeyPem: string, publisher: string): Promise<Buffer> {
  if (publisher.trim() === '')
    throw new ValidationError('a publisher name is required to sign', [{ pointer: '/publisher', detail: 'is empty' }]);
  const privateKey = privateKeyObject(privateKeyPem);
  const pkg = await readPackage(tgz);
  const signature: PackageSignature = {
    algorithm: 'ed25519',
    publisher,
    keyId: keyIdOf(formatPublicKey(createPublicKey(privateKey))),
    signature: sign(null, pkg.checksumsBytes, privateKey).toString('base64'),
  };
  const files = new Map(pkg.files);
  files.set(CHECKSUMS_FILE, pkg.checksumsBytes);
  files.set(SIGNATURE_FILE, Buffer.from(`${JSON.stringify(signature, null, 2)}\n`));
  return writePackage(files);
}

function formatPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return `${PUBLIC_KEY_PREFIX}${jwk.x}`;
}

function rawPublicKey(publicKey: string): Buffer {
  const invalid = () =>
    new ValidationError(`${JSON.stringify(publicKey)} is not a public key: expected ed25519:<base64url of 32 bytes>`, [
      { pointer: '/publicKey', detail: 'must be ed25519:<base64url of the raw 32-byte key>' },
    ]);
  if (!publicKey.startsWith(PUBLIC_KEY_PREFIX)) throw invalid();
  const encoded = publicKey.slice(PUBLIC_KEY_PREFIX.length);
  if (!/^[A-Za-z0-9_-]{43}$/.test(encoded)) throw invalid();
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length !== 32 || raw.toString('base64url') !== encoded) throw invalid();
  return raw;
}

function publicKeyObject(publicKey: string): KeyObject {
  const x = rawPublicKey(publicKey).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

function privateKeyObject(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new ValidationError(`the private key is not a PKCS#8 PEM key (${(e as Error).message})`, [
      { pointer: '/privateKey', detail: 'must be a PKCS#8 PEM Ed25519 private key' },
    ]);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ValidationError(`the private key is ${key.asymmetricKeyType}; publisher keys are ed25519`, [
      { pointer: '/privateKey', detail: 'must be an Ed25519 key' },
    ]);
  }
  return key;
}

// --- writing -------------------------------------------------------------------------------

/** The time every entry of a package carries (the archive must not depend on when it was made). */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
const BLOCK = 512;

/**
 * A deterministic .tgz of `files`, as `dotmac-plugin pack` writes it: entries sorted by path,
 * mode 0644, mtime 2000-01-01, no owners (tar's portable mode), gzip level 9 with the OS byte
 * set to "unknown". The same files always give the same bytes.
 */
export async function writePackage(files: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const blocks: Buffer[] = [];
  for (const path of [...files.keys()].sort()) {
    entryPathProblem(path, path);
    const data = files.get(path) as Buffer;
    const header = new Header({ path, mode: 0o644, size: data.length, mtime: FIXED_MTIME, type: 'File' });
    const needsPax = header.encode();
    if (needsPax) blocks.push(new Pax({ mtime: FIXED_MTIME, path, size: data.length }).encode());
    blocks.push(header.block as Buffer, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  const tgz = await gzipAsync(Buffer.concat(blocks), { level: 9, flush: zlibConstants.Z_NO_FLUSH });
  tgz[9] = 0xff; // gzip OS byte: unknown, as tar's portable mode writes it
  return tgz;
}

// --- what an operator approves -------------------------------------------------------------

/**
 * What installing the plugin grants it, one line per grant, sorted: the list an operator reads
 * and approves (e.g. "db", "http routes: 3", "egress: api.stripe.com"). A capability the manifest
 * does not declare is absent, so a new line on upgrade means a new grant. Lines hold no commas,
 * so they survive being passed as a comma-separated list.
 */
export function capabilitySummary(manifest: PluginManifest): string[] {
  const c = manifest.capabilities ?? {};
  const lines = new Set<string>();
  if (c.db) lines.add('db');
  const routes = c.http?.routes ?? [];
  if (routes.length > 0) lines.add(`http routes: ${routes.length}`);
  for (const event of c.events?.publish ?? []) lines.add(`events.publish: ${event.name}`);
  for (const pattern of c.events?.subscribe ?? []) lines.add(`events.subscribe: ${pattern}`);
  for (const job of c.jobs ?? []) lines.add(`jobs: ${job.name}`);
  if (c.config !== undefined) lines.add('config');
  for (const secret of c.secrets ?? []) lines.add(`secrets: ${secret.name}`);
  for (const rule of c.egress ?? []) {
    lines.add(
      rule.config !== undefined
        ? `egress: the URL each tenant sets in config ${rule.config}`
        : `egress: ${rule.host}${rule.ports ? ` (ports ${rule.ports.join(' ')})` : ''}`,
    );
  }
  if (c.datagram) lines.add(`datagram: udp ports ${[...c.datagram.ports].sort((a, b) => a - b).join(' ')}`);
  for (const service of c.services?.exports ?? []) lines.add(`services.export: ${manifest.id}.${service.name}`);
  for (const call of c.services?.calls ?? []) lines.add(`services.call: ${call}`);
  for (const ui of manifest.ui ?? []) lines.add(`ui: ${ui.portal}`);
  return [...lines].sort();
}

// --- signed registry requests --------------------------------------------------------------

/** Headers of a request signed by a publisher key. */
export const REQUEST_SIGNATURE_HEADERS = {
  keyId: 'x-dotmac-key-id',
  timestamp: 'x-dotmac-timestamp',
  signature: 'x-dotmac-signature',
} as const;

/** How far a signed request's timestamp may be from the receiver's clock. */
export const DEFAULT_REQUEST_SKEW_MS = 5 * 60 * 1000;

/** A request body as sent: text or bytes; absent means empty. */
export type RequestBody = string | Uint8Array | undefined;

/** The message a request signature covers: `${METHOD} ${path}\n${timestamp}\n${sha256hex(body)}`. */
function requestMessage(method: string, path: string, timestamp: string, body: RequestBody): Buffer {
  return Buffer.from(`${method.toUpperCase()} ${path}\n${timestamp}\n${sha256Hex(body ?? '')}`);
}

/** Signs a request to a registry with a publisher key; returns the headers to send with it. */
export function signRequest(opts: {
  readonly method: string;
  /** The request path as sent (no scheme or host), e.g. /api/v1/plugins/acme.hooks/versions/1.0.0/yank. */
  readonly path: string;
  readonly body?: RequestBody;
  readonly keyId: string;
  readonly privateKeyPem: string;
  readonly now?: Date;
}): Record<string, string> {
  const timestamp = (opts.now ?? new Date()).toISOString();
  const signature = sign(
    null,
    requestMessage(opts.method, opts.path, timestamp, opts.body),
    privateKeyObject(opts.privateKeyPem),
  );
  return {
    [REQUEST_SIGNATURE_HEADERS.keyId]: opts.keyId,
    [REQUEST_SIGNATURE_HEADERS.timestamp]: timestamp,
    [REQUEST_SIGNATURE_HEADERS.signature]: signature.toString('base64'),
  };
}

/** Request headers, as a Headers object or a plain record with lowercase names. */
export type RequestHeaders = { get(name: string): string | null } | Readonly<Record<string, string | undefined>>;

/**
 * Checks a signed request: all three headers present, the timestamp within `skewMs` of `now`, the
 * key known (`publicKeyOf` returns its `ed25519:` public key, or undefined) and the signature
 * valid over method, path, timestamp and body. Returns the key id; throws UnauthorizedError.
 */
export async function verifyRequest(opts: {
  readonly method: string;
  readonly path: string;
  readonly body?: RequestBody;
  readonly headers: RequestHeaders;
  readonly publicKeyOf: (keyId: string) => string | undefined | Promise<string | undefined>;
  readonly now?: Date;
  readonly skewMs?: number;
}): Promise<{ keyId: string }> {
  const header = (name: string): string | undefined => {
    const h = opts.headers;
    const value =
      typeof h.get === 'function'
        ? (h as { get(n: string): string | null }).get(name)
        : (h as Record<string, string | undefined>)[name];
    return value ?? undefined;
  };
  const keyId = header(REQUEST_SIGNATURE_HEADERS.keyId);
  const timestamp = header(REQUEST_SIGNATURE_HEADERS.timestamp);
  const signature = header(REQUEST_SIGNATURE_HEADERS.signature);
  const missing = Object.values(REQUEST_SIGNATURE_HEADERS).filter((name) => !header(name));
  if (!keyId || !timestamp || !signature) {
    throw new UnauthorizedError(
      `the request is not signed: header ${missing.join(', ')} missing (sign it with a publisher key)`,
    );
  }
  const at = Date.parse(timestamp);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(timestamp) || Number.isNaN(at)) {
    throw new UnauthorizedError(
      `${REQUEST_SIGNATURE_HEADERS.timestamp} ${JSON.stringify(timestamp)} is not an ISO 8601 time`,
    );
  }
  const now = opts.now ?? new Date();
  const skewMs = opts.skewMs ?? DEFAULT_REQUEST_SKEW_MS;
  if (Math.abs(now.getTime() - at) > skewMs) {
    throw new UnauthorizedError(
      `the request was signed at ${timestamp}, more than ${Math.round(skewMs / 1000)} s from now (${now.toISOString()}); check the clock and sign it again`,
    );
  }
  const publicKey = await opts.publicKeyOf(keyId);
  if (!publicKey) throw new UnauthorizedError(`key ${keyId} is not a registered publisher key`);
  const valid = verify(
    null,
    requestMessage(opts.method, opts.path, timestamp, opts.body),
    publicKeyObject(publicKey),
    Buffer.from(signature, 'base64'),
  );
  if (!valid) {
    throw new UnauthorizedError(
      `the request signature does not verify with key ${keyId} (method, path, timestamp or body differ from what was signed)`,
    );
  }
  return { keyId };
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

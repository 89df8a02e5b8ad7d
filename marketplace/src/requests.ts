// What the registry reads from a request beyond its JSON body: an uploaded package within the
// size limit, a plugin id and version from the path, and a publisher's request signature.
import {
  type FieldProblem,
  ForbiddenError,
  PayloadTooLargeError,
  PLUGIN_ID,
  readRawBody,
  ValidationError,
  verifyRequest,
} from '@dotmac/kernel';
import type { Context } from 'hono';
import semver from 'semver';
import type { RegistryStore } from './store.ts';

/** Content types a package upload may be sent as. */
const PACKAGE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

/** Path parameter schemas (for the OpenAPI document; the checks are pluginRef's). */
export const pluginIdParam = { type: 'string', description: 'Plugin id, reverse-DNS (acme.webhooks).' } as const;
export const versionParam = { type: 'string', description: 'Plugin version, semver (1.4.0).' } as const;

/**
 * The raw body of a package upload, refused with 413 past `maxBytes`: at once when the declared
 * length says so, else as soon as the bytes read pass it (the kernel's readRawBody).
 */
export async function readPackageUpload(c: Context, maxBytes: number): Promise<Buffer> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!PACKAGE_TYPES.includes(type)) {
    throw new ValidationError(
      `a package is uploaded as its raw .tgz bytes, content type application/gzip (got ${type || 'none'})`,
      [
        {
          pointer: '/headers/content-type',
          detail: `must be application/gzip (got ${type || 'no content type'})`,
        },
      ],
    );
  }
  const body = await readRawBody(c, maxBytes).catch((e: unknown) => {
    if (!(e instanceof PayloadTooLargeError)) throw e;
    throw new PayloadTooLargeError(
      `the package is larger than ${maxBytes} bytes (${mebibytes(maxBytes)}), the most this registry accepts`,
    );
  });
  if (body.length === 0) {
    throw new ValidationError('the upload is empty', [{ pointer: '/body', detail: 'must be the package .tgz' }]);
  }
  return body;
}

function mebibytes(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(2))} MiB`;
}

/** A plugin id and version from the path, checked: 400 naming the parameter when malformed. */
export function pluginRef(params: { id: string; version?: string }): { id: string; version: string } {
  const problems: FieldProblem[] = [];
  if (!PLUGIN_ID.test(params.id) || params.id.length > 56) {
    problems.push({ pointer: '/params/id', detail: `must be a reverse-DNS plugin id like acme.webhooks` });
  }
  if (params.version !== undefined && semver.valid(params.version) !== params.version) {
    problems.push({ pointer: '/params/version', detail: 'must be a semver version like 1.4.0' });
  }
  if (problems.length) {
    throw new ValidationError(`invalid path: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`, problems);
  }
  return { id: params.id, version: params.version ?? '' };
}

/**
 * The publisher who signed this request (headers x-dotmac-key-id, x-dotmac-timestamp,
 * x-dotmac-signature over method, path, timestamp and body): 401 when unsigned, stale or
 * not verifying, 403 when the signer is not `owner`.
 */
export async function signingPublisher(c: Context, store: RegistryStore, owner: string): Promise<string> {
  let publisher: string | undefined;
  const { keyId } = await verifyRequest({
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    body: await c.req.text(),
    headers: c.req.raw.headers,
    publicKeyOf: async (id) => {
      const key = await store.key(id);
      publisher = key?.publisher;
      return key?.publicKey;
    },
  });
  if (publisher !== owner) {
    throw new ForbiddenError(`key ${keyId} belongs to publisher ${publisher}; only ${owner} may do this`);
  }
  return publisher;
}

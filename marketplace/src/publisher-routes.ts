// Publishers: registering a name with an Ed25519 key, adding keys, and uploading packages.
// No passwords or tokens: a publisher is whoever holds one of its keys.
import {
  defineRoute,
  type FieldProblem,
  type HttpRoutes,
  keyIdOf,
  NotFoundError,
  ValidationError,
} from '@dotmac/kernel';
import { publishPackage } from './publishing.ts';
import { readPackageUpload, signingPublisher } from './requests.ts';
import type { RegistryStore } from './store.ts';

export interface PublisherRouteDependencies {
  readonly store: RegistryStore;
  /** Largest package accepted, in bytes. */
  readonly maxPackageBytes: number;
}

const publisherName = {
  type: 'string',
  description: 'Publisher name: 2 to 40 lowercase letters, digits and hyphens, not starting or ending with a hyphen.',
} as const;

const publicKey = {
  type: 'string',
  description: 'Ed25519 public key as ed25519:<base64url of the raw 32-byte key>.',
} as const;

/** The publisher names the database accepts (the same rule as its check constraint). */
const PUBLISHER_NAME = /^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/;

const keySchema = {
  type: 'object',
  required: ['keyId', 'publicKey'],
  properties: {
    keyId: { type: 'string', description: 'First 16 hex characters of SHA-256 of the raw key.' },
    publicKey,
  },
} as const;

const publisherSchema = {
  type: 'object',
  required: ['name', 'keys', 'revokedKeys'],
  properties: {
    name: publisherName,
    keys: { type: 'array', items: keySchema, description: 'Keys whose signatures the registry accepts.' },
    revokedKeys: {
      type: 'array',
      description: 'Keys the publisher revoked: they sign nothing more.',
      items: {
        type: 'object',
        required: ['keyId', 'publicKey', 'revokedAt', 'reason'],
        properties: {
          ...keySchema.properties,
          revokedAt: { type: 'string', format: 'date-time' },
          reason: { type: 'string', description: 'Why (lost, leaked, rotated).' },
        },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const publishedSchema = {
  type: 'object',
  required: ['pluginId', 'version', 'publisher', 'keyId', 'sha256'],
  properties: {
    pluginId: { type: 'string' },
    version: { type: 'string' },
    publisher: { type: 'string', description: 'The publisher whose key signed the package, now its owner.' },
    keyId: { type: 'string', description: 'The key that signed it.' },
    sha256: { type: 'string', description: 'SHA-256 (hex) of the .tgz as stored and served.' },
  },
} as const;

export function registerPublisherRoutes(routes: HttpRoutes, deps: PublisherRouteDependencies): void {
  const { store } = deps;

  routes.add(
    defineRoute<{ name: string; publicKey: string }>({
      method: 'post',
      path: '/api/v1/publishers',
      summary: 'Register a publisher name with its first signing key',
      tags: ['publishers'],
      access: 'public',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'publicKey'],
          properties: { name: publisherName, publicKey },
        },
      },
      responses: { 201: { description: 'Registered.', schema: publisherSchema } },
      handler: async ({ c, body }) => {
        const problems = [
          ...publisherNameProblems(body.name, '/body/name'),
          ...publicKeyProblems(body.publicKey, '/body/publicKey'),
        ];
        if (problems.length) throw invalid(problems);
        return c.json(await store.createPublisher(body.name, registeredKey(body.publicKey)), 201);
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { name: string }>({
      method: 'get',
      path: '/api/v1/publishers/:name',
      summary: 'A publisher and its keys',
      tags: ['publishers'],
      access: 'public',
      request: { params: { type: 'object', properties: { name: publisherName } } },
      responses: { 200: { description: 'The publisher.', schema: publisherSchema } },
      handler: async ({ c, params }) => {
        const problems = publisherNameProblems(params.name, '/params/name');
        if (problems.length) throw invalid(problems);
        const publisher = await store.publisher(params.name);
        if (!publisher) throw new NotFoundError(`no publisher ${params.name} is registered here`);
        return c.json(publisher);
      },
    }),
  );

  routes.add(
    defineRoute<{ publicKey: string }, Record<string, never>, { name: string }>({
      method: 'post',
      path: '/api/v1/publishers/:name/keys',
      summary: 'Add a signing key (a request signed by one of the publisher’s keys)',
      tags: ['publishers'],
      access: 'public',
      request: {
        params: { type: 'object', properties: { name: publisherName } },
        body: { type: 'object', additionalProperties: false, required: ['publicKey'], properties: { publicKey } },
      },
      responses: { 201: { description: 'Added.', schema: publisherSchema } },
      handler: async ({ c, params, body }) => {
        const problems = [
          ...publisherNameProblems(params.name, '/params/name'),
          ...publicKeyProblems(body.publicKey, '/body/publicKey'),
        ];
        if (problems.length) throw invalid(problems);
        if (!(await store.publisher(params.name)))
          throw new NotFoundError(`no publisher ${params.name} is registered here`);
        await signingPublisher(c, store, params.name);
        return c.json(await store.addKey(params.name, registeredKey(body.publicKey)), 201);
      },
    }),
  );

  routes.add(
    defineRoute<{ reason: string }, Record<string, never>, { name: string; keyId: string }>({
      method: 'post',
      path: '/api/v1/publishers/:name/keys/:keyId/revoke',
      summary: 'Revoke a signing key (lost, leaked): a request signed by one of the publisher’s keys',
      tags: ['publishers'],
      access: 'public',
      request: {
        params: {
          type: 'object',
          properties: { name: publisherName, keyId: { type: 'string', description: 'The key to revoke.' } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Why it is revoked.' } },
        },
      },
      responses: { 200: { description: 'Revoked.', schema: publisherSchema } },
      handler: async ({ c, params, body }) => {
        const problems = publisherNameProblems(params.name, '/params/name');
        if (problems.length) throw invalid(problems);
        if (!(await store.publisher(params.name)))
          throw new NotFoundError(`no publisher ${params.name} is registered here`);
        await signingPublisher(c, store, params.name);
        return c.json(await store.revokeKey(params.name, params.keyId, body.reason));
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'post',
      path: '/api/v1/packages',
      summary: 'Publish a signed package (the raw .tgz, content type application/gzip)',
      tags: ['packages'],
      access: 'public',
      responses: {
        201: { description: 'Published: the version is stored and immutable.', schema: publishedSchema },
        403: { description: 'Another publisher owns the plugin id.' },
        409: { description: 'The version is already published.' },
        413: { description: 'The package is larger than the registry accepts.' },
      },
      handler: async ({ c }) => {
        const tgz = await readPackageUpload(c, deps.maxPackageBytes);
        return c.json(await publishPackage(store, tgz, deps.maxPackageBytes), 201);
      },
    }),
  );
}

function publisherNameProblems(name: string, pointer: string): FieldProblem[] {
  if (PUBLISHER_NAME.test(name)) return [];
  return [
    {
      pointer,
      detail: `${JSON.stringify(name)} is not a publisher name: use 2 to 40 lowercase letters, digits and hyphens, not starting or ending with a hyphen (acme, acme-networks)`,
    },
  ];
}

function publicKeyProblems(key: string, pointer: string): FieldProblem[] {
  try {
    keyIdOf(key);
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return [{ pointer, detail: 'must be ed25519:<base64url of the raw 32-byte key> (dotmac-plugin keygen prints it)' }];
  }
}

function invalid(problems: readonly FieldProblem[]): ValidationError {
  return new ValidationError(
    `invalid request: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`,
    problems,
  );
}

/** A checked public key with its key id. */
function registeredKey(publicKey: string) {
  return { keyId: keyIdOf(publicKey), publicKey };
}

// Per-tenant plugin secrets: encrypted at rest, bound to their tenant, plugin and name, readable
// only by the plugin that declares them, set by operators through the admin API and audited.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  createApp,
  createLogger,
  HttpRoutes,
  type Kernel,
  loadConfig,
  Metrics,
  NotFoundError,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  ValidationError,
} from '@dotmac/kernel';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel, testConfig } from '../../../test/support/kernel.ts';
import { parseManifest } from '../../src/plugins/manifest.ts';
import { registerPluginSecretRoutes } from '../../src/plugins/secret-routes.ts';
import { loadSecretsKey, PluginSecrets, SecretUnreadableError } from '../../src/plugins/secrets.ts';
import { SealingKeyMissingError } from '../../src/seal.ts';

const ADMIN_TOKEN = 'plugin-secrets-test-admin-token';
const operator = { type: 'operator', id: 'test' };

const manifest = (id: string, secrets: { name: string; description: string }[]) =>
  parseManifest(
    {
      id,
      version: '1.0.0',
      name: id,
      description: `The ${id} plugin.`,
      publisher: 'Test',
      engines: { kernel: '^0.1.0' },
      capabilities: { secrets },
    },
    `${id}/plugin.json`,
  );

/** Declares two secrets. */
const x = manifest('test.x', [
  { name: 'API_TOKEN', description: 'Token of the X API.' },
  { name: 'WEBHOOK_SECRET', description: 'Signs X webhooks.' },
]);
/** Declares a secret of the same name as one of x's, and not the other. */
const y = manifest('test.y', [{ name: 'API_TOKEN', description: 'Token of the Y API.' }]);
const installed = [x, y];

const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 16);
const key = randomBytes(32);
const secretOf = (value: string) => `${value}-${randomBytes(8).toString('hex')}`;

let t: TestKernel;
let kernel: Kernel;
let secrets: PluginSecrets;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  t = await bootTestKernel();
  kernel = t.kernel;
  secrets = new PluginSecrets(kernel.db, key, installed);
});

afterAll(async () => {
  await t?.dispose();
});

beforeEach(async () => {
  tenantA = await createTenant(kernel.db, `isp-a-${Math.random().toString(36).slice(2, 8)}`);
  tenantB = await createTenant(kernel.db, `isp-b-${Math.random().toString(36).slice(2, 8)}`);
});

const rowsOf = (tenantId: string) =>
  kernel.db.query<{ plugin_id: string; name: string; ciphertext: Buffer; iv: Buffer; tag: Buffer; key_id: string }>(
    'select plugin_id, name, ciphertext, iv, tag, key_id from kernel.plugin_secret where tenant_id = $1 order by plugin_id, name',
    [tenantId],
  );
const auditOf = (tenantId: string) =>
  kernel.db.query<{ action: string; actor_type: string; actor_id: string | null; target: string; data: unknown }>(
    'select action, actor_type, actor_id, target, data from kernel.audit_log where tenant_id = $1 order by id',
    [tenantId],
  );

describe(`plugin secrets on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('a secret set for a tenant reads back as set, and setting it again replaces it', async () => {
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBeNull();
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', 'tok-1 ✓ ünïcode 🔑', operator);
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBe('tok-1 ✓ ünïcode 🔑');
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', 'tok-2', operator);
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBe('tok-2');
    expect(await rowsOf(tenantA)).toHaveLength(1);
  });

  test('the stored row holds ciphertext only: neither the plaintext nor its bytes appear in it', async () => {
    const value = secretOf('sk_live_plaintext');
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', value, operator);
    const [row] = await rowsOf(tenantA);
    if (!row) throw new Error('no row stored');
    const stored = Buffer.concat([row.ciphertext, row.iv, row.tag, Buffer.from(row.key_id)]);
    expect(stored.includes(Buffer.from(value))).toBe(false);
    expect(row.ciphertext).toHaveLength(Buffer.byteLength(value));
    expect(row.iv).toHaveLength(12);
    expect(row.tag).toHaveLength(16);
    expect(row.key_id).toBe(keyIdOf(key));
    const [text] = await kernel.db.query<{ t: string }>(
      'select s::text as t from kernel.plugin_secret s where tenant_id = $1',
      [tenantA],
    );
    expect(text?.t).not.toContain(value);
    expect(text?.t).not.toContain(Buffer.from(value).toString('hex'));
  });

  test('each write uses a fresh IV: the same value twice gives different ciphertexts', async () => {
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', 'same value', operator);
    const [first] = await rowsOf(tenantA);
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', 'same value', operator);
    const [second] = await rowsOf(tenantA);
    expect(second?.iv.equals(first?.iv ?? Buffer.alloc(0))).toBe(false);
    expect(second?.ciphertext.equals(first?.ciphertext ?? Buffer.alloc(0))).toBe(false);
  });

  test("another tenant does not see a tenant's secret", async () => {
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', secretOf('a'), operator);
    expect(await secrets.get(tenantB, 'test.x', 'API_TOKEN')).toBeNull();
    expect((await secrets.list(tenantB, 'test.x')).every((s) => !s.set)).toBe(true);
  });

  test('a secret the plugin does not declare is refused for get, set and delete, naming plugin and secret', async () => {
    const refusal = new NotFoundError(
      'plugin test.x declares no secret "DATABASE_PASSWORD"; it declares API_TOKEN, WEBHOOK_SECRET',
    );
    await expect(secrets.get(tenantA, 'test.x', 'DATABASE_PASSWORD')).rejects.toThrow(refusal);
    await expect(secrets.set(tenantA, 'test.x', 'DATABASE_PASSWORD', 'v', operator)).rejects.toThrow(refusal);
    await expect(secrets.delete(tenantA, 'test.x', 'DATABASE_PASSWORD', operator)).rejects.toThrow(refusal);
    await expect(secrets.get(tenantA, 'acme.nothing', 'API_TOKEN')).rejects.toThrow(
      new NotFoundError('plugin acme.nothing is not installed'),
    );
    expect(await rowsOf(tenantA)).toEqual([]);
  });

  test("a plugin cannot read another plugin's secrets, even one of the same name", async () => {
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', 'x-token', operator);
    await secrets.set(tenantA, 'test.x', 'WEBHOOK_SECRET', 'x-webhook', operator);
    await expect(secrets.get(tenantA, 'test.y', 'WEBHOOK_SECRET')).rejects.toThrow(
      'plugin test.y declares no secret "WEBHOOK_SECRET"; it declares API_TOKEN',
    );
    expect(await secrets.get(tenantA, 'test.y', 'API_TOKEN')).toBeNull();
    await secrets.set(tenantA, 'test.y', 'API_TOKEN', 'y-token', operator);
    expect(await secrets.get(tenantA, 'test.y', 'API_TOKEN')).toBe('y-token');
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBe('x-token');
  });

  test('a ciphertext copied into another tenant, plugin or secret fails to decrypt instead of leaking', async () => {
    const value = secretOf('tenant-a-only');
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', value, operator);
    await secrets.set(tenantB, 'test.x', 'API_TOKEN', 'b-token', operator);
    await secrets.set(tenantA, 'test.x', 'WEBHOOK_SECRET', 'a-webhook', operator);
    await secrets.set(tenantA, 'test.y', 'API_TOKEN', 'a-y-token', operator);
    // Each target row gets A's x API_TOKEN ciphertext, IV and tag, as an attacker with SQL access could.
    const targets: [string, string, string][] = [
      [tenantB, 'test.x', 'API_TOKEN'],
      [tenantA, 'test.x', 'WEBHOOK_SECRET'],
      [tenantA, 'test.y', 'API_TOKEN'],
    ];
    for (const [tenantId, pluginId, name] of targets) {
      await kernel.db.query(
        `update kernel.plugin_secret s set ciphertext = a.ciphertext, iv = a.iv, tag = a.tag
         from kernel.plugin_secret a
         where a.tenant_id = $1 and a.plugin_id = 'test.x' and a.name = 'API_TOKEN'
           and s.tenant_id = $2 and s.plugin_id = $3 and s.name = $4`,
        [tenantA, tenantId, pluginId, name],
      );
      const error = await secrets.get(tenantId, pluginId, name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretUnreadableError);
      expect((error as Error).message).toBe(
        `secret ${name} of ${pluginId} for tenant ${tenantId} does not decrypt: its stored row was altered or copied from another tenant, plugin or secret; set it again`,
      );
      expect((error as Error).message).not.toContain(value);
    }
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBe(value);
  });

  test('a kernel with another key reports the key change instead of a decryption failure', async () => {
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', 'written-with-the-first-key', operator);
    const otherKey = randomBytes(32);
    const other = new PluginSecrets(kernel.db, otherKey, installed);
    await expect(other.get(tenantA, 'test.x', 'API_TOKEN')).rejects.toThrow(
      new SecretUnreadableError(
        `secret API_TOKEN of test.x for tenant ${tenantA} was written with key ${keyIdOf(key)}, this kernel has key ${keyIdOf(otherKey)}: SECRETS_KEY changed? Restore the key with id ${keyIdOf(key)}, or set the secret again`,
      ),
    );
    await other.set(tenantA, 'test.x', 'API_TOKEN', 'written-with-the-second-key', operator);
    expect(await other.get(tenantA, 'test.x', 'API_TOKEN')).toBe('written-with-the-second-key');
  });

  test('values must be strings of 1 to 8192 characters; a refused value writes nothing', async () => {
    for (const value of ['', 'v'.repeat(8193), 42 as unknown as string]) {
      const error = await secrets.set(tenantA, 'test.x', 'API_TOKEN', value, operator).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors.map((e) => e.pointer)).toEqual(['/value']);
    }
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', 'v'.repeat(8192), operator);
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBe('v'.repeat(8192));
    expect((await auditOf(tenantA)).map((a) => a.action)).toEqual(['plugin.secret.set']);
  });

  test('list shows every declared secret, set or not, with when it was set and never its value', async () => {
    const before = Date.now();
    await secrets.set(tenantA, 'test.x', 'WEBHOOK_SECRET', 'whsec-listed-value', operator);
    const listed = await secrets.list(tenantA, 'test.x');
    expect(listed).toEqual([
      { name: 'API_TOKEN', description: 'Token of the X API.', set: false, updatedAt: null },
      { name: 'WEBHOOK_SECRET', description: 'Signs X webhooks.', set: true, updatedAt: expect.any(String) },
    ]);
    expect(Date.parse(listed[1]?.updatedAt ?? '')).toBeGreaterThanOrEqual(before - 5_000);
    expect(JSON.stringify(listed)).not.toContain('whsec-listed-value');
  });

  test('set and delete are audited with the actor and the secret, never the value; deleting nothing audits nothing', async () => {
    const value = secretOf('audited');
    await secrets.set(tenantA, 'test.x', 'API_TOKEN', value, operator);
    await secrets.delete(tenantA, 'test.x', 'API_TOKEN', operator);
    await secrets.delete(tenantA, 'test.x', 'API_TOKEN', operator);
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBeNull();
    const audit = await auditOf(tenantA);
    expect(audit).toEqual([
      {
        action: 'plugin.secret.set',
        actor_type: 'operator',
        actor_id: 'test',
        target: 'plugin:test.x/secrets/API_TOKEN',
        data: {},
      },
      {
        action: 'plugin.secret.delete',
        actor_type: 'operator',
        actor_id: 'test',
        target: 'plugin:test.x/secrets/API_TOKEN',
        data: {},
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(value);
  });

  test('setting a secret for a tenant that does not exist is refused and writes nothing', async () => {
    const missing = '6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e99';
    await expect(secrets.set(missing, 'test.x', 'API_TOKEN', 'v', operator)).rejects.toThrow(
      new NotFoundError(`no tenant ${missing}`),
    );
    await expect(secrets.get('not-a-uuid', 'test.x', 'API_TOKEN')).rejects.toBeInstanceOf(ValidationError);
    expect(await rowsOf(missing)).toEqual([]);
  });
});

describe('the secrets key', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotmac-secrets-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('with the embedded database and no SECRETS_KEY, a key file is created with mode 0600 and reused', async () => {
    const dataDir = join(tempDir(), 'data');
    const config = testConfig({ DATA_DIR: dataDir });
    const first = await loadSecretsKey(config);
    const path = join(dataDir, 'secrets.key');
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first).toHaveLength(32);
    const second = await loadSecretsKey(config);
    expect(second?.equals(first ?? Buffer.alloc(0))).toBe(true);
    // Concurrent first uses agree on one key.
    const fresh = testConfig({ DATA_DIR: join(tempDir(), 'data') });
    const keys = await Promise.all([1, 2, 3, 4].map(() => loadSecretsKey(fresh)));
    expect(new Set(keys.map((k) => k?.toString('hex'))).size).toBe(1);
  });

  test('SECRETS_KEY, as base64 or hex, wins over the key file', async () => {
    const bytes = randomBytes(32);
    const dataDir = tempDir();
    expect(await loadSecretsKey(testConfig({ DATA_DIR: dataDir, SECRETS_KEY: bytes.toString('base64') }))).toEqual(
      bytes,
    );
    expect(await loadSecretsKey(testConfig({ DATA_DIR: dataDir, SECRETS_KEY: bytes.toString('hex') }))).toEqual(bytes);
    expect(existsSync(join(dataDir, 'secrets.key'))).toBe(false);
    expect(
      await loadSecretsKey(
        testConfig({ DATABASE_URL: 'postgres://db.example/dotmac', SECRETS_KEY: bytes.toString('base64') }),
      ),
    ).toEqual(bytes);
  });

  test('a malformed SECRETS_KEY is a config error that says what is expected and does not echo the key', () => {
    const bad = 'not-a-key-but-a-password';
    const error = (() => {
      try {
        loadConfig({ SECRETS_KEY: bad });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `SECRETS_KEY: must be 32 random bytes as 44 base64 or 64 hex characters (generate with \`openssl rand -base64 32\`) (got ${bad.length} characters)`,
    ]);
    expect((error as Error).message).not.toContain(bad);
  });

  test('a damaged key file is a config error naming the file', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'secrets.key'), 'truncated\n', { mode: 0o600 });
    await expect(loadSecretsKey(testConfig({ DATA_DIR: dataDir }))).rejects.toThrow(
      `${join(dataDir, 'secrets.key')}: must be 32 random bytes`,
    );
  });

  test('with an external database and no SECRETS_KEY, every secrets operation says to set SECRETS_KEY', async () => {
    const config = testConfig({ DATABASE_URL: 'postgres://db.example/dotmac', DATA_DIR: tempDir() });
    const unkeyed = await loadSecretsKey(config);
    expect(unkeyed).toBeUndefined();
    expect(existsSync(join(config.DATA_DIR, 'secrets.key'))).toBe(false);
    const unconfigured = new PluginSecrets(kernel.db, unkeyed, installed);
    const tenant = await createTenant(kernel.db, `isp-u-${Math.random().toString(36).slice(2, 8)}`);
    const operations = [
      () => unconfigured.get(tenant, 'test.x', 'API_TOKEN'),
      () => unconfigured.set(tenant, 'test.x', 'API_TOKEN', 'v', operator),
      () => unconfigured.delete(tenant, 'test.x', 'API_TOKEN', operator),
      () => unconfigured.list(tenant, 'test.x'),
    ];
    for (const operation of operations) {
      const error = await operation().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SealingKeyMissingError);
      expect(error).toMatchObject({ status: 503, type: 'secrets-unconfigured' });
      expect((error as Error).message).toContain('set it to 32 random bytes');
      expect((error as Error).message).toContain('SECRETS_KEY');
      expect((error as Error).message).toContain('openssl rand -base64 32');
    }
    expect(await rowsOf(tenant)).toEqual([]);
  });
});

describe('the admin API for plugin secrets', () => {
  const appFor = (s: PluginSecrets) => {
    const routes = new HttpRoutes();
    registerPluginSecretRoutes(routes, s);
    return createApp({ routes, log: createLogger('silent'), metrics: new Metrics(), adminToken: ADMIN_TOKEN });
  };
  const call = (
    app: ReturnType<typeof appFor>,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` },
  ) =>
    app.request(path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const secretsPath = (tenant: string, plugin = 'test.x') =>
    `/api/v1/admin/tenants/${tenant}/plugins/${plugin}/secrets`;

  async function problem(res: Response, status: number): Promise<Problem> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    return (await res.json()) as Problem;
  }

  test('an operator sets, lists and removes a secret; no response carries its value', async () => {
    const app = appFor(secrets);
    const value = secretOf('via-http');
    const put = await call(app, 'PUT', `${secretsPath(tenantA)}/API_TOKEN`, { value });
    expect(put.status).toBe(204);
    expect(await put.text()).toBe('');
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBe(value);

    const listed = await call(app, 'GET', secretsPath(tenantA));
    expect(listed.status).toBe(200);
    const text = await listed.text();
    expect(text).not.toContain(value);
    expect(JSON.parse(text)).toEqual({
      items: [
        { name: 'API_TOKEN', description: 'Token of the X API.', set: true, updatedAt: expect.any(String) },
        { name: 'WEBHOOK_SECRET', description: 'Signs X webhooks.', set: false, updatedAt: null },
      ],
    });

    expect((await call(app, 'DELETE', `${secretsPath(tenantA)}/API_TOKEN`)).status).toBe(204);
    expect(await secrets.get(tenantA, 'test.x', 'API_TOKEN')).toBeNull();
    const audit = await kernel.db.query<{ action: string; actor_type: string; request_id: string | null }>(
      'select action, actor_type, request_id from kernel.audit_log where tenant_id = $1 order by id',
      [tenantA],
    );
    expect(audit.map((a) => [a.action, a.actor_type])).toEqual([
      ['plugin.secret.set', 'operator'],
      ['plugin.secret.delete', 'operator'],
    ]);
    expect(audit[0]?.request_id).toBe(put.headers.get('x-request-id'));
  });

  test('a PUT without a value, or with a bad one, is a 400 problem naming /body/value and writes nothing', async () => {
    const app = appFor(secrets);
    const missing = await problem(await call(app, 'PUT', `${secretsPath(tenantA)}/API_TOKEN`, {}), 400);
    expect(missing.errors).toEqual([{ pointer: '/body/value', detail: 'is required' }]);
    for (const value of ['', 'v'.repeat(8193), 7]) {
      const bad = await problem(await call(app, 'PUT', `${secretsPath(tenantA)}/API_TOKEN`, { value }), 400);
      expect(bad.errors?.map((e) => e.pointer)).toEqual(['/body/value']);
    }
    expect(await rowsOf(tenantA)).toEqual([]);
    expect(await auditOf(tenantA)).toEqual([]);
  });

  test('undeclared secrets and unknown plugins are 404 problems naming them', async () => {
    const app = appFor(secrets);
    const undeclared = await problem(await call(app, 'PUT', `${secretsPath(tenantA)}/OTHER`, { value: 'v' }), 404);
    expect(undeclared.detail).toBe('plugin test.x declares no secret "OTHER"; it declares API_TOKEN, WEBHOOK_SECRET');
    const unknown = await problem(await call(app, 'GET', secretsPath(tenantA, 'acme.nothing')), 404);
    expect(unknown.detail).toBe('plugin acme.nothing is not installed');
    const malformed = await problem(await call(app, 'PUT', `${secretsPath(tenantA)}/lower-case`, { value: 'v' }), 400);
    expect(malformed.errors?.map((e) => e.pointer)).toEqual(['/params/name']);
  });

  test('the routes are for the operator only', async () => {
    const app = appFor(secrets);
    const res = await call(app, 'PUT', `${secretsPath(tenantA)}/API_TOKEN`, { value: 'v' }, {});
    expect(res.status).toBe(401);
    expect((await call(app, 'GET', secretsPath(tenantA), undefined, {})).status).toBe(401);
    expect(await rowsOf(tenantA)).toEqual([]);
  });

  test('without a key next to an external database the API answers 503 secrets-unconfigured', async () => {
    const app = appFor(new PluginSecrets(kernel.db, undefined, installed));
    const res = await problem(await call(app, 'PUT', `${secretsPath(tenantA)}/API_TOKEN`, { value: 'v' }), 503);
    expect(res.type).toBe('https://dotmac.dev/problems/secrets-unconfigured');
    expect(res.detail).toContain('SECRETS_KEY');
    expect(await rowsOf(tenantA)).toEqual([]);
  });
});

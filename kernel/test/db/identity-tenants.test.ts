// Tenants and SaaS plans for the platform operator: creating a tenant in one transaction with its
// hostnames, plan modules, first admin, event and audit row; changing, suspending, reactivating,
// exporting and closing it; resolving it from a hostname; and what each plan allows.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  ConflictError,
  ForbiddenError,
  type Kernel,
  pluginTransaction,
  systemClock,
  type Tx,
  ValidationError,
} from '@dotmac/kernel';
import { extract } from 'tar';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bootTestKernel, type TestKernel } from '../../../test/support/kernel.ts';
import { createPluginRoot, operatorClient } from '../../../test/support/plugins.ts';
import type { Plans } from '../../src/identity/plans.ts';
import { type FirstAdmin, type NewTenant, type TenantRecord, Tenants } from '../../src/identity/tenants.ts';

const ADMIN_TOKEN = 'identity-tenants-test-admin-token';
const operator = { type: 'operator', id: 'test-operator' };
/** Credentials planted in every tenant: none may appear in an export. */
const PASSWORD_HASH = 'PASSWORD-HASH-MARKER-7f3a';
const TOTP_SECRET = 'TOTP-SECRET-MARKER-91bc';
const KEY_HASH = 'API-KEY-HASH-MARKER-c0de';
const SECRET_CIPHERTEXT = 'PLUGIN-SECRET-CIPHERTEXT-MARKER-55aa';

// Installed plugins: billing needs the ledger, whose table (migrated by the host) holds rows per tenant.
const root = createPluginRoot();
root.write(
  'ledger',
  {
    id: 'test.ledger',
    version: '1.4.0',
    name: 'Ledger',
    description: 'Entries per tenant.',
    capabilities: { db: true },
  },
  'dotmac.register({})',
  { '0001-entries.sql': 'create table entries (tenant_id uuid not null, memo text not null);' },
);
root.write(
  'billing',
  {
    id: 'test.billing',
    version: '2.0.1',
    name: 'Billing',
    description: 'Needs the ledger.',
    dependencies: { 'test.ledger': '^1.0.0' },
  },
  'dotmac.register({})',
);
root.write(
  'support',
  { id: 'test.support', version: '0.3.0', name: 'Support', description: 'Tickets.' },
  'dotmac.register({})',
);
const INSTALLED = ['test.billing', 'test.ledger', 'test.support'];

let t: TestKernel;
let kernel: Kernel;
let dataDir: string;
/** The kernel's own: the identity layer's onCreated hook (roles, invitation, plan modules). */
let tenants: Tenants;
let plans: Plans;
/** Tenants with a hook the tests control, to see what runs in the creating transaction. */
let hookedTenants: Tenants;
let exportsDir: string;
let op: ReturnType<typeof operatorClient>;
let onCreated: (tx: Tx, tenant: TenantRecord, admin: FirstAdmin) => Promise<void>;
const hookCalls: Array<{ tenant: TenantRecord; admin: FirstAdmin; seenInTx: unknown }> = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dotmac-data-'));
  t = await bootTestKernel({
    env: { ADMIN_TOKEN, DATA_DIR: dataDir },
    pluginRoots: [root.dir],
    mailer: { send: async () => undefined },
  });
  kernel = t.kernel;
  await kernel.start();
  op = operatorClient(kernel.url as string, ADMIN_TOKEN);
  ({ tenants, plans } = kernel.identity);
  exportsDir = join(kernel.config.DATA_DIR, 'exports');
  hookedTenants = new Tenants(
    kernel.db,
    kernel.bus,
    plans,
    { onCreated: (tx, tenant, admin) => onCreated(tx, tenant, admin) },
    systemClock,
  );
  await plans.upsert({ id: 'fibre-pro', name: 'Fibre Pro', modules: ['test.billing', 'test.ledger'] }, operator);
  await plans.upsert({ id: 'starter', name: 'Starter', modules: ['test.support'] }, operator);
});

afterAll(async () => {
  await t?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
  root.remove();
});

beforeEach(() => {
  hookCalls.length = 0;
  // Like the identity layer: the first admin is a user of the new tenant, written in the same transaction.
  onCreated = async (tx, tenant, admin) => {
    const seenInTx = await tx.query(
      `select t.slug, array(select hostname from kernel.tenant_hostname where tenant_id = t.id order by hostname) as hostnames
         from kernel.tenant t where t.id = $1`,
      [tenant.id],
    );
    hookCalls.push({ tenant, admin, seenInTx });
    await tx.query(
      `insert into kernel.app_user (tenant_id, email, portal, status) values ($1, $2, 'admin', 'invited')`,
      [tenant.id, admin.email],
    );
  };
});

const unique = () => Math.random().toString(36).slice(2, 8);

function newTenant(overrides: Partial<NewTenant> = {}): NewTenant {
  const slug = overrides.slug ?? `isp-${unique()}`;
  return {
    name: `ISP ${slug}`,
    slug,
    hostnames: [`${slug}.example.net`],
    currency: 'NGN',
    timeZone: 'Africa/Lagos',
    locale: 'en-NG',
    admin: { email: `admin@${slug}.example.net`, displayName: 'First Admin' },
    ...overrides,
  };
}

const eventsOf = (tenantId: string) =>
  kernel.db.query<{ name: string; payload: Record<string, unknown> }>(
    'select name, payload from kernel.outbox_event where tenant_id = $1 order by seq',
    [tenantId],
  );
const auditOf = (tenantId: string) =>
  kernel.db.query<{
    action: string;
    actor_type: string;
    actor_id: string | null;
    target: string;
    before: unknown;
    after: unknown;
  }>(
    'select action, actor_type, actor_id, target, before, after from kernel.audit_log where tenant_id = $1 order by id',
    [tenantId],
  );
const countTenants = async () =>
  (await kernel.db.query<{ n: number }>('select count(*)::int as n from kernel.tenant'))[0]?.n;

describe(`tenants on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('creating a tenant answers its record, claims its hostnames, switches on its plan’s modules, publishes tenant.created and is audited', async () => {
    const input = newTenant({ hostnames: ['Portal.Lagos-Fibre.NG', 'lagos-fibre.ng'], planId: 'fibre-pro' });
    const res = await op.call('/api/v1/platform/tenants', { method: 'POST', body: input });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const tenant = res.body as TenantRecord;
    expect(tenant).toMatchObject({
      slug: input.slug,
      name: input.name,
      hostnames: ['lagos-fibre.ng', 'portal.lagos-fibre.ng'],
      currency: 'NGN',
      timeZone: 'Africa/Lagos',
      locale: 'en-NG',
      planId: 'fibre-pro',
      status: 'active',
      suspendedReason: null,
      closedAt: null,
    });
    expect(tenant.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await tenants.get(tenant.id)).toEqual(tenant);

    const enabled = await kernel.db.query<{ plugin_id: string }>(
      'select plugin_id from kernel.plugin_installation where tenant_id = $1 and enabled order by plugin_id',
      [tenant.id],
    );
    expect(enabled.map((r) => r.plugin_id)).toEqual(['test.billing', 'test.ledger']);
    // Dependencies are switched on first, each once; then the tenant exists for everyone.
    expect((await eventsOf(tenant.id)).filter((e) => /^(plugin|tenant)\./.test(e.name))).toEqual([
      { name: 'plugin.enabled', payload: { tenantId: tenant.id, pluginId: 'test.ledger', version: '1.4.0' } },
      { name: 'plugin.enabled', payload: { tenantId: tenant.id, pluginId: 'test.billing', version: '2.0.1' } },
      { name: 'tenant.created', payload: { tenantId: tenant.id, slug: input.slug, name: input.name } },
    ]);
    const created = (await auditOf(tenant.id)).filter((a) => a.action === 'tenant.create');
    expect(created).toEqual([
      {
        action: 'tenant.create',
        actor_type: 'operator',
        actor_id: null,
        target: `tenant:${tenant.id}`,
        before: null,
        after: tenant,
      },
    ]);
    // The identity layer's hook invited the first admin in the same transaction.
    expect(
      await kernel.db.query('select email, portal, status from kernel.app_user where tenant_id = $1', [tenant.id]),
    ).toEqual([{ email: input.admin.email, portal: 'admin', status: 'invited' }]);
  });

  test('the onCreated hook runs inside the creating transaction, and a hook that throws leaves nothing behind', async () => {
    const seen = newTenant({ planId: 'fibre-pro' });
    const created = await hookedTenants.create(seen, operator);
    expect(hookCalls).toEqual([
      { tenant: created, admin: seen.admin, seenInTx: [{ slug: seen.slug, hostnames: seen.hostnames }] },
    ]);
    expect(await kernel.db.query('select email from kernel.app_user where tenant_id = $1', [created.id])).toEqual([
      { email: seen.admin.email },
    ]);
    // Without an identity layer that switches modules on, creation does: each with its event and audit row.
    expect((await eventsOf(created.id)).map((e) => [e.name, e.payload.pluginId])).toEqual([
      ['plugin.enabled', 'test.ledger'],
      ['plugin.enabled', 'test.billing'],
      ['tenant.created', undefined],
    ]);
    expect((await auditOf(created.id)).map((a) => [a.action, a.target])).toEqual([
      ['plugin.enable', 'plugin:test.ledger'],
      ['plugin.enable', 'plugin:test.billing'],
      ['tenant.create', `tenant:${created.id}`],
    ]);

    const doomed = newTenant({ planId: 'fibre-pro' });
    onCreated = async (tx, tenant, a) => {
      await tx.query(`insert into kernel.app_user (tenant_id, email, portal) values ($1, $2, 'admin')`, [
        tenant.id,
        a.email,
      ]);
      throw new Error('the mail server refused the invitation');
    };
    const outboxBefore = await kernel.db.query<{ n: number }>('select count(*)::int as n from kernel.outbox_event');
    await expect(hookedTenants.create(doomed, operator)).rejects.toThrow('the mail server refused the invitation');
    expect(await kernel.db.query('select id from kernel.tenant where slug = $1', [doomed.slug])).toEqual([]);
    expect(
      await kernel.db.query('select 1 from kernel.tenant_hostname where hostname = any($1)', [doomed.hostnames]),
    ).toEqual([]);
    expect(await kernel.db.query('select 1 from kernel.app_user where email = $1', [doomed.admin.email])).toEqual([]);
    expect(
      await kernel.db.query(`select 1 from kernel.outbox_event where payload->>'slug' = $1`, [doomed.slug]),
    ).toEqual([]);
    expect(await kernel.db.query<{ n: number }>('select count(*)::int as n from kernel.outbox_event')).toEqual(
      outboxBefore,
    );
  });

  test('a taken slug or hostname is a conflict that names it, and writes nothing', async () => {
    const first = await tenants.create(newTenant(), operator);
    const before = await countTenants();

    const sameSlug = await tenants.create(newTenant({ slug: first.slug, hostnames: [] }), operator).catch((e) => e);
    expect(sameSlug).toBeInstanceOf(ConflictError);
    expect(sameSlug.message).toMatch(/slug/);
    expect(sameSlug.message).toContain(first.slug);

    const sameHost = await tenants
      .create(newTenant({ hostnames: ['fresh.example.org', first.hostnames[0]?.toUpperCase() ?? ''] }), operator)
      .catch((e) => e);
    expect(sameHost).toBeInstanceOf(ConflictError);
    expect(sameHost.message).toMatch(/hostnames/i);
    expect(sameHost.message).toContain(first.hostnames[0]);

    const overHttp = await op.call('/api/v1/platform/tenants', {
      method: 'POST',
      body: newTenant({ hostnames: [...first.hostnames] }),
    });
    expect(overHttp.status).toBe(409);
    expect(overHttp.body.detail).toMatch(/hostnames/i);

    const other = await tenants.create(newTenant(), operator);
    const stolen = await tenants.update(other.id, { hostnames: [...first.hostnames] }, operator).catch((e) => e);
    expect(stolen).toBeInstanceOf(ConflictError);
    expect(stolen.message).toMatch(/hostnames/i);

    expect(await countTenants()).toBe((before ?? 0) + 1);
    expect(
      await kernel.db.query('select 1 from kernel.tenant_hostname where hostname = $1', ['fresh.example.org']),
    ).toEqual([]);
    expect((await tenants.get(other.id)).hostnames).toEqual(other.hostnames);
  });

  test('a bad currency, time zone, locale, plan or body is a 400 naming the field, and writes nothing', async () => {
    const before = await countTenants();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...newTenant(), currency: 'XYZ' }, '/body/currency'],
      [{ ...newTenant(), currency: 'ngn' }, '/body/currency'],
      [{ ...newTenant(), timeZone: 'Mars/Olympus_Mons' }, '/body/timeZone'],
      [{ ...newTenant(), locale: 'english!' }, '/body/locale'],
      [{ ...newTenant(), planId: 'no-such-plan' }, '/body/planId'],
      [{ ...newTenant(), hostnames: ['not a hostname'] }, '/body/hostnames/0'],
      [{ ...newTenant(), slug: 'Not_A_Slug' }, '/body/slug'],
      [{ ...newTenant(), admin: { email: 'not-an-email' } }, '/body/admin/email'],
      [{ ...newTenant(), owner: 'someone' }, '/body/owner'],
      [(({ currency: _, ...rest }) => rest)(newTenant()), '/body/currency'],
      [(({ admin: _, ...rest }) => rest)(newTenant()), '/body/admin'],
    ];
    for (const [body, pointer] of cases) {
      const res = await op.call('/api/v1/platform/tenants', { method: 'POST', body });
      expect(res.status, `${pointer}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(
        res.body.errors.map((e: { pointer: string }) => e.pointer),
        JSON.stringify(res.body),
      ).toContain(pointer);
    }
    const direct = await tenants.create({ ...newTenant(), timeZone: 'Nowhere/Land' }, operator).catch((e) => e);
    expect(direct).toBeInstanceOf(ValidationError);
    expect(direct.errors).toEqual([{ pointer: '/timeZone', detail: expect.stringMatching(/IANA time zone/) }]);
    expect(await countTenants()).toBe(before);
  });

  test('UTC is a time zone and locales are stored in canonical form', async () => {
    const tenant = await tenants.create(newTenant({ timeZone: 'UTC', locale: 'FR-ca', currency: 'EUR' }), operator);
    expect(tenant).toMatchObject({ timeZone: 'UTC', locale: 'fr-CA', currency: 'EUR' });
  });

  test('an update writes its before and after to the audit log and publishes tenant.updated; an update that changes nothing writes nothing', async () => {
    const tenant = await tenants.create(newTenant(), operator);
    const res = await op.call(`/api/v1/platform/tenants/${tenant.id}`, {
      method: 'PATCH',
      body: {
        name: 'Renamed ISP',
        hostnames: ['NEW.example.net', tenant.hostnames[0]],
        timeZone: 'UTC',
        planId: 'starter',
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = res.body as TenantRecord;
    expect(after).toMatchObject({
      name: 'Renamed ISP',
      hostnames: [tenant.hostnames[0], 'new.example.net'].sort(),
      timeZone: 'UTC',
      planId: 'starter',
      currency: tenant.currency,
    });
    const updates = (await auditOf(tenant.id)).filter((a) => a.action === 'tenant.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.before).toEqual(tenant);
    expect(updates[0]?.after).toEqual(after);
    const events = (await eventsOf(tenant.id)).filter((e) => e.name === 'tenant.updated');
    expect(events).toEqual([
      {
        name: 'tenant.updated',
        payload: {
          tenantId: tenant.id,
          changed: ['name', 'hostnames', 'timeZone', 'planId'],
          name: 'Renamed ISP',
          hostnames: after.hostnames,
          currency: tenant.currency,
          timeZone: 'UTC',
          locale: tenant.locale,
          planId: 'starter',
        },
      },
    ]);

    await tenants.update(
      tenant.id,
      { name: 'Renamed ISP', hostnames: ['new.example.net', tenant.hostnames[0] ?? ''] },
      operator,
    );
    expect((await auditOf(tenant.id)).filter((a) => a.action === 'tenant.update')).toHaveLength(1);

    const bad = await op.call(`/api/v1/platform/tenants/${tenant.id}`, { method: 'PATCH', body: { locale: 'x!' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('/body/locale');
    expect((await op.call(`/api/v1/platform/tenants/${tenant.id}`, { method: 'PATCH', body: {} })).status).toBe(400);
    expect((await tenants.get(tenant.id)).locale).toBe(tenant.locale);
  });

  test('suspending and reactivating change the status with their events, and a suspended tenant’s users get a 403 that says why', async () => {
    const tenant = await tenants.create(newTenant(), operator);
    await expect(tenants.requireActive(tenant.id)).resolves.toBeUndefined();

    const suspended = await op.call(`/api/v1/platform/tenants/${tenant.id}/suspend`, {
      method: 'POST',
      body: { reason: 'Invoice 2025-03 is unpaid' },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', suspendedReason: 'Invoice 2025-03 is unpaid' });
    expect(await tenants.status(tenant.id)).toEqual({
      slug: tenant.slug,
      status: 'suspended',
      suspendedReason: 'Invoice 2025-03 is unpaid',
    });
    const refused = await tenants.requireActive(tenant.id).catch((e) => e);
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect(refused.message).toContain(`${tenant.slug} is suspended`);
    expect(refused.message).toContain('Invoice 2025-03 is unpaid');
    // Suspended, not gone: it still resolves, so its users can be told why.
    expect((await tenants.byHostname(tenant.hostnames[0] ?? ''))?.status).toBe('suspended');

    const back = await op.call(`/api/v1/platform/tenants/${tenant.id}/reactivate`, { method: 'POST' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ status: 'active', suspendedReason: null });
    await expect(tenants.requireActive(tenant.id)).resolves.toBeUndefined();
    await tenants.reactivate(tenant.id, operator); // already active: nothing happens

    const tenantEvents = (await eventsOf(tenant.id)).filter((e) => e.name.startsWith('tenant.'));
    expect(tenantEvents.map((e) => [e.name, e.payload])).toEqual([
      ['tenant.created', { tenantId: tenant.id, slug: tenant.slug, name: tenant.name }],
      ['tenant.suspended', { tenantId: tenant.id, reason: 'Invoice 2025-03 is unpaid' }],
      ['tenant.reactivated', { tenantId: tenant.id }],
    ]);
    const audit = (await auditOf(tenant.id)).filter((a) => a.action.startsWith('tenant.'));
    expect(audit.map((a) => a.action)).toEqual(['tenant.create', 'tenant.suspend', 'tenant.reactivate']);
    expect(audit[1]).toMatchObject({ before: { status: 'active' }, after: { status: 'suspended' } });

    const noReason = await op.call(`/api/v1/platform/tenants/${tenant.id}/suspend`, {
      method: 'POST',
      body: { reason: '  ' },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors[0].pointer).toBe('/body/reason');
  });

  test('byHostname ignores case, port and a trailing dot, and misses unknown hostnames and closed tenants', async () => {
    const tenant = await tenants.create(newTenant({ hostnames: ['portal.case-test.example'] }), operator);
    for (const host of [
      'portal.case-test.example',
      'PORTAL.Case-Test.Example',
      'portal.case-test.example:8443',
      'portal.case-test.example.',
    ]) {
      expect((await tenants.byHostname(host))?.id, host).toBe(tenant.id);
    }
    expect(await tenants.byHostname('nobody.example')).toBeUndefined();
    await tenants.exportData(tenant.id, exportsDir, operator);
    await tenants.close(tenant.id, operator);
    expect(await tenants.byHostname('portal.case-test.example')).toBeUndefined();
  });

  test('closing is refused until the tenant has been exported; then it is closed, its hostnames are free and its data kept', async () => {
    const tenant = await tenants.create(newTenant({ planId: 'fibre-pro' }), operator);
    const refused = await op.call(`/api/v1/platform/tenants/${tenant.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/export/);
    expect((await tenants.get(tenant.id)).status).toBe('active');

    const exported = await op.call(`/api/v1/platform/tenants/${tenant.id}/exports`, { method: 'POST' });
    expect(exported.status, JSON.stringify(exported.body)).toBe(201);
    expect(exported.body).toMatchObject({
      name: expect.stringMatching(new RegExp(`^${tenant.slug}-\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.tar\\.gz$`)),
      bytes: expect.any(Number),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      url: `/api/v1/platform/tenants/${tenant.id}/exports/${exported.body.name}`,
    });

    const closed = await op.call(`/api/v1/platform/tenants/${tenant.id}`, { method: 'DELETE' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ id: tenant.id, status: 'closed', hostnames: [], closedAt: expect.any(String) });
    expect((await eventsOf(tenant.id)).at(-1)).toEqual({
      name: 'tenant.closed',
      payload: {
        tenantId: tenant.id,
        slug: tenant.slug,
        archive: { name: exported.body.name, sha256: exported.body.sha256 },
      },
    });
    expect(
      (await auditOf(tenant.id))
        .filter((a) => a.action.startsWith('tenant.'))
        .slice(-2)
        .map((a) => a.action),
    ).toEqual(['tenant.export', 'tenant.close']);
    // Its rows stay: the tenant, its users, its modules.
    expect(await kernel.db.query('select status from kernel.tenant where id = $1', [tenant.id])).toEqual([
      { status: 'closed' },
    ]);
    expect(await kernel.db.query('select email from kernel.app_user where tenant_id = $1', [tenant.id])).toHaveLength(
      1,
    );
    expect(
      await kernel.db.query('select 1 from kernel.plugin_installation where tenant_id = $1', [tenant.id]),
    ).toHaveLength(2);
    // Its hostname is free for another tenant; a closed tenant is never reactivated or changed.
    const successor = await tenants.create(newTenant({ hostnames: [...tenant.hostnames] }), operator);
    expect((await tenants.byHostname(tenant.hostnames[0] ?? ''))?.id).toBe(successor.id);
    await expect(tenants.reactivate(tenant.id, operator)).rejects.toBeInstanceOf(ConflictError);
    await expect(tenants.update(tenant.id, { name: 'Zombie' }, operator)).rejects.toBeInstanceOf(ConflictError);
    expect((await tenants.list({ status: 'closed', limit: 200 })).items.map((x) => x.id)).toContain(tenant.id);
  });

  test('an export holds every table of the tenant with its rows only, lists them in manifest.json, and holds no credential', async () => {
    const a = await tenants.create(newTenant({ planId: 'fibre-pro' }), operator);
    const b = await tenants.create(newTenant({ planId: 'fibre-pro' }), operator);
    for (const tenant of [a, b]) {
      // The invited admin, as if they had set a password and TOTP.
      await kernel.db.query(
        `update kernel.app_user set password_hash = $2, totp_secret = convert_to($3, 'UTF8') where tenant_id = $1`,
        [tenant.id, `${PASSWORD_HASH}-${tenant.slug}`, TOTP_SECRET],
      );
      await kernel.db.query(
        `insert into kernel.api_key (tenant_id, name, prefix, secret_hash) values ($1, 'radius sync', $2, convert_to($3, 'UTF8'))`,
        [tenant.id, `dmk_${tenant.slug}`, KEY_HASH],
      );
      await kernel.db.query(
        `insert into kernel.plugin_secret (tenant_id, plugin_id, name, ciphertext, iv, tag, key_id)
         values ($1, 'test.billing', 'STRIPE_API_KEY', convert_to($2, 'UTF8'), $3, $4, '0123456789abcdef')`,
        [tenant.id, SECRET_CIPHERTEXT, Buffer.alloc(12, 1), Buffer.alloc(16, 2)],
      );
      await pluginTransaction(kernel.db, 'test.ledger', tenant.id, async (q) => {
        await q('insert into entries (tenant_id, memo) values ($1, $2), ($1, $3)', [
          tenant.id,
          `first entry of ${tenant.slug}`,
          `second entry of ${tenant.slug}`,
        ]);
      });
    }

    const created = await op.call(`/api/v1/platform/tenants/${a.id}/exports`, { method: 'POST' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const download = await fetch(`${kernel.url}${created.body.url}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${created.body.name}"`);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(created.body.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(created.body.sha256);

    // Nothing of the other tenant, and no credential, anywhere in the archive.
    const tarBytes = gunzipSync(bytes);
    for (const marker of [b.id, b.slug, PASSWORD_HASH, TOTP_SECRET, KEY_HASH, SECRET_CIPHERTEXT]) {
      for (const form of [marker, Buffer.from(marker).toString('hex'), Buffer.from(marker).toString('base64')]) {
        expect(tarBytes.includes(Buffer.from(form)), `${marker} as ${form}`).toBe(false);
      }
    }

    const dir = mkdtempSync(join(tmpdir(), 'dotmac-export-read-'));
    try {
      writeFileSync(join(dir, 'archive.tar.gz'), bytes);
      await extract({ file: join(dir, 'archive.tar.gz'), cwd: dir });
      const lines = (file: string) =>
        readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({
        format: 'dotmac.tenant-export',
        formatVersion: 1,
        tenantId: a.id,
        slug: a.slug,
      });
      const rows = Object.fromEntries(manifest.tables.map((x: { table: string; rows: number }) => [x.table, x.rows]));
      const count = async (sql: string) =>
        (await kernel.db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, [a.id]))[0]?.n;
      const roles = await count('kernel.role where tenant_id = $1');
      const userRoles = await count(
        'kernel.user_role r join kernel.app_user u on u.id = r.user_id where u.tenant_id = $1',
      );
      expect(roles).toBeGreaterThan(0);
      expect(userRoles).toBeGreaterThan(0);
      // The audit rows of the tenant up to the export (the export's own row follows the archive).
      const audited = await count(
        `kernel.audit_log where tenant_id = $1 and id < (select max(id) from kernel.audit_log where tenant_id = $1 and action = 'tenant.export')`,
      );
      expect(rows).toEqual({
        'kernel.tenant': 1,
        'kernel.tenant_hostname': 1,
        'kernel.saas_plan': 1,
        'kernel.app_user': 1,
        'kernel.role': roles,
        'kernel.user_role': userRoles,
        'kernel.api_key': 1,
        'kernel.plugin_installation': 2,
        'kernel.plugin_secret': 1,
        'kernel.audit_log': audited,
        'plugin_test_ledger.entries': 2,
      });
      for (const x of manifest.tables) expect(lines(x.file), x.file).toHaveLength(x.rows);
      for (const table of ['app_user', 'role', 'api_key', 'audit_log', 'plugin_installation']) {
        expect(new Set(lines(`kernel/${table}.jsonl`).map((r) => r.tenant_id)), table).toEqual(new Set([a.id]));
      }

      expect(lines('kernel/tenant.jsonl')).toEqual([expect.objectContaining({ id: a.id, slug: a.slug })]);
      const [user] = lines('kernel/app_user.jsonl');
      expect(user).toMatchObject({ tenant_id: a.id, email: `admin@${a.slug}.example.net` });
      expect(Object.keys(user)).not.toContain('password_hash');
      expect(Object.keys(user)).not.toContain('totp_secret');
      expect(Object.keys(lines('kernel/api_key.jsonl')[0])).not.toContain('secret_hash');
      expect(lines('kernel/plugin_secret.jsonl')).toEqual([
        expect.objectContaining({ tenant_id: a.id, plugin_id: 'test.billing', name: 'STRIPE_API_KEY' }),
      ]);
      expect(manifest.tables.find((x: { table: string }) => x.table === 'kernel.app_user').omittedColumns).toEqual([
        'password_hash',
        'totp_secret',
      ]);
      expect(
        lines('plugins/plugin_test_ledger/entries.jsonl')
          .map((r) => r.memo)
          .sort(),
      ).toEqual([`first entry of ${a.slug}`, `second entry of ${a.slug}`]);
      expect(manifest.tables.find((x: { table: string }) => x.table === 'plugin_test_ledger.entries').plugin).toBe(
        'test.ledger',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the export download cannot be made to read anything but that tenant’s archives', async () => {
    const a = await tenants.create(newTenant(), operator);
    const b = await tenants.create(newTenant(), operator);
    const archiveOfB = await tenants.exportData(b.id, exportsDir, operator);
    writeFileSync(join(exportsDir, 'secret.txt'), 'not for download');
    const get = (path: string) =>
      fetch(`${kernel.url}/api/v1/platform/tenants/${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

    expect((await get(`${b.id}/exports/${archiveOfB.name}`)).status).toBe(200);
    const attempts = [
      `${a.id}/exports/${archiveOfB.name}`,
      `${a.id}/exports/..%2F${b.id}%2F${archiveOfB.name}`,
      `${a.id}/exports/..%2F..%2Fsecret.txt`,
      `${a.id}/exports/%2e%2e%2fsecret.txt`,
      `${a.id}/exports/..`,
      `${a.id}/exports/${encodeURIComponent('/etc/passwd')}`,
      `..%2F${b.id}/exports/${archiveOfB.name}`,
    ];
    for (const path of attempts) {
      const res = await get(path);
      const body = await res.text();
      expect([400, 404], `${path} answered ${res.status}`).toContain(res.status);
      expect(body).not.toContain('not for download');
      expect(res.headers.get('content-type')).not.toBe('application/gzip');
    }
    const unauthenticated = await fetch(`${kernel.url}/api/v1/platform/tenants/${b.id}/exports/${archiveOfB.name}`);
    expect(unauthenticated.status).toBe(401);
  });

  test('tenants are listed by slug a page at a time, optionally by status', async () => {
    const prefix = `list-${unique()}`;
    const made = [];
    for (const n of [3, 1, 2])
      made.push(await tenants.create(newTenant({ slug: `${prefix}-${n}`, hostnames: [] }), operator));
    await tenants.suspend(made[0]?.id ?? '', 'testing', operator);
    const all = (await op.call('/api/v1/platform/tenants?limit=200')).body.items.map((x: TenantRecord) => x.slug);
    const mine = all.filter((s: string) => s.startsWith(prefix));
    expect(mine).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
    const page = await op.call(`/api/v1/platform/tenants?limit=1&cursor=${prefix}-1`);
    expect(page.body.items.map((x: TenantRecord) => x.slug)).toEqual([`${prefix}-2`]);
    expect(page.body.nextCursor).toBe(`${prefix}-2`);
    const suspended = await op.call('/api/v1/platform/tenants?status=suspended&limit=200');
    expect(suspended.body.items.map((x: TenantRecord) => x.slug)).toContain(`${prefix}-3`);
    expect(suspended.body.items.every((x: TenantRecord) => x.status === 'suspended')).toBe(true);
    expect((await op.call('/api/v1/platform/tenants?status=gone')).status).toBe(400);
  });
});

describe(`SaaS plans on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('a plan lists only installed plugins, each with the plugins it depends on; a refused plan names /modules and writes nothing', async () => {
    const unknown = await plans
      .upsert({ id: 'gold', name: 'Gold', modules: ['test.ledger', 'acme.radius'] }, operator)
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(ValidationError);
    expect(unknown.message).toMatch(/modules/i);
    expect(unknown.errors).toEqual([{ pointer: '/modules/1', detail: 'acme.radius is not an installed plugin' }]);

    const orphan = await plans
      .upsert({ id: 'gold', name: 'Gold', modules: ['test.billing'] }, operator)
      .catch((e) => e);
    expect(orphan).toBeInstanceOf(ValidationError);
    expect(orphan.errors[0].detail).toBe('test.billing needs test.ledger, which the plan must list too');

    const overHttp = await op.call('/api/v1/platform/plans/gold', {
      method: 'PUT',
      body: { name: 'Gold', modules: ['nope.nope'] },
    });
    expect(overHttp.status).toBe(400);
    expect(overHttp.body.errors[0].pointer).toBe('/body/modules/0');
    expect((await op.call('/api/v1/platform/plans/gold')).status).toBe(404);

    const saved = await op.call('/api/v1/platform/plans/gold', {
      method: 'PUT',
      body: { name: 'Gold', modules: ['test.support', 'test.ledger'] },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ id: 'gold', name: 'Gold', modules: ['test.ledger', 'test.support'] });
    expect((await op.call('/api/v1/platform/plans/gold')).body).toEqual(saved.body);
    expect((await op.call('/api/v1/platform/plans')).body.items.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining(['fibre-pro', 'gold', 'starter']),
    );
    const audit = await kernel.db.query<{ action: string; before: unknown; after: unknown }>(
      `select action, before, after from kernel.audit_log where target = 'plan:gold' order by id`,
    );
    expect(audit).toEqual([{ action: 'plan.create', before: null, after: saved.body }]);
  });

  test('allows() answers by the tenant’s plan, and a tenant without a plan may switch on every installed plugin', async () => {
    const starter = await tenants.create(newTenant({ planId: 'starter' }), operator);
    const unplanned = await tenants.create(newTenant(), operator);
    expect(await plans.allows(starter.id, 'test.support')).toBe(true);
    expect(await plans.allows(starter.id, 'test.billing')).toBe(false);
    for (const id of INSTALLED) expect(await plans.allows(unplanned.id, id), id).toBe(true);
    expect(await plans.allows(unplanned.id, 'acme.not-installed')).toBe(false);
    expect(await plans.allows('6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e99', 'test.support')).toBe(false);
    // A tenant without a plan gets nothing switched on by itself.
    expect(
      await kernel.db.query('select 1 from kernel.plugin_installation where tenant_id = $1', [unplanned.id]),
    ).toEqual([]);

    await tenants.update(unplanned.id, { planId: 'fibre-pro' }, operator);
    expect(await plans.allows(unplanned.id, 'test.billing')).toBe(true);
    expect(await plans.allows(unplanned.id, 'test.support')).toBe(false);
    await tenants.update(unplanned.id, { planId: null }, operator);
    expect(await plans.allows(unplanned.id, 'test.support')).toBe(true);
  });
});

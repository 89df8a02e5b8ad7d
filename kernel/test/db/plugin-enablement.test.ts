// Per-tenant enablement: dependency checks both ways, per-tenant config, events and audit.
import type { Kernel } from '@dotmac/kernel';
import { ConflictError, NotFoundError, ValidationError } from '@dotmac/kernel';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../../../test/support/kernel.ts';
import { PluginEnablement } from '../../src/plugins/enablement.ts';
import { parseManifest } from '../../src/plugins/manifest.ts';

const manifest = (id: string, dependencies: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  parseManifest(
    {
      id,
      version: '1.2.0',
      name: id,
      description: `The ${id} plugin.`,
      publisher: 'Test',
      engines: { kernel: '^0.1.0' },
      dependencies,
      ...extra,
    },
    `${id}/plugin.json`,
  );

const customers = manifest(
  'dotmac.customers',
  {},
  {
    capabilities: {
      config: {
        type: 'object',
        additionalProperties: false,
        properties: { accountPrefix: { type: 'string', pattern: '^[A-Z]{2,4}$' } },
      },
    },
  },
);
const billing = manifest('dotmac.billing', { 'dotmac.customers': '^1.0.0' });
const support = manifest('dotmac.support', { 'dotmac.customers': '^1.0.0' });
const operator = { type: 'operator', id: 'test' };

let t: TestKernel;
let kernel: Kernel;
let plugins: PluginEnablement;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  t = await bootTestKernel();
  kernel = t.kernel;
  plugins = new PluginEnablement(kernel.db, kernel.bus, [customers, billing, support]);
});

afterAll(async () => {
  await t?.dispose();
});

beforeEach(async () => {
  tenantA = await createTenant(kernel.db, `isp-a-${Math.random().toString(36).slice(2, 8)}`);
  tenantB = await createTenant(kernel.db, `isp-b-${Math.random().toString(36).slice(2, 8)}`);
});

describe(`plugin enablement on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('a plugin is off for a tenant until enabled, and enabling it for one tenant leaves the other alone', async () => {
    expect(await plugins.isEnabled(tenantA, 'dotmac.customers')).toBe(false);
    await plugins.enable(tenantA, 'dotmac.customers', operator);
    expect(await plugins.isEnabled(tenantA, 'dotmac.customers')).toBe(true);
    expect(await plugins.isEnabled(tenantB, 'dotmac.customers')).toBe(false);
    expect((await plugins.list(tenantA)).map((p) => [p.pluginId, p.enabled])).toEqual([
      ['dotmac.customers', true],
      ['dotmac.billing', false],
      ['dotmac.support', false],
    ]);
  });

  test('a plugin cannot be enabled before the plugins it depends on', async () => {
    const error = await plugins.enable(tenantA, 'dotmac.billing', operator).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'cannot enable dotmac.billing for this tenant: it needs dotmac.customers, which is not enabled',
    );
    expect(await plugins.isEnabled(tenantA, 'dotmac.billing')).toBe(false);
  });

  test('a plugin cannot be disabled while an enabled plugin depends on it, and the message names the dependants', async () => {
    await plugins.enable(tenantA, 'dotmac.customers', operator);
    await plugins.enable(tenantA, 'dotmac.billing', operator);
    await plugins.enable(tenantA, 'dotmac.support', operator);
    const error = await plugins.disable(tenantA, 'dotmac.customers', operator).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'cannot disable dotmac.customers for this tenant: dotmac.billing, dotmac.support depend on it; disable them first',
    );
    await plugins.disable(tenantA, 'dotmac.billing', operator);
    await plugins.disable(tenantA, 'dotmac.support', operator);
    await plugins.disable(tenantA, 'dotmac.customers', operator);
    expect(await plugins.enabledFor(tenantA)).toEqual(new Set());
  });

  test('each change publishes its event and is audited; a change that changes nothing does neither', async () => {
    const events = () =>
      kernel.db.query<{ name: string; payload: unknown }>(
        `select name, payload from kernel.outbox_event where tenant_id = $1 order by seq`,
        [tenantA],
      );
    await plugins.enable(tenantA, 'dotmac.customers', operator);
    await plugins.enable(tenantA, 'dotmac.customers', operator);
    await plugins.disable(tenantA, 'dotmac.customers', operator);
    await plugins.disable(tenantA, 'dotmac.customers', operator);
    expect(await events()).toEqual([
      { name: 'plugin.enabled', payload: { tenantId: tenantA, pluginId: 'dotmac.customers', version: '1.2.0' } },
      { name: 'plugin.disabled', payload: { tenantId: tenantA, pluginId: 'dotmac.customers' } },
    ]);
    const audit = await kernel.db.query<{ action: string; actor_type: string; target: string }>(
      `select action, actor_type, target from kernel.audit_log where tenant_id = $1 order by id`,
      [tenantA],
    );
    expect(audit).toEqual([
      { action: 'plugin.enable', actor_type: 'operator', target: 'plugin:dotmac.customers' },
      { action: 'plugin.disable', actor_type: 'operator', target: 'plugin:dotmac.customers' },
    ]);
  });

  test('concurrent enable of a dependant and disable of its dependency cannot both succeed', async () => {
    await plugins.enable(tenantA, 'dotmac.customers', operator);
    const results = await Promise.allSettled([
      plugins.enable(tenantA, 'dotmac.billing', operator),
      plugins.disable(tenantA, 'dotmac.customers', operator),
    ]);
    const enabled = await plugins.enabledFor(tenantA);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(enabled.has('dotmac.billing') && !enabled.has('dotmac.customers')).toBe(false);
  });

  test('unknown plugins, unknown tenants and malformed tenant ids are refused with clear errors', async () => {
    await expect(plugins.enable(tenantA, 'acme.nothing', operator)).rejects.toThrow(
      new NotFoundError('plugin acme.nothing is not installed'),
    );
    await expect(plugins.enable('6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e99', 'dotmac.customers', operator)).rejects.toThrow(
      'no tenant 6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e99',
    );
    await expect(plugins.enable('not-a-uuid', 'dotmac.customers', operator)).rejects.toBeInstanceOf(ValidationError);
    expect(await plugins.isEnabled('not-a-uuid', 'dotmac.customers')).toBe(false);
  });

  test('per-tenant config is validated against the manifest schema, kept per tenant, and bad config changes nothing', async () => {
    await plugins.setConfig(tenantA, 'dotmac.customers', { accountPrefix: 'AB' }, operator);
    expect(await plugins.config(tenantA, 'dotmac.customers')).toEqual({ accountPrefix: 'AB' });
    expect(await plugins.config(tenantB, 'dotmac.customers')).toEqual({});
    const error = await plugins
      .setConfig(tenantA, 'dotmac.customers', { accountPrefix: 'lower' }, operator)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors).toEqual([{ pointer: '/config/accountPrefix', detail: 'must match pattern "^[A-Z]{2,4}$"' }]);
    expect(await plugins.config(tenantA, 'dotmac.customers')).toEqual({ accountPrefix: 'AB' });
    await expect(plugins.setConfig(tenantA, 'dotmac.billing', {}, operator)).rejects.toThrow(
      'plugin dotmac.billing takes no configuration',
    );
  });
});

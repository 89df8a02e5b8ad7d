// The admin portal's screens in the real kernel: the plugin activates, its screens reach the
// admin portal's UI manifest while the tenant has it on, its remote exposes every module the
// manifest names, and the kernel routes the screens call answer the shapes the screens read.
import { readFile } from 'node:fs/promises';
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

interface Contribution {
  readonly pluginId: string;
  readonly slot: string;
  readonly path: string;
  readonly module?: string;
  readonly title?: string;
  readonly order?: number;
}

let bed: Testbed;
let tenant: string;

beforeAll(async () => {
  bed = await createTestbed();
  tenant = await bed.tenant('isp-admin');
});
afterAll(() => bed?.close());

/** A kernel route called as the operator, for `tenant`. */
async function kernel<T>(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${bed.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${bed.adminToken}`,
      'x-dotmac-tenant': tenant,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const adminManifest = () =>
  kernel<{ remotes: { pluginId: string; entry: string }[]; contributions: Contribution[] }>(
    '/api/v1/ui/manifest?portal=admin',
  );

describe('dotmac.portal-admin', () => {
  test('activates in the sandbox and is reported ready', async () => {
    const plugins = await kernel<{ items: { pluginId: string; state: string }[] }>('/api/v1/admin/plugins');
    expect(plugins.body.items).toContainEqual(expect.objectContaining({ pluginId: bed.pluginId, state: 'ready' }));
  });

  test('its navigation, pages and settings panel reach the admin portal of a tenant that has it on', async () => {
    const { status, body } = await adminManifest();
    expect(status).toBe(200);
    const mine = body.contributions.filter((c) => c.pluginId === 'dotmac.portal-admin');
    expect(mine.filter((c) => c.slot === 'nav').map((c) => [c.title, c.path, c.order])).toEqual([
      ['Modules', '/settings/modules', 80],
      ['Users', '/settings/users', 85],
      ['Audit log', '/settings/audit', 90],
    ]);
    expect(mine.filter((c) => c.slot === 'route').map((c) => [c.path, c.module])).toEqual([
      ['/settings/modules', './ModuleSettings'],
      ['/settings/users', './UserSettings'],
      ['/settings/roles', './RoleSettings'],
      ['/settings/audit', './AuditLog'],
    ]);
    expect(mine.filter((c) => c.slot === 'settings-panel').map((c) => c.path)).toEqual(['/settings']);
    const remote = body.remotes.find((r) => r.pluginId === 'dotmac.portal-admin');
    const entry = await fetch(`${bed.url}${remote?.entry}`);
    expect(entry.status).toBe(200);
  });

  test('the built remote exposes every module the manifest names', async () => {
    const manifest = JSON.parse(await readFile(new URL('../plugin.json', import.meta.url), 'utf8')) as {
      ui: Contribution[];
    };
    const federation = JSON.parse(await readFile(new URL('../dist/ui/mf-manifest.json', import.meta.url), 'utf8')) as {
      exposes: { path: string }[];
    };
    const named = [...new Set(manifest.ui.flatMap((c) => c.module ?? []))].sort();
    expect(federation.exposes.map((e) => e.path).sort()).toEqual(named);
  });

  test('a tenant that switches it off loses the screens on the next manifest', async () => {
    await bed.setEnabled(tenant, false);
    expect((await adminManifest()).body.contributions.some((c) => c.pluginId === 'dotmac.portal-admin')).toBe(false);
    await bed.setEnabled(tenant, true);
    expect((await adminManifest()).body.contributions.some((c) => c.pluginId === 'dotmac.portal-admin')).toBe(true);
  });

  test('the kernel routes the screens read answer the fields the screens use', async () => {
    const modules = await kernel<{ items: Record<string, unknown>[] }>('/api/v1/modules');
    expect(modules.status).toBe(200);
    expect(modules.body.items).toContainEqual(
      expect.objectContaining({
        pluginId: 'dotmac.portal-admin',
        name: 'Admin Portal',
        version: '0.1.0',
        enabled: true,
        dependencies: [],
        allowedByPlan: true,
        health: expect.objectContaining({ state: 'ready', calls: expect.any(Number), faults: expect.any(Number) }),
      }),
    );
    const audit = await kernel<{ items: Record<string, unknown>[]; next?: number }>('/api/v1/audit?limit=1');
    expect(audit.status).toBe(200);
    expect(Array.isArray(audit.body.items)).toBe(true);
    const permissions = await kernel<{ items: { name: string; description: string; source: string }[] }>(
      '/api/v1/permissions',
    );
    expect(permissions.body.items).toContainEqual({
      name: 'kernel.plugins.manage',
      description: expect.any(String),
      source: 'kernel',
    });
  });
});

// The platform portal's screens in the real kernel: the plugin activates, its screens reach the
// operator's platform portal, its remote exposes every module the manifest names, the
// tenant forms' copy of the kernel's body schema has not drifted from the kernel's own, and the
// Marketplace screen's calls are answered as it reads them.
import { readFile } from 'node:fs/promises';
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allApproved } from '../src/ui/marketplace/marketplace.ts';
import type { Tenant } from '../src/ui/tenants/tenant.ts';
import { newTenantBody, newTenantSchema, profileFormValue, profilePatch } from '../src/ui/tenants/tenant-schema.ts';

interface Contribution {
  readonly pluginId: string;
  readonly slot: string;
  readonly path: string;
  readonly module?: string;
  readonly title?: string;
  readonly order?: number;
}

let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed();
});
afterAll(() => bed?.close());

/** A kernel route called as the operator (for `tenant` when given). */
async function operator<T>(path: string, init: { method?: string; body?: unknown; tenant?: string } = {}) {
  const res = await fetch(`${bed.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${bed.adminToken}`,
      ...(init.tenant ? { 'x-dotmac-tenant': init.tenant } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const platformContributions = (body: { contributions: Contribution[] }) =>
  body.contributions.filter((c) => c.pluginId === 'dotmac.platform').map((c) => [c.slot, c.path, c.module ?? c.title]);

const EXPECTED = [
  ['nav', '/tenants', 'Tenants'],
  ['route', '/tenants', './TenantList'],
  ['route', '/tenants/:id', './TenantDetail'],
  ['nav', '/plans', 'Plans'],
  ['route', '/plans', './PlanList'],
  ['nav', '/plugins', 'Plugins'],
  ['route', '/plugins', './PluginHealth'],
  ['nav', '/marketplace', 'Marketplace'],
  ['route', '/marketplace', './Marketplace'],
  ['dashboard-widget', '/', './PlatformOverview'],
];

describe('dotmac.platform', () => {
  test('activates in the sandbox and is reported ready', async () => {
    const plugins = await operator<{ items: { pluginId: string; state: string }[] }>('/api/v1/admin/plugins');
    expect(plugins.body.items).toContainEqual(expect.objectContaining({ pluginId: bed.pluginId, state: 'ready' }));
  });

  test("its navigation, pages and dashboard widget reach the operator's platform portal, tenant or none", async () => {
    const tenant = await bed.tenant('isp-platform');
    const forTenant = await operator<{ contributions: Contribution[] }>('/api/v1/ui/manifest?portal=platform', {
      tenant,
    });
    expect(forTenant.status).toBe(200);
    expect(platformContributions(forTenant.body)).toEqual(EXPECTED);
    // The operator signs in to the platform portal without a tenant.
    const own = await operator<{ contributions: Contribution[]; remotes: { pluginId: string; entry: string }[] }>(
      '/api/v1/ui/manifest?portal=platform',
    );
    expect(own.status).toBe(200);
    expect(platformContributions(own.body)).toEqual(EXPECTED);
    const remote = own.body.remotes.find((r) => r.pluginId === 'dotmac.platform');
    expect((await fetch(`${bed.url}${remote?.entry}`)).status).toBe(200);
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

  test("the new-tenant schema the forms copy is the kernel's, as its OpenAPI document publishes it", async () => {
    const openApi = await operator<{
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
    }>('/openapi.json');
    const published = openApi.body.paths['/api/v1/platform/tenants']?.post?.requestBody?.content['application/json'];
    expect(published?.schema).toEqual(newTenantSchema);
  });

  test('the create form makes a body the kernel accepts, and the profile form sends only what changed', async () => {
    const created = await operator<Tenant>('/api/v1/platform/tenants', {
      method: 'POST',
      body: newTenantBody({
        name: ' Lagos Fibre ',
        slug: 'lagos-fibre',
        hostnames: 'Portal.LagosFibre.ng\nselfcare.lagosfibre.ng, portal.lagosfibre.ng',
        currency: 'ngn',
        timeZone: 'Africa/Lagos',
        locale: 'en-NG',
        planId: '',
        branding: { logoUrl: '', primaryColor: '#0b5fff', accentColor: '' },
        admin: { email: 'owner@lagosfibre.ng', displayName: '' },
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Lagos Fibre',
      slug: 'lagos-fibre',
      hostnames: ['portal.lagosfibre.ng', 'selfcare.lagosfibre.ng'],
      currency: 'NGN',
      planId: null,
      status: 'active',
    });
    const tenant = created.body;
    const unchanged = profileFormValue(tenant);
    expect(profilePatch(tenant, unchanged)).toEqual({});
    const patch = profilePatch(tenant, { ...unchanged, name: 'Lagos Fibre Ltd', hostnames: 'portal.lagosfibre.ng' });
    expect(patch).toEqual({ name: 'Lagos Fibre Ltd', hostnames: ['portal.lagosfibre.ng'] });
    const saved = await operator<Tenant>(`/api/v1/platform/tenants/${tenant.id}`, { method: 'PATCH', body: patch });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ name: 'Lagos Fibre Ltd', hostnames: ['portal.lagosfibre.ng'] });
  });

  test('the marketplace calls answer as the screen reads them; with no registry, the preview says why', async () => {
    expect(await operator('/api/v1/admin/marketplace/plugins?q=notes')).toEqual({ status: 200, body: { items: [] } });
    expect(await operator('/api/v1/admin/installations')).toEqual({ status: 200, body: { items: [] } });
    const preview = await operator<{ detail: string }>('/api/v1/admin/installations/preview', {
      method: 'POST',
      body: { pluginId: 'acme.notes', installDependencies: false },
    });
    expect(preview.status).toBe(409);
    expect(preview.body.detail).toContain('PLUGIN_REGISTRIES');
  });

  test('install stays refused until every capability asked for is ticked', () => {
    const asked = ['db', 'http routes: 2', 'acme.tags: egress: tags.example.com'];
    expect(allApproved(asked, new Set(['db', 'http routes: 2']))).toBe(false);
    expect(allApproved(asked, new Set(asked))).toBe(true);
    expect(allApproved([], new Set())).toBe(true);
  });
});

// The sample third-party plugin (plugins-contrib/outage-notices), built with the SDK only:
// its own tests pass through `dotmac-plugin test` on PGlite and on PostgreSQL, and `npm start`
// loads it from plugins-contrib/ so an operator can switch it on for a tenant and use it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type KernelProcess, MAIN, startKernelProcess, stopProcess } from '../support/process.ts';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/services.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE = `${REPOSITORY}plugins-contrib/outage-notices`;
const CLI = `${REPOSITORY}node_modules/.bin/dotmac-plugin`;
const ADMIN_TOKEN = 'sample-plugin-admin-token';

/** Runs `dotmac-plugin test` on the sample as its developer would; answers the exit code and output. */
async function pluginTests(env: Record<string, string>): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(CLI, ['test', SAMPLE], {
      cwd: SAMPLE,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stripVTControlCharacters(stdout + stderr) };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: stripVTControlCharacters(`${failed.stdout ?? ''}${failed.stderr ?? ''}`) };
  }
}

describe('the sample plugin, tested by its developer with dotmac-plugin test', () => {
  test('its route, event handler, cron job and migration work on PGlite', async () => {
    const { code, output } = await pluginTests({});
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+6 passed/);
  });

  test('and on PostgreSQL', async () => {
    const { code, output } = await pluginTests({ DOTMAC_TEST_DATABASE_URL: TEST_DATABASE_URL });
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+6 passed/);
  });
});

describe('the sample plugin in a kernel started like npm start', () => {
  let kernel: KernelProcess;
  let url: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: string;

  const call = async (path: string, init: { method?: string; body?: unknown; tenant?: boolean } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(init.tenant === false ? {} : { 'x-dotmac-tenant': tenant }),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    kernel = startKernelProcess(MAIN, {
      env: { DATABASE_URL: database.url, PORT: '0', ADMIN_TOKEN, LOG_LEVEL: 'warn' },
      cwd: REPOSITORY,
    });
    url = await kernel.url(60_000);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>(
        `insert into kernel.tenant (slug, name) values ('riverside-wisp', 'Riverside WISP') returning id`,
      );
      tenant = rows[0]?.id as string;
    } finally {
      await client.end();
    }
  });

  afterAll(async () => {
    if (kernel) await stopProcess(kernel);
    await database?.drop();
  });

  test('is loaded from plugins-contrib/ and switched on for one tenant by the operator', async () => {
    const installed = await call('/api/v1/admin/plugins', { tenant: false });
    expect(installed.body.items.map((p: { pluginId: string }) => p.pluginId)).toContain('contrib.outage-notices');
    expect((await call('/api/v1/p/contrib.outage-notices/notices')).status).toBe(404);
    const enabled = await call(`/api/v1/admin/tenants/${tenant}/plugins/contrib.outage-notices`, {
      method: 'PUT',
      body: { enabled: true },
      tenant: false,
    });
    expect(enabled.status).toBe(200);
  });

  test('its routes serve the tenant, and its UI is in the tenant’s admin portal manifest', async () => {
    const endsAt = new Date(Date.now() + 3600_000).toISOString();
    const posted = await call('/api/v1/p/contrib.outage-notices/notices', {
      method: 'POST',
      body: { area: 'riverside', message: 'Fibre cut near the bridge', endsAt },
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const listed = await call('/api/v1/p/contrib.outage-notices/notices');
    expect(listed.body.items.map((n: { area: string }) => n.area)).toEqual(['riverside']);
    const ui = await call('/api/v1/ui/manifest?portal=admin');
    expect(ui.body.remotes).toEqual([
      expect.objectContaining({ pluginId: 'contrib.outage-notices', name: 'contrib__outage_notices' }),
    ]);
    const entry = await fetch(`${url}${ui.body.remotes[0].entry}`);
    expect(entry.status).toBe(200);
    expect(await entry.text()).toContain('contrib__outage_notices');
  });
});

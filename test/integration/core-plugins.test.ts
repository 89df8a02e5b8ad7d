// The core plugins (plugins-core/), each tested by its own suite through `dotmac-plugin test` on
// PGlite and on PostgreSQL, as a plugin developer runs them; and, loaded together in a kernel,
// their dependencies enforced per tenant: subscriptions cannot be switched off while billing,
// which depends on it, is on.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../support/kernel.ts';
import { operatorClient } from '../support/plugins.ts';
import { TEST_DATABASE_URL } from '../support/services.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const CORE = join(REPOSITORY, 'plugins-core');
const CLI = join(REPOSITORY, 'node_modules', '.bin', 'dotmac-plugin');
/** A plugin's whole suite, twice (PGlite, PostgreSQL), on a busy 2-core machine. */
const SUITE_TIMEOUT_MS = 600_000;
const withTests = readdirSync(CORE).filter((name) => existsSync(join(CORE, name, 'test')));

async function pluginTests(dir: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(CLI, ['test', dir], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, output: stripVTControlCharacters(stdout + stderr) };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: stripVTControlCharacters(`${failed.stdout ?? ''}${failed.stderr ?? ''}`) };
  }
}

describe('each core plugin’s own tests, through dotmac-plugin test', () => {
  test('there are core plugins with tests', () => {
    expect(withTests).toEqual(expect.arrayContaining(['customers', 'catalog', 'subscriptions', 'billing']));
  });

  test.each(withTests)(
    '%s passes on PGlite and on PostgreSQL',
    async (name) => {
      for (const env of [{}, { DOTMAC_TEST_DATABASE_URL: TEST_DATABASE_URL }] as Record<string, string>[]) {
        const { code, output } = await pluginTests(join(CORE, name), env);
        expect(code, output.slice(-4000)).toBe(0);
        expect(output).toMatch(/Tests\s+\d+ passed/);
        // The summary lines, not the test names (a test may be about a failed service).
        expect(output).not.toMatch(/^\s*(Test Files|Tests)\s[^\n]*\d+ (failed|skipped|todo)/m);
        expect(output).not.toMatch(/^\s*Errors\s+\d+ error/m);
      }
    },
    SUITE_TIMEOUT_MS,
  );
});

describe('core plugins loaded together', () => {
  const ADMIN_TOKEN = 'core-plugins-admin-token';
  let t: TestKernel;
  let op: ReturnType<typeof operatorClient>;
  let tenant: string;

  beforeAll(async () => {
    t = await bootTestKernel({ env: { ADMIN_TOKEN }, pluginRoots: [CORE] });
    await t.kernel.start();
    op = operatorClient(t.kernel.url as string, ADMIN_TOKEN);
    tenant = await createTenant(t.kernel.db, 'core-isp');
  });

  afterAll(async () => {
    await t?.dispose();
  });

  test('switching subscriptions off while billing depends on it is refused, naming billing', async () => {
    for (const id of ['dotmac.customers', 'dotmac.catalog', 'dotmac.subscriptions', 'dotmac.billing']) {
      const on = await op.setEnabled(tenant, id, true);
      expect(on.status, JSON.stringify(on.body)).toBe(200);
    }
    const refused = await op.setEnabled(tenant, 'dotmac.subscriptions', false);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('dotmac.billing');
    expect((await op.setEnabled(tenant, 'dotmac.billing', false)).status).toBe(200);
    expect((await op.setEnabled(tenant, 'dotmac.subscriptions', false)).status).toBe(200);
  });

  test('their routes are in /openapi.json, each guarded by a permission the plugin declares', async () => {
    const doc = (await (await fetch(`${t.kernel.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-permission'?: string }>>;
    };
    for (const id of ['dotmac.customers', 'dotmac.catalog', 'dotmac.subscriptions', 'dotmac.billing']) {
      const routes = Object.entries(doc.paths).filter(([path]) => path.startsWith(`/api/v1/p/${id}/`));
      expect(routes.length, id).toBeGreaterThan(2);
      for (const [path, methods] of routes) {
        for (const [method, op] of Object.entries(methods)) {
          expect(op['x-permission'], `${method} ${path}`).toMatch(new RegExp(`^${id.replace('.', '\\.')}\\.`));
        }
      }
    }
  });
});

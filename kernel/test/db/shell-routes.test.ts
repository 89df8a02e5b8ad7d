// The kernel serves the built shell: its page for any path inside a portal (so a reload or a
// link deep into /admin/customers/42 opens the app) under a strict content security policy,
// its assets, and nothing outside its folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, type TestKernel } from '../../../test/support/kernel.ts';
import { createPluginRoot } from '../../../test/support/plugins.ts';

const shellDir = mkdtempSync(join(tmpdir(), 'dotmac-shell-'));
mkdirSync(join(shellDir, 'assets'));
writeFileSync(
  join(shellDir, 'index.html'),
  '<!doctype html><title>DotMac</title><script src="/shell/assets/app-1a2b.js"></script>',
);
writeFileSync(join(shellDir, 'assets', 'app-1a2b.js'), 'console.log("shell")');
writeFileSync(join(shellDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
const plugins = createPluginRoot();

let t: TestKernel;
let url: string;

beforeAll(async () => {
  t = await bootTestKernel({ pluginRoots: [plugins.dir], shellDir });
  await t.kernel.start();
  url = t.kernel.url as string;
});

afterAll(async () => {
  await t?.dispose();
  plugins.remove();
  rmSync(shellDir, { recursive: true, force: true });
});

describe(`the shell on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('every path inside a portal answers the shell page, never cached, under a content security policy', async () => {
    for (const path of [
      '/admin',
      '/admin/',
      '/admin/customers/42',
      '/customer/invoices',
      '/platform/tenants',
      '/technician/',
    ]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(await res.text()).toContain('<title>DotMac</title>');
    }
    const home = await fetch(`${url}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/admin/');
    // Not a portal: the API's 404, not the shell.
    const other = await fetch(`${url}/wholesale/x`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
  });

  test('hashed assets are cached for good, other files revalidated, and nothing outside the folder is served', async () => {
    const asset = await fetch(`${url}/shell/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const icon = await fetch(`${url}/shell/favicon.svg`);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
    for (const path of [
      '/shell/..%2f..%2fetc%2fpasswd',
      '/shell/%2e%2e/index.html',
      '/shell/assets/none.js',
      '/shell/index.html',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
  });

  test('a kernel whose shell is not built says how to build it', async () => {
    rmSync(join(shellDir, 'index.html'));
    const res = await fetch(`${url}/admin/`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('npm run build:shell');
  });
});

// Plugins written on the fly for kernel tests: a folder per plugin (plugin.json, a hand-written
// dist/server.js bundle, migrations) under a temp root the test boots its kernel with, and an
// HTTP client that calls plugin and admin routes the way an operator would.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What every test manifest shares: a publisher and this kernel's major. */
export const MANIFEST_BASE = { publisher: 'Test', engines: { kernel: '^0.1.0' } } as const;

/** A temp folder of plugins; `remove()` when the suite is done. */
export interface PluginRoot {
  readonly dir: string;
  /** Writes plugin `name`: its manifest, its bundle (a script calling `dotmac.register`) and SQL migrations by file name. */
  write(name: string, manifest: Record<string, unknown>, bundle: string, migrations?: Record<string, string>): void;
  remove(): void;
}

export function createPluginRoot(): PluginRoot {
  const dir = mkdtempSync(join(tmpdir(), 'dotmac-plugins-'));
  return {
    dir,
    write(name, manifest, bundle, migrations = {}) {
      const plugin = join(dir, name);
      mkdirSync(join(plugin, 'dist'), { recursive: true });
      writeFileSync(join(plugin, 'plugin.json'), JSON.stringify({ ...MANIFEST_BASE, ...manifest }));
      writeFileSync(join(plugin, 'dist', 'server.js'), bundle);
      if (Object.keys(migrations).length) {
        mkdirSync(join(plugin, 'migrations'));
        for (const [file, sql] of Object.entries(migrations)) writeFileSync(join(plugin, 'migrations', file), sql);
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
export type Json = any;

/** A response, its body parsed as JSON (null when empty). */
export interface JsonResponse {
  readonly status: number;
  readonly body: Json;
}

/** Calls a running kernel as its operator: the admin token, and the tenant header for plugin routes. */
export function operatorClient(url: string, adminToken: string) {
  const call = async (
    path: string,
    init: { method?: string; tenant?: string; body?: unknown } = {},
  ): Promise<JsonResponse> => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(init.tenant ? { 'x-dotmac-tenant': init.tenant } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    call,
    /** Switches `pluginId` on or off for `tenant` through the admin API. */
    setEnabled: (tenant: string, pluginId: string, enabled: boolean) =>
      call(`/api/v1/admin/tenants/${tenant}/plugins/${pluginId}`, { method: 'PUT', body: { enabled } }),
  };
}

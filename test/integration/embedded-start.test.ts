// `npm start` on a fresh machine: no configuration at all, embedded PGlite, data that
// survives a restart, and a second process refused on the same data.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, test } from 'vitest';
import { kernelMigrations } from '../../kernel/src/db/migrations/index.ts';
import { type KernelProcess, MAIN, startKernelProcess, stopProcess } from '../support/process.ts';

const cwd = mkdtempSync(join(tmpdir(), 'dotmac-start-'));
const running: KernelProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((p) => stopProcess(p)));
  rmSync(cwd, { recursive: true, force: true });
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts `npm start`'s entry with no environment but PATH and HOME; returns once /readyz is 200. */
async function startWithoutConfig(): Promise<{ p: KernelProcess; readyMs: number }> {
  const started = Date.now();
  const p = startKernelProcess(MAIN, { cwd });
  running.push(p);
  const url = await p.url(30_000);
  expect(url).toBe('http://127.0.0.1:3000');
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) break;
    if (Date.now() - started > 30_000) throw new Error(`not ready after 30 s:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { p, readyMs: Date.now() - started };
}

async function withDatabase<T>(fn: (db: PGlite) => Promise<T>): Promise<T> {
  const db = await PGlite.create({ dataDir: join(cwd, '.dotmac', 'pgdata') });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

test('npm start with no configuration is ready within 30 s, keeps its data across a restart, and refuses a second process on the same data', async () => {
  expect(await portIsFree(3000), 'this test runs `npm start` on its default port 3000, which is taken').toBe(true);

  const first = await startWithoutConfig();
  expect(first.readyMs).toBeLessThan(30_000);
  expect(first.p.stdout()).toContain('"db":"pglite"');
  expect(first.p.stdout()).toContain('"queue":"in-process"');
  expect(first.p.stdout()).toContain('kernel migrations applied');
  const ready = await (await fetch('http://127.0.0.1:3000/readyz')).json();
  expect(ready).toMatchObject({ status: 'ready' });
  expect(await stopProcess(first.p)).toBe(0);

  // Data written while it is stopped must be there for (and after) the next run.
  await withDatabase((db) => db.query(`insert into kernel.tenant (slug, name) values ('kept-isp', 'Kept ISP')`));
  const migrationsApplied = kernelMigrations.length;

  const second = await startWithoutConfig();
  expect(second.p.stdout()).not.toContain('kernel migrations applied');

  const third = startKernelProcess(MAIN, { cwd, env: { PORT: '0' } });
  running.push(third);
  expect(await third.exited).toBe(1);
  expect(third.stderr()).toMatch(/embedded database in .* is in use by process \d+/);

  expect(await stopProcess(second.p)).toBe(0);
  const rows = await withDatabase(async (db) => {
    const tenants = await db.query<{ slug: string }>('select slug from kernel.tenant');
    const migrations = await db.query<{ n: number }>('select count(*)::int as n from kernel_migrations');
    return { tenants: tenants.rows.map((r) => r.slug), migrations: migrations.rows[0]?.n };
  });
  // Every kernel migration applied exactly once, by the first run.
  expect(rows).toEqual({ tenants: ['kept-isp'], migrations: migrationsApplied });
});

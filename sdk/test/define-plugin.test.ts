// Specification of definePlugin as the sandbox sees it: the entries it registers under the
// shared names, and handler capability calls reaching the host router for the envelope's tenant.
import { describe, expect, test } from 'vitest';
import { definePlugin, Entry, parseEntry } from '../src/index.ts';
import { everyKind, sandboxFor, TENANT_A, TENANT_B } from './support.ts';

describe('definePlugin in the sandbox', () => {
  test('registers one entry per handler under the shared entry names', async () => {
    const dir = await everyKind();
    const { sandbox } = await sandboxFor(dir, {});
    const error = (await sandbox.invoke(TENANT_A, 'nothing', null).catch((e: Error) => e)) as Error;
    expect(error.message).toContain(
      `the bundle registered: ${[
        Entry.route('GET /invoices/:id'),
        Entry.route('POST /invoices'),
        Entry.event,
        Entry.job('nightly'),
        Entry.service('findInvoice'),
      ].join(', ')}`,
    );
    expect(Entry.route('GET /invoices/:id')).toBe('route:GET /invoices/:id');
  });

  test("a route's ctx.db.query reaches the host router as db/query with its args, for the envelope's tenant", async () => {
    const dir = await everyKind();
    const { sandbox, routed } = await sandboxFor(dir, { 'db.query': [{ id: '42', total: 10 }] });
    const reply = await sandbox.invoke(TENANT_A, 'route:GET /invoices/:id', { params: { id: '42' } });
    expect(reply).toEqual({ id: '42', tenantId: TENANT_A, rows: [{ id: '42', total: 10 }] });
    expect(routed).toEqual([
      {
        envelope: { pluginId: 'acme.hello', version: '0.1.0', tenantId: TENANT_A },
        capability: 'db',
        method: 'query',
        args: { sql: 'select * from invoices where id = $1', params: ['42'] },
      },
    ]);
    await sandbox.invoke(TENANT_B, 'route:GET /invoices/:id', { params: { id: '7' } });
    expect(routed[1]?.envelope.tenantId).toBe(TENANT_B);
  });

  test('a route answers its body; events, jobs and services reach their capabilities', async () => {
    const dir = await everyKind();
    const { sandbox, routed } = await sandboxFor(dir, { 'clock.now': '2026-01-01T00:00:00.000Z' });
    expect(await sandbox.invoke(TENANT_A, 'route:POST /invoices', { body: { total: 3 } })).toEqual({
      created: { total: 3 },
    });
    await sandbox.invoke(TENANT_A, 'event', { id: 'e1', name: 'tenant.created', payload: {}, occurredAt: '' });
    await sandbox.invoke(TENANT_A, 'job:nightly', null);
    expect(await sandbox.invoke(TENANT_A, 'service:findInvoice', { n: 1 })).toEqual({ input: { n: 1 } });
    expect(routed.map((r) => [r.capability, r.method, r.args])).toEqual([
      ['events', 'publish', { name: 'hello.greeted', payload: { name: 'tenant.created' } }],
      ['clock', 'now', null],
    ]);
  });
});

describe('definePlugin outside the sandbox and the entry names', () => {
  test('returns its entries without registering, so tests can call them', () => {
    const plugin = definePlugin({ routes: { 'GET /': async () => 'ok' }, jobs: { 'send-report': async () => {} } });
    expect(Object.keys(plugin.entries)).toEqual(['route:GET /', 'job:send-report']);
    expect(Object.isFrozen(plugin.entries)).toBe(true);
  });

  test('refuses route keys, names and options it cannot register, listing each', () => {
    const bad = { routes: { 'FETCH /x': async () => null }, jobs: { 'no spaces': async () => {} }, onRequest: 1 };
    expect(() => definePlugin(bad as never)).toThrow(
      'definePlugin: routes: "FETCH /x" must be "<GET|POST|PUT|PATCH|DELETE> /path"; ' +
        'jobs: "no spaces" is not a job name like generate-invoices; ' +
        '"onRequest" is not a definePlugin option (routes, onEvent, jobs, services)',
    );
  });

  test('entry names read back into what they designate', () => {
    expect(parseEntry(Entry.route('DELETE /invoices/:id'))).toEqual({
      kind: 'route',
      method: 'DELETE',
      path: '/invoices/:id',
    });
    expect(parseEntry(Entry.event)).toEqual({ kind: 'event' });
    expect(parseEntry(Entry.job('nightly'))).toEqual({ kind: 'job', name: 'nightly' });
    expect(parseEntry(Entry.service('findInvoice'))).toEqual({ kind: 'service', name: 'findInvoice' });
    expect(parseEntry('route:FETCH /x')).toBeUndefined();
    expect(parseEntry('job:')).toBeUndefined();
  });
});

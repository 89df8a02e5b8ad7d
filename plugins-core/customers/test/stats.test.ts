// GET /stats: the figures of the admin dashboard — accounts by status, and the new signups
// since the start of the month (or since a moment the caller gives).
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOfMonth } from '../src/server/stats.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

let bed: Testbed;
let isp: string;

beforeAll(async () => {
  bed = await createTestbed({ clock: '2026-02-20T09:00:00.000Z' });
  isp = await bed.tenant('isp-stats');
});
afterAll(() => bed?.close());

async function open(name: string, status: 'lead' | 'active' = 'active'): Promise<string> {
  const created = await bed.request<Json>(isp, 'POST /accounts', { kind: 'residential', name, status });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

async function setStatus(accountId: string, status: string): Promise<void> {
  const changed = await bed.request<Json>(isp, `POST /accounts/${accountId}/status`, { status, reason: 'test' });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
}

describe('GET /stats', () => {
  test('counts the accounts by status, and the signups of the current month', async () => {
    // February: two accounts, one later suspended.
    const early = await open('February Customer');
    await open('February Lead', 'lead');
    // March: three more, one terminated.
    bed.clock.set('2026-03-03T12:00:00.000Z');
    await setStatus(early, 'suspended');
    await open('March One');
    await open('March Two');
    await setStatus(await open('March Three'), 'terminated');

    const stats = await bed.request<Json>(isp, 'GET /stats');
    expect(stats.status, JSON.stringify(stats.body)).toBe(200);
    expect(stats.body).toEqual({
      total: 5,
      byStatus: { lead: 1, active: 2, suspended: 1, terminated: 1 },
      since: '2026-03-01T00:00:00.000Z',
      createdSince: 3,
    });
  });

  test('counts the signups since the moment asked for', async () => {
    const stats = await bed.request<Json>(isp, `GET /stats?since=${encodeURIComponent('2026-02-01T00:00:00.000Z')}`);
    expect(stats.body).toMatchObject({ total: 5, since: '2026-02-01T00:00:00.000Z', createdSince: 5 });
  });

  test('a tenant without accounts has zero of everything', async () => {
    const empty = await bed.tenant('isp-stats-empty');
    const stats = await bed.request<Json>(empty, 'GET /stats');
    expect(stats.body).toMatchObject({
      total: 0,
      byStatus: { lead: 0, active: 0, suspended: 0, terminated: 0 },
      createdSince: 0,
    });
  });

  test('refuses a since that is not a date-time, naming it', async () => {
    const refused = await bed.request<Json>(isp, 'GET /stats?since=yesterday');
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('/query/since');
  });

  test('the month starts on its first day at midnight UTC', () => {
    expect(startOfMonth(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-01T00:00:00.000Z');
    expect(startOfMonth(new Date('2026-01-01T00:00:00.000Z'))).toBe('2026-01-01T00:00:00.000Z');
  });
});

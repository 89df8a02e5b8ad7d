// Who is online, as staff and customers see it: the online-session count of the admin
// dashboard (GET /sessions/summary), and the sessions and usage a customer-portal user gets,
// which are their own account's only.
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  accountingStart,
  accountingStop,
  anchor,
  asPortalUser,
  granted,
  MB,
  pppoe,
  radius,
  SCHEMA,
  startAaaBed,
} from './support/aaa.ts';

const NOW = anchor();
const DAY = NOW.toISOString().slice(0, 10);
let bed: Testbed;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ bed, close } = await startAaaBed({ clock: NOW }));
});
afterAll(() => close?.());

/**
 * A tenant where ada has two sessions online, bob one, a username no account has one (ghost),
 * and ada a finished one; ada and bob a day of usage each.
 */
async function onlineTenant() {
  const tenant = await bed.tenant();
  const ada = pppoe({ username: 'ada@fibre' });
  const bob = pppoe({ username: 'bob@fibre' });
  await granted(bed, tenant, ada);
  await granted(bed, tenant, bob);
  const online = [
    ['ada@fibre', 'S-ada-1'],
    ['ada@fibre', 'S-ada-2'],
    ['bob@fibre', 'S-bob'],
    ['ghost@fibre', 'S-ghost'],
  ];
  for (const [username, sessionId] of online) {
    await accountingStart(bed, tenant, {
      username: username as string,
      sessionId: sessionId as string,
      nas: '10.20.0.1',
      at: NOW,
    });
  }
  const finished = await accountingStart(bed, tenant, {
    username: 'ada@fibre',
    sessionId: 'S-ada-old',
    nas: '10.20.0.1',
    at: NOW,
  });
  await accountingStop(bed, finished, { input: 1 * MB, output: 2 * MB, at: NOW });
  for (const [s, bytes] of [
    [ada, 3000],
    [bob, 7000],
  ] as const) {
    await bed.query(
      `insert into ${SCHEMA}.usage_daily (tenant_id, subscription_id, customer_id, day, bytes, download_bytes, upload_bytes, reported_bytes)
       values ($1, $2, $3, $4, $5, $6, 1000, $5)`,
      [tenant, s.subscriptionId, s.accountId, DAY, bytes, bytes - 1000],
    );
  }
  return { tenant, ada, bob };
}

describe('GET /sessions/summary', () => {
  test('counts the sessions online now and the subscriptions they are of; another tenant counts none of them', async () => {
    const { tenant } = await onlineTenant();
    const summary = await radius<{ online: number; subscribers: number }>(bed, tenant, 'GET /sessions/summary');
    expect(summary.status, JSON.stringify(summary.body)).toBe(200);
    // ghost's session is online for nobody: counted, but of no subscription.
    expect(summary.body).toEqual({ online: 4, subscribers: 2 });
    const listed = await radius<{ items: unknown[] }>(bed, tenant, 'GET /sessions');
    expect(listed.body.items).toHaveLength(summary.body.online);

    const other = await bed.tenant();
    expect((await radius(bed, other, 'GET /sessions/summary')).body).toEqual({ online: 0, subscribers: 0 });
  });

  test('a session that stops leaves the count', async () => {
    const tenant = await bed.tenant();
    const ada = pppoe({ username: 'ada@fibre' });
    await granted(bed, tenant, ada);
    const session = await accountingStart(bed, tenant, {
      username: 'ada@fibre',
      sessionId: 'S-1',
      nas: '10.20.0.1',
      at: NOW,
    });
    expect((await radius(bed, tenant, 'GET /sessions/summary')).body).toEqual({ online: 1, subscribers: 1 });
    await accountingStop(bed, session, { input: 1, output: 1, at: NOW });
    expect((await radius(bed, tenant, 'GET /sessions/summary')).body).toEqual({ online: 0, subscribers: 0 });
  });
});

describe('the customer portal', () => {
  test("a customer sees and counts only their own account's sessions, whatever they ask for", async () => {
    const { tenant, ada, bob } = await onlineTenant();
    const asAda = (route: string, query: Record<string, unknown> = {}) =>
      asPortalUser(bed, tenant, { portal: 'customer', subjectId: ada.accountId }, route, { query });

    const sessions = (await asAda('GET /sessions')) as { items: { acctSessionId: string }[] };
    expect(sessions.items.map((s) => s.acctSessionId).sort()).toEqual(['S-ada-1', 'S-ada-2']);
    expect(await asAda('GET /sessions', { subscriptionId: bob.subscriptionId })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(await asAda('GET /sessions/summary')).toEqual({ online: 2, subscribers: 1 });
    // Staff still see everyone's, the ghost's included.
    expect((await radius<{ items: unknown[] }>(bed, tenant, 'GET /sessions')).body.items).toHaveLength(4);
  });

  test("a customer's usage is their own account's: the days of their subscriptions, split by direction", async () => {
    const { tenant, ada, bob } = await onlineTenant();
    const asAda = (query: Record<string, unknown>) =>
      asPortalUser(bed, tenant, { portal: 'customer', subjectId: ada.accountId }, 'GET /usage', { query });

    expect(await asAda({ from: DAY, to: DAY })).toEqual({
      items: [
        { subscriptionId: ada.subscriptionId, day: DAY, bytes: '3000', downloadBytes: '2000', uploadBytes: '1000' },
      ],
    });
    expect(await asAda({ from: DAY, to: DAY, subscriptionId: bob.subscriptionId })).toEqual({ items: [] });
    const staff = await radius<{ items: unknown[] }>(bed, tenant, `GET /usage?from=${DAY}&to=${DAY}`);
    expect(staff.body.items).toHaveLength(2);
  });
});

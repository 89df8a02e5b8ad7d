// A reseller-portal user sees and manages the subscriptions of their own customers only: the
// plugin asks dotmac.customers (which answers in the reseller's scope) whether the account is
// theirs. The reseller's calls are made the way the kernel makes them: the route handler in the
// sandbox, with the caller and the row scope of a reseller-portal user.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEPENDENCIES, openAccount, PLANS, publishPlan } from './support/dependencies.ts';
import { order, type Page, read, type Subscription } from './support/subscriptions.ts';

const NORTH = 'reseller-north';

let bed: Testbed;
let tenant: string;
let mine: Subscription;
let theirs: Subscription;

beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: '2026-03-02T08:00:00.000Z' });
  tenant = await bed.tenant('isp-reseller-scope');
  const plan = await publishPlan(bed, tenant, PLANS.basic);
  const ada = await openAccount(bed, tenant, { name: 'Ada North', resellerId: NORTH });
  const bob = await openAccount(bed, tenant, { name: 'Bob South', resellerId: 'reseller-south' });
  mine = await order(bed, tenant, ada.id, plan.planId);
  theirs = await order(bed, tenant, bob.id, plan.planId);
});
afterAll(() => bed?.close());

/** Calls route `key` as a reseller-portal user acting as NORTH. */
function asNorth(key: string, request: { params?: object; query?: object; body?: unknown } = {}) {
  const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === bed.pluginId)?.sandbox;
  const scope = { portal: 'reseller', userId: 'user-north', subjectId: NORTH } as const;
  const caller = { kind: 'user', ...scope, permissions: ['dotmac.subscriptions.read', 'dotmac.subscriptions.write'] };
  return sandbox?.invoke(
    tenant,
    `route:${key}`,
    { params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null, caller },
    scope,
  ) as Promise<Record<string, unknown>>;
}

describe('a reseller-portal user', () => {
  test("lists their customer's subscriptions, one customer at a time", async () => {
    const listed = (await asNorth('GET /subscriptions', {
      query: { accountId: mine.accountId },
    })) as unknown as Page<Subscription>;
    expect(listed.items.map((s) => s.id)).toEqual([mine.id]);
    expect(await asNorth('GET /subscriptions')).toMatchObject({
      $problem: { status: 400, errors: [{ pointer: '/query/accountId' }] },
    });
    expect(await asNorth('GET /subscriptions', { query: { accountId: theirs.accountId } })).toMatchObject({
      $problem: { status: 404 },
    });
  });

  test("reads their customer's subscription and its history, but not another reseller's", async () => {
    expect(await asNorth('GET /subscriptions/:subscriptionId', { params: { subscriptionId: mine.id } })).toMatchObject({
      id: mine.id,
      plan: { name: 'Fibre 100' },
    });
    for (const route of ['GET /subscriptions/:subscriptionId', 'GET /subscriptions/:subscriptionId/history']) {
      expect(await asNorth(route, { params: { subscriptionId: theirs.id } }), route).toMatchObject({
        $problem: { status: 404 },
      });
    }
  });

  test("cannot activate, order or change another reseller's customer's services", async () => {
    const activated = await asNorth('POST /subscriptions/:subscriptionId/activate', {
      params: { subscriptionId: theirs.id },
      body: {},
    });
    expect(activated).toMatchObject({ $problem: { status: 404 } });
    expect((await read(bed, tenant, theirs.id)).status).toBe('pending');
    const ordered = await asNorth('POST /subscriptions', {
      body: { accountId: theirs.accountId, planId: theirs.plan.planId },
    });
    expect(ordered).toMatchObject({ $problem: { status: 404 } });
    // Their own customer's service they may activate (their role holds the write permission here).
    const own = await asNorth('POST /subscriptions/:subscriptionId/activate', {
      params: { subscriptionId: mine.id },
      body: {},
    });
    expect(own).toMatchObject({ id: mine.id, status: 'active' });
  });
});

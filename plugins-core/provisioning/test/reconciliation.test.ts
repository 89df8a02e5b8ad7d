// Reconciliation against drift planted in the stand-ins' tables (dotmac.radius' accounts and
// sessions, dotmac.network's assignments): each kind reported, the report stored and announced,
// and with fix the drift repaired, so a second reconciliation finds none.
import { randomUUID } from 'node:crypto';
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  activeSubscriber,
  events,
  expectStatus,
  failing,
  newTenant,
  publish,
  START,
  type Subscriber,
  startWorld,
} from './support/world.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await startWorld();
});
afterAll(() => bed?.close());

interface Item {
  readonly kind: string;
  readonly subscriptionId: string | null;
  readonly username?: string;
  readonly detail: string;
  readonly repair: string;
  readonly fixed: { readonly outcome: string; readonly detail: string } | null;
}

interface Report {
  readonly id: string;
  readonly trigger: string;
  readonly fix: boolean;
  readonly status: string;
  readonly error: string | null;
  readonly checked: Record<string, number>;
  readonly drift: number;
  readonly byKind: Record<string, number>;
  readonly items?: Item[];
}

const RADIUS = '"plugin_dotmac_radius"';
const hourAgo = new Date(Date.parse(START) - 3_600_000).toISOString();

/** Plants an online session in the AAA stand-in. */
async function online(tenant: string, subscriptionId: string | null, username: string, startedAt = START) {
  await bed.query(
    `insert into ${RADIUS}.sessions (tenant_id, subscription_id, username, nas_address, acct_session_id, framed_ip, started_at)
     values ($1, $2, $3, '192.0.2.1', $4, null, $5)`,
    [tenant, subscriptionId, username, `acct-${username}`, startedAt],
  );
}

async function reconcile(tenant: string, fix: boolean): Promise<Report> {
  const report = expectStatus(await bed.request<Report>(tenant, 'POST /reconciliations', { fix }), 201);
  await bed.settle();
  return report;
}

const kindsOf = (report: Report) =>
  (report.items ?? []).map((i) => [i.kind, i.subscriptionId]).sort((a, b) => String(a).localeCompare(String(b)));

describe('drift', () => {
  test('every kind of drift is reported, stored and announced; fixing repairs it all', async () => {
    const tenant = await newTenant(bed);
    const missing = await activeSubscriber(bed, tenant, 'missing@fibre');
    const notWalled = await activeSubscriber(bed, tenant, 'not-walled@fibre');
    const moved = await activeSubscriber(bed, tenant, 'moved@fibre');
    const squatter = await activeSubscriber(bed, tenant, 'squatter@fibre');
    const owner = await activeSubscriber(bed, tenant, 'owner@fibre');
    const walled = await activeSubscriber(bed, tenant, 'walled@fibre');
    const mismatched = await activeSubscriber(bed, tenant, 'mismatched@fibre');
    const gone = await activeSubscriber(bed, tenant, 'gone@fibre');
    const orphan = randomUUID();
    const suspend = (s: Subscriber, mode: 'walled-garden' | 'reject') =>
      publish(
        bed,
        tenant,
        'service.suspension-requested',
        events.suspensionRequested(s.accountId, [s.subscriptionId], mode),
      );
    await suspend(notWalled, 'reject');
    await suspend(walled, 'walled-garden');
    await publish(bed, tenant, 'subscription.cancelled', events.cancelled(gone));

    // The drift, planted where dotmac.radius keeps its state.
    await bed.query(`delete from ${RADIUS}.accounts where subscription_id = $1`, [missing.subscriptionId]);
    await bed.query(`update ${RADIUS}.accounts set state = 'active' where subscription_id = $1`, [
      notWalled.subscriptionId,
    ]);
    await online(tenant, notWalled.subscriptionId, 'not-walled@fibre');
    await bed.query(`update ${RADIUS}.accounts set framed_ip = '100.64.9.9' where subscription_id = $1`, [
      moved.subscriptionId,
    ]);
    const [ownersIp] = await bed.query<{ framed_ip: string }>(
      `select framed_ip from ${RADIUS}.accounts where subscription_id = $1`,
      [owner.subscriptionId],
    );
    await bed.query(`update ${RADIUS}.accounts set framed_ip = $2 where subscription_id = $1`, [
      squatter.subscriptionId,
      ownersIp?.framed_ip,
    ]);
    await online(tenant, walled.subscriptionId, 'walled@fibre', hourAgo); // since before the suspension
    await online(tenant, null, 'walled@fibre', '2026-03-02T09:00:00.000Z'); // signed in again, into the garden
    await bed.query(`update ${RADIUS}.accounts set state = 'walled-garden' where subscription_id = $1`, [
      mismatched.subscriptionId,
    ]);
    await online(tenant, gone.subscriptionId, 'gone@fibre');
    await bed.query(
      `insert into ${RADIUS}.accounts (tenant_id, subscription_id, username, state, framed_ip, download_kbps, upload_kbps)
       values ($1, $2, 'stray@fibre', 'active', '100.64.7.7', 1000, 1000)`,
      [tenant, orphan],
    );

    const found = await reconcile(tenant, false);
    expect(found).toMatchObject({ trigger: 'request', fix: false, status: 'completed', error: null, drift: 11 });
    expect(found.checked).toEqual({ services: 8, accounts: 7, sessions: 4, assignments: 7 });
    expect(kindsOf(found)).toEqual(
      [
        ['suspended-online', notWalled.subscriptionId],
        ['suspended-online', walled.subscriptionId],
        ['suspended-online', gone.subscriptionId],
        ['suspended-not-walled', notWalled.subscriptionId],
        ['state-mismatch', mismatched.subscriptionId],
        ['active-missing', missing.subscriptionId],
        ['orphan-account', orphan],
        ['address-mismatch', moved.subscriptionId],
        ['address-mismatch', squatter.subscriptionId],
        ['address-duplicate', squatter.subscriptionId],
        ['address-duplicate', owner.subscriptionId],
      ].sort((a, b) => String(a).localeCompare(String(b))),
    );
    const item = (kind: string, id: string) => found.items?.find((i) => i.kind === kind && i.subscriptionId === id);
    expect(item('orphan-account', orphan)).toMatchObject({
      username: 'stray@fibre',
      repair: 'remove-account',
      fixed: null,
    });
    expect(item('address-duplicate', owner.subscriptionId)?.repair).toBe('none');
    expect(item('address-duplicate', squatter.subscriptionId)?.repair).toBe('re-apply');
    expect(item('suspended-online', walled.subscriptionId)).toMatchObject({
      repair: 'reset-account',
      username: 'walled@fibre',
    });
    expect(item('suspended-online', gone.subscriptionId)?.repair).toBe('remove-account');
    expect(item('address-mismatch', moved.subscriptionId)?.detail).toBe(
      'the AAA account gives framed IP 100.64.9.9; dotmac.network assigned 100.64.0.12',
    );
    expect(found.byKind).toMatchObject({ 'suspended-online': 3, 'address-duplicate': 2, 'orphan-account': 1 });
    // Nothing was repaired: the drift is still there.
    expect(await bed.query(`select 1 from ${RADIUS}.accounts where subscription_id = $1`, [orphan])).toHaveLength(1);

    const announced = await bed.events({ tenant, name: 'provisioning.drift-found' });
    expect(announced.map((e) => e.payload)).toEqual([
      expect.objectContaining({ reconciliationId: found.id, items: found.drift, fix: false, trigger: 'request' }),
    ]);
    expect(expectStatus(await bed.request<Report>(tenant, `GET /reconciliations/${found.id}`), 200)).toEqual(found);

    const fixed = await reconcile(tenant, true);
    expect(fixed.items?.every((i) => i.fixed !== null)).toBe(true);
    const outcome = (kind: string, id: string) =>
      fixed.items?.find((i) => i.kind === kind && i.subscriptionId === id)?.fixed;
    expect(outcome('orphan-account', orphan)).toEqual({
      outcome: 'done',
      detail: 'AAA account removed; 0 session(s) disconnected',
    });
    expect(outcome('active-missing', missing.subscriptionId)).toMatchObject({ outcome: 'done' });
    expect(outcome('address-duplicate', owner.subscriptionId)?.outcome).toBe('not-fixed');
    expect(outcome('suspended-online', walled.subscriptionId)?.detail).toMatch(
      /^AAA account removed; 2 session\(s\) disconnected; apply-service enqueued/,
    );

    const after = await reconcile(tenant, false);
    expect([after.drift, after.items]).toEqual([0, []]);
    expect(await bed.events({ tenant, name: 'provisioning.drift-found' })).toHaveLength(2);

    const listed = expectStatus(
      await bed.request<{ items: Report[]; nextCursor: string | null }>(tenant, 'GET /reconciliations?limit=2'),
      200,
    );
    expect(listed.items.map((r) => r.id)).toHaveLength(2);
    expect(listed.items[0]).not.toHaveProperty('items');
    expect(listed.nextCursor).not.toBeNull();
    const rest = expectStatus(
      await bed.request<{ items: Report[]; nextCursor: string | null }>(
        tenant,
        `GET /reconciliations?limit=2&cursor=${listed.nextCursor}`,
      ),
      200,
    );
    expect([...listed.items, ...rest.items].map((r) => r.id).sort()).toEqual([found.id, fixed.id, after.id].sort());
    expect(rest.nextCursor).toBeNull();
  });

  test('a reconciliation that cannot read the network is stored as failed, and announces no drift', async () => {
    const tenant = await newTenant(bed);
    await activeSubscriber(bed, tenant, 'dark@fibre');
    await failing(bed, tenant, 'radius', ['snapshot']);
    const report = await reconcile(tenant, true);
    expect(report).toMatchObject({ status: 'failed', drift: 0, items: [] });
    expect(report.error).toContain('dotmac.radius.snapshot failed');
    expect(await bed.events({ tenant, name: 'provisioning.drift-found' })).toEqual([]);
    expect(expectStatus(await bed.request<Report>(tenant, `GET /reconciliations/${report.id}`), 200).status).toBe(
      'failed',
    );
    expect((await bed.request(tenant, `GET /reconciliations/${randomUUID()}`)).status).toBe(404);
  });

  test('the hourly reconciliation runs for every tenant, repairing where the tenant says so', async () => {
    const reporting = await newTenant(bed);
    const repairing = await newTenant(bed, { reconcileFix: true });
    const tenants = [reporting, repairing];
    const lost: Subscriber[] = [];
    for (const tenant of tenants) {
      const s = await activeSubscriber(bed, tenant, 'hourly@fibre');
      await bed.query(`delete from ${RADIUS}.accounts where subscription_id = $1`, [s.subscriptionId]);
      lost.push(s);
    }
    await bed.runCron('reconcile');
    await bed.settle();
    for (const [i, tenant] of tenants.entries()) {
      const page = expectStatus(await bed.request<{ items: Report[] }>(tenant, 'GET /reconciliations'), 200);
      expect(page.items).toEqual([expect.objectContaining({ trigger: 'schedule', fix: i === 1, drift: 1 })]);
      const account = await bed.query(`select 1 from ${RADIUS}.accounts where subscription_id = $1`, [
        lost[i]?.subscriptionId,
      ]);
      expect(account).toHaveLength(i === 1 ? 1 : 0);
    }
  });
});

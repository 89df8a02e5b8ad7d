// A new plan version for existing subscribers, end to end with the real catalog: the catalog
// publishes catalog.plan-version-scheduled, this plugin schedules the move on every live
// subscription of the plan, and the apply-scheduled-changes job applies it when it falls due.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEPENDENCIES, openAccount, PLANS, type PlanVersion, publishPlan } from './support/dependencies.ts';
import { accepted, eventsOf, history, order, plusDays, read, type Subscription } from './support/subscriptions.ts';

const START = '2026-03-02T08:00:00.000Z';
const EFFECTIVE = '2026-04-15T00:00:00.000Z';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: START });
});
afterAll(() => bed?.close());

/** Posts version 2 of `plan` for existing subscribers from EFFECTIVE; answers its catalog.plan-version-scheduled event. */
async function scheduleVersion(tenant: string, plan: PlanVersion) {
  const posted = await bed.request<PlanVersion>(
    tenant,
    `POST /plans/${plan.planId}/versions`,
    { prices: { EUR: '34.90', USD: '37.90' }, effectiveFrom: EFFECTIVE, noticeDays: 30, applyToExisting: true },
    { plugin: 'dotmac.catalog' },
  );
  expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  const [event] = await bed.events({ tenant, name: 'catalog.plan-version-scheduled' });
  if (!event) throw new Error('the catalog published no catalog.plan-version-scheduled');
  expect(event.payload).toMatchObject({ planId: plan.planId, version: 2, effectiveFrom: EFFECTIVE });
  return event;
}

/** Each subscription as it is now, with its events. */
async function state(tenant: string, subscriptions: readonly Subscription[]) {
  return Promise.all(
    subscriptions.map(async (s) => ({
      subscription: await read(bed, tenant, s.id),
      events: await eventsOf(bed, tenant, s.id),
    })),
  );
}

const planChanges = async (tenant: string, id: string) =>
  (await eventsOf(bed, tenant, id)).filter((e) => e.name === 'subscription.plan-changed').map((e) => e.payload);

test('a new version for existing subscribers is scheduled on each live subscription of the plan, then applied when due', async () => {
  bed.clock.set(START);
  const tenant = await bed.tenant('reprice');
  const account = await openAccount(bed, tenant);
  const basic = await publishPlan(bed, tenant, PLANS.basic);
  const lite = await publishPlan(bed, tenant, PLANS.lite);
  const active = await accepted(bed, tenant, (await order(bed, tenant, account.id, basic.planId)).id, 'activate');
  const cancelled = await accepted(bed, tenant, (await order(bed, tenant, account.id, basic.planId)).id, 'cancel', {
    when: 'now',
  });
  const pending = await order(bed, tenant, account.id, basic.planId);
  const elsewhere = await accepted(bed, tenant, (await order(bed, tenant, account.id, lite.planId)).id, 'activate');
  const untouched = [cancelled, elsewhere];
  const before = await state(tenant, untouched);

  bed.clock.set(plusDays(START, 5));
  const scheduled = await scheduleVersion(tenant, basic);
  const deliveries = await bed.delivered(scheduled.id);
  const ours = deliveries.find((d) => d.subscriber.includes('dotmac.subscriptions'));
  expect(ours, JSON.stringify(deliveries)).toMatchObject({ status: 'delivered', attempts: 1 });

  for (const s of [active, pending]) {
    const now = await read(bed, tenant, s.id);
    expect(now.plan.version).toBe(1);
    expect(now.pendingChange).toEqual({
      planId: basic.planId,
      version: 2,
      billingCycle: 'monthly',
      contractMonths: 12,
      direction: 'upgrade',
      effectiveAt: EFFECTIVE,
      reprice: true,
    });
    const changes = await planChanges(tenant, s.id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      scheduled: true,
      effectiveAt: EFFECTIVE,
      direction: 'upgrade',
      from: { id: basic.planId, version: 1, price: '29.90' },
      to: { id: basic.planId, version: 2, price: '34.90' },
    });
  }
  expect((await history(bed, tenant, active.id)).at(-1)).toMatchObject({
    command: 'reprice',
    actor: { kind: 'event', eventName: 'catalog.plan-version-scheduled', eventId: scheduled.id },
  });
  // The cancelled subscription, and the one on another plan, are as they were.
  expect(await state(tenant, untouched)).toEqual(before);

  // The same event delivered again, and the same news published again, schedule nothing more.
  const repriced = await state(tenant, [active, pending]);
  const redelivery = await bed.query(
    `update kernel.event_delivery set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null
      where event_id = $1 and subscriber = $2 returning event_id`,
    [scheduled.id, ours?.subscriber],
  );
  expect(redelivery).toHaveLength(1);
  await bed.delivered(scheduled.id);
  await bed.delivered(await bed.publish(tenant, 'catalog.plan-version-scheduled', scheduled.payload));
  expect(await state(tenant, [active, pending])).toEqual(repriced);

  // Not due yet.
  bed.clock.set('2026-04-14T23:59:00.000Z');
  await bed.runCron('apply-scheduled-changes');
  expect((await read(bed, tenant, active.id)).plan.version).toBe(1);

  bed.clock.set('2026-04-15T00:10:00.000Z');
  await bed.runCron('apply-scheduled-changes');
  for (const s of [active, pending]) {
    const now = await read(bed, tenant, s.id);
    expect(now).toMatchObject({ plan: { planId: basic.planId, version: 2 }, pendingChange: null });
    // A reprice binds nobody to a new term.
    expect(now.termEndsAt).toBe(s.termEndsAt);
    const applied = (await planChanges(tenant, s.id)).filter((p) => p.scheduled === false);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ effectiveAt: EFFECTIVE, to: { version: 2, price: '34.90' } });
  }
  expect((await read(bed, tenant, pending.id)).status).toBe('pending');

  // Delivered again once applied: still nothing.
  const after = await state(tenant, [active, pending, ...untouched]);
  await bed.delivered(await bed.publish(tenant, 'catalog.plan-version-scheduled', scheduled.payload));
  await bed.runCron('apply-scheduled-changes');
  expect(await state(tenant, [active, pending, ...untouched])).toEqual(after);
});

test('a subscription scheduled to cancel before the new version keeps its plan', async () => {
  bed.clock.set(START);
  const tenant = await bed.tenant('reprice-leaving');
  const account = await openAccount(bed, tenant);
  const lite = await publishPlan(bed, tenant, PLANS.lite);
  // No contract: it cancels at the end of the cycle, 2 April, before the version's 15 April.
  const leaving = await accepted(bed, tenant, (await order(bed, tenant, account.id, lite.planId)).id, 'activate');
  const cancelling = await accepted(bed, tenant, leaving.id, 'cancel', { when: 'end-of-term' });
  expect(cancelling.cancelAt).toBe('2026-04-02T08:00:00.000Z');

  await bed.delivered((await scheduleVersion(tenant, lite)).id);
  expect(await read(bed, tenant, leaving.id)).toEqual(cancelling);
  expect(await planChanges(tenant, leaving.id)).toEqual([]);
});

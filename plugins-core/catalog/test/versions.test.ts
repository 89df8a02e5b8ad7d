// Plan versions over time, on the testbed's clock: a change in force from a later date, for new
// subscriptions or with notice for existing ones (announced by an event), what a new version
// carries over, and cancelling a change before it comes into force.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  addVersion,
  createPlan,
  day,
  internetPlan,
  type Plan,
  type PlanVersion,
  type Problem,
  refusedFields,
  START,
} from './support.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ clock: START });
});
afterAll(() => bed?.close());
beforeEach(() => {
  bed.clock.set(START);
});

const planAt = async (tenant: string, planId: string) => (await bed.request<Plan>(tenant, `GET /plans/${planId}`)).body;
const statuses = async (tenant: string, planId: string) =>
  (await bed.request<{ items: PlanVersion[] }>(tenant, `GET /plans/${planId}/versions`)).body.items.map(
    (v) => `${v.version}:${v.status}`,
  );

describe('a version in force from a later date', () => {
  test('leaves the old version in force until the clock reaches its date, then replaces it', async () => {
    const isp = await bed.tenant('later');
    const plan = await createPlan(bed, isp, internetPlan({ prices: { USD: '29.99' } }));
    const v2 = await addVersion(bed, isp, plan.id, { prices: { USD: '34.99' }, effectiveFrom: day(10) });
    expect(v2).toMatchObject({ version: 2, status: 'scheduled', effectiveFrom: day(10), appliesToExisting: false });

    expect(await planAt(isp, plan.id)).toMatchObject({
      current: { version: 1, prices: { USD: '29.99' } },
      next: { version: 2, prices: { USD: '34.99' } },
    });
    expect(await statuses(isp, plan.id)).toEqual(['1:current', '2:scheduled']);

    bed.clock.set(new Date(Date.parse(day(10)) - 1));
    expect((await planAt(isp, plan.id)).current?.version).toBe(1);

    bed.clock.set(day(10));
    expect(await planAt(isp, plan.id)).toMatchObject({
      current: { version: 2, prices: { USD: '34.99' } },
      next: null,
    });
    expect(await statuses(isp, plan.id)).toEqual(['1:superseded', '2:current']);
    // Each version stays readable, for the subscriptions made on it.
    const v1 = await bed.request<PlanVersion>(isp, `GET /plans/${plan.id}/versions/1`);
    expect(v1.body).toMatchObject({ version: 1, status: 'superseded', prices: { USD: '29.99' } });
  });

  test('for new subscriptions only, it publishes no event for existing subscribers', async () => {
    const isp = await bed.tenant('new-only');
    const plan = await createPlan(bed, isp, internetPlan());
    await addVersion(bed, isp, plan.id, { prices: { USD: '24.99' } });
    expect(await bed.events({ tenant: isp, name: 'catalog.plan-version-scheduled' })).toEqual([]);
    expect((await planAt(isp, plan.id)).current).toMatchObject({ version: 2, prices: { USD: '24.99' } });
  });

  test('for existing subscribers, it needs its notice and is announced with catalog.plan-version-scheduled', async () => {
    const isp = await bed.tenant('with-notice');
    const plan = await createPlan(bed, isp, internetPlan());

    const tooSoon = await bed.request<Problem>(isp, `POST /plans/${plan.id}/versions`, {
      prices: { USD: '32.99' },
      applyToExisting: true,
      noticeDays: 30,
      effectiveFrom: day(10),
    });
    expect(refusedFields(tooSoon)).toEqual(['/body/effectiveFrom']);
    expect(tooSoon.body.errors?.[0]?.detail).toContain(day(30));

    const v2 = await addVersion(bed, isp, plan.id, { prices: { USD: '32.99' }, applyToExisting: true, noticeDays: 30 });
    expect(v2).toMatchObject({ version: 2, effectiveFrom: day(30), noticeDays: 30, appliesToExisting: true });
    const events = await bed.events({ tenant: isp, name: 'catalog.plan-version-scheduled' });
    expect(events.map((e) => e.payload)).toEqual([
      { planId: plan.id, version: 2, effectiveFrom: day(30), noticeDays: 30 },
    ]);
  });

  test('the tenant’s minimum notice binds changes for existing subscribers, not those for new ones', async () => {
    const isp = await bed.tenant('minimum-notice');
    await bed.setConfig(isp, { minimumNoticeDays: 30 });
    const plan = await createPlan(bed, isp, internetPlan());
    const short = await bed.request(isp, `POST /plans/${plan.id}/versions`, {
      prices: { USD: '39.99' },
      applyToExisting: true,
      noticeDays: 14,
    });
    expect(refusedFields(short)).toEqual(['/body/noticeDays']);
    await addVersion(bed, isp, plan.id, { prices: { USD: '39.99' }, applyToExisting: true, noticeDays: 30 });
    await addVersion(bed, isp, plan.id, { prices: { USD: '19.99' }, effectiveFrom: day(31) });
  });

  test('a version cannot start in the past, nor before a version still to come', async () => {
    const isp = await bed.tenant('order');
    const plan = await createPlan(bed, isp, internetPlan());
    expect(
      refusedFields(
        await bed.request(isp, `POST /plans/${plan.id}/versions`, { effectiveFrom: day(-1), prices: { USD: '1' } }),
      ),
    ).toEqual(['/body/effectiveFrom']);
    await addVersion(bed, isp, plan.id, { prices: { USD: '31' }, effectiveFrom: day(20) });
    const earlier = await bed.request<Problem>(isp, `POST /plans/${plan.id}/versions`, {
      prices: { USD: '30' },
      effectiveFrom: day(5),
    });
    expect(refusedFields(earlier)).toEqual(['/body/effectiveFrom']);
    expect(earlier.body.errors?.[0]?.detail).toContain('cancel version 2');
    const sameDay = await addVersion(bed, isp, plan.id, { prices: { USD: '32' }, effectiveFrom: day(20) });
    bed.clock.set(day(20));
    // Two versions from the same moment: the later-made one is in force.
    expect((await planAt(isp, plan.id)).current?.version).toBe(sameDay.version);
    expect(await statuses(isp, plan.id)).toEqual(['1:superseded', '2:superseded', '3:current']);
  });
});

describe('what a new version carries over', () => {
  test('what it leaves out is kept; internet specs merge field by field', async () => {
    const isp = await bed.tenant('carry');
    const plan = await createPlan(
      bed,
      isp,
      internetPlan({
        prices: { USD: '50', EUR: '45' },
        billingCycle: 'yearly',
        payment: 'prepaid',
        taxClass: 'telecom',
        contractMonths: 24,
        earlyTerminationFee: { USD: '200', EUR: '180' },
        internet: {
          downloadKbps: 300_000,
          uploadKbps: 50_000,
          burstKbps: 400_000,
          burstTimeSeconds: 8,
          priority: 3,
          dataCapGb: 500,
          fairUse: { policy: 'throttle', throttleKbps: 5_000 },
        },
      }),
    );
    const faster = await addVersion(bed, isp, plan.id, { internet: { downloadKbps: 500_000, burstKbps: 600_000 } });
    expect(faster).toMatchObject({
      version: 2,
      prices: { USD: '50.00', EUR: '45.00' },
      billingCycle: 'yearly',
      payment: 'prepaid',
      taxClass: 'telecom',
      contractMonths: 24,
      earlyTerminationFee: { USD: '200.00', EUR: '180.00' },
      internet: {
        downloadKbps: 500_000,
        uploadKbps: 50_000,
        burstKbps: 600_000,
        burstTimeSeconds: 8,
        priority: 3,
        dataCapGb: 500,
        fairUse: { policy: 'throttle', throttleKbps: 5_000 },
      },
    });
    const uncapped = await addVersion(bed, isp, plan.id, { internet: { dataCapGb: null, burstKbps: null } });
    expect(uncapped.internet).toMatchObject({
      dataCapGb: null,
      fairUse: null,
      burstKbps: null,
      burstTimeSeconds: null,
    });
    const noContract = await addVersion(bed, isp, plan.id, { contractMonths: 0 });
    expect(noContract).toMatchObject({ contractMonths: 0, earlyTerminationFee: {} });
  });

  test('a fee carried over into new currencies is refused, saying it was carried over', async () => {
    const isp = await bed.tenant('carry-currencies');
    const plan = await createPlan(
      bed,
      isp,
      internetPlan({
        prices: { USD: '50', EUR: '45' },
        contractMonths: 12,
        earlyTerminationFee: { USD: '100', EUR: '90' },
      }),
    );
    const answer = await bed.request<Problem>(isp, `POST /plans/${plan.id}/versions`, { prices: { USD: '55' } });
    expect(refusedFields(answer)).toEqual(['/body/earlyTerminationFee']);
    expect(answer.body.errors?.[0]?.detail).toContain('carried over');
    await addVersion(bed, isp, plan.id, { prices: { USD: '55' }, earlyTerminationFee: { USD: '100' } });
  });

  test('a version is checked like a new plan, naming the fields at fault', async () => {
    const isp = await bed.tenant('version-rules');
    const plan = await createPlan(bed, isp, internetPlan());
    expect(
      refusedFields(
        await bed.request(isp, `POST /plans/${plan.id}/versions`, {
          prices: { USD: '1.001' },
          billingCycle: 'one-off',
          internet: { burstKbps: 50_000 },
          bogus: true,
        }),
      ),
    ).toEqual(['/body/bogus']);
    expect(
      refusedFields(
        await bed.request(isp, `POST /plans/${plan.id}/versions`, {
          prices: { USD: '1.001' },
          billingCycle: 'one-off',
          internet: { burstKbps: 50_000 },
        }),
      ),
    ).toEqual(['/body/prices/USD', '/body/billingCycle', '/body/internet/burstKbps']);
  });
});

describe('cancelling a version', () => {
  test('a scheduled version is cancelled, announced, and lets an earlier change through', async () => {
    const isp = await bed.tenant('cancel');
    const plan = await createPlan(bed, isp, internetPlan());
    await addVersion(bed, isp, plan.id, { prices: { USD: '39.99' }, applyToExisting: true, noticeDays: 30 });
    const cancelled = await bed.request<PlanVersion>(isp, `POST /plans/${plan.id}/versions/2/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ version: 2, status: 'cancelled', cancelledAt: START });
    const [event] = await bed.events({ tenant: isp, name: 'catalog.plan-version-cancelled' });
    expect(event?.payload).toEqual({ planId: plan.id, version: 2, effectiveFrom: day(30), appliesToExisting: true });

    expect(await planAt(isp, plan.id)).toMatchObject({ current: { version: 1 }, next: null });
    // Numbers are never reused: the next change is version 3.
    const v3 = await addVersion(bed, isp, plan.id, { prices: { USD: '31.99' }, effectiveFrom: day(5) });
    expect(v3.version).toBe(3);
    expect(await statuses(isp, plan.id)).toEqual(['1:current', '2:cancelled', '3:scheduled']);
    bed.clock.set(day(40));
    expect((await planAt(isp, plan.id)).current).toMatchObject({ version: 3, prices: { USD: '31.99' } });
  });

  test('a version in force, or cancelled already, cannot be cancelled; an unknown one is 404', async () => {
    const isp = await bed.tenant('cancel-refused');
    const plan = await createPlan(bed, isp, internetPlan());
    const inForce = await bed.request<Problem>(isp, `POST /plans/${plan.id}/versions/1/cancel`);
    expect(inForce.status).toBe(409);
    expect(inForce.body.detail).toContain('make a new version instead');
    await addVersion(bed, isp, plan.id, { prices: { USD: '1' }, effectiveFrom: day(3) });
    expect((await bed.request(isp, `POST /plans/${plan.id}/versions/2/cancel`)).status).toBe(200);
    expect((await bed.request(isp, `POST /plans/${plan.id}/versions/2/cancel`)).status).toBe(409);
    expect((await bed.request(isp, `POST /plans/${plan.id}/versions/9/cancel`)).status).toBe(404);
    expect((await bed.request(isp, `GET /plans/${plan.id}/versions/9`)).status).toBe(404);
    expect(refusedFields(await bed.request(isp, `GET /plans/${plan.id}/versions/zero`))).toEqual(['/params/version']);
  });

  test('a plan whose only version is cancelled before launch takes a new first price', async () => {
    const isp = await bed.tenant('cancel-launch');
    const plan = await createPlan(bed, isp, internetPlan({ effectiveFrom: day(7) }));
    await bed.request(isp, `POST /plans/${plan.id}/versions/1/cancel`);
    expect(await planAt(isp, plan.id)).toMatchObject({ current: null, next: null, forSale: false });
    expect(refusedFields(await bed.request(isp, `POST /plans/${plan.id}/versions`, {}))).toEqual([
      '/body/prices',
      '/body/internet',
    ]);
    expect(
      refusedFields(
        await bed.request(isp, `POST /plans/${plan.id}/versions`, {
          prices: { USD: '20' },
          internet: { uploadKbps: 10 },
        }),
      ),
    ).toEqual(['/body/internet/downloadKbps']);
    const relaunch = await addVersion(bed, isp, plan.id, {
      prices: { USD: '20' },
      internet: { downloadKbps: 50_000, uploadKbps: 10_000 },
    });
    expect(relaunch).toMatchObject({ version: 2, status: 'current', billingCycle: 'monthly' });
  });
});

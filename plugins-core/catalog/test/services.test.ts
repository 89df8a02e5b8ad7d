// The catalog as other plugins see it: its exported functions called through the kernel (which
// validates their input and output against the manifest's schemas) by a probe plugin standing
// in for subscriptions, and its price-change events delivered to that plugin's handler.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { addVersion, CATALOG, createPlan, day, freshCode, internetPlan, type PlanVersion, START } from './support.ts';

const CATALOG_DIR = fileURLToPath(new URL('..', import.meta.url));
const PROBE = fileURLToPath(new URL('./fixtures/catalog-probe', import.meta.url));

let bed: Testbed;
beforeAll(async () => {
  // `dotmac-plugin test` builds the catalog; the probe is built here, with the same CLI.
  const cli = join(dirname(createRequire(import.meta.url).resolve('@dotmac/sdk')), 'cli.ts');
  // The CLI relaunches itself under tsx unless told it already runs there, as this process is.
  const { DOTMAC_PLUGIN_CLI: _, ...env } = process.env;
  execFileSync(process.execPath, [cli, 'build', PROBE], { stdio: 'pipe', env });
  bed = await createTestbed({ dir: PROBE, with: [CATALOG_DIR], clock: START });
});
afterAll(() => bed?.close());
beforeEach(() => {
  bed.clock.set(START);
});

/** What the probe answers: the function's output, or the error its call was refused with. */
type Call<Output> = { output: Output; error?: undefined } | { output?: undefined; error: string };

const call = async <Output>(tenant: string, fn: 'getPlanVersion' | 'listAddons', input: unknown) => {
  const answer = await bed.request<Call<Output>>(tenant, 'POST /calls', { fn, input });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};
const getPlanVersion = async (tenant: string, input: Record<string, unknown>) => {
  const answer = await call<PlanVersion | null>(tenant, 'getPlanVersion', input);
  expect(answer.error).toBeUndefined();
  return answer.output;
};

describe('getPlanVersion', () => {
  test('answers the version in force now, at a given moment, or a given version', async () => {
    const isp = await bed.tenant('get-version');
    const plan = await createPlan(bed, isp, internetPlan({ prices: { USD: '29.99', EUR: '27.00' } }));
    await addVersion(bed, isp, plan.id, {
      prices: { USD: '32.99', EUR: '30.00' },
      applyToExisting: true,
      noticeDays: 30,
    });

    const now = await getPlanVersion(isp, { planId: plan.id });
    expect(now).toEqual({
      planId: plan.id,
      code: plan.code,
      name: 'Fibre 100',
      kind: 'internet',
      visible: true,
      version: 1,
      effectiveFrom: START,
      noticeDays: 0,
      appliesToExisting: false,
      status: 'current',
      prices: { EUR: '27.00', USD: '29.99' },
      billingCycle: 'monthly',
      payment: 'postpaid',
      taxClass: 'standard',
      contractMonths: 0,
      earlyTerminationFee: {},
      internet: {
        downloadKbps: 100_000,
        uploadKbps: 20_000,
        burstKbps: null,
        burstThresholdKbps: null,
        burstTimeSeconds: null,
        priority: 8,
        dataCapGb: null,
        fairUse: null,
      },
      createdAt: START,
      createdBy: 'operator',
      cancelledAt: null,
    });
    expect(await getPlanVersion(isp, { planId: plan.id, at: day(30) })).toMatchObject({
      version: 2,
      prices: { USD: '32.99' },
    });
    expect(await getPlanVersion(isp, { planId: plan.id, version: 2 })).toMatchObject({
      version: 2,
      status: 'scheduled',
    });

    // At the date, on the moved clock, "now" is the new version.
    bed.clock.set(day(30));
    expect(await getPlanVersion(isp, { planId: plan.id })).toMatchObject({ version: 2, status: 'current' });
    expect(await getPlanVersion(isp, { planId: plan.id, at: day(1) })).toMatchObject({
      version: 1,
      status: 'superseded',
    });
  });

  test('answers a hidden plan too, marked not visible, for the subscribers it already has', async () => {
    const isp = await bed.tenant('get-hidden');
    const plan = await createPlan(bed, isp, internetPlan());
    await bed.request(isp, `PATCH /plans/${plan.id}`, { visible: false }, CATALOG);
    expect(await getPlanVersion(isp, { planId: plan.id })).toMatchObject({ version: 1, visible: false });
  });

  test('answers null for a plan or version there is not, and for a moment before the first version', async () => {
    const isp = await bed.tenant('get-none');
    const other = await bed.tenant('get-none-other');
    const plan = await createPlan(bed, isp, internetPlan());
    expect(await getPlanVersion(isp, { planId: '00000000-0000-4000-8000-000000000000' })).toBeNull();
    expect(await getPlanVersion(isp, { planId: plan.id, version: 7 })).toBeNull();
    expect(await getPlanVersion(isp, { planId: plan.id, at: day(-1) })).toBeNull();
    // Another tenant's plan does not exist for this one.
    expect(await getPlanVersion(other, { planId: plan.id })).toBeNull();
  });

  test('input its schema refuses never reaches the catalog', async () => {
    const isp = await bed.tenant('get-refused');
    for (const input of [{}, { planId: 'nope' }, { planId: '00000000-0000-4000-8000-000000000000', at: 'soon' }]) {
      const answer = await call(isp, 'getPlanVersion', input);
      expect(answer.error, JSON.stringify(input)).toMatch(/input does not match dotmac\.catalog@0\.1\.0's schema/);
    }
  });
});

describe('listAddons', () => {
  test('answers the add-ons on sale for a plan’s kind, priced in a currency, by name', async () => {
    const isp = await bed.tenant('addons');
    const fibre = await createPlan(bed, isp, internetPlan());
    const phone = await createPlan(bed, isp, {
      code: freshCode('VOICE'),
      name: 'Phone',
      kind: 'voice',
      prices: { USD: '5' },
    });
    const addon = (name: string, extra: Record<string, unknown>) =>
      createPlan(bed, isp, { code: freshCode('ADDON'), name, kind: 'addon', prices: { USD: '3.00' }, ...extra });
    const staticIp = await addon('Static IP', { addonFor: ['internet'] });
    const voicemail = await addon('Voicemail', { addonFor: ['voice'] });
    const support = await addon('Priority support', { prices: { USD: '10.00', EUR: '9.00' } });
    const hidden = await addon('Old modem rental', { addonFor: ['internet'] });
    await bed.request(isp, `PATCH /plans/${hidden.id}`, { visible: false }, CATALOG);
    await addon('Coming soon', { effectiveFrom: day(5) });

    const names = async (input: Record<string, unknown>) => {
      const answer = await call<{ items: PlanVersion[] }>(isp, 'listAddons', input);
      return answer.output?.items.map((v) => v.name);
    };
    expect(await names({})).toEqual(['Priority support', 'Static IP', 'Voicemail']);
    expect(await names({ planId: fibre.id })).toEqual(['Priority support', 'Static IP']);
    expect(await names({ planId: phone.id })).toEqual(['Priority support', 'Voicemail']);
    expect(await names({ currency: 'EUR' })).toEqual(['Priority support']);
    expect(await names({ at: day(5) })).toEqual(['Coming soon', 'Priority support', 'Static IP', 'Voicemail']);
    const [first] = (await call<{ items: PlanVersion[] }>(isp, 'listAddons', { planId: fibre.id })).output?.items ?? [];
    expect(first).toMatchObject({ planId: support.id, kind: 'addon', prices: { EUR: '9.00', USD: '10.00' } });
    expect([staticIp.id, voicemail.id]).toHaveLength(2);
  });
});

test('a scheduled price change and its cancellation reach a subscribing plugin', async () => {
  const isp = await bed.tenant('events');
  const plan = await createPlan(bed, isp, internetPlan());
  await addVersion(bed, isp, plan.id, { prices: { USD: '35' }, applyToExisting: true, noticeDays: 14 });
  await bed.request(isp, `POST /plans/${plan.id}/versions/2/cancel`, undefined, CATALOG);
  const events = [
    ...(await bed.events({ tenant: isp, name: 'catalog.plan-version-scheduled' })),
    ...(await bed.events({ tenant: isp, name: 'catalog.plan-version-cancelled' })),
  ];
  expect(events).toHaveLength(2);
  for (const event of events) await bed.delivered(event.id);
  expect(bed.logs).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        plugin: 'test.catalog-probe',
        tenantId: isp,
        message: 'heard catalog.plan-version-scheduled',
        data: { planId: plan.id, version: 2, effectiveFrom: day(14), noticeDays: 14 },
      }),
      expect.objectContaining({
        plugin: 'test.catalog-probe',
        message: 'heard catalog.plan-version-cancelled',
        data: { planId: plan.id, version: 2, effectiveFrom: day(14), appliesToExisting: true },
      }),
    ]),
  );
});

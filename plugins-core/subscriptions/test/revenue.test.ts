// GET /stats/mrr: the monthly recurring revenue of the active subscriptions, per currency, from
// the price each one's last transition carried — exact, quarterly and yearly prices spread over
// their months, pending, suspended and cancelled services left out, a plan change counted at once.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEPENDENCIES, type NewPlan, openAccount, PLANS, publishPlan } from './support/dependencies.ts';
import { accepted, order } from './support/subscriptions.ts';

const START = '2026-03-02T08:00:00.000Z';

/** A plan billed yearly: 239.88 EUR a year is 19.99 a month. */
const YEARLY: NewPlan = {
  code: 'FIBRE-Y',
  name: 'Fibre Yearly',
  kind: 'internet',
  prices: { EUR: '239.88', USD: '263.88' },
  billingCycle: 'yearly',
  payment: 'prepaid',
  contractMonths: 0,
  internet: { downloadKbps: 50_000, uploadKbps: 10_000 },
};

interface Revenue {
  readonly at: string;
  readonly items: readonly { readonly currency: string; readonly mrr: string; readonly subscriptions: number }[];
}

let bed: Testbed;
let tenant: string;

beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: START });
  tenant = await bed.tenant('isp-revenue');
});
afterAll(() => bed?.close());

async function revenue(): Promise<Revenue> {
  const answer = await bed.request<Revenue>(tenant, 'GET /stats/mrr');
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

describe('monthly recurring revenue', () => {
  test('sums the active subscriptions per currency, a month of each, exactly', async () => {
    const lite = await publishPlan(bed, tenant, PLANS.lite);
    const basic = await publishPlan(bed, tenant, PLANS.basic);
    const fast = await publishPlan(bed, tenant, PLANS.fast);
    const yearly = await publishPlan(bed, tenant, YEARLY);
    expect(await revenue()).toEqual({ at: START, items: [] });

    const ada = await openAccount(bed, tenant, { name: 'Ada' });
    const bob = await openAccount(bed, tenant, { name: 'Bob' });
    const carl = await openAccount(bed, tenant, { name: 'Carl', currency: 'USD' });
    const dora = await openAccount(bed, tenant, { name: 'Dora' });
    const active = async (accountId: string, planId: string) =>
      accepted(bed, tenant, (await order(bed, tenant, accountId, planId)).id, 'activate', {});

    await active(ada.id, lite.planId); // 19.90 EUR a month
    await active(ada.id, basic.planId); // 29.90 EUR a month
    await active(bob.id, fast.planId); // 149.70 EUR a quarter: 49.90 a month
    await active(dora.id, yearly.planId); // 239.88 EUR a year: 19.99 a month
    const carls = await active(carl.id, basic.planId); // 32.90 USD a month
    // Not counted: pending, suspended, cancelled.
    await order(bed, tenant, dora.id, lite.planId);
    const suspended = await active(dora.id, basic.planId);
    await accepted(bed, tenant, suspended.id, 'suspend', { reason: 'manual' });
    const cancelled = await active(dora.id, lite.planId);
    await accepted(bed, tenant, cancelled.id, 'cancel', { when: 'now' });

    expect((await revenue()).items).toEqual([
      { currency: 'EUR', mrr: '119.69', subscriptions: 4 },
      { currency: 'USD', mrr: '32.90', subscriptions: 1 },
    ]);

    // An upgrade applies now: Carl's 164.70 USD a quarter is 54.90 a month.
    await accepted(bed, tenant, carls.id, 'change-plan', { planId: fast.planId, when: 'now' });
    expect((await revenue()).items).toContainEqual({ currency: 'USD', mrr: '54.90', subscriptions: 1 });
  });

  test('the subscription answers the plan it is on with its name and price, as the revenue counts it', async () => {
    const page = await bed.request<{ items: { plan: Record<string, unknown>; status: string }[] }>(
      tenant,
      'GET /subscriptions?status=active&limit=200',
    );
    expect(page.body.items.map((s) => `${s.plan.name} ${s.plan.price} ${s.plan.currency}`).sort()).toEqual([
      'Fibre 100 29.90 EUR',
      'Fibre 1000 149.70 EUR',
      'Fibre 1000 164.70 USD',
      'Fibre 20 19.90 EUR',
      'Fibre Yearly 239.88 EUR',
    ]);
  });

  test('is for staff: refused to reseller-, customer- and technician-portal users', async () => {
    const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === bed.pluginId)?.sandbox;
    for (const portal of ['reseller', 'customer', 'technician'] as const) {
      const scope = { portal, userId: `user-${portal}`, subjectId: 'someone' };
      const caller = { kind: 'user', ...scope, permissions: ['dotmac.subscriptions.read'] };
      const answer = await sandbox?.invoke(
        tenant,
        'route:GET /stats/mrr',
        { params: {}, query: {}, body: null, caller },
        scope,
      );
      expect(answer, portal).toMatchObject({ $problem: { status: 403 } });
    }
  });
});

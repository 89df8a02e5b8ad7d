// dotmac.subscriptions in the real kernel and sandbox, on a database of its own, with the plugins
// it depends on (support/dependencies.ts) and a clock the tests move. `dotmac-plugin test`
// builds the plugin first.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type Account,
  DEPENDENCIES,
  openAccount,
  PLANS,
  type PlanVersion,
  publishPlan,
} from './support/dependencies.ts';
import {
  accepted,
  eventsOf,
  history,
  order,
  type Page,
  type Problem,
  plusDays,
  read,
  type Subscription,
  send,
} from './support/subscriptions.ts';

const START = '2026-03-02T08:00:00.000Z';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: START });
});
afterAll(() => bed?.close());

interface Shop {
  readonly tenant: string;
  readonly account: Account;
  readonly plans: { readonly lite: PlanVersion; readonly basic: PlanVersion; readonly fast: PlanVersion };
}

/** A new tenant at START, with an account and the three plans. */
async function shop(slug: string): Promise<Shop> {
  bed.clock.set(START);
  const tenant = await bed.tenant(slug);
  const account = await openAccount(bed, tenant);
  const plans = {
    lite: await publishPlan(bed, tenant, PLANS.lite),
    basic: await publishPlan(bed, tenant, PLANS.basic),
    fast: await publishPlan(bed, tenant, PLANS.fast),
  };
  return { tenant, account, plans };
}

/** The plan as the events carry it, priced in EUR. */
const inEvents = (plan: PlanVersion) => ({
  id: plan.planId,
  code: plan.code,
  name: plan.name,
  kind: plan.kind,
  version: plan.version,
  price: plan.prices.EUR,
  prices: plan.prices,
  billingCycle: plan.billingCycle,
  payment: plan.payment,
  taxClass: plan.taxClass,
  contractMonths: plan.contractMonths,
  // The catalog answers the fee by currency.
  earlyTerminationFee: (plan.earlyTerminationFee as Readonly<Record<string, string>>).EUR ?? null,
  internet: plan.internet ?? null,
});

/** A subscription on `plan`, activated at START. */
async function running(s: Shop, plan: PlanVersion = s.plans.basic): Promise<Subscription> {
  const ordered = await order(bed, s.tenant, s.account.id, plan.planId);
  return accepted(bed, s.tenant, ordered.id, 'activate', {});
}

/** What a refused command must leave as it was: the subscription, its history, its events. */
async function snapshot(s: Shop, id: string) {
  return {
    subscription: await read(bed, s.tenant, id),
    history: await history(bed, s.tenant, id),
    events: await eventsOf(bed, s.tenant, id),
  };
}

describe('ordering and activating', () => {
  test('an order is a pending subscription, announced by subscription.created with the account, payer and plan', async () => {
    const s = await shop('order');
    const ordered = await order(bed, s.tenant, s.account.id, s.plans.basic.planId);
    expect(ordered).toEqual({
      id: expect.any(String),
      accountId: s.account.id,
      status: 'pending',
      plan: {
        planId: s.plans.basic.planId,
        version: 1,
        billingCycle: 'monthly',
        contractMonths: 12,
        code: 'FIBRE-100',
        name: 'Fibre 100',
        price: '29.90',
        currency: 'EUR',
      },
      revision: 1,
      createdAt: START,
      updatedAt: START,
      activatedAt: null,
      termEndsAt: null,
      nextCycleAt: null,
      suspension: null,
      pendingChange: null,
      cancelAt: null,
      cancelledAt: null,
    });
    const events = await eventsOf(bed, s.tenant, ordered.id);
    expect(events.map((e) => [e.name, e.payload])).toEqual([
      [
        'subscription.created',
        {
          subscriptionId: ordered.id,
          accountId: s.account.id,
          payerId: s.account.payerId,
          currency: 'EUR',
          status: 'pending',
          plan: inEvents(s.plans.basic),
          activatedAt: null,
          termEndsAt: null,
          nextCycleAt: null,
          createdAt: START,
        },
      ],
    ]);
  });

  test('activation on a date starts the service, its billing cycles and its contract term there', async () => {
    const s = await shop('activate');
    const ordered = await order(bed, s.tenant, s.account.id, s.plans.basic.planId);
    const at = '2026-02-20T00:00:00.000Z';
    const active = await accepted(bed, s.tenant, ordered.id, 'activate', { at });
    expect(active).toMatchObject({
      status: 'active',
      revision: 2,
      activatedAt: at,
      termEndsAt: '2027-02-20T00:00:00.000Z',
      nextCycleAt: '2026-03-20T00:00:00.000Z',
    });
    const [, activated] = await eventsOf(bed, s.tenant, ordered.id);
    expect(activated?.name).toBe('subscription.activated');
    expect(activated?.payload).toEqual({
      subscriptionId: ordered.id,
      accountId: s.account.id,
      payerId: s.account.payerId,
      currency: 'EUR',
      status: 'active',
      previousStatus: 'pending',
      plan: inEvents(s.plans.basic),
      activatedAt: at,
      termEndsAt: '2027-02-20T00:00:00.000Z',
      nextCycleAt: '2026-03-20T00:00:00.000Z',
    });
  });

  test('an order the dependencies cannot back is refused with 422 naming the field, and nothing is stored', async () => {
    const s = await shop('order-refused');
    const terminated = await openAccount(bed, s.tenant, { status: 'terminated' });
    const inPounds = await openAccount(bed, s.tenant, { currency: 'GBP' });
    const before = await bed.query('select count(*)::int as n from subscriptions');
    const hidden = await publishPlan(bed, s.tenant, { ...PLANS.lite, code: 'FIBRE-20-OLD', visible: false });
    const refusals = [
      [{ accountId: terminated.id, planId: s.plans.basic.planId }, '/body/accountId', /is terminated/],
      [{ accountId: inPounds.id, planId: s.plans.basic.planId }, '/body/planId', /has no price in GBP/],
      [{ accountId: s.account.id, planId: UNKNOWN }, '/body/planId', /dotmac\.catalog has no plan/],
      [{ accountId: s.account.id, planId: hidden.planId }, '/body/planId', /is not for sale/],
      [
        { accountId: UNKNOWN, planId: s.plans.basic.planId },
        '/body/accountId',
        /cannot be read from dotmac\.customers/,
      ],
    ] as const;
    for (const [body, pointer, detail] of refusals) {
      const refused = await bed.request<Problem>(s.tenant, 'POST /subscriptions', body);
      expect(refused.status, JSON.stringify(refused.body)).toBe(422);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toMatch(detail);
      expect(refused.body.errors).toEqual([expect.objectContaining({ pointer })]);
    }
    expect(await bed.query('select count(*)::int as n from subscriptions')).toEqual(before);
    expect((await bed.events({ tenant: s.tenant })).filter((e) => e.name.startsWith('subscription.'))).toEqual([]);
  });
});

describe('plan changes', () => {
  test('an upgrade applies now; subscription.plan-changed carries both plans and the longer term', async () => {
    const s = await shop('upgrade');
    const active = await running(s);
    bed.clock.set(plusDays(START, 10));
    const upgraded = await accepted(bed, s.tenant, active.id, 'change-plan', { planId: s.plans.fast.planId });
    expect(upgraded).toMatchObject({
      plan: { planId: s.plans.fast.planId, version: 1, billingCycle: 'quarterly', contractMonths: 24 },
      pendingChange: null,
      termEndsAt: '2028-03-12T08:00:00.000Z',
      nextCycleAt: '2026-06-02T08:00:00.000Z',
    });
    const changed = (await eventsOf(bed, s.tenant, active.id)).at(-1);
    expect(changed?.name).toBe('subscription.plan-changed');
    expect(changed?.payload).toMatchObject({
      status: 'active',
      from: inEvents(s.plans.basic),
      to: inEvents(s.plans.fast),
      plan: inEvents(s.plans.fast),
      direction: 'upgrade',
      scheduled: false,
      effectiveAt: plusDays(START, 10),
      termEndsAt: '2028-03-12T08:00:00.000Z',
    });
  });

  test('a downgrade waits for the next cycle, and the apply-scheduled-changes job applies it when the clock gets there', async () => {
    const s = await shop('downgrade');
    const active = await running(s);
    bed.clock.set(plusDays(START, 3));
    const asked = await accepted(bed, s.tenant, active.id, 'change-plan', { planId: s.plans.lite.planId });
    const nextCycle = '2026-04-02T08:00:00.000Z';
    expect(asked.plan.planId).toBe(s.plans.basic.planId);
    expect(asked.pendingChange).toEqual({
      planId: s.plans.lite.planId,
      version: 1,
      billingCycle: 'monthly',
      contractMonths: 0,
      direction: 'downgrade',
      effectiveAt: nextCycle,
    });
    expect((await eventsOf(bed, s.tenant, active.id)).at(-1)?.payload).toMatchObject({
      scheduled: true,
      effectiveAt: nextCycle,
      direction: 'downgrade',
      plan: inEvents(s.plans.basic),
    });

    bed.clock.set('2026-04-02T07:59:00.000Z');
    await bed.runCron('apply-scheduled-changes');
    expect((await read(bed, s.tenant, active.id)).plan.planId).toBe(s.plans.basic.planId);

    bed.clock.set('2026-04-02T08:15:00.000Z');
    await bed.runCron('apply-scheduled-changes');
    const applied = await read(bed, s.tenant, active.id);
    expect(applied).toMatchObject({ plan: { planId: s.plans.lite.planId }, pendingChange: null, revision: 4 });
    const events = await eventsOf(bed, s.tenant, active.id);
    expect(events.map((e) => e.name)).toEqual([
      'subscription.created',
      'subscription.activated',
      'subscription.plan-changed',
      'subscription.plan-changed',
    ]);
    expect(events.at(-1)?.payload).toMatchObject({
      scheduled: false,
      effectiveAt: nextCycle,
      from: inEvents(s.plans.basic),
      to: inEvents(s.plans.lite),
      plan: inEvents(s.plans.lite),
    });
    expect((await history(bed, s.tenant, active.id)).at(-1)).toMatchObject({
      command: 'apply-due',
      actor: { kind: 'schedule' },
      at: '2026-04-02T08:15:00.000Z',
    });
    // The job is idempotent: run again, it finds nothing due.
    await bed.runCron('apply-scheduled-changes');
    expect(await eventsOf(bed, s.tenant, active.id)).toHaveLength(4);
  });

  test('a downgrade asked for now applies now, and a change asked for a date waits for that date', async () => {
    const s = await shop('change-when');
    const active = await running(s);
    const now = await accepted(bed, s.tenant, active.id, 'change-plan', { planId: s.plans.lite.planId, when: 'now' });
    expect(now).toMatchObject({ plan: { planId: s.plans.lite.planId }, pendingChange: null });
    const date = plusDays(START, 45);
    const later = await accepted(bed, s.tenant, active.id, 'change-plan', { planId: s.plans.fast.planId, when: date });
    expect(later).toMatchObject({
      plan: { planId: s.plans.lite.planId },
      pendingChange: { planId: s.plans.fast.planId, direction: 'upgrade', effectiveAt: date },
    });
  });
});

describe('suspending and resuming', () => {
  test('dunning suspends and resumes the service, each announced with its reason', async () => {
    const s = await shop('dunning');
    const active = await running(s);
    bed.clock.set(plusDays(START, 20));
    const suspended = await accepted(bed, s.tenant, active.id, 'suspend', {
      reason: 'dunning',
      note: 'invoice 2026-03 unpaid',
    });
    expect(suspended).toMatchObject({
      status: 'suspended',
      suspension: { reason: 'dunning', note: 'invoice 2026-03 unpaid', since: plusDays(START, 20) },
    });
    bed.clock.set(plusDays(START, 25));
    const resumed = await accepted(bed, s.tenant, active.id, 'resume', { reason: 'dunning' });
    expect(resumed).toMatchObject({ status: 'active', suspension: null });
    const [, , off, on] = await eventsOf(bed, s.tenant, active.id);
    expect([off?.name, off?.payload]).toEqual([
      'subscription.suspended',
      expect.objectContaining({
        status: 'suspended',
        previousStatus: 'active',
        reason: 'dunning',
        note: 'invoice 2026-03 unpaid',
        suspendedAt: plusDays(START, 20),
      }),
    ]);
    expect([on?.name, on?.payload]).toEqual([
      'subscription.resumed',
      expect.objectContaining({
        status: 'active',
        previousStatus: 'suspended',
        reason: 'dunning',
        suspendedReason: 'dunning',
        suspendedAt: plusDays(START, 20),
        resumedAt: plusDays(START, 25),
      }),
    ]);
  });

  test('paying up does not lift a manual suspension: the dunning resume is refused, a manual one is not', async () => {
    const s = await shop('manual-suspension');
    const active = await running(s);
    await accepted(bed, s.tenant, active.id, 'suspend', { reason: 'manual', note: 'abuse report' });
    const before = await snapshot(s, active.id);
    const refused = await send(bed, s.tenant, active.id, 'resume', { reason: 'dunning' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(
      `cannot resume subscription ${active.id} by dunning: it is suspended manually, which only a manual resume lifts`,
    );
    expect(await snapshot(s, active.id)).toEqual(before);
    expect((await accepted(bed, s.tenant, active.id, 'resume', {})).status).toBe('active');
  });
});

describe('cancelling', () => {
  test('cancelling at the end of the term keeps the service until then; the job ends it at the term end', async () => {
    const s = await shop('cancel-end-of-term');
    const active = await running(s);
    bed.clock.set(plusDays(START, 60));
    const asked = await accepted(bed, s.tenant, active.id, 'cancel', {});
    expect(asked).toMatchObject({ status: 'active', cancelAt: '2027-03-02T08:00:00.000Z', cancelledAt: null });
    expect((await eventsOf(bed, s.tenant, active.id)).at(-1)?.payload).toMatchObject({
      status: 'active',
      previousStatus: 'active',
      when: 'end-of-term',
      scheduled: true,
      effectiveAt: '2027-03-02T08:00:00.000Z',
      earlyTermination: false,
      earlyTerminationFee: null,
    });
    bed.clock.set('2027-03-02T08:10:00.000Z');
    await bed.runCron('apply-scheduled-changes');
    expect(await read(bed, s.tenant, active.id)).toMatchObject({
      status: 'cancelled',
      cancelAt: null,
      cancelledAt: '2027-03-02T08:00:00.000Z',
      nextCycleAt: null,
    });
    expect((await eventsOf(bed, s.tenant, active.id)).at(-1)?.payload).toMatchObject({
      status: 'cancelled',
      previousStatus: 'active',
      scheduled: false,
      effectiveAt: '2027-03-02T08:00:00.000Z',
    });
  });

  test('cancelling now within the contract term is an early termination, and the event carries its fee', async () => {
    const s = await shop('cancel-now');
    const active = await running(s);
    bed.clock.set(plusDays(START, 30));
    expect(await accepted(bed, s.tenant, active.id, 'cancel', { when: 'now' })).toMatchObject({
      status: 'cancelled',
      cancelledAt: plusDays(START, 30),
    });
    expect((await eventsOf(bed, s.tenant, active.id)).at(-1)?.payload).toMatchObject({
      status: 'cancelled',
      when: 'now',
      scheduled: false,
      earlyTermination: true,
      earlyTerminationFee: '99.00',
      termEndsAt: '2027-03-02T08:00:00.000Z',
    });
  });
});

describe('refusals', () => {
  test('a transition the state does not allow is refused with 409 naming the command and the state, and changes nothing', async () => {
    const s = await shop('refused-transitions');
    const pending = await order(bed, s.tenant, s.account.id, s.plans.basic.planId);
    const gone = await running(s);
    await accepted(bed, s.tenant, gone.id, 'cancel', { when: 'now' });
    const cases = [
      [gone.id, 'resume', {}, `cannot resume subscription ${gone.id}: it is cancelled`],
      [gone.id, 'activate', {}, `cannot activate subscription ${gone.id}: it is cancelled`],
      [gone.id, 'suspend', { reason: 'manual' }, `cannot suspend subscription ${gone.id}: it is cancelled`],
      [gone.id, 'cancel', { when: 'now' }, `cannot cancel subscription ${gone.id}: it is cancelled`],
      [
        gone.id,
        'change-plan',
        { planId: s.plans.fast.planId },
        `cannot change the plan of subscription ${gone.id}: it is cancelled`,
      ],
      [pending.id, 'suspend', { reason: 'dunning' }, `cannot suspend subscription ${pending.id}: it is pending`],
      [pending.id, 'resume', {}, `cannot resume subscription ${pending.id}: it is pending`],
      [
        pending.id,
        'change-plan',
        { planId: s.plans.basic.planId },
        `cannot change the plan of subscription ${pending.id}: it is already on plan ${s.plans.basic.planId} version 1`,
      ],
    ] as const;
    for (const [id, command, body, detail] of cases) {
      const before = await snapshot(s, id);
      const refused = await send(bed, s.tenant, id, command, body);
      expect(refused.status, `${command}: ${JSON.stringify(refused.body)}`).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toContain(detail);
      expect(await snapshot(s, id)).toEqual(before);
    }
  });

  test('a field the schemas or the lifecycle refuse is answered 400 naming it, and changes nothing', async () => {
    const s = await shop('refused-fields');
    const pending = await order(bed, s.tenant, s.account.id, s.plans.basic.planId);
    const active = await running(s);
    const cases = [
      [pending.id, 'activate', { at: plusDays(START, 1) }, '/body/at', 'must not be in the future'],
      [pending.id, 'activate', { at: 'yesterday' }, '/body/at', 'date-time'],
      [pending.id, 'cancel', { when: 'end-of-term' }, '/body/when', 'it has no term to end'],
      [active.id, 'suspend', {}, '/body/reason', 'is required'],
      [active.id, 'suspend', { reason: 'holiday' }, '/body/reason', 'must be one of'],
      [
        active.id,
        'change-plan',
        { planId: s.plans.fast.planId, when: plusDays(START, -1) },
        '/body/when',
        'must not be in the past',
      ],
      [active.id, 'cancel', { when: 'soon' }, '/body/when', 'must be one of'],
    ] as const;
    for (const [id, command, body, pointer, detail] of cases) {
      const before = await snapshot(s, id);
      const refused = await send(bed, s.tenant, id, command, body);
      expect(refused.status, `${command} ${JSON.stringify(body)}: ${JSON.stringify(refused.body)}`).toBe(400);
      expect(refused.body.errors).toContainEqual({ pointer, detail: expect.stringContaining(detail) });
      expect(await snapshot(s, id)).toEqual(before);
    }
    expect((await send(bed, s.tenant, UNKNOWN, 'resume')).status).toBe(404);
    const notAnId = await bed.request<Problem>(s.tenant, 'GET /subscriptions/42');
    expect(notAnId.status).toBe(400);
    expect(notAnId.body.errors).toEqual([expect.objectContaining({ pointer: '/params/subscriptionId' })]);
  });

  test('of concurrent commands on one subscription one wins; the others are refused with 409 and publish nothing', async () => {
    const s = await shop('race');
    const active = await running(s);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => send(bed, s.tenant, active.id, 'suspend', { reason: 'dunning' })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.body.detail).toMatch(/changed while this request ran|it is already suspended/);
    }
    const events = await eventsOf(bed, s.tenant, active.id);
    expect(events.filter((e) => e.name === 'subscription.suspended')).toHaveLength(1);
    expect((await history(bed, s.tenant, active.id)).map((h) => h.command)).toEqual(['create', 'activate', 'suspend']);
    expect((await read(bed, s.tenant, active.id)).revision).toBe(3);
  });
});

describe('history and listings', () => {
  test('the history holds every transition in order: command, statuses, actor and the event published', async () => {
    const s = await shop('history');
    const ordered = await order(bed, s.tenant, s.account.id, s.plans.basic.planId);
    await accepted(bed, s.tenant, ordered.id, 'activate', {});
    await accepted(bed, s.tenant, ordered.id, 'suspend', { reason: 'manual' });
    await accepted(bed, s.tenant, ordered.id, 'resume', {});
    await accepted(bed, s.tenant, ordered.id, 'change-plan', { planId: s.plans.fast.planId });
    await accepted(bed, s.tenant, ordered.id, 'cancel', { when: 'now' });

    const rows = await history(bed, s.tenant, ordered.id);
    expect(rows.map((r) => [r.revision, r.command, r.fromStatus, r.toStatus])).toEqual([
      [1, 'create', null, 'pending'],
      [2, 'activate', 'pending', 'active'],
      [3, 'suspend', 'active', 'suspended'],
      [4, 'resume', 'suspended', 'active'],
      [5, 'change-plan', 'active', 'active'],
      [6, 'cancel', 'active', 'cancelled'],
    ]);
    expect(rows.every((r) => r.actor.kind === 'operator' && r.at === START)).toBe(true);
    const events = await eventsOf(bed, s.tenant, ordered.id);
    expect(rows.map((r) => r.event)).toEqual(events.map((e) => ({ name: e.name, payload: e.payload })));
    expect((await read(bed, s.tenant, ordered.id)).revision).toBe(6);

    // A page at a time.
    const first = await bed.request<Page<{ revision: number }>>(
      s.tenant,
      `GET /subscriptions/${ordered.id}/history?limit=4`,
    );
    expect(first.body.items.map((r) => r.revision)).toEqual([1, 2, 3, 4]);
    const second = await bed.request<Page<{ revision: number }>>(
      s.tenant,
      `GET /subscriptions/${ordered.id}/history?limit=4&cursor=${first.body.nextCursor}`,
    );
    expect(second.body).toMatchObject({ items: [{ revision: 5 }, { revision: 6 }], nextCursor: null });
  });

  test('GET /subscriptions filters by account, status and plan, sorts, and pages with a cursor', async () => {
    const s = await shop('listing');
    const other = await openAccount(bed, s.tenant, { name: 'Grace Hopper' });
    const made: Subscription[] = [];
    for (const [i, [account, plan, activate]] of (
      [
        [s.account, s.plans.basic, true],
        [s.account, s.plans.lite, false],
        [other, s.plans.basic, true],
        [other, s.plans.fast, false],
        [s.account, s.plans.fast, true],
      ] as const
    ).entries()) {
      bed.clock.set(plusDays(START, i));
      const ordered = await order(bed, s.tenant, account.id, plan.planId);
      // Activated in the reverse order of the orders.
      made.push(
        activate ? await accepted(bed, s.tenant, ordered.id, 'activate', { at: plusDays(START, -i) }) : ordered,
      );
    }
    const ids = (query: string) =>
      bed.request<Page<Subscription>>(s.tenant, `GET /subscriptions${query}`).then((answer) => {
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        return answer.body.items.map((item) => made.findIndex((m) => m.id === item.id));
      });

    expect(await ids('')).toEqual([4, 3, 2, 1, 0]);
    expect(await ids('?sort=createdAt')).toEqual([0, 1, 2, 3, 4]);
    expect(await ids(`?accountId=${other.id}`)).toEqual([3, 2]);
    expect(await ids('?status=pending&sort=createdAt')).toEqual([1, 3]);
    expect(await ids(`?planId=${s.plans.basic.planId}&status=active`)).toEqual([2, 0]);
    // Never activated: last, either way round.
    const byActivation = await ids('?sort=activatedAt');
    expect(byActivation.slice(0, 3)).toEqual([4, 2, 0]);
    expect(byActivation.slice(3).sort()).toEqual([1, 3]);
    expect((await ids('?sort=-activatedAt')).slice(2)).toEqual([0, 2, 4]);

    for (const sort of ['createdAt', '-createdAt', 'activatedAt', '-activatedAt']) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page: { status: number; body: Page<Subscription> } = await bed.request<Page<Subscription>>(
          s.tenant,
          `GET /subscriptions${query}`,
        );
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((item) => made.findIndex((m) => m.id === item.id)));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(await ids(`?sort=${sort}`));
    }

    const page = await bed.request<Page<Subscription>>(s.tenant, 'GET /subscriptions?sort=createdAt&limit=2');
    const foreign = await bed.request<Problem>(
      s.tenant,
      `GET /subscriptions?sort=activatedAt&cursor=${page.body.nextCursor}`,
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([expect.objectContaining({ pointer: '/query/cursor' })]);
    const garbage = await bed.request<Problem>(s.tenant, 'GET /subscriptions?cursor=zz');
    expect(garbage.status).toBe(400);
    expect((await bed.request<Problem>(s.tenant, 'GET /subscriptions?limit=500')).status).toBe(400);
  });

  test('each tenant sees and changes only its own subscriptions, though all sit in one table', async () => {
    const a = await shop('tenant-a');
    const b = await shop('tenant-b');
    const ofA = await running(a);
    const ofB = await running(b);
    const listed = async (tenant: string) =>
      (await bed.request<Page<Subscription>>(tenant, 'GET /subscriptions')).body.items.map((i) => i.id);
    expect(await listed(a.tenant)).toEqual([ofA.id]);
    expect(await listed(b.tenant)).toEqual([ofB.id]);
    expect((await bed.request(b.tenant, `GET /subscriptions/${ofA.id}`)).status).toBe(404);
    expect((await bed.request(b.tenant, `GET /subscriptions/${ofA.id}/history`)).status).toBe(404);
    expect((await send(bed, b.tenant, ofA.id, 'cancel', { when: 'now' })).status).toBe(404);
    expect((await read(bed, a.tenant, ofA.id)).status).toBe('active');
    expect(await eventsOf(bed, b.tenant, ofA.id)).toEqual([]);
    const owners = await bed.query<{ tenant_id: string }>(
      'select distinct tenant_id from subscriptions where id = any($1::uuid[])',
      [[ofA.id, ofB.id]],
    );
    expect(owners.map((o) => o.tenant_id).sort()).toEqual([a.tenant, b.tenant].sort());
  });

  test("a customer-portal user reads only their own account's subscriptions", async () => {
    const s = await shop('customer-portal');
    const neighbour = await openAccount(bed, s.tenant, { name: 'Grace Hopper' });
    const mine = await running(s);
    const theirs = await order(bed, s.tenant, neighbour.id, s.plans.basic.planId);
    // The testbed calls routes as the operator until it signs users in: call the route the way
    // the kernel does for a customer signed in to the portal, with their row scope.
    const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === bed.pluginId)?.sandbox;
    const asCustomer = (route: string, params: Record<string, string> = {}) => {
      const scope = { portal: 'customer', userId: 'user-ada', subjectId: s.account.id } as const;
      const caller = { kind: 'user', ...scope, permissions: ['dotmac.subscriptions.read'] };
      return sandbox?.invoke(s.tenant, `route:${route}`, { params, query: {}, body: null, caller }, scope);
    };
    const listed = (await asCustomer('GET /subscriptions')) as Page<Subscription>;
    expect(listed.items.map((i) => i.id)).toEqual([mine.id]);
    expect(await asCustomer('GET /subscriptions/:subscriptionId', { subscriptionId: mine.id })).toMatchObject({
      id: mine.id,
    });
    expect(await asCustomer('GET /subscriptions/:subscriptionId', { subscriptionId: theirs.id })).toMatchObject({
      $problem: { status: 404 },
    });
    expect(await asCustomer('GET /subscriptions/:subscriptionId/history', { subscriptionId: theirs.id })).toMatchObject(
      {
        $problem: { status: 404 },
      },
    );
    // Staff see both.
    expect((await bed.request<Page<Subscription>>(s.tenant, 'GET /subscriptions')).body.items).toHaveLength(2);
  });

  test('/openapi.json lists every route with its permission', async () => {
    const doc = (await (await fetch(`${bed.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-permission'?: string }>>;
    };
    const mine = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/p/dotmac.subscriptions/'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => [
          `${method.toUpperCase()} ${path.slice('/api/v1/p/dotmac.subscriptions'.length)}`,
          operation['x-permission'],
        ]),
      );
    const read = 'dotmac.subscriptions.read';
    const write = 'dotmac.subscriptions.write';
    expect(Object.fromEntries(mine)).toEqual({
      'GET /subscriptions': read,
      'POST /subscriptions': write,
      'GET /stats/mrr': read,
      'GET /subscriptions/{subscriptionId}': read,
      'GET /subscriptions/{subscriptionId}/history': read,
      'POST /subscriptions/{subscriptionId}/activate': write,
      'POST /subscriptions/{subscriptionId}/change-plan': write,
      'POST /subscriptions/{subscriptionId}/suspend': write,
      'POST /subscriptions/{subscriptionId}/resume': write,
      'POST /subscriptions/{subscriptionId}/cancel': write,
    });
  });
});

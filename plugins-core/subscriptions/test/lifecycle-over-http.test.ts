// The lifecycle property, end to end: random sequences of commands and of time passing sent
// through the routes of the running plugin. Each answer must be the state machine's: an accepted
// command publishes exactly one event and leaves a valid state, a refused one publishes nothing
// and changes nothing (the subscription, its history, its events). Fewer runs than the unit
// properties (lifecycle.test.ts): each step is several HTTP calls.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  apply,
  type Command,
  invariantViolations,
  type Outcome,
  type PlanTerms,
  type Subscription as State,
} from '../src/server/lifecycle.ts';
import { planDirection } from '../src/server/pricing.ts';
import { DEPENDENCIES, openAccount, PLANS, type PlanVersion, publishPlan } from './support/dependencies.ts';
import { type CommandName, eventsOf, history, order, read, type Subscription, send } from './support/subscriptions.ts';

const DAY = 86_400_000;
const PLAN_NAMES = ['lite', 'basic', 'fast'] as const;
type PlanName = (typeof PLAN_NAMES)[number];

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: '2026-06-01T09:00:00.000Z' });
});
afterAll(() => bed?.close());

type Step =
  /** Time passes, then the apply-scheduled-changes job runs. */
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'activate'; readonly atDays?: number }
  | { readonly kind: 'change-plan'; readonly plan: PlanName; readonly when?: 'now' | 'next-cycle' | number }
  | { readonly kind: 'suspend'; readonly reason: 'manual' | 'dunning' }
  | { readonly kind: 'resume'; readonly reason: 'manual' | 'dunning' }
  | { readonly kind: 'cancel'; readonly when?: 'now' | 'end-of-term' };

const reason = fc.constantFrom('manual' as const, 'dunning' as const);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 200 * DAY }) }),
    weight: 3,
  },
  fc.record(
    { kind: fc.constant('activate' as const), atDays: fc.integer({ min: -40, max: 2 }) },
    { requiredKeys: ['kind'] },
  ),
  {
    arbitrary: fc.record(
      {
        kind: fc.constant('change-plan' as const),
        plan: fc.constantFrom(...PLAN_NAMES),
        when: fc.oneof(fc.constantFrom('now' as const, 'next-cycle' as const), fc.integer({ min: -2, max: 60 })),
      },
      { requiredKeys: ['kind', 'plan'] },
    ),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('suspend' as const), reason }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('resume' as const), reason }), weight: 2 },
  fc.record(
    { kind: fc.constant('cancel' as const), when: fc.constantFrom('now' as const, 'end-of-term' as const) },
    { requiredKeys: ['kind'] },
  ),
);

/** Sequences; most start with an activation, so that most of them reach the running states. */
const sequences = fc
  .tuple(fc.boolean(), fc.array(step, { minLength: 3, maxLength: 14, size: 'max' }))
  .map(([activateFirst, steps]): Step[] => (activateFirst ? [{ kind: 'activate' }, ...steps] : steps));

/** The state machine's view of a subscription as the API answers it. */
function stateOf(s: Subscription): State {
  return {
    id: s.id,
    accountId: s.accountId,
    status: s.status,
    // The terms only: the code, name and price the resource adds are not the machine's.
    plan: {
      planId: s.plan.planId,
      version: s.plan.version,
      billingCycle: s.plan.billingCycle,
      contractMonths: s.plan.contractMonths,
    } as PlanTerms,
    revision: s.revision,
    createdAt: s.createdAt,
    activatedAt: s.activatedAt,
    termEndsAt: s.termEndsAt,
    suspendedReason: (s.suspension?.reason ?? null) as State['suspendedReason'],
    suspendedAt: s.suspension?.since ?? null,
    suspendedNote: s.suspension?.note ?? null,
    pendingChange: s.pendingChange as State['pendingChange'],
    cancelAt: s.cancelAt,
    cancelledAt: s.cancelledAt,
  };
}

/** What the subscription looks like to a caller: the resource, its history, its events. */
async function observe(tenant: string, id: string) {
  return {
    subscription: await read(bed, tenant, id),
    history: await history(bed, tenant, id),
    events: await eventsOf(bed, tenant, id),
  };
}

test('over HTTP, every accepted command publishes exactly one event and leaves a valid state; every refused one publishes nothing and changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(sequences, async (steps) => {
      const tenant = await bed.tenant();
      const account = await openAccount(bed, tenant);
      const plans = {} as Record<PlanName, PlanVersion>;
      for (const name of PLAN_NAMES) plans[name] = await publishPlan(bed, tenant, PLANS[name]);
      const byId = (planId: string) => Object.values(plans).find((p) => p.planId === planId) as PlanVersion;
      const { id } = await order(bed, tenant, account.id, plans.basic.planId);

      for (const next of steps) {
        const before = await observe(tenant, id);
        const state = stateOf(before.subscription);
        expect(invariantViolations(state)).toEqual([]);

        if (next.kind === 'wait') {
          const now = bed.clock.advance(next.ms).toISOString();
          // The job applies what fell due, one transition (and one event) at a time.
          const expected: Outcome[] = [];
          let model = state;
          for (let o = apply(model, { kind: 'apply-due' }, now); o.ok; o = apply(model, { kind: 'apply-due' }, now)) {
            expected.push(o);
            model = o.next;
          }
          await bed.runCron('apply-scheduled-changes');
          const after = await observe(tenant, id);
          expect(stateOf(after.subscription)).toEqual(model);
          expect(after.events.slice(before.events.length).map((e) => e.name)).toEqual(
            expected.map((o) => (o.ok ? o.event.name : undefined)),
          );
          expect(after.history).toHaveLength(before.history.length + expected.length);
          continue;
        }

        const now = bed.clock.now().toISOString();
        const { command, body } = request(next, state, now, plans, byId);
        const expected = apply(state, command, now);
        const answer = await send(bed, tenant, id, next.kind as CommandName, body);
        const after = await observe(tenant, id);

        if (expected.ok) {
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          expect(answer.body).toEqual(after.subscription);
          expect(stateOf(after.subscription)).toEqual(expected.next);
          expect(invariantViolations(stateOf(after.subscription))).toEqual([]);
          const published = after.events.slice(before.events.length);
          expect(published.map((e) => e.name)).toEqual([expected.event.name]);
          expect(after.history.slice(before.history.length).map((h) => h.event)).toEqual(
            published.map((e) => ({ name: e.name, payload: e.payload })),
          );
        } else {
          expect(answer.status, JSON.stringify(answer.body)).toBe(expected.kind === 'conflict' ? 409 : 400);
          expect(answer.body.detail).toContain(expected.detail);
          expect(after).toEqual(before);
        }
      }
    }),
    { numRuns: 15 },
  );
});

/** The command the machine is asked, and the body the route is sent, for one step. */
function request(
  next: Exclude<Step, { kind: 'wait' }>,
  state: State,
  now: string,
  plans: Record<PlanName, PlanVersion>,
  byId: (planId: string) => PlanVersion,
): { command: Command; body: Record<string, unknown> } {
  const at = (days: number) => new Date(Date.parse(now) + days * DAY).toISOString();
  switch (next.kind) {
    case 'activate': {
      const body = next.atDays === undefined ? {} : { at: at(next.atDays) };
      return { command: { kind: 'activate', ...body }, body };
    }
    case 'change-plan': {
      const to = plans[next.plan];
      const from = byId(state.plan.planId);
      const when = typeof next.when === 'number' ? at(next.when) : next.when;
      const direction = planDirection(
        { amount: from.prices.EUR as string, billingCycle: from.billingCycle },
        { amount: to.prices.EUR as string, billingCycle: to.billingCycle },
      );
      const terms = {
        planId: to.planId,
        version: to.version,
        billingCycle: to.billingCycle,
        contractMonths: to.contractMonths,
      };
      const whenPart = when === undefined ? {} : { when };
      return {
        command: { kind: 'change-plan', to: terms, direction, ...whenPart },
        body: { planId: to.planId, ...whenPart },
      };
    }
    case 'cancel': {
      const body = next.when === undefined ? {} : { when: next.when };
      return { command: { kind: 'cancel', ...body }, body };
    }
    default:
      return { command: next, body: { reason: next.reason } };
  }
}

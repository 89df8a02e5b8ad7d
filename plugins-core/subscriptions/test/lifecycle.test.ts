// The lifecycle state machine on its own (no sandbox, no database): properties over random
// sequences of commands and of time passing, then the rules one by one.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { addMonths, nextCycleBoundary } from '../src/server/calendar.ts';
import {
  apply,
  type Command,
  type CommandKind,
  create,
  type EventName,
  invariantViolations,
  type Outcome,
  type PlanTerms,
  type Status,
  type Subscription,
} from '../src/server/lifecycle.ts';
import { planDirection } from '../src/server/pricing.ts';

const T0 = '2026-03-02T08:00:00.000Z';
const DAY = 86_400_000;
const at = (from: string, days: number) => new Date(Date.parse(from) + days * DAY).toISOString();

/** Plans with their monthly-comparable prices, as the shell would read them. */
const PLANS: readonly (PlanTerms & { readonly price: string })[] = [
  { planId: 'plan-lite', version: 1, billingCycle: 'monthly', contractMonths: 0, price: '19.90' },
  { planId: 'plan-basic', version: 1, billingCycle: 'monthly', contractMonths: 12, price: '29.90' },
  { planId: 'plan-basic', version: 2, billingCycle: 'monthly', contractMonths: 12, price: '31.90' },
  { planId: 'plan-basic', version: 3, billingCycle: 'monthly', contractMonths: 24, price: '27.90' },
  { planId: 'plan-lite', version: 2, billingCycle: 'monthly', contractMonths: 0, price: '21.90' },
  { planId: 'plan-fast', version: 1, billingCycle: 'quarterly', contractMonths: 24, price: '149.70' },
  { planId: 'plan-yearly', version: 1, billingCycle: 'yearly', contractMonths: 0, price: '299.00' },
  { planId: 'plan-install', version: 1, billingCycle: 'one-off', contractMonths: 0, price: '49.00' },
];
const priceOf = (plan: PlanTerms) =>
  PLANS.find((p) => p.planId === plan.planId && p.version === plan.version) as (typeof PLANS)[number];
const terms = ({ planId, version, billingCycle, contractMonths }: PlanTerms): PlanTerms => ({
  planId,
  version,
  billingCycle,
  contractMonths,
});

/** One step of a random history: a command, or time passing. */
type Step =
  /** Time passes; with `cron`, the job then applies what fell due, as it does every 15 minutes. */
  | { readonly kind: 'wait'; readonly ms: number; readonly cron: boolean }
  | { readonly kind: 'activate'; readonly atDays?: number }
  | { readonly kind: 'change-plan'; readonly plan: number; readonly when?: 'now' | 'next-cycle' | number }
  | { readonly kind: 'suspend'; readonly reason: 'manual' | 'dunning'; readonly note?: string }
  | { readonly kind: 'resume'; readonly reason: 'manual' | 'dunning' }
  | { readonly kind: 'cancel'; readonly when?: 'now' | 'end-of-term' }
  /**
   * A new version of the subscription's plan (`versions` after the one it is on, when the plan
   * has it; else plan `plan`, which may be another) from `inDays` days after now.
   */
  | { readonly kind: 'reprice'; readonly versions: number; readonly plan: number; readonly inDays: number }
  | { readonly kind: 'apply-due' };

const reason = fc.constantFrom('manual' as const, 'dunning' as const);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.integer({ min: 0, max: 200 * DAY }),
      cron: fc.constantFrom(true, true, false),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record(
      { kind: fc.constant('activate' as const), atDays: fc.integer({ min: -400, max: 3 }) },
      { requiredKeys: ['kind'] },
    ),
    weight: 2,
  },
  {
    arbitrary: fc.record(
      {
        kind: fc.constant('change-plan' as const),
        plan: fc.integer({ min: 0, max: PLANS.length - 1 }),
        when: fc.oneof(fc.constantFrom('now' as const, 'next-cycle' as const), fc.integer({ min: -5, max: 90 })),
      },
      { requiredKeys: ['kind', 'plan'] },
    ),
    weight: 2,
  },
  {
    arbitrary: fc.record(
      { kind: fc.constant('suspend' as const), reason, note: fc.string({ maxLength: 20 }) },
      { requiredKeys: ['kind', 'reason'] },
    ),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('resume' as const), reason }), weight: 2 },
  fc.record(
    { kind: fc.constant('cancel' as const), when: fc.constantFrom('now' as const, 'end-of-term' as const) },
    { requiredKeys: ['kind'] },
  ),
  {
    arbitrary: fc.record({
      kind: fc.constant('reprice' as const),
      versions: fc.integer({ min: 0, max: 2 }),
      plan: fc.integer({ min: 0, max: PLANS.length - 1 }),
      inDays: fc.integer({ min: -5, max: 90 }),
    }),
    weight: 2,
  },
  fc.constant({ kind: 'apply-due' as const }),
);

/** The command a step sends to `s` at `now`. */
function commandOf(s: Subscription, command: Exclude<Step, { kind: 'wait' }>, now: string): Command {
  switch (command.kind) {
    case 'activate':
      return { kind: 'activate', ...(command.atDays !== undefined && { at: at(now, command.atDays) }) };
    case 'change-plan': {
      const to = PLANS[command.plan] as (typeof PLANS)[number];
      const from = priceOf(s.plan);
      const direction = planDirection(
        { amount: from.price, billingCycle: from.billingCycle },
        { amount: to.price, billingCycle: to.billingCycle },
      );
      const when = typeof command.when === 'number' ? at(now, command.when) : command.when;
      return { kind: 'change-plan', to: terms(to), direction, ...(when !== undefined && { when }) };
    }
    case 'reprice': {
      const version = s.plan.version + command.versions;
      const to =
        PLANS.find((p) => p.planId === s.plan.planId && p.version === version) ??
        (PLANS[command.plan] as (typeof PLANS)[number]);
      return {
        kind: 'reprice',
        to: terms(to),
        direction: directionOf(s.plan, to),
        effectiveAt: at(now, command.inDays),
      };
    }
    default:
      return command;
  }
}

function directionOf(fromTerms: PlanTerms, toTerms: PlanTerms) {
  const from = priceOf(fromTerms);
  const to = priceOf(toTerms);
  return planDirection(
    { amount: from.price, billingCycle: from.billingCycle },
    { amount: to.price, billingCycle: to.billingCycle },
  );
}

/** A run: where it started, and each command with the subscription it met and its outcome. */
interface Run {
  readonly start: Subscription;
  readonly outcomes: {
    /** A copy of the subscription, taken before the command. */
    readonly before: Subscription;
    /** The subscription the command was applied to, after apply() returned. */
    readonly subject: Subscription;
    readonly command: Command;
    readonly now: string;
    readonly outcome: Outcome;
  }[];
}

function run(steps: readonly Step[], plan = 1): Run {
  let now = T0;
  const start = create({ id: 'sub-1', accountId: 'acc-1', plan: terms(PLANS[plan] as PlanTerms), now }).next;
  let s = start;
  const outcomes: Run['outcomes'] = [];
  const send = (command: Command) => {
    const before = structuredClone(s);
    const outcome = apply(deepFreeze(s), command, now);
    outcomes.push({ before, subject: s, command, now, outcome });
    if (outcome.ok) s = outcome.next;
    return outcome;
  };
  for (const next of steps) {
    if (next.kind !== 'wait') {
      send(commandOf(s, next, now));
      continue;
    }
    now = new Date(Date.parse(now) + next.ms).toISOString();
    if (next.cron) while (send({ kind: 'apply-due' }).ok);
  }
  return { start, outcomes };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The events each command may announce. */
const EVENTS: Readonly<Record<CommandKind, readonly EventName[]>> = {
  activate: ['subscription.activated'],
  'change-plan': ['subscription.plan-changed'],
  suspend: ['subscription.suspended'],
  resume: ['subscription.resumed'],
  cancel: ['subscription.cancelled'],
  reprice: ['subscription.plan-changed'],
  'apply-due': ['subscription.plan-changed', 'subscription.cancelled'],
};

/** The statuses from which each command can be accepted, and where it leads (or `unchanged`). */
const TABLE: Readonly<Record<CommandKind, { from: readonly Status[]; to: readonly (Status | 'unchanged')[] }>> = {
  activate: { from: ['pending'], to: ['active'] },
  'change-plan': { from: ['pending', 'active', 'suspended'], to: ['unchanged'] },
  suspend: { from: ['active'], to: ['suspended'] },
  resume: { from: ['suspended'], to: ['active'] },
  cancel: { from: ['pending', 'active', 'suspended'], to: ['cancelled', 'unchanged'] },
  reprice: { from: ['pending', 'active', 'suspended'], to: ['unchanged'] },
  // A pending subscription's only schedule is a reprice.
  'apply-due': { from: ['pending', 'active', 'suspended'], to: ['cancelled', 'unchanged'] },
};

const VERBS: Readonly<Record<Exclude<CommandKind, 'apply-due'>, string>> = {
  activate: 'activate',
  'change-plan': 'change the plan of',
  suspend: 'suspend',
  resume: 'resume',
  cancel: 'cancel',
  reprice: 'reprice',
};

/** Histories; half start with an activation, so that most of them reach the running states. */
const sequences = fc
  .tuple(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }))
  .map(([activateFirst, steps]): Step[] => (activateFirst ? [{ kind: 'activate' }, ...steps] : steps));
const anyPlan = fc.integer({ min: 0, max: PLANS.length - 1 });

describe('properties over random sequences of commands', () => {
  test('the state machine never reaches an invalid state', () => {
    fc.assert(
      fc.property(sequences, anyPlan, (steps, plan) => {
        const { start, outcomes } = run(steps, plan);
        expect(invariantViolations(start)).toEqual([]);
        for (const { outcome } of outcomes) if (outcome.ok) expect(invariantViolations(outcome.next)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  test('every accepted transition emits exactly one event, for its command, and moves the revision by one', () => {
    fc.assert(
      fc.property(sequences, anyPlan, (steps, plan) => {
        for (const { before, command, outcome } of run(steps, plan).outcomes) {
          if (!outcome.ok) continue;
          expect(Array.isArray(outcome.event)).toBe(false);
          expect(EVENTS[command.kind]).toContain(outcome.event.name);
          expect(outcome.next.revision).toBe(before.revision + 1);
          expect(outcome.previous).toEqual(before);
          const rule = TABLE[command.kind];
          expect(rule.from).toContain(before.status);
          expect(rule.to).toContain(outcome.next.status === before.status ? 'unchanged' : outcome.next.status);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('every refused command changes nothing and emits nothing', () => {
    fc.assert(
      fc.property(sequences, anyPlan, (steps, plan) => {
        const { outcomes } = run(steps, plan);
        outcomes.forEach(({ before, subject, outcome }, i) => {
          // apply() gets a deep-frozen subscription: a write would throw, and it is as it was.
          expect(subject).toEqual(before);
          if (outcome.ok) return;
          expect(Object.keys(outcome).sort()).toEqual(expect.arrayContaining(['detail', 'kind', 'ok']));
          expect(outcome).not.toHaveProperty('next');
          expect(outcome).not.toHaveProperty('event');
          // The next command meets the very subscription the refused one met.
          const following = outcomes[i + 1];
          if (following) expect(following.subject).toBe(subject);
        });
      }),
      { numRuns: 300 },
    );
  });

  test('a command refused for the state names the command, the subscription and its state', () => {
    fc.assert(
      fc.property(sequences, anyPlan, (steps, plan) => {
        for (const { before, command, outcome } of run(steps, plan).outcomes) {
          if (outcome.ok || outcome.kind !== 'conflict' || command.kind === 'apply-due') continue;
          expect(outcome.detail).toMatch(new RegExp(`^cannot ${VERBS[command.kind]} subscription ${before.id}\\b.*: `));
          if (!TABLE[command.kind].from.includes(before.status)) {
            const state =
              before.status === 'suspended' && command.kind === 'suspend' ? 'already suspended' : before.status;
            expect(outcome.detail).toContain(`it is ${state}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a cancelled subscription refuses every command', () => {
    fc.assert(
      fc.property(sequences, (steps) => {
        for (const { before, outcome } of run(steps).outcomes) {
          if (before.status === 'cancelled') expect(outcome.ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('scheduled changes apply only once due, and the first due first', () => {
    fc.assert(
      fc.property(sequences, (steps) => {
        for (const { before, command, now, outcome } of run(steps).outcomes) {
          if (command.kind !== 'apply-due' || !outcome.ok) continue;
          const due = [before.pendingChange?.effectiveAt, before.cancelAt].filter((d): d is string => !!d);
          const first = due.sort()[0] as string;
          expect(Date.parse(first)).toBeLessThanOrEqual(Date.parse(now));
          expect(outcome.event).toMatchObject({ scheduled: false, effectiveAt: first });
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('properties of reprices', () => {
  test('a reprice stays on the plan, moves it forward, keeps the contract term, and schedules once', () => {
    fc.assert(
      fc.property(sequences, anyPlan, (steps, plan) => {
        for (const { before, command, now, outcome } of run(steps, plan).outcomes) {
          if (!outcome.ok) continue;
          if (command.kind === 'reprice') {
            expect(command.to.planId).toBe(before.plan.planId);
            expect(command.to.version).toBeGreaterThan(before.plan.version);
            expect(outcome.next.termEndsAt).toBe(before.termEndsAt);
            const effectiveAt = Date.parse(command.effectiveAt) > Date.parse(now) ? command.effectiveAt : now;
            expect(outcome.event).toMatchObject({ effectiveAt, scheduled: effectiveAt !== now });
            if (effectiveAt !== now) expect(outcome.next.pendingChange).toMatchObject({ reprice: true, effectiveAt });
            // The same reprice again (the event delivered twice) is refused and changes nothing.
            expect(apply(outcome.next, command, now)).toMatchObject({ ok: false, kind: 'conflict' });
          }
          if (
            command.kind === 'apply-due' &&
            before.pendingChange?.reprice &&
            outcome.event.name === 'subscription.plan-changed'
          ) {
            expect(outcome.next.termEndsAt).toBe(before.termEndsAt);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the rules', () => {
  const basic = terms(PLANS[1] as PlanTerms);
  const fast = terms(PLANS[3] as PlanTerms);
  const lite = terms(PLANS[0] as PlanTerms);
  const pending = create({ id: 'sub-1', accountId: 'acc-1', plan: basic, now: T0 }).next;
  const accept = (s: Subscription, command: Command, now: string) => {
    const outcome = apply(s, command, now);
    if (!outcome.ok) throw new Error(outcome.detail);
    return outcome;
  };
  const active = accept(pending, { kind: 'activate' }, T0).next;

  test('activation starts the contract term and the billing cycles at its date', () => {
    const activated = accept(pending, { kind: 'activate', at: '2026-01-31T00:00:00Z' }, T0);
    expect(activated.next).toMatchObject({
      status: 'active',
      activatedAt: '2026-01-31T00:00:00.000Z',
      termEndsAt: '2027-01-31T00:00:00.000Z',
    });
    expect(apply(pending, { kind: 'activate', at: at(T0, 1) }, T0)).toMatchObject({
      ok: false,
      kind: 'invalid',
      field: 'at',
    });
  });

  test('without when, an upgrade applies now and a downgrade waits for the next cycle', () => {
    const up = accept(active, { kind: 'change-plan', to: fast, direction: 'upgrade' }, at(T0, 10));
    expect(up.next.plan).toEqual(fast);
    expect(up.event).toMatchObject({ scheduled: false, effectiveAt: at(T0, 10) });
    // The new plan's longer contract extends the term: 24 months from the change.
    expect(up.next.termEndsAt).toBe(addMonths(at(T0, 10), 24));

    const down = accept(active, { kind: 'change-plan', to: lite, direction: 'downgrade' }, at(T0, 10));
    expect(down.next.plan).toEqual(basic);
    expect(down.next.pendingChange).toEqual({
      ...lite,
      direction: 'downgrade',
      effectiveAt: '2026-04-02T08:00:00.000Z',
    });
    expect(down.event).toMatchObject({ scheduled: true, effectiveAt: '2026-04-02T08:00:00.000Z' });
    expect(apply(down.next, { kind: 'apply-due' }, at(T0, 30))).toMatchObject({ ok: false, kind: 'nothing-due' });
    const applied = accept(down.next, { kind: 'apply-due' }, at(T0, 31));
    expect(applied.next).toMatchObject({ plan: lite, pendingChange: null });
    expect(applied.event).toMatchObject({
      name: 'subscription.plan-changed',
      scheduled: false,
      direction: 'downgrade',
    });
  });

  test('a change asked for a date applies then; one in the past is refused naming when', () => {
    const later = accept(active, { kind: 'change-plan', to: fast, direction: 'upgrade', when: at(T0, 5) }, T0);
    expect(later.next.pendingChange?.effectiveAt).toBe(at(T0, 5));
    expect(apply(active, { kind: 'change-plan', to: fast, direction: 'upgrade', when: at(T0, -1) }, T0)).toMatchObject({
      ok: false,
      kind: 'invalid',
      field: 'when',
    });
  });

  test('a dunning resume lifts a dunning suspension, never a manual one', () => {
    const dunned = accept(active, { kind: 'suspend', reason: 'dunning' }, T0).next;
    expect(accept(dunned, { kind: 'resume', reason: 'dunning' }, T0).next.status).toBe('active');
    const manual = accept(active, { kind: 'suspend', reason: 'manual', note: 'abuse report' }, T0).next;
    expect(apply(manual, { kind: 'resume', reason: 'dunning' }, T0)).toEqual({
      ok: false,
      kind: 'conflict',
      detail: 'cannot resume subscription sub-1 by dunning: it is suspended manually, which only a manual resume lifts',
    });
    expect(accept(manual, { kind: 'resume', reason: 'manual' }, T0).event).toMatchObject({
      name: 'subscription.resumed',
      suspendedReason: 'manual',
    });
  });

  test('cancelling at the end of the term waits for the contract end, or else for the end of the cycle', () => {
    const inTerm = accept(active, { kind: 'cancel', when: 'end-of-term' }, at(T0, 40));
    expect(inTerm.next.cancelAt).toBe('2027-03-02T08:00:00.000Z');
    expect(inTerm.event).toMatchObject({ scheduled: true, earlyTermination: false });
    const afterTerm = accept(active, { kind: 'cancel' }, '2027-05-10T00:00:00.000Z');
    expect(afterTerm.next.cancelAt).toBe('2027-06-02T08:00:00.000Z');
    expect(apply(inTerm.next, { kind: 'cancel', when: 'end-of-term' }, at(T0, 41))).toMatchObject({
      ok: false,
      detail: 'cannot cancel subscription sub-1: it is already scheduled to cancel on 2027-03-02T08:00:00.000Z',
    });
    const ended = accept(inTerm.next, { kind: 'apply-due' }, '2027-03-02T09:00:00.000Z');
    expect(ended.next).toMatchObject({ status: 'cancelled', cancelledAt: '2027-03-02T08:00:00.000Z', cancelAt: null });
  });

  test('cancelling now within the contract term is an early termination', () => {
    const now = accept(active, { kind: 'cancel', when: 'now' }, at(T0, 40));
    expect(now.event).toEqual({
      name: 'subscription.cancelled',
      when: 'now',
      scheduled: false,
      effectiveAt: at(T0, 40),
      earlyTermination: true,
    });
  });

  test('a subscription never activated is cancelled now, and has no term to end', () => {
    expect(accept(pending, { kind: 'cancel' }, T0).next.status).toBe('cancelled');
    expect(apply(pending, { kind: 'cancel', when: 'end-of-term' }, T0)).toMatchObject({ ok: false, field: 'when' });
  });

  describe('a reprice (a new version of the plan for its existing subscribers)', () => {
    const basic2 = terms(PLANS[2] as PlanTerms);
    const basic3 = terms(PLANS[3] as PlanTerms);
    const reprice = (to: PlanTerms, days: number, from = T0): Command => ({
      kind: 'reprice',
      to,
      direction: 'upgrade',
      effectiveAt: at(from, days),
    });

    test('is scheduled for its date, for a pending subscription too, and applies then keeping the term', () => {
      const scheduled = accept(active, reprice(basic2, 100), T0);
      expect(scheduled.next.plan).toEqual(basic);
      expect(scheduled.next.pendingChange).toEqual({
        ...basic2,
        direction: 'upgrade',
        effectiveAt: at(T0, 100),
        reprice: true,
      });
      const later = accept(active, reprice(basic2, 130), at(T0, 100));
      expect(later.event).toMatchObject({
        name: 'subscription.plan-changed',
        scheduled: true,
        effectiveAt: at(T0, 130),
      });
      // basic3 has a 24-month contract: a reprice to it binds nobody to a new term.
      const toLonger = accept(active, reprice(basic3, 130), at(T0, 100));
      const applied = accept(toLonger.next, { kind: 'apply-due' }, at(T0, 131));
      expect(applied.next).toMatchObject({ plan: basic3, pendingChange: null, termEndsAt: active.termEndsAt });
      expect(applied.event).toMatchObject({ scheduled: false, effectiveAt: at(T0, 130) });

      const onPending = accept(pending, reprice(basic2, 10), T0);
      expect(onPending.next.pendingChange).toMatchObject({ version: 2, reprice: true });
      expect(accept(onPending.next, { kind: 'apply-due' }, at(T0, 10)).next).toMatchObject({
        status: 'pending',
        plan: basic2,
        termEndsAt: null,
      });
    });

    test('whose date has passed applies now', () => {
      const late = accept(active, reprice(basic2, -3, at(T0, 50)), at(T0, 50));
      expect(late.next).toMatchObject({ plan: basic2, pendingChange: null, termEndsAt: active.termEndsAt });
      expect(late.event).toMatchObject({ scheduled: false, effectiveAt: at(T0, 50) });
    });

    test('is refused for a cancelled subscription, one cancelling before then, and another plan', () => {
      const gone = accept(active, { kind: 'cancel', when: 'now' }, T0).next;
      expect(apply(gone, reprice(basic2, 10), T0)).toEqual({
        ok: false,
        kind: 'conflict',
        detail: 'cannot reprice subscription sub-1: it is cancelled',
      });
      const leaving = accept(active, { kind: 'cancel', when: 'end-of-term' }, T0).next;
      expect(apply(leaving, reprice(basic2, 400), T0)).toMatchObject({
        ok: false,
        kind: 'conflict',
        detail: `cannot reprice subscription sub-1: it is scheduled to cancel on ${leaving.cancelAt}, before version 2 applies`,
      });
      expect(accept(leaving, reprice(basic2, 30), T0).next.pendingChange).toMatchObject({ version: 2 });
      expect(apply(active, reprice(lite, 10), T0)).toMatchObject({ ok: false, kind: 'invalid', field: 'planId' });
    });

    test('is refused when it is on that version, or scheduled to it, a later one or another plan', () => {
      const scheduled = accept(active, reprice(basic2, 30), T0).next;
      expect(apply(scheduled, reprice(basic2, 30), T0)).toMatchObject({
        ok: false,
        detail: `cannot reprice subscription sub-1: it is scheduled to move to version 2 on ${at(T0, 30)}`,
      });
      expect(
        apply(accept(scheduled, { kind: 'apply-due' }, at(T0, 30)).next, reprice(basic2, 30), at(T0, 30)),
      ).toMatchObject({
        ok: false,
        detail: 'cannot reprice subscription sub-1: it is on version 2 of plan plan-basic already',
      });
      // An earlier scheduled version comes first; one at the same date or later is replaced.
      expect(apply(scheduled, reprice(basic3, 60), T0)).toMatchObject({ ok: false, kind: 'conflict' });
      expect(accept(scheduled, reprice(basic3, 30), T0).next.pendingChange).toMatchObject({ version: 3 });
      const downgrading = accept(active, { kind: 'change-plan', to: lite, direction: 'downgrade' }, T0).next;
      expect(apply(downgrading, reprice(basic2, 60), T0)).toMatchObject({
        ok: false,
        detail: `cannot reprice subscription sub-1: it is scheduled to move to plan plan-lite on ${downgrading.pendingChange?.effectiveAt}`,
      });
    });
  });

  test('resuming a cancelled subscription is refused, naming the command and the state', () => {
    const gone = accept(active, { kind: 'cancel', when: 'now' }, T0).next;
    expect(apply(gone, { kind: 'resume', reason: 'manual' }, T0)).toEqual({
      ok: false,
      kind: 'conflict',
      detail: 'cannot resume subscription sub-1: it is cancelled',
    });
  });
});

describe('the billing calendar', () => {
  test('a month from the 31st is the last day of a shorter month', () => {
    expect(addMonths('2026-01-31T10:00:00.000Z', 1)).toBe('2026-02-28T10:00:00.000Z');
    expect(addMonths('2028-01-31T10:00:00.000Z', 1)).toBe('2028-02-29T10:00:00.000Z');
    expect(addMonths('2026-11-30T10:00:00.000Z', 3)).toBe('2027-02-28T10:00:00.000Z');
  });

  test('cycle boundaries are counted from the anchor, so month ends do not drift', () => {
    const anchor = '2026-01-31T00:00:00.000Z';
    expect(nextCycleBoundary(anchor, 'monthly', '2026-03-01T00:00:00.000Z')).toBe('2026-03-31T00:00:00.000Z');
    expect(nextCycleBoundary(anchor, 'monthly', anchor)).toBe('2026-02-28T00:00:00.000Z');
    expect(nextCycleBoundary(anchor, 'quarterly', '2026-07-31T00:00:00.000Z')).toBe('2026-10-31T00:00:00.000Z');
    expect(nextCycleBoundary(anchor, 'one-off', anchor)).toBeNull();
  });

  test('the next boundary is always after now and at most one cycle away', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 3000 * DAY }),
        fc.constantFrom('monthly' as const, 'quarterly' as const, 'yearly' as const),
        (anchor, elapsed, cycle) => {
          const now = new Date(anchor.getTime() + elapsed).toISOString();
          const next = nextCycleBoundary(anchor.toISOString(), cycle, now) as string;
          const months = { monthly: 1, quarterly: 3, yearly: 12 }[cycle];
          expect(Date.parse(next)).toBeGreaterThan(Date.parse(now));
          expect(Date.parse(addMonths(next, -months))).toBeLessThanOrEqual(Date.parse(now));
        },
      ),
    );
  });
});

describe('upgrade or downgrade', () => {
  test('prices are compared per month, exactly', () => {
    expect(
      planDirection({ amount: '29.90', billingCycle: 'monthly' }, { amount: '80', billingCycle: 'quarterly' }),
    ).toBe('downgrade');
    expect(
      planDirection({ amount: '29.90', billingCycle: 'monthly' }, { amount: '89.70', billingCycle: 'quarterly' }),
    ).toBe('lateral');
    expect(
      planDirection({ amount: '0.1', billingCycle: 'monthly' }, { amount: '0.10000001', billingCycle: 'monthly' }),
    ).toBe('upgrade');
  });
});

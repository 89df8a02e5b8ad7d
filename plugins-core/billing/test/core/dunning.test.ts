// Dunning over time: a daily job asks which steps are due and records them; each step comes
// once, in order, on its day, and payment, a promise to pay or an exclusion holds it back.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_DUNNING_POLICY,
  type DunningCase,
  type DunningPolicy,
  dueSteps,
  dunningPolicyProblems,
  onPaymentCleared,
  stepDueAt,
} from '../../src/server/core/dunning.ts';

const DAY = 86_400_000;
const DUE_AT = '2025-03-01T00:00:00.000Z';
/** The job's run on day `n` after the due date, at 06:00 UTC. */
const runOn = (n: number): string => new Date(Date.parse(DUE_AT) + n * DAY + 6 * 3_600_000).toISOString();

const overdue: DunningCase = {
  invoiceId: 'inv-1',
  accountId: 'acc-1',
  dueAt: DUE_AT,
  openAmount: '49.90',
  stepsDone: [],
  promiseToPayUntil: null,
  excluded: false,
};

interface Run {
  steps: [name: string, day: number][];
  finalCase: DunningCase;
}

/** Runs the job once a day for `days` days; from `paidOnDay` the invoice is paid. */
function simulate(policy: DunningPolicy, start: DunningCase, days: number, paidOnDay?: number): Run {
  let current = start;
  const steps: [string, number][] = [];
  for (let day = 0; day <= days; day++) {
    if (day === paidOnDay) current = { ...current, openAmount: '0.00' };
    for (const step of dueSteps(policy, current, runOn(day))) {
      steps.push([step.name, day]);
      current = { ...current, stepsDone: [...current.stepsDone, step.name] };
    }
  }
  return { steps, finalCase: current };
}

describe('the default policy, run daily for 90 days', () => {
  test('reminds on day 3, gives final notice on day 7, suspends on day 14 and terminates on day 60, once each', () => {
    expect(simulate(DEFAULT_DUNNING_POLICY, overdue, 90).steps).toEqual([
      ['reminder', 3],
      ['final-notice', 7],
      ['suspend', 14],
      ['terminate', 60],
    ]);
  });

  test('a payment on day 10 stops dunning, and there is no service to restore', () => {
    const run = simulate(DEFAULT_DUNNING_POLICY, overdue, 90, 10);
    expect(run.steps).toEqual([
      ['reminder', 3],
      ['final-notice', 7],
    ]);
    expect(onPaymentCleared(DEFAULT_DUNNING_POLICY, run.finalCase)).toBe(false);
  });

  test('a payment on day 20, after the suspension on day 14, stops dunning and asks for the service back', () => {
    const run = simulate(DEFAULT_DUNNING_POLICY, overdue, 90, 20);
    expect(run.steps).toEqual([
      ['reminder', 3],
      ['final-notice', 7],
      ['suspend', 14],
    ]);
    expect(onPaymentCleared(DEFAULT_DUNNING_POLICY, run.finalCase)).toBe(true);
  });
});

describe('dueSteps', () => {
  test('a step falls due at the start of its day, not a millisecond before', () => {
    const reminderAt = Date.parse(DUE_AT) + 3 * DAY;
    expect(dueSteps(DEFAULT_DUNNING_POLICY, overdue, new Date(reminderAt - 1).toISOString())).toEqual([]);
    expect(dueSteps(DEFAULT_DUNNING_POLICY, overdue, new Date(reminderAt).toISOString()).map((s) => s.name)).toEqual([
      'reminder',
    ]);
  });

  test('a job that did not run for two weeks catches up with every missed step, in order', () => {
    expect(dueSteps(DEFAULT_DUNNING_POLICY, overdue, runOn(15)).map((s) => s.name)).toEqual([
      'reminder',
      'final-notice',
      'suspend',
    ]);
    const reminded = { ...overdue, stepsDone: ['reminder'] };
    expect(dueSteps(DEFAULT_DUNNING_POLICY, reminded, runOn(15)).map((s) => s.name)).toEqual([
      'final-notice',
      'suspend',
    ]);
  });

  test('grace days move the whole ladder later', () => {
    const lenient = { ...DEFAULT_DUNNING_POLICY, graceDays: 5 };
    expect(simulate(lenient, overdue, 90).steps).toEqual([
      ['reminder', 8],
      ['final-notice', 12],
      ['suspend', 19],
      ['terminate', 65],
    ]);
    expect(stepDueAt(lenient, DUE_AT, { name: 'reminder', afterDays: 3, action: 'remind' })).toBe(
      '2025-03-09T00:00:00.000Z',
    );
  });

  test('a promise to pay holds dunning back until it lapses; then the missed steps come', () => {
    const promised = { ...overdue, promiseToPayUntil: runOn(20) };
    expect(simulate(DEFAULT_DUNNING_POLICY, promised, 30).steps).toEqual([
      ['reminder', 20],
      ['final-notice', 20],
      ['suspend', 20],
    ]);
  });

  test('an excluded customer and a paid invoice are never dunned', () => {
    expect(simulate(DEFAULT_DUNNING_POLICY, { ...overdue, excluded: true }, 90).steps).toEqual([]);
    expect(simulate(DEFAULT_DUNNING_POLICY, { ...overdue, openAmount: '0' }, 90).steps).toEqual([]);
  });

  test('a step added to the policy behind one already taken never fires', () => {
    const amended: DunningPolicy = {
      graceDays: 0,
      steps: [
        { name: 'reminder', afterDays: 3, action: 'remind' },
        { name: 'second-reminder', afterDays: 5, action: 'remind' },
        { name: 'final-notice', afterDays: 7, action: 'remind' },
      ],
    };
    const noticed = { ...overdue, stepsDone: ['reminder', 'final-notice'] };
    expect(dueSteps(amended, noticed, runOn(30))).toEqual([]);
  });

  test('refuses an unusable policy or instant with the reason', () => {
    const backwards: DunningPolicy = {
      graceDays: 0,
      steps: [
        { name: 'suspend', afterDays: 14, action: 'suspend' },
        { name: 'reminder', afterDays: 3, action: 'remind' },
      ],
    };
    expect(() => dueSteps(backwards, overdue, runOn(30))).toThrow(
      'dunning policy steps/1/afterDays: "reminder" at 3 days comes before "suspend" at 14; list steps in the order they are taken',
    );
    expect(() => dueSteps(DEFAULT_DUNNING_POLICY, overdue, 'tomorrow')).toThrow(
      'now "tomorrow" is not an ISO 8601 instant',
    );
  });
});

describe('dunningPolicyProblems', () => {
  test('the default policy has none; each problem is named at its field', () => {
    expect(dunningPolicyProblems(DEFAULT_DUNNING_POLICY)).toEqual([]);
    const broken = {
      graceDays: -1,
      steps: [
        { name: 'reminder', afterDays: 2.5, action: 'remind' },
        { name: 'reminder', afterDays: 7, action: 'email' },
        { name: ' ', afterDays: 8, action: 'suspend' },
      ],
    } as unknown as DunningPolicy;
    expect(dunningPolicyProblems(broken).map((problem) => problem.field)).toEqual([
      'graceDays',
      'steps/0/afterDays',
      'steps/1/name',
      'steps/1/action',
      'steps/2/name',
    ]);
  });
});

describe('onPaymentCleared', () => {
  test('asks for restoration only when paid in full after a suspension and before termination', () => {
    const suspended = { ...overdue, stepsDone: ['reminder', 'final-notice', 'suspend'] };
    expect(onPaymentCleared(DEFAULT_DUNNING_POLICY, { ...suspended, openAmount: '0.00' })).toBe(true);
    expect(onPaymentCleared(DEFAULT_DUNNING_POLICY, { ...suspended, openAmount: '10.00' })).toBe(false);
    const terminated = { ...suspended, stepsDone: [...suspended.stepsDone, 'terminate'], openAmount: '0.00' };
    expect(onPaymentCleared(DEFAULT_DUNNING_POLICY, terminated)).toBe(false);
    expect(onPaymentCleared(DEFAULT_DUNNING_POLICY, { ...overdue, openAmount: '0.00', stepsDone: ['reminder'] })).toBe(
      false,
    );
  });
});

describe('properties over random policies and job schedules', () => {
  const policy: fc.Arbitrary<DunningPolicy> = fc
    .record({
      graceDays: fc.integer({ min: 0, max: 5 }),
      steps: fc.array(
        fc.record({
          afterDays: fc.integer({ min: 0, max: 40 }),
          action: fc.constantFrom('remind', 'suspend', 'terminate'),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    })
    .map(({ graceDays, steps }) => ({
      graceDays,
      steps: steps
        .sort((a, b) => a.afterDays - b.afterDays)
        .map((step, i) => ({ name: `step-${i}`, afterDays: step.afterDays, action: step.action })),
    }));
  const hours = fc.integer({ min: 0, max: 60 * 24 });
  const scenario = fc.record({
    policy,
    runs: fc.uniqueArray(hours, { minLength: 1, maxLength: 40 }).map((times) => times.sort((a, b) => a - b)),
    promiseUntil: fc.option(hours, { nil: null }),
    paidAt: fc.option(hours, { nil: null }),
    excluded: fc.boolean(),
  });
  const at = (hour: number): string => new Date(Date.parse(DUE_AT) + hour * 3_600_000).toISOString();

  test('steps never repeat, come in policy order, only when due, never during a promise, after payment or for an excluded customer', () => {
    fc.assert(
      fc.property(scenario, ({ policy, runs, promiseUntil, paidAt, excluded }) => {
        let current: DunningCase = {
          ...overdue,
          excluded,
          promiseToPayUntil: promiseUntil === null ? null : at(promiseUntil),
        };
        const taken: { name: string; hour: number }[] = [];
        for (const hour of runs) {
          if (paidAt !== null && hour >= paidAt) current = { ...current, openAmount: '0' };
          for (const step of dueSteps(policy, current, at(hour))) {
            taken.push({ name: step.name, hour });
            current = { ...current, stepsDone: [...current.stepsDone, step.name] };
          }
        }
        const names = taken.map((t) => t.name);
        expect(names).toEqual(policy.steps.slice(0, names.length).map((s) => s.name));
        for (const { name, hour } of taken) {
          const step = policy.steps.find((s) => s.name === name);
          expect(step).toBeDefined();
          if (step) expect(Date.parse(stepDueAt(policy, DUE_AT, step))).toBeLessThanOrEqual(Date.parse(at(hour)));
          expect(promiseUntil === null || hour >= promiseUntil).toBe(true);
          expect(paidAt === null || hour < paidAt).toBe(true);
        }
        if (excluded) expect(taken).toEqual([]);
        // Nothing held back: by the last run every step due by then has been taken.
        const last = runs[runs.length - 1] as number;
        const heldBack =
          excluded || (paidAt !== null && last >= paidAt) || (promiseUntil !== null && last < promiseUntil);
        if (!heldBack) {
          const dueByThen = policy.steps.filter(
            (s) => Date.parse(stepDueAt(policy, DUE_AT, s)) <= Date.parse(at(last)),
          );
          expect(names).toEqual(dueByThen.map((s) => s.name));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

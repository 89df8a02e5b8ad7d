// Dunning: which steps of a tenant's policy an overdue invoice has reached, as a pure function of
// the case and the time. The job that calls it takes the steps and records them in `stepsDone`.
import { Decimal } from './money.ts';

/** What a dunning step does: notify the customer, suspend the service, or end it. */
export type DunningAction = 'remind' | 'suspend' | 'terminate';

/** One rung of the ladder, taken `afterDays` whole days after the due date plus the policy's grace days. */
export interface DunningStep {
  readonly name: string;
  readonly afterDays: number;
  readonly action: DunningAction;
}

/**
 * A tenant's dunning ladder. Step k falls due at dueAt + (graceDays + afterDays) × 24 h: grace
 * shifts the whole ladder, so leeway is given without rewriting the steps. Steps are listed in
 * the order they are taken (afterDays never decreasing).
 */
export interface DunningPolicy {
  readonly graceDays: number;
  readonly steps: readonly DunningStep[];
}

/** Reminder 3 days after the due date, final notice at 7, suspension at 14, termination at 60. */
export const DEFAULT_DUNNING_POLICY: DunningPolicy = {
  graceDays: 0,
  steps: [
    { name: 'reminder', afterDays: 3, action: 'remind' },
    { name: 'final-notice', afterDays: 7, action: 'remind' },
    { name: 'suspend', afterDays: 14, action: 'suspend' },
    { name: 'terminate', afterDays: 60, action: 'terminate' },
  ],
};

/** One overdue invoice being dunned. */
export interface DunningCase {
  readonly invoiceId: string;
  readonly accountId: string;
  /** ISO 8601 instant the invoice fell due. */
  readonly dueAt: string;
  /** What is still owed, a decimal string; zero ends the case. */
  readonly openAmount: string;
  /** Names of the steps already taken. */
  readonly stepsDone: readonly string[];
  /** ISO 8601 instant until which the customer's promise to pay holds dunning back (the end of the promised day). */
  readonly promiseToPayUntil: string | null;
  /** The customer is exempt from dunning. */
  readonly excluded: boolean;
}

/** What is wrong with a policy, at a JSON path like `steps/2/afterDays`. */
export interface PolicyProblem {
  readonly field: string;
  readonly message: string;
}

const ACTIONS: readonly DunningAction[] = ['remind', 'suspend', 'terminate'];
const DAY_MS = 86_400_000;

/** The problems of `policy` (none for a usable one): whole non-negative days, unique names, steps in order. */
export function dunningPolicyProblems(policy: DunningPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (!isWholeDays(policy.graceDays)) {
    problems.push({
      field: 'graceDays',
      message: `graceDays must be a whole number of days ≥ 0, not ${policy.graceDays}`,
    });
  }
  const names = new Set<string>();
  policy.steps.forEach((step, i) => {
    const at = `steps/${i}`;
    if (step.name.trim() === '') problems.push({ field: `${at}/name`, message: 'a step needs a name' });
    else if (names.has(step.name)) {
      problems.push({ field: `${at}/name`, message: `another step is already named "${step.name}"` });
    }
    names.add(step.name);
    if (!isWholeDays(step.afterDays)) {
      problems.push({
        field: `${at}/afterDays`,
        message: `afterDays must be a whole number of days ≥ 0, not ${step.afterDays}`,
      });
    } else {
      const before = policy.steps[i - 1];
      if (before !== undefined && step.afterDays < before.afterDays) {
        problems.push({
          field: `${at}/afterDays`,
          message: `"${step.name}" at ${step.afterDays} days comes before "${before.name}" at ${before.afterDays}; list steps in the order they are taken`,
        });
      }
    }
    if (!ACTIONS.includes(step.action)) {
      problems.push({
        field: `${at}/action`,
        message: `action must be one of ${ACTIONS.join(', ')}, not ${step.action}`,
      });
    }
  });
  return problems;
}

/** The instant `step` falls due for an invoice due at `dueAt`. */
export function stepDueAt(policy: DunningPolicy, dueAt: string, step: DunningStep): string {
  return new Date(readInstant(dueAt, 'dueAt') + (policy.graceDays + step.afterDays) * DAY_MS).toISOString();
}

/**
 * The steps to take at `now`, in policy order: every step past due and not yet taken, so a job
 * that missed days catches up with the whole trail an auditor expects, each step exactly once.
 * Only steps after the last one taken count: a step added to the policy later never fires behind
 * one already taken. None while a promise to pay holds, for an excluded customer, or once paid.
 */
export function dueSteps(policy: DunningPolicy, dunningCase: DunningCase, now: string): DunningStep[] {
  const problem = dunningPolicyProblems(policy)[0];
  if (problem !== undefined) throw new RangeError(`dunning policy ${problem.field}: ${problem.message}`);
  const at = readInstant(now, 'now');
  if (dunningCase.excluded || !isOwed(dunningCase)) return [];
  const promise = dunningCase.promiseToPayUntil;
  if (promise !== null && at < readInstant(promise, 'promiseToPayUntil')) return [];
  const due = readInstant(dunningCase.dueAt, 'dueAt');
  const lastDone = policy.steps.findLastIndex((step) => dunningCase.stepsDone.includes(step.name));
  return policy.steps.slice(lastDone + 1).filter((step) => due + (policy.graceDays + step.afterDays) * DAY_MS <= at);
}

/**
 * Whether, now that payment has cleared, the service should be restored: the invoice is paid in
 * full and dunning suspended the service without terminating it.
 */
export function onPaymentCleared(policy: DunningPolicy, dunningCase: DunningCase): boolean {
  if (isOwed(dunningCase)) return false;
  const taken = policy.steps.filter((step) => dunningCase.stepsDone.includes(step.name));
  return taken.some((step) => step.action === 'suspend') && !taken.some((step) => step.action === 'terminate');
}

function isOwed(dunningCase: DunningCase): boolean {
  let open: Decimal;
  try {
    open = new Decimal(dunningCase.openAmount);
  } catch {
    throw new RangeError(`openAmount "${dunningCase.openAmount}" of invoice ${dunningCase.invoiceId} is not a decimal`);
  }
  return open.greaterThan(0);
}

function isWholeDays(days: number): boolean {
  return Number.isInteger(days) && days >= 0;
}

function readInstant(iso: string, name: string): number {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new RangeError(`${name} "${iso}" is not an ISO 8601 instant`);
  return time;
}

// The subscription lifecycle as a pure state machine: a subscription and a command in, the next
// subscription and the one event that announces the transition out, or a refusal saying why.
// No I/O and no clock: the shell (index.ts) reads the plans and the time and stores the result.
//
//   pending ──activate──▶ active ──suspend──▶ suspended
//      │                   │  ▲                  │
//      │                   │  └──────resume──────┘
//      └──────cancel──────▶ cancelled ◀──cancel (now, or at the end of the term)
//
// Plan changes keep the status: applied now, or scheduled for a later date (the next cycle by
// default for a downgrade). A cancellation at the end of the term is scheduled too. A reprice (a
// new version of its plan that the catalog applies to existing subscribers) is scheduled for the
// version's date, for a pending subscription too, and keeps the contract term. Scheduled changes
// fall due through `apply-due`, which the cron job sends.
import { type BillingCycle, later, nextCycleBoundary, termEnd, toTime } from './calendar.ts';
import type { PlanDirection } from './pricing.ts';

/** Where a subscription is in its life. */
export type Status = 'pending' | 'active' | 'suspended' | 'cancelled';
export const STATUSES: readonly Status[] = ['pending', 'active', 'suspended', 'cancelled'];

/** Who suspends or resumes: staff (manual) or the dunning process (unpaid, then paid, invoices). */
export type SuspendReason = 'manual' | 'dunning';

/** What the lifecycle needs to know of a plan version. */
export interface PlanTerms {
  readonly planId: string;
  readonly version: number;
  readonly billingCycle: BillingCycle;
  /** Minimum term in months; 0 for none. */
  readonly contractMonths: number;
}

/** A plan change waiting for its date. */
export interface ScheduledChange extends PlanTerms {
  readonly direction: PlanDirection;
  readonly effectiveAt: string;
  /** Present (true) when a reprice scheduled it: applying it keeps the contract term. */
  readonly reprice?: true;
}

/** A subscription as the lifecycle sees it. Times are ISO 8601 strings. */
export interface Subscription {
  readonly id: string;
  readonly accountId: string;
  readonly status: Status;
  readonly plan: PlanTerms;
  /** 1 at creation, one more with each transition. */
  readonly revision: number;
  readonly createdAt: string;
  /** When the service started; the anchor of its billing cycles. */
  readonly activatedAt: string | null;
  /** When the minimum contract term ends; null without one. */
  readonly termEndsAt: string | null;
  readonly suspendedReason: SuspendReason | null;
  readonly suspendedAt: string | null;
  readonly suspendedNote: string | null;
  readonly pendingChange: ScheduledChange | null;
  /** When a scheduled cancellation takes effect. */
  readonly cancelAt: string | null;
  readonly cancelledAt: string | null;
}

/** `when` of a plan change: now, at the next billing cycle, or at a date (ISO 8601). */
export type ChangeWhen = 'now' | 'next-cycle' | (string & {});
/** `when` of a cancellation. */
export type CancelWhen = 'now' | 'end-of-term';

/** What can be asked of a subscription. */
export type Command =
  | { readonly kind: 'activate'; readonly at?: string }
  | {
      readonly kind: 'change-plan';
      readonly to: PlanTerms;
      /** From the two plans' prices (pricing.ts). */
      readonly direction: PlanDirection;
      /** Absent: now, unless it is a downgrade, which waits for the next cycle. */
      readonly when?: ChangeWhen;
    }
  | { readonly kind: 'suspend'; readonly reason: SuspendReason; readonly note?: string }
  | { readonly kind: 'resume'; readonly reason: SuspendReason }
  /** Absent `when`: at the end of the term, or now for a subscription never activated. */
  | { readonly kind: 'cancel'; readonly when?: CancelWhen }
  /**
   * A new version of the subscription's plan, which the catalog applies to existing subscribers
   * from `effectiveAt`: scheduled for then (now when that has passed). Keeps the contract term.
   */
  | {
      readonly kind: 'reprice';
      /** The new version: the same plan, a later version. */
      readonly to: PlanTerms;
      /** From the two versions' prices (pricing.ts). */
      readonly direction: PlanDirection;
      readonly effectiveAt: string;
    }
  /** Applies the scheduled change or cancellation that fell due first; the cron job sends it. */
  | { readonly kind: 'apply-due' };

export type CommandKind = Command['kind'];

/** The facts of one transition, from which the shell builds the published event. */
export type LifecycleEvent =
  | { readonly name: 'subscription.created'; readonly createdAt: string }
  | { readonly name: 'subscription.activated'; readonly activatedAt: string }
  | {
      readonly name: 'subscription.plan-changed';
      readonly from: PlanTerms;
      readonly to: PlanTerms;
      readonly direction: PlanDirection;
      readonly scheduled: boolean;
      readonly effectiveAt: string;
    }
  | {
      readonly name: 'subscription.suspended';
      readonly reason: SuspendReason;
      readonly note: string | null;
      readonly suspendedAt: string;
    }
  | {
      readonly name: 'subscription.resumed';
      readonly reason: SuspendReason;
      readonly suspendedReason: SuspendReason;
      readonly suspendedAt: string;
      readonly resumedAt: string;
    }
  | {
      readonly name: 'subscription.cancelled';
      readonly when: CancelWhen;
      readonly scheduled: boolean;
      readonly effectiveAt: string;
      /** The service ends before its contract term: the early termination fee is due. */
      readonly earlyTermination: boolean;
    };

export type EventName = LifecycleEvent['name'];

/** An accepted command: the subscription after it, and the event announcing it. */
export interface Transition {
  readonly ok: true;
  readonly command: CommandKind | 'create';
  readonly previous: Subscription | null;
  readonly next: Subscription;
  readonly event: LifecycleEvent;
}

/**
 * Why a command was refused: `conflict`, the subscription's state does not allow it (409);
 * `invalid`, a field of the command cannot be used (422, naming the field); `nothing-due`,
 * apply-due found nothing to apply.
 */
export interface Refusal {
  readonly ok: false;
  readonly kind: 'conflict' | 'invalid' | 'nothing-due';
  readonly detail: string;
  readonly field?: 'at' | 'planId' | 'when' | 'effectiveAt';
}

export type Outcome = Transition | Refusal;

/** A new subscription, pending until it is activated. */
export function create(input: {
  readonly id: string;
  readonly accountId: string;
  readonly plan: PlanTerms;
  readonly now: string;
}): Transition {
  const next: Subscription = {
    id: input.id,
    accountId: input.accountId,
    status: 'pending',
    plan: input.plan,
    revision: 1,
    createdAt: input.now,
    activatedAt: null,
    termEndsAt: null,
    suspendedReason: null,
    suspendedAt: null,
    suspendedNote: null,
    pendingChange: null,
    cancelAt: null,
    cancelledAt: null,
  };
  return {
    ok: true,
    command: 'create',
    previous: null,
    next,
    event: { name: 'subscription.created', createdAt: input.now },
  };
}

/** Applies `command` to `subscription` at `now`. Never changes its arguments. */
export function apply(subscription: Subscription, command: Command, now: string): Outcome {
  switch (command.kind) {
    case 'activate':
      return activate(subscription, command.at ?? now, now);
    case 'change-plan':
      return changePlan(subscription, command, now);
    case 'suspend':
      return suspend(subscription, command.reason, command.note ?? null, now);
    case 'resume':
      return resume(subscription, command.reason, now);
    case 'cancel':
      return cancel(subscription, command.when, now);
    case 'reprice':
      return reprice(subscription, command, now);
    case 'apply-due':
      return applyDue(subscription, now);
  }
}

/** The next billing cycle's start, while the service runs; null otherwise or when billed once. */
export function nextCycleAt(subscription: Subscription, now: string): string | null {
  const { activatedAt, plan } = subscription;
  if (!running(subscription) || activatedAt === null) return null;
  return nextCycleBoundary(activatedAt, plan.billingCycle, now);
}

/** What breaks the lifecycle's rules in `s`; empty for every state `create` and `apply` reach. */
export function invariantViolations(s: Subscription): string[] {
  const before = (a: string | null, b: string | null) => a === null || b === null || toTime(a) < toTime(b);
  const notAfter = (a: string | null, b: string | null) => a === null || b === null || toTime(a) <= toTime(b);
  const suspension = [s.suspendedReason, s.suspendedAt];
  const rules: [holds: boolean, rule: string][] = [
    [STATUSES.includes(s.status), `status ${s.status} is a status`],
    [Number.isInteger(s.revision) && s.revision >= 1, 'the revision is a positive integer'],
    [s.status !== 'pending' || s.activatedAt === null, 'a pending subscription has no activation date'],
    [!running(s) || s.activatedAt !== null, 'an active or suspended subscription has an activation date'],
    [s.status !== 'pending' || s.termEndsAt === null, 'a pending subscription has no term yet'],
    [
      s.status === 'suspended'
        ? suspension.every((v) => v !== null)
        : suspension.every((v) => v === null) && s.suspendedNote === null,
      'a suspended subscription has a suspension reason and date, and no other has any',
    ],
    [(s.status === 'cancelled') === (s.cancelledAt !== null), 'only a cancelled subscription has a cancellation date'],
    [s.cancelAt === null || running(s), 'only a running subscription is scheduled to cancel'],
    [s.pendingChange === null || s.status !== 'cancelled', 'a cancelled subscription has no scheduled plan change'],
    [
      s.pendingChange === null || s.status !== 'pending' || s.pendingChange.reprice === true,
      'a pending subscription has no scheduled plan change but a reprice',
    ],
    [
      s.pendingChange?.reprice !== true || s.pendingChange.planId === s.plan.planId,
      'a scheduled reprice stays on the plan',
    ],
    [
      s.pendingChange === null || !samePlan(s.pendingChange, s.plan),
      'a scheduled change leads to another plan version',
    ],
    [
      before(s.pendingChange?.effectiveAt ?? null, s.cancelAt),
      'a scheduled change falls before a scheduled cancellation',
    ],
    [s.termEndsAt === null || s.activatedAt !== null, 'a contract term starts with the activation'],
    [before(s.activatedAt, s.termEndsAt), 'the contract term ends after the activation'],
    [notAfter(s.activatedAt, s.suspendedAt), 'a suspension follows the activation'],
    [notAfter(s.activatedAt, s.cancelledAt), 'a cancellation follows the activation'],
    [notAfter(s.createdAt, s.cancelledAt), 'a cancellation follows the order'],
  ];
  return rules.filter(([holds]) => !holds).map(([, rule]) => rule);
}

const running = (s: Subscription) => s.status === 'active' || s.status === 'suspended';
const samePlan = (a: PlanTerms, b: PlanTerms) => a.planId === b.planId && a.version === b.version;

// --- transitions ------------------------------------------------------------------------------

const VERBS: Readonly<Record<Exclude<CommandKind, 'apply-due'>, string>> = {
  activate: 'activate',
  'change-plan': 'change the plan of',
  suspend: 'suspend',
  resume: 'resume',
  cancel: 'cancel',
  reprice: 'reprice',
};

/** "cannot resume subscription 7f…: it is cancelled" */
function conflict(s: Subscription, kind: keyof typeof VERBS, why = `it is ${s.status}`): Refusal {
  return { ok: false, kind: 'conflict', detail: `cannot ${VERBS[kind]} subscription ${s.id}: ${why}` };
}

function invalid(field: NonNullable<Refusal['field']>, detail: string): Refusal {
  return { ok: false, kind: 'invalid', field, detail };
}

function accept(
  command: CommandKind,
  previous: Subscription,
  next: Omit<Subscription, 'revision'>,
  event: LifecycleEvent,
): Transition {
  return { ok: true, command, previous, next: { ...next, revision: previous.revision + 1 }, event };
}

const planTerms = ({ planId, version, billingCycle, contractMonths }: PlanTerms): PlanTerms => ({
  planId,
  version,
  billingCycle,
  contractMonths,
});

function activate(s: Subscription, requested: string, now: string): Outcome {
  if (s.status !== 'pending') return conflict(s, 'activate');
  if (Number.isNaN(toTime(requested))) return invalid('at', 'must be an ISO 8601 date-time');
  if (toTime(requested) > toTime(now)) return invalid('at', `must not be in the future (now is ${now})`);
  const at = new Date(requested).toISOString();
  return accept(
    'activate',
    s,
    { ...s, status: 'active', activatedAt: at, termEndsAt: termEnd(at, s.plan.contractMonths) },
    { name: 'subscription.activated', activatedAt: at },
  );
}

function changePlan(s: Subscription, command: Extract<Command, { kind: 'change-plan' }>, now: string): Outcome {
  const to = planTerms(command.to);
  if (s.status === 'cancelled') return conflict(s, 'change-plan');
  if (s.cancelAt !== null) return conflict(s, 'change-plan', `it is scheduled to cancel on ${s.cancelAt}`);
  if (samePlan(s.plan, to)) {
    return conflict(s, 'change-plan', `it is already on plan ${to.planId} version ${to.version}`);
  }
  const when = command.when ?? (command.direction === 'downgrade' && s.status !== 'pending' ? 'next-cycle' : 'now');
  let effectiveAt: string;
  if (s.status === 'pending') {
    if (when !== 'now') {
      return invalid('when', `subscription ${s.id} is pending: it has no cycle yet, so its plan can only change now`);
    }
    effectiveAt = now;
  } else if (when === 'now') {
    effectiveAt = now;
  } else if (when === 'next-cycle') {
    const next = nextCycleAt(s, now);
    if (next === null) {
      // A plan billed once has no cycle to wait for: a downgrade by default applies now.
      if (command.when === undefined) effectiveAt = now;
      else
        return invalid(
          'when',
          `plan ${s.plan.planId} version ${s.plan.version} is billed once: subscription ${s.id} has no next cycle; change it now or on a date`,
        );
    } else {
      effectiveAt = next;
    }
  } else {
    if (Number.isNaN(toTime(when))) return invalid('when', 'must be now, next-cycle or an ISO 8601 date-time');
    if (toTime(when) < toTime(now)) return invalid('when', `must not be in the past (now is ${now})`);
    effectiveAt = new Date(when).toISOString();
  }

  const scheduled = toTime(effectiveAt) > toTime(now);
  const event = {
    name: 'subscription.plan-changed',
    from: planTerms(s.plan),
    to,
    direction: command.direction,
    scheduled,
    effectiveAt,
  } as const;
  if (!scheduled) {
    return accept('change-plan', s, switchPlan(s, to, effectiveAt), event);
  }
  const pending = s.pendingChange;
  if (pending && samePlan(pending, to) && pending.effectiveAt === effectiveAt) {
    return conflict(
      s,
      'change-plan',
      `a change to plan ${to.planId} version ${to.version} is already scheduled for ${effectiveAt}`,
    );
  }
  return accept('change-plan', s, { ...s, pendingChange: { ...to, direction: command.direction, effectiveAt } }, event);
}

/**
 * `s` on plan `to` from `effectiveAt`: a longer contract of the new plan extends the term, unless
 * the change is a reprice (the ISP's new version binds nobody to a new term).
 */
function switchPlan(
  s: Subscription,
  to: PlanTerms,
  effectiveAt: string,
  keepTerm = false,
): Omit<Subscription, 'revision'> {
  const extended = s.activatedAt === null || keepTerm ? null : termEnd(effectiveAt, to.contractMonths);
  const termEndsAt =
    extended === null ? s.termEndsAt : s.termEndsAt === null ? extended : later(s.termEndsAt, extended);
  return { ...s, plan: to, pendingChange: null, termEndsAt };
}

function suspend(s: Subscription, reason: SuspendReason, note: string | null, now: string): Outcome {
  if (s.status === 'suspended') return conflict(s, 'suspend', `it is already suspended (${s.suspendedReason})`);
  if (s.status !== 'active') return conflict(s, 'suspend');
  return accept(
    'suspend',
    s,
    { ...s, status: 'suspended', suspendedReason: reason, suspendedAt: now, suspendedNote: note },
    { name: 'subscription.suspended', reason, note, suspendedAt: now },
  );
}

function resume(s: Subscription, reason: SuspendReason, now: string): Outcome {
  if (s.status !== 'suspended' || s.suspendedReason === null || s.suspendedAt === null) return conflict(s, 'resume');
  // Paying the overdue invoices lifts a dunning suspension, never one staff decided.
  if (reason === 'dunning' && s.suspendedReason === 'manual') {
    return {
      ok: false,
      kind: 'conflict',
      detail: `cannot resume subscription ${s.id} by dunning: it is suspended manually, which only a manual resume lifts`,
    };
  }
  return accept(
    'resume',
    s,
    { ...s, status: 'active', suspendedReason: null, suspendedAt: null, suspendedNote: null },
    {
      name: 'subscription.resumed',
      reason,
      suspendedReason: s.suspendedReason,
      suspendedAt: s.suspendedAt,
      resumedAt: now,
    },
  );
}

function cancel(s: Subscription, requested: CancelWhen | undefined, now: string): Outcome {
  if (s.status === 'cancelled') return conflict(s, 'cancel');
  const when = requested ?? (s.status === 'pending' ? 'now' : 'end-of-term');
  if (s.status === 'pending' && when === 'end-of-term') {
    return invalid('when', `subscription ${s.id} is pending: it has no term to end; cancel it now`);
  }
  if (when === 'now') return cancelled(s, 'cancel', 'now', now);
  if (s.cancelAt !== null) return conflict(s, 'cancel', `it is already scheduled to cancel on ${s.cancelAt}`);
  // The end of the term: the contract's end if it is still ahead, else the end of the current cycle.
  const termAhead = s.termEndsAt !== null && toTime(s.termEndsAt) > toTime(now) ? s.termEndsAt : null;
  const effectiveAt = termAhead ?? nextCycleAt(s, now) ?? now;
  if (toTime(effectiveAt) <= toTime(now)) return cancelled(s, 'cancel', 'end-of-term', now);
  // A scheduled plan change that would only fall due once the service has ended is dropped.
  const pendingChange =
    s.pendingChange && toTime(s.pendingChange.effectiveAt) < toTime(effectiveAt) ? s.pendingChange : null;
  return accept(
    'cancel',
    s,
    { ...s, cancelAt: effectiveAt, pendingChange },
    {
      name: 'subscription.cancelled',
      when: 'end-of-term',
      scheduled: true,
      effectiveAt,
      earlyTermination: isEarly(s, effectiveAt),
    },
  );
}

/** `s` cancelled as of `effectiveAt`. */
function cancelled(s: Subscription, command: CommandKind, when: CancelWhen, effectiveAt: string): Transition {
  return accept(
    command,
    s,
    {
      ...s,
      status: 'cancelled',
      cancelledAt: effectiveAt,
      cancelAt: null,
      pendingChange: null,
      suspendedReason: null,
      suspendedAt: null,
      suspendedNote: null,
    },
    {
      name: 'subscription.cancelled',
      when,
      scheduled: false,
      effectiveAt,
      earlyTermination: isEarly(s, effectiveAt),
    },
  );
}

const isEarly = (s: Subscription, endsAt: string) => s.termEndsAt !== null && toTime(endsAt) < toTime(s.termEndsAt);

function reprice(s: Subscription, command: Extract<Command, { kind: 'reprice' }>, now: string): Outcome {
  const to = planTerms(command.to);
  if (s.status === 'cancelled') return conflict(s, 'reprice');
  if (to.planId !== s.plan.planId) {
    return invalid('planId', `subscription ${s.id} is on plan ${s.plan.planId}, not ${to.planId}`);
  }
  if (Number.isNaN(toTime(command.effectiveAt))) return invalid('effectiveAt', 'must be an ISO 8601 date-time');
  if (to.version <= s.plan.version) {
    return conflict(s, 'reprice', `it is on version ${s.plan.version} of plan ${to.planId} already`);
  }
  // A version whose date has passed applies now: nobody is billed backwards.
  const effectiveAt = later(new Date(command.effectiveAt).toISOString(), now);
  if (s.cancelAt !== null && toTime(s.cancelAt) <= toTime(effectiveAt)) {
    return conflict(s, 'reprice', `it is scheduled to cancel on ${s.cancelAt}, before version ${to.version} applies`);
  }
  const pending = s.pendingChange;
  if (pending !== null) {
    if (pending.planId !== to.planId) {
      return conflict(s, 'reprice', `it is scheduled to move to plan ${pending.planId} on ${pending.effectiveAt}`);
    }
    if (pending.version >= to.version) {
      return conflict(s, 'reprice', `it is scheduled to move to version ${pending.version} on ${pending.effectiveAt}`);
    }
    // One change waits at a time: an earlier one is not skipped over (a later one is replaced).
    if (toTime(pending.effectiveAt) < toTime(effectiveAt)) {
      return conflict(
        s,
        'reprice',
        `its move to version ${pending.version} on ${pending.effectiveAt} comes first; version ${to.version} waits for it`,
      );
    }
  }
  const scheduled = toTime(effectiveAt) > toTime(now);
  const event = {
    name: 'subscription.plan-changed',
    from: planTerms(s.plan),
    to,
    direction: command.direction,
    scheduled,
    effectiveAt,
  } as const;
  if (!scheduled) return accept('reprice', s, switchPlan(s, to, effectiveAt, true), event);
  return accept(
    'reprice',
    s,
    { ...s, pendingChange: { ...to, direction: command.direction, effectiveAt, reprice: true } },
    event,
  );
}

function applyDue(s: Subscription, now: string): Outcome {
  const nothing: Refusal = { ok: false, kind: 'nothing-due', detail: `subscription ${s.id} has nothing due at ${now}` };
  // A pending subscription's only schedule is a reprice.
  if (s.status === 'cancelled') return nothing;
  const change = s.pendingChange && toTime(s.pendingChange.effectiveAt) <= toTime(now) ? s.pendingChange : null;
  const cancelAt = s.cancelAt !== null && toTime(s.cancelAt) <= toTime(now) ? s.cancelAt : null;
  // A scheduled change always falls before a scheduled cancellation (cancel drops later ones).
  if (change) {
    return accept('apply-due', s, switchPlan(s, planTerms(change), change.effectiveAt, change.reprice === true), {
      name: 'subscription.plan-changed',
      from: planTerms(s.plan),
      to: planTerms(change),
      direction: change.direction,
      scheduled: false,
      effectiveAt: change.effectiveAt,
    });
  }
  if (cancelAt) return cancelled(s, 'apply-due', 'end-of-term', cancelAt);
  return nothing;
}

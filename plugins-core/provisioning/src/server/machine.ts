// A subscriber's service as provisioning sees it, a pure state machine: what it knows (the plan's
// speeds, who suspended it and how, whether it ended, whether it has access credentials) and how
// far the network is from that. No I/O and no clock: the shell (index.ts, apply.ts) turns events,
// requests and the apply-service job's results into inputs, and stores what `step` answers.
//
//   awaiting-credentials ──credentials──▶ provisioning ──applied──▶ active / suspended / deprovisioned
//                                          ▲    │                      │
//                                          │    └─5 failed attempts─▶ failed
//                                          └── the target changed, a retry, a reconciliation
//
// The *target* is what the network must say: the desired outcome (active, suspended or
// deprovisioned), the access RADIUS gives while suspended (walled garden or rejected) and the
// plan's speeds. Whenever the target changes the service goes back to `provisioning` under a new
// revision, and the apply-service job converges it. A subscription suspension (dotmac.subscriptions,
// staff or dunning) and billing's suspension request are kept apart: each is lifted only by its
// own side, so a payment never lifts a suspension staff imposed. A cancellation (or billing's
// termination request) is final: nothing brings the service back.

/** Where a service is. */
export type ServiceState =
  | 'awaiting-credentials'
  | 'provisioning'
  | 'active'
  | 'suspended'
  | 'deprovisioned'
  | 'failed';
export const SERVICE_STATES: readonly ServiceState[] = [
  'awaiting-credentials',
  'provisioning',
  'active',
  'suspended',
  'deprovisioned',
  'failed',
];

/** What the service should come to. */
export type Desired = 'active' | 'suspended' | 'deprovisioned';

/** How a suspended subscriber is treated: sent to a walled garden, or refused access. */
export type SuspensionMode = 'walled-garden' | 'reject';

/** The state of the AAA account (dotmac.radius.upsertAccount's `state`). */
export type AccessState = 'active' | 'walled-garden' | 'rejected';

/** Who suspended the subscription in dotmac.subscriptions. */
export type SubscriptionSuspendReason = 'manual' | 'dunning';

/** Why a service ended. */
export type EndReason = 'cancelled' | 'terminated';

/** Apply runs per revision before the service is marked failed. */
export const MAX_APPLY_ATTEMPTS = 5;

/** The internet service of the subscription's plan, as the AAA account needs it. */
export interface PlanSpeeds {
  readonly planId: string;
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly burstKbps: number | null;
  readonly burstThresholdKbps: number | null;
  readonly burstTimeSeconds: number | null;
  readonly dataCapGb: number | null;
  /** The speed after the data cap (a throttle fair-use policy); null otherwise. */
  readonly throttleKbps: number | null;
}

/** A service. Times are ISO 8601 strings. */
export interface Service {
  readonly state: ServiceState;
  readonly plan: PlanSpeeds;
  readonly hasCredentials: boolean;
  /** The subscription's own suspension, until subscription.resumed. */
  readonly subscriptionSuspension: { readonly reason: SubscriptionSuspendReason; readonly mode: SuspensionMode } | null;
  /** Billing's suspension request, until service.restore-requested. */
  readonly billingSuspension: { readonly mode: SuspensionMode } | null;
  readonly ended: EndReason | null;
  /** When the latest subscription event (billing event) happened: an older one is stale. */
  readonly subscriptionAsOf: string | null;
  readonly billingAsOf: string | null;
  /** 1 when provisioning learns of the service, one more each time it must be applied again. */
  readonly revision: number;
  /** Apply runs of this revision so far. */
  readonly attempts: number;
  /** The error of the last failed apply run; cleared when one succeeds. */
  readonly lastError: string | null;
}

/** What can happen to a service. */
export type Input =
  /** subscription.activated: the service runs on `plan` (null: a plan without internet service). */
  | { readonly kind: 'activated'; readonly plan: PlanSpeeds | null; readonly at: string }
  /** subscription.plan-changed that took effect; `status` is the subscription's after it. */
  | {
      readonly kind: 'plan-changed';
      readonly plan: PlanSpeeds | null;
      readonly status: 'active' | 'suspended';
      readonly at: string;
    }
  | {
      readonly kind: 'subscription-suspended';
      readonly reason: SubscriptionSuspendReason;
      readonly mode: SuspensionMode;
      readonly plan: PlanSpeeds | null;
      readonly at: string;
    }
  | { readonly kind: 'subscription-resumed'; readonly plan: PlanSpeeds | null; readonly at: string }
  | { readonly kind: 'subscription-cancelled'; readonly plan: PlanSpeeds | null; readonly at: string }
  | { readonly kind: 'billing-suspension'; readonly mode: SuspensionMode; readonly at: string }
  | { readonly kind: 'billing-restore'; readonly at: string }
  | { readonly kind: 'billing-termination'; readonly at: string }
  /** Access credentials were set or changed. */
  | { readonly kind: 'credentials-set' }
  /** Apply the target again (the retry route for a failed service; a reconciliation's repair). */
  | { readonly kind: 'reapply' }
  /** An apply-service run starts on `revision`. */
  | { readonly kind: 'attempt-started'; readonly revision: number }
  /** An apply-service run of `revision` converged the network to the target. */
  | { readonly kind: 'applied'; readonly revision: number }
  /** An apply-service run of `revision` failed. */
  | { readonly kind: 'apply-failed'; readonly revision: number; readonly error: string };

export type InputKind = Input['kind'];

/** What a step answers. */
export interface Outcome {
  /** The service after the input; null while provisioning does not know the service. */
  readonly service: Service | null;
  /** Whether anything changed (false: store nothing). */
  readonly changed: boolean;
  /** Whether an apply-service run must be (re)enqueued for the service's revision. */
  readonly apply: boolean;
  /** What happened, for the history. */
  readonly note: string;
}

/** What the service should come to, from what provisioning knows. */
export function desiredOf(s: Pick<Service, 'ended' | 'subscriptionSuspension' | 'billingSuspension'>): Desired {
  if (s.ended !== null) return 'deprovisioned';
  return s.subscriptionSuspension !== null || s.billingSuspension !== null ? 'suspended' : 'active';
}

/** The AAA account's state: rejected when either suspension rejects, a walled garden when suspended otherwise. */
export function accessStateOf(s: Pick<Service, 'subscriptionSuspension' | 'billingSuspension'>): AccessState {
  const modes = [s.subscriptionSuspension?.mode, s.billingSuspension?.mode].filter((m) => m !== undefined);
  if (modes.length === 0) return 'active';
  return modes.includes('reject') ? 'rejected' : 'walled-garden';
}

const samePlan = (a: PlanSpeeds, b: PlanSpeeds) =>
  a.planId === b.planId &&
  a.downloadKbps === b.downloadKbps &&
  a.uploadKbps === b.uploadKbps &&
  a.burstKbps === b.burstKbps &&
  a.burstThresholdKbps === b.burstThresholdKbps &&
  a.burstTimeSeconds === b.burstTimeSeconds &&
  a.dataCapGb === b.dataCapGb &&
  a.throttleKbps === b.throttleKbps;

/** True when the network must say the same for both. */
function sameTarget(a: Service, b: Service): boolean {
  return desiredOf(a) === desiredOf(b) && accessStateOf(a) === accessStateOf(b) && samePlan(a.plan, b.plan);
}

const unchanged = (service: Service | null, note: string): Outcome => ({ service, changed: false, apply: false, note });

/** An input strictly older than what is known of its side is stale. */
const isStale = (asOf: string | null, at: string) => asOf !== null && Date.parse(at) < Date.parse(asOf);

/**
 * `next` (what is known after an input) with the state that follows: a changed target sends a
 * service with credentials back to provisioning under a new revision. A service that never had
 * credentials has nothing on the network: ended, it is deprovisioned at once.
 */
function retarget(previous: Service, next: Service, note: string, force = false): Outcome {
  if (!force && sameTarget(previous, next)) {
    const changed = JSON.stringify(previous) !== JSON.stringify(next);
    return { service: next, changed, apply: false, note };
  }
  if (!next.hasCredentials) {
    const state: ServiceState = next.ended !== null ? 'deprovisioned' : 'awaiting-credentials';
    return { service: { ...next, state }, changed: true, apply: false, note };
  }
  const service: Service = { ...next, state: 'provisioning', revision: previous.revision + 1, attempts: 0 };
  return { service, changed: true, apply: true, note };
}

const describeSuspension = (s: Service) => {
  const desired = desiredOf(s);
  return desired === 'suspended' ? `desired suspended (${accessStateOf(s)})` : `desired ${desired}`;
};

/** A service provisioning learns of from a subscription input; null when the input cannot start one. */
function learn(input: Input): Service | null {
  if (!('plan' in input) || input.plan === null) return null;
  if (input.kind === 'plan-changed' && input.status !== 'active') return null;
  const base: Service = {
    state: 'awaiting-credentials',
    plan: input.plan,
    hasCredentials: false,
    subscriptionSuspension: null,
    billingSuspension: null,
    ended: null,
    subscriptionAsOf: input.at,
    billingAsOf: null,
    revision: 1,
    attempts: 0,
    lastError: null,
  };
  switch (input.kind) {
    case 'subscription-suspended':
      return { ...base, subscriptionSuspension: { reason: input.reason, mode: input.mode } };
    case 'subscription-cancelled':
      return { ...base, ended: 'cancelled', state: 'deprovisioned' };
    default:
      return base;
  }
}

/**
 * A service provisioning did not know: learnt from a subscription event (activated, or any event
 * of a running subscription, so a service activated before provisioning was enabled is picked up
 * at its next event), with the credentials that may have been set before.
 */
export function begin(input: Input, hasCredentials: boolean): Outcome {
  const learnt = learn(input);
  if (learnt === null) return unchanged(null, `${input.kind}: not a running internet service provisioning knows`);
  const note = `${input.kind}: service learnt, ${describeSuspension(learnt)}`;
  if (!hasCredentials || learnt.state === 'deprovisioned')
    return { service: learnt, changed: true, apply: false, note };
  return { service: { ...learnt, hasCredentials: true, state: 'provisioning' }, changed: true, apply: true, note };
}

/** The service after `input`. Never throws: an input that does not apply changes nothing and says why. */
export function step(service: Service | null, input: Input): Outcome {
  if (service === null) return unchanged(null, `${input.kind}: provisioning does not know this service`);
  const s = service;
  switch (input.kind) {
    case 'attempt-started':
    case 'applied':
    case 'apply-failed':
      return runResult(s, input);
    case 'reapply':
      if (s.state === 'deprovisioned') return unchanged(s, 'reapply: the service is deprovisioned');
      if (s.state === 'awaiting-credentials') return unchanged(s, 'reapply: the service has no credentials yet');
      if (s.state === 'provisioning') return unchanged(s, 'reapply: the service is being provisioned already');
      return retarget(s, s, `reapply: ${describeSuspension(s)}`, true);
    default:
      break;
  }
  // A cancelled (terminated) service never comes back: every other input is ignored.
  if (s.ended !== null) return unchanged(s, `${input.kind}: the service was ${s.ended}`);
  switch (input.kind) {
    case 'credentials-set': {
      const next = { ...s, hasCredentials: true };
      // New credentials must reach the AAA account, whatever else is unchanged.
      return retarget(s, next, `credentials-set: ${describeSuspension(next)}`, true);
    }
    case 'billing-suspension':
    case 'billing-restore':
    case 'billing-termination': {
      if (isStale(s.billingAsOf, input.at)) return unchanged(s, `${input.kind}: older than what billing said last`);
      const next: Service = {
        ...s,
        billingAsOf: input.at,
        ...(input.kind === 'billing-suspension' && { billingSuspension: { mode: input.mode } }),
        ...(input.kind === 'billing-restore' && { billingSuspension: null }),
        ...(input.kind === 'billing-termination' && { ended: 'terminated' as const }),
      };
      return retarget(s, next, `${input.kind}: ${describeSuspension(next)}`);
    }
    default: {
      if (isStale(s.subscriptionAsOf, input.at)) {
        return unchanged(s, `${input.kind}: older than what dotmac.subscriptions said last`);
      }
      const plan = input.plan ?? s.plan;
      const next: Service = {
        ...s,
        plan,
        subscriptionAsOf: input.at,
        ...(input.kind === 'subscription-suspended' && {
          subscriptionSuspension: { reason: input.reason, mode: input.mode },
        }),
        ...(input.kind === 'subscription-resumed' && { subscriptionSuspension: null }),
        ...(input.kind === 'subscription-cancelled' && { ended: 'cancelled' as const }),
      };
      const speeds = samePlan(s.plan, plan) ? '' : `, ${plan.downloadKbps}/${plan.uploadKbps} kbit/s`;
      return retarget(s, next, `${input.kind}: ${describeSuspension(next)}${speeds}`);
    }
  }
}

/** The apply-service job's reports; each counts only for the revision it ran on. */
function runResult(
  s: Service,
  input: Extract<Input, { kind: 'attempt-started' | 'applied' | 'apply-failed' }>,
): Outcome {
  if (s.state !== 'provisioning' || input.revision !== s.revision) {
    return unchanged(
      s,
      `${input.kind}: revision ${input.revision} is not being provisioned (${s.state}, revision ${s.revision})`,
    );
  }
  const desired = desiredOf(s);
  switch (input.kind) {
    case 'attempt-started': {
      // A run that never reported (it crashed) counted its attempt: do not start a sixth.
      if (s.attempts >= MAX_APPLY_ATTEMPTS) {
        const lastError = s.lastError ?? `no apply run finished in ${MAX_APPLY_ATTEMPTS} attempts`;
        return { service: { ...s, state: 'failed', lastError }, changed: true, apply: false, note: lastError };
      }
      const attempts = s.attempts + 1;
      return {
        service: { ...s, attempts },
        changed: true,
        apply: false,
        note: `attempt ${attempts} of ${MAX_APPLY_ATTEMPTS}: ${describeSuspension(s)}`,
      };
    }
    case 'applied':
      return {
        // A converged service is in its desired state.
        service: { ...s, state: desired, lastError: null },
        changed: true,
        apply: false,
        note: `converged: ${desired === 'suspended' ? `suspended (${accessStateOf(s)})` : desired}`,
      };
    case 'apply-failed': {
      const final = s.attempts >= MAX_APPLY_ATTEMPTS;
      return {
        service: { ...s, lastError: input.error, ...(final && { state: 'failed' as const }) },
        changed: true,
        apply: !final,
        note: final
          ? `failed after ${s.attempts} attempts: ${input.error}`
          : `attempt ${s.attempts} failed, will retry: ${input.error}`,
      };
    }
  }
}

/** The rules every service keeps; empty when `s` is valid. */
export function invariantViolations(s: Service): string[] {
  const problems: string[] = [];
  const desired = desiredOf(s);
  if (!SERVICE_STATES.includes(s.state)) problems.push(`unknown state ${s.state}`);
  if (s.state === 'awaiting-credentials' && (s.hasCredentials || s.ended !== null)) {
    problems.push('awaiting credentials with credentials, or ended');
  }
  if (['provisioning', 'active', 'suspended', 'failed'].includes(s.state) && !s.hasCredentials) {
    problems.push(`${s.state} without credentials`);
  }
  if (s.state === 'active' && desired !== 'active') problems.push(`active while desired ${desired}`);
  if (s.state === 'suspended' && desired !== 'suspended') problems.push(`suspended while desired ${desired}`);
  if (s.state === 'deprovisioned' && s.ended === null) problems.push('deprovisioned but never ended');
  if (s.ended !== null && !['provisioning', 'deprovisioned', 'failed'].includes(s.state)) {
    problems.push(`${s.ended} but ${s.state}`);
  }
  if (s.state === 'failed' && s.lastError === null) problems.push('failed without an error');
  if (!Number.isInteger(s.attempts) || s.attempts < 0 || s.attempts > MAX_APPLY_ATTEMPTS) {
    problems.push(`attempts ${s.attempts} outside 0..${MAX_APPLY_ATTEMPTS}`);
  }
  if (!Number.isInteger(s.revision) || s.revision < 1) problems.push(`revision ${s.revision} below 1`);
  if (s.plan.downloadKbps < 1 || s.plan.uploadKbps < 1) problems.push('a plan without speeds');
  return problems;
}

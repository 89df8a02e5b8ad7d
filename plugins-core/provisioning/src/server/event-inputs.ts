// The events provisioning hears, as machine inputs: dotmac.subscriptions' subscription.* (payloads
// in schemas/events/subscription.*.json) and dotmac.billing's service.* requests. Pure: the
// payloads are already valid against their schemas.
import type { Input, PlanSpeeds, SuspensionMode } from './machine.ts';
import type { Settings } from './settings.ts';

/** The events of capabilities.events.subscribe. */
export const SUBSCRIBED_EVENTS = [
  'subscription.activated',
  'subscription.plan-changed',
  'subscription.suspended',
  'subscription.resumed',
  'subscription.cancelled',
  'service.suspension-requested',
  'service.restore-requested',
  'service.termination-requested',
] as const;

/** What an event asks of provisioning. */
export type EventIntent =
  /** One subscription's event: its service, its account and payer. */
  | {
      readonly kind: 'subscription';
      readonly subscriptionId: string;
      readonly accountId: string;
      readonly payerId: string;
      readonly input: Input;
    }
  /** Billing's request for a paying account's services (all of them when `subscriptionIds` is empty). */
  | {
      readonly kind: 'billing';
      readonly accountId: string;
      readonly subscriptionIds: readonly string[];
      readonly input: Input;
    }
  /** Nothing to do, and why. */
  | { readonly kind: 'ignored'; readonly reason: string };

/** A plan as the subscription.* events carry it (`$defs/plan`), in part. */
interface EventPlan {
  readonly id: string;
  /** As dotmac.catalog describes it (the schemas leave it open). */
  readonly internet: object | null;
}

const integerOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) ? value : null;

/**
 * The speeds of a plan's internet service, as dotmac.catalog describes it (downloadKbps,
 * uploadKbps, burst*, dataCapGb, fairUse { policy, throttleKbps }); null for a plan without one.
 */
export function speedsOf(plan: EventPlan): PlanSpeeds | null {
  if (plan.internet === null) return null;
  const internet = plan.internet as Readonly<Record<string, unknown>>;
  const downloadKbps = integerOrNull(internet.downloadKbps);
  const uploadKbps = integerOrNull(internet.uploadKbps);
  if (downloadKbps === null || uploadKbps === null) return null;
  const fairUse = internet.fairUse as { readonly policy?: unknown; readonly throttleKbps?: unknown } | null | undefined;
  return {
    planId: plan.id,
    downloadKbps,
    uploadKbps,
    burstKbps: integerOrNull(internet.burstKbps),
    burstThresholdKbps: integerOrNull(internet.burstThresholdKbps),
    burstTimeSeconds: integerOrNull(internet.burstTimeSeconds),
    dataCapGb: integerOrNull(internet.dataCapGb),
    throttleKbps: fairUse?.policy === 'throttle' ? integerOrNull(fairUse.throttleKbps) : null,
  };
}

/** The fields every subscription.* event carries. */
interface SubscriptionPayload {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly payerId: string;
  readonly status: string;
  readonly plan: EventPlan;
  readonly scheduled?: boolean;
  readonly reason?: 'manual' | 'dunning';
  readonly to?: EventPlan;
}

/** service.*-requested's payload. */
interface BillingPayload {
  readonly accountId: string;
  readonly subscriptionIds: readonly string[];
  readonly mode?: SuspensionMode;
}

/**
 * The intent of event `name` with `payload`, which happened at `at` (its occurredAt). Scheduled
 * plan changes and cancellations are ignored: they are announced again when they take effect.
 */
export function intentOf(name: string, payload: Record<string, unknown>, at: string, settings: Settings): EventIntent {
  if (name.startsWith('service.')) {
    const p = payload as unknown as BillingPayload;
    const billing = (input: Input): EventIntent => ({
      kind: 'billing',
      accountId: p.accountId,
      subscriptionIds: p.subscriptionIds,
      input,
    });
    switch (name) {
      case 'service.suspension-requested':
        return billing({ kind: 'billing-suspension', mode: p.mode ?? 'walled-garden', at });
      case 'service.restore-requested':
        return billing({ kind: 'billing-restore', at });
      case 'service.termination-requested':
        return billing({ kind: 'billing-termination', at });
      default:
        return { kind: 'ignored', reason: `${name} is not an event provisioning acts on` };
    }
  }
  const p = payload as unknown as SubscriptionPayload;
  const plan = speedsOf(p.plan);
  const subscription = (input: Input): EventIntent => ({
    kind: 'subscription',
    subscriptionId: p.subscriptionId,
    accountId: p.accountId,
    payerId: p.payerId,
    input,
  });
  switch (name) {
    case 'subscription.activated':
      return subscription({ kind: 'activated', plan, at });
    case 'subscription.plan-changed': {
      if (p.scheduled === true)
        return { kind: 'ignored', reason: 'a scheduled plan change: it is announced again when it takes effect' };
      if (p.status !== 'active' && p.status !== 'suspended') {
        return { kind: 'ignored', reason: `a plan change of a ${p.status} subscription` };
      }
      return subscription({ kind: 'plan-changed', plan: p.to ? speedsOf(p.to) : plan, status: p.status, at });
    }
    case 'subscription.suspended': {
      const reason = p.reason ?? 'manual';
      // Dunning must leave the subscriber a way to pay: the walled garden.
      const mode = reason === 'dunning' ? 'walled-garden' : settings.manualSuspensionMode;
      return subscription({ kind: 'subscription-suspended', reason, mode, plan, at });
    }
    case 'subscription.resumed':
      return subscription({ kind: 'subscription-resumed', plan, at });
    case 'subscription.cancelled':
      if (p.scheduled === true)
        return { kind: 'ignored', reason: 'a scheduled cancellation: it is announced again when it takes effect' };
      return subscription({ kind: 'subscription-cancelled', plan, at });
    default:
      return { kind: 'ignored', reason: `${name} is not an event provisioning acts on` };
  }
}

// The subscription.* and service.* events as machine inputs, on their own.
import { describe, expect, test } from 'vitest';
import { intentOf, speedsOf } from '../src/server/event-inputs.ts';
import { DEFAULT_SETTINGS } from '../src/server/settings.ts';
import { events, PLANS, START, subscriber } from './support/world.ts';

const s = subscriber(PLANS.fibre100);

describe('intentOf', () => {
  test('a subscription event is one input for its subscription, with its account and payer', () => {
    expect(intentOf('subscription.activated', events.activated(s), START, DEFAULT_SETTINGS)).toEqual({
      kind: 'subscription',
      subscriptionId: s.subscriptionId,
      accountId: s.accountId,
      payerId: s.accountId,
      input: { kind: 'activated', plan: speedsOf(PLANS.fibre100), at: START },
    });
  });

  test('scheduled plan changes and cancellations are ignored until they take effect', () => {
    expect(
      intentOf(
        'subscription.plan-changed',
        events.planChanged(s, PLANS.fibre500, { scheduled: true }),
        START,
        DEFAULT_SETTINGS,
      ).kind,
    ).toBe('ignored');
    expect(
      intentOf('subscription.cancelled', events.cancelled(s, { scheduled: true }), START, DEFAULT_SETTINGS).kind,
    ).toBe('ignored');
    expect(
      intentOf('subscription.plan-changed', events.planChanged(s, PLANS.fibre500), START, DEFAULT_SETTINGS),
    ).toMatchObject({
      input: { kind: 'plan-changed', plan: { planId: PLANS.fibre500.id, downloadKbps: 500_000 }, status: 'active' },
    });
  });

  test('a staff suspension takes the tenant’s manualSuspensionMode; a dunning one the walled garden', () => {
    const reject = { ...DEFAULT_SETTINGS, manualSuspensionMode: 'reject' as const };
    expect(intentOf('subscription.suspended', events.suspended(s, 'manual'), START, reject)).toMatchObject({
      input: { kind: 'subscription-suspended', reason: 'manual', mode: 'reject' },
    });
    expect(intentOf('subscription.suspended', events.suspended(s, 'dunning'), START, reject)).toMatchObject({
      input: { kind: 'subscription-suspended', reason: 'dunning', mode: 'walled-garden' },
    });
  });

  test("billing's requests name the paying account, its services and the mode", () => {
    const payload = events.suspensionRequested(s.accountId, [s.subscriptionId], 'reject');
    expect(intentOf('service.suspension-requested', payload, START, DEFAULT_SETTINGS)).toEqual({
      kind: 'billing',
      accountId: s.accountId,
      subscriptionIds: [s.subscriptionId],
      input: { kind: 'billing-suspension', mode: 'reject', at: START },
    });
    expect(
      intentOf('service.restore-requested', events.restoreRequested(s.accountId, []), START, DEFAULT_SETTINGS),
    ).toMatchObject({
      subscriptionIds: [],
      input: { kind: 'billing-restore' },
    });
    expect(
      intentOf('service.termination-requested', events.terminationRequested(s.accountId, []), START, DEFAULT_SETTINGS),
    ).toMatchObject({ input: { kind: 'billing-termination' } });
  });
});

describe('speedsOf', () => {
  test("reads the catalog's internet service: speeds, burst, data cap and the throttle of a throttle policy", () => {
    expect(speedsOf(PLANS.fibre500)).toEqual({
      planId: PLANS.fibre500.id,
      downloadKbps: 500_000,
      uploadKbps: 100_000,
      burstKbps: null,
      burstThresholdKbps: null,
      burstTimeSeconds: null,
      dataCapGb: 1000,
      throttleKbps: 10_000,
    });
    const overage = {
      ...PLANS.fibre500,
      internet: { downloadKbps: 10, uploadKbps: 5, dataCapGb: 50, fairUse: { policy: 'overage' } },
    };
    expect(speedsOf(overage)).toMatchObject({ dataCapGb: 50, throttleKbps: null, burstKbps: null });
  });

  test('a plan without internet service, or without speeds, has none', () => {
    expect(speedsOf(PLANS.tv)).toBeNull();
    expect(speedsOf({ id: PLANS.tv.id, internet: { priority: 1 } })).toBeNull();
  });
});

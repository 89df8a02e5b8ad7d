// The service state machine on its own (no sandbox, no database): properties over random
// sequences of events, requests and apply-service results, then the rules one by one.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  accessStateOf,
  begin,
  desiredOf,
  type Input,
  invariantViolations,
  MAX_APPLY_ATTEMPTS,
  type Outcome,
  type PlanSpeeds,
  type Service,
  step,
} from '../src/server/machine.ts';

const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const PLANS: readonly PlanSpeeds[] = [
  {
    planId: 'plan-100',
    downloadKbps: 100_000,
    uploadKbps: 20_000,
    burstKbps: null,
    burstThresholdKbps: null,
    burstTimeSeconds: null,
    dataCapGb: null,
    throttleKbps: null,
  },
  {
    planId: 'plan-500',
    downloadKbps: 500_000,
    uploadKbps: 100_000,
    burstKbps: 600_000,
    burstThresholdKbps: 400_000,
    burstTimeSeconds: 30,
    dataCapGb: 1000,
    throttleKbps: 10_000,
  },
  {
    planId: 'plan-20',
    downloadKbps: 20_000,
    uploadKbps: 5_000,
    burstKbps: null,
    burstThresholdKbps: null,
    burstTimeSeconds: null,
    dataCapGb: null,
    throttleKbps: null,
  },
];

/**
 * One step of a random history. Apply results name their revision relative to the service's
 * current one (0: this revision; -1: a stale run; 1: a run from the future, which cannot be).
 */
type Step =
  | { readonly kind: 'event'; readonly input: Input }
  | { readonly kind: 'request'; readonly input: Input }
  | { readonly kind: 'run'; readonly result: 'attempt-started' | 'applied' | 'apply-failed'; readonly offset: number };

const plan = fc.oneof({ arbitrary: fc.constantFrom(...PLANS), weight: 5 }, fc.constant(null));
const when = fc.integer({ min: 0, max: 30 }).map(at);
const mode = fc.constantFrom('walled-garden' as const, 'reject' as const);

/** The inputs the subscription.* and service.* events become. */
const eventInput: fc.Arbitrary<Input> = fc.oneof(
  fc.record({ kind: fc.constant('activated' as const), plan, at: when }),
  fc.record({
    kind: fc.constant('plan-changed' as const),
    plan,
    status: fc.constantFrom('active' as const, 'suspended' as const),
    at: when,
  }),
  fc.record({
    kind: fc.constant('subscription-suspended' as const),
    reason: fc.constantFrom('manual' as const, 'dunning' as const),
    mode,
    plan,
    at: when,
  }),
  fc.record({ kind: fc.constant('subscription-resumed' as const), plan, at: when }),
  { arbitrary: fc.record({ kind: fc.constant('subscription-cancelled' as const), plan, at: when }), weight: 1 },
  fc.record({ kind: fc.constant('billing-suspension' as const), mode, at: when }),
  fc.record({ kind: fc.constant('billing-restore' as const), at: when }),
  { arbitrary: fc.record({ kind: fc.constant('billing-termination' as const), at: when }), weight: 1 },
);

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('event' as const), input: eventInput }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      input: fc.constantFrom<Input>({ kind: 'credentials-set' }, { kind: 'reapply' }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      result: fc.constantFrom('attempt-started' as const, 'applied' as const, 'apply-failed' as const),
      offset: fc.constantFrom(0, 0, 0, -1, 1),
    }),
    weight: 4,
  },
);

/** The input a step sends to `service`. */
function inputOf(service: Service | null, s: Step): Input {
  if (s.kind !== 'run') return s.input;
  const revision = (service?.revision ?? 1) + s.offset;
  return s.result === 'apply-failed'
    ? { kind: s.result, revision, error: 'dotmac.radius: down' }
    : { kind: s.result, revision };
}

/** Runs `steps` from a service provisioning does not know yet; calls `each` after every step. */
function drive(
  hasCredentials: boolean,
  steps: readonly Step[],
  each: (before: Service | null, input: Input, outcome: Outcome) => void = () => {},
): Service | null {
  let service: Service | null = null;
  let credentials = hasCredentials;
  for (const s of steps) {
    const input = inputOf(service, s);
    if (input.kind === 'credentials-set') credentials = true;
    const outcome: Outcome = service === null ? begin(input, credentials) : step(service, input);
    each(service, input, outcome);
    service = outcome.service;
  }
  return service;
}

/** A service reached by a random history. */
const reachable: fc.Arbitrary<Service> = fc
  .record({
    hasCredentials: fc.boolean(),
    first: fc.record({
      kind: fc.constant('activated' as const),
      plan: fc.constantFrom(...PLANS),
      at: fc.constant(at(0)),
    }),
    steps: fc.array(stepArbitrary, { maxLength: 30 }),
  })
  .map(({ hasCredentials, first, steps }) => drive(hasCredentials, [{ kind: 'event', input: first }, ...steps]))
  .filter((s): s is Service => s !== null);

const isEvent = (input: Input) =>
  !['credentials-set', 'reapply', 'attempt-started', 'applied', 'apply-failed'].includes(input.kind);

describe('properties', () => {
  test('from any reachable state, any sequence of inputs yields a valid service', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(stepArbitrary, { maxLength: 60 }), (hasCredentials, steps) => {
        drive(hasCredentials, steps, (_before, input, outcome) => {
          if (outcome.service === null) return;
          expect(invariantViolations(outcome.service), `after ${JSON.stringify(input)}`).toEqual([]);
          if (outcome.apply) expect(outcome.service.state).toBe('provisioning');
        });
      }),
      { numRuns: 2000 },
    );
  });

  test('a cancelled or terminated service never comes back: it stays ended, and once deprovisioned it never changes', () => {
    fc.assert(
      fc.property(reachable, fc.array(stepArbitrary, { maxLength: 40 }), (start, steps) => {
        let service = start;
        for (const s of steps) {
          const next = step(service, inputOf(service, s)).service as Service;
          if (service.ended !== null) {
            expect(next.ended).toBe(service.ended);
            expect(desiredOf(next)).toBe('deprovisioned');
          }
          if (service.state === 'deprovisioned') expect(next).toEqual(service);
          service = next;
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("billing's restore never lifts the subscription's suspension, nor the subscription's resume billing's", () => {
    fc.assert(
      fc.property(reachable, when, (service, time) => {
        const restored = step(service, { kind: 'billing-restore', at: time }).service as Service;
        expect(restored.subscriptionSuspension).toEqual(service.subscriptionSuspension);
        if (service.subscriptionSuspension !== null && service.ended === null) {
          expect(desiredOf(restored)).toBe('suspended');
        }
        const resumed = step(service, { kind: 'subscription-resumed', plan: null, at: time }).service as Service;
        expect(resumed.billingSuspension).toEqual(service.billingSuspension);
        if (service.billingSuspension !== null && service.ended === null) expect(desiredOf(resumed)).toBe('suspended');
      }),
      { numRuns: 1000 },
    );
  });

  test('a plan change while suspended sets the speed the subscriber gets back once both sides lift', () => {
    fc.assert(
      fc.property(
        reachable.filter((s) => desiredOf(s) === 'suspended'),
        fc.constantFrom(...PLANS),
        (service, to) => {
          const later = at(60);
          const changed = step(service, { kind: 'plan-changed', plan: to, status: 'suspended', at: later });
          const suspended = changed.service as Service;
          expect(suspended.plan).toEqual(to);
          expect(desiredOf(suspended)).toBe('suspended');
          const resumed = step(suspended, { kind: 'subscription-resumed', plan: null, at: later }).service as Service;
          const restored = step(resumed, { kind: 'billing-restore', at: later });
          const back = restored.service as Service;
          expect(back.plan).toEqual(to);
          expect([desiredOf(back), accessStateOf(back)]).toEqual(['active', 'active']);
          expect(back.state).toBe(back.hasCredentials ? 'provisioning' : 'awaiting-credentials');
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('an event handled twice changes nothing the second time', () => {
    fc.assert(
      fc.property(reachable, eventInput, (service, input) => {
        const once = step(service, input).service as Service;
        const twice = step(once, input);
        expect(twice.changed).toBe(false);
        expect(twice.apply).toBe(false);
        expect(twice.service).toEqual(once);
      }),
      { numRuns: 1000 },
    );
  });

  test('an event older than the last one of its side changes nothing', () => {
    fc.assert(
      fc.property(reachable, eventInput, (service, input) => {
        if (!isEvent(input)) return;
        const billing = input.kind.startsWith('billing-');
        const asOf = billing ? service.billingAsOf : service.subscriptionAsOf;
        if (asOf === null || !('at' in input)) return;
        const stale = { ...input, at: new Date(Date.parse(asOf) - 1).toISOString() } as Input;
        expect(step(service, stale).changed).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  test('with every apply run succeeding, a service with credentials always settles in its desired state', () => {
    fc.assert(
      fc.property(fc.array(eventInput, { maxLength: 25 }), (inputs) => {
        let service: Service | null = null;
        for (const input of [{ kind: 'activated', plan: PLANS[0], at: at(0) } as Input, ...inputs]) {
          const outcome: Outcome = service === null ? begin(input, true) : step(service, input);
          service = outcome.service;
          if (service === null) continue;
          if (outcome.apply) {
            service = step(service, { kind: 'attempt-started', revision: service.revision }).service as Service;
            service = step(service, { kind: 'applied', revision: service.revision }).service as Service;
          }
          expect(service.state).toBe(desiredOf(service));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('rules', () => {
  const activated: Input = { kind: 'activated', plan: PLANS[0] as PlanSpeeds, at: at(0) };
  const converge = (s: Service) => {
    const started = step(s, { kind: 'attempt-started', revision: s.revision }).service as Service;
    return step(started, { kind: 'applied', revision: s.revision }).service as Service;
  };
  const running = () => converge(begin(activated, true).service as Service);

  test('an activated service without credentials waits for them, then is provisioned', () => {
    const waiting = begin(activated, false);
    expect([waiting.service?.state, waiting.apply]).toEqual(['awaiting-credentials', false]);
    const set = step(waiting.service, { kind: 'credentials-set' });
    expect([set.service?.state, set.apply, set.service?.revision]).toEqual(['provisioning', true, 2]);
  });

  test('a subscription event of a running service provisioning never saw starts it; a billing event does not', () => {
    expect(
      begin({ kind: 'subscription-resumed', plan: PLANS[1] as PlanSpeeds, at: at(0) }, true).service,
    ).toMatchObject({
      state: 'provisioning',
      plan: PLANS[1],
    });
    expect(begin({ kind: 'billing-suspension', mode: 'reject', at: at(0) }, true).service).toBeNull();
    expect(
      begin({ kind: 'plan-changed', plan: PLANS[1] as PlanSpeeds, status: 'suspended', at: at(0) }, true).service,
    ).toBeNull();
    expect(begin({ kind: 'activated', plan: null, at: at(0) }, true).service).toBeNull();
    expect(
      begin({ kind: 'subscription-cancelled', plan: PLANS[0] as PlanSpeeds, at: at(0) }, true).service,
    ).toMatchObject({
      state: 'deprovisioned',
      ended: 'cancelled',
    });
  });

  test('after five failed attempts the service fails with the last error; a reapply starts over', () => {
    let service = begin(activated, true).service as Service;
    const outcomes: Outcome[] = [];
    for (let i = 0; i < MAX_APPLY_ATTEMPTS; i++) {
      service = step(service, { kind: 'attempt-started', revision: service.revision }).service as Service;
      const failed = step(service, { kind: 'apply-failed', revision: service.revision, error: `down ${i + 1}` });
      outcomes.push(failed);
      service = failed.service as Service;
    }
    expect(outcomes.map((o) => o.apply)).toEqual([true, true, true, true, false]);
    expect(service).toMatchObject({ state: 'failed', attempts: 5, lastError: 'down 5' });
    const again = step(service, { kind: 'reapply' });
    expect(again.service).toMatchObject({ state: 'provisioning', attempts: 0, revision: service.revision + 1 });
    expect(again.apply).toBe(true);
  });

  test('a run that never reported counts: no sixth attempt starts', () => {
    let service = begin(activated, true).service as Service;
    for (let i = 0; i < MAX_APPLY_ATTEMPTS; i++) {
      service = step(service, { kind: 'attempt-started', revision: service.revision }).service as Service;
    }
    const sixth = step(service, { kind: 'attempt-started', revision: service.revision }).service as Service;
    expect(sixth).toMatchObject({ state: 'failed', attempts: 5, lastError: 'no apply run finished in 5 attempts' });
  });

  test('the result of a run on an older revision changes nothing', () => {
    const service = begin(activated, true).service as Service;
    const retargeted = step(service, { kind: 'billing-suspension', mode: 'reject', at: at(1) }).service as Service;
    expect(retargeted.revision).toBe(service.revision + 1);
    expect(step(retargeted, { kind: 'applied', revision: service.revision }).changed).toBe(false);
  });

  test('a second suspension that asks nothing new of the network is recorded but not applied', () => {
    const staff = step(running(), {
      kind: 'subscription-suspended',
      reason: 'manual',
      mode: 'reject',
      plan: null,
      at: at(1),
    });
    const suspended = converge(staff.service as Service);
    const billing = step(suspended, { kind: 'billing-suspension', mode: 'walled-garden', at: at(2) });
    expect([billing.changed, billing.apply, billing.service?.state]).toEqual([true, false, 'suspended']);
    expect(accessStateOf(billing.service as Service)).toBe('rejected');
  });

  test('new credentials are applied even when nothing else changed; a reapply of an active service too', () => {
    const service = running();
    expect(step(service, { kind: 'credentials-set' }).apply).toBe(true);
    expect(step(service, { kind: 'reapply' }).apply).toBe(true);
    expect(step(begin(activated, false).service, { kind: 'reapply' }).changed).toBe(false);
  });
});

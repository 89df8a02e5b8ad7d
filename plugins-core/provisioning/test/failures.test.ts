// When dotmac.network or dotmac.radius refuses: apply-service retries (5 attempts per revision),
// gives back the addresses it took for a service that never ran, fails the service with the
// error, and the retry route (or the next event) provisions it again. The stand-ins are told to
// refuse through their config (support/world.ts).
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  activeSubscriber,
  assignments,
  callsTo,
  events,
  expectStatus,
  failing,
  newTenant,
  PLANS,
  type Problem,
  publish,
  readService,
  type Service,
  setPppoe,
  startWorld,
  stateChanges,
  subscriber,
  until,
} from './support/world.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await startWorld();
});
afterAll(() => bed?.close());

const stateOf = async (tenant: string, subscriptionId: string) =>
  (await readService(bed, tenant, subscriptionId)).state;

/** Waits until the service is in `state` (retries run outside the event that started them). */
async function reaches(tenant: string, subscriptionId: string, state: string): Promise<Service> {
  await until(async () => (await stateOf(tenant, subscriptionId)) === state, `service ${subscriptionId} ${state}`);
  await bed.settle();
  return readService(bed, tenant, subscriptionId);
}

test('when the AAA step fails, each attempt gives back the address it took; after 5 the service fails, and a retry recovers it', async () => {
  const tenant = await newTenant(bed);
  await failing(bed, tenant, 'radius', ['upsertAccount']);
  const s = subscriber();
  await setPppoe(bed, tenant, s.subscriptionId, 'unlucky@fibre');
  await publish(bed, tenant, 'subscription.activated', events.activated(s));
  const failed = await reaches(tenant, s.subscriptionId, 'failed');
  expect(failed).toMatchObject({
    state: 'failed',
    desired: 'active',
    attempts: 5,
    addresses: { ipv4: null, ipv6Prefix: null },
    lastError: 'upsert-account: dotmac.radius.upsertAccount failed: dotmac.radius: upsertAccount was told to fail',
  });
  expect((await callsTo(bed, 'network', tenant)).map((c) => c.fn)).toEqual(
    Array.from({ length: 5 }, () => ['allocateAddress', 'releaseAddresses']).flat(),
  );
  expect((await callsTo(bed, 'radius', tenant)).map((c) => [c.fn, c.outcome])).toEqual(
    Array.from({ length: 5 }, () => ['upsertAccount', 'refused']),
  );
  expect(await assignments(bed, s.subscriptionId)).toEqual([]);
  const runs = failed.history?.filter((h) => h.attempt !== null).map((h) => [h.attempt, h.step, h.outcome]);
  expect(runs?.slice(0, 5)).toEqual([
    [1, 'attempt', 'ok'],
    [1, 'allocate-ipv4', 'ok'],
    [1, 'upsert-account', 'failed'],
    [1, 'release-addresses', 'compensated'],
    [1, 'apply', 'failed'],
  ]);
  expect(runs?.slice(-2)).toEqual([
    [5, 'release-addresses', 'compensated'],
    [5, 'apply', 'failed'],
  ]);
  expect(await stateChanges(bed, tenant, s.subscriptionId)).toEqual([
    ['null', 'provisioning'],
    ['provisioning', 'failed'],
  ]);
  const [changed] = (await bed.events({ tenant, name: 'provisioning.service-state-changed' })).filter(
    (e) => e.payload.state === 'failed',
  );
  expect(changed?.payload.error).toBe(failed.lastError);

  await failing(bed, tenant, 'radius', []);
  const retried = await bed.request<Service>(tenant, `POST /services/${s.subscriptionId}/retry`);
  expect(expectStatus(retried, 202)).toMatchObject({ state: 'provisioning', attempts: 0 });
  const active = await reaches(tenant, s.subscriptionId, 'active');
  expect(active).toMatchObject({ attempts: 1, lastError: null, addresses: { ipv4: '100.64.0.10' } });
  expect(active.history?.find((h) => h.step === 'retry')?.detail).toMatch(/^retried by the operator/);
  // Failing is no fault of the plugin: none was counted against it (five would stop it).
  expect(bed.logs.filter((l) => l.plugin === bed.pluginId && l.fault)).toEqual([]);
});

test('only a failed service is retried', async () => {
  const tenant = await newTenant(bed);
  const s = await activeSubscriber(bed, tenant, 'fine@fibre');
  const refused = await bed.request<Problem>(tenant, `POST /services/${s.subscriptionId}/retry`);
  expect(refused.status).toBe(409);
  expect(refused.body.detail).toContain('is active');
  expect((await bed.request(tenant, `POST /services/${subscriber().subscriptionId}/retry`)).status).toBe(404);
});

test('a service that ran keeps its address when a later apply fails, and the next event brings it back', async () => {
  const tenant = await newTenant(bed);
  const s = await activeSubscriber(bed, tenant, 'veteran@fibre');
  await failing(bed, tenant, 'radius', ['upsertAccount']);
  await publish(bed, tenant, 'subscription.plan-changed', events.planChanged(s, PLANS.fibre500));
  const failed = await reaches(tenant, s.subscriptionId, 'failed');
  expect(failed.addresses.ipv4).toBe('100.64.0.10');
  expect((await callsTo(bed, 'network', tenant)).map((c) => c.fn)).not.toContain('releaseAddresses');
  expect(await assignments(bed, s.subscriptionId)).toEqual([{ family: 'ipv4', address: '100.64.0.10' }]);

  await failing(bed, tenant, 'radius', []);
  await publish(bed, tenant, 'subscription.suspended', events.suspended({ ...s, plan: PLANS.fibre500 }, 'manual'));
  expect(await reaches(tenant, s.subscriptionId, 'suspended')).toMatchObject({
    plan: { downloadKbps: 500_000 },
    lastError: null,
  });
});

test('when no address can be had, nothing is given back and no AAA account is written', async () => {
  const tenant = await newTenant(bed);
  await failing(bed, tenant, 'network', ['allocateAddress']);
  const s = subscriber();
  await setPppoe(bed, tenant, s.subscriptionId, 'nopool@fibre');
  await publish(bed, tenant, 'subscription.activated', events.activated(s));
  const failed = await reaches(tenant, s.subscriptionId, 'failed');
  expect(failed.lastError).toContain('allocate-ipv4');
  expect((await callsTo(bed, 'network', tenant)).map((c) => c.fn)).toEqual(Array(5).fill('allocateAddress'));
  expect(await callsTo(bed, 'radius', tenant)).toEqual([]);
});

test('a failed deprovisioning is retried to the end; the addresses stay until the AAA account is gone', async () => {
  const tenant = await newTenant(bed);
  const s = await activeSubscriber(bed, tenant, 'sticky@fibre');
  await failing(bed, tenant, 'radius', ['removeAccount']);
  await publish(bed, tenant, 'subscription.cancelled', events.cancelled(s));
  const failed = await reaches(tenant, s.subscriptionId, 'failed');
  expect(failed).toMatchObject({ desired: 'deprovisioned', ended: 'cancelled' });
  expect((await callsTo(bed, 'network', tenant)).map((c) => c.fn)).not.toContain('releaseAddresses');

  await failing(bed, tenant, 'radius', []);
  expectStatus(await bed.request(tenant, `POST /services/${s.subscriptionId}/retry`), 202);
  expect(await reaches(tenant, s.subscriptionId, 'deprovisioned')).toMatchObject({
    addresses: { ipv4: null, ipv6Prefix: null },
  });
});

test('a failed attempt is retried after retryDelaySeconds', async () => {
  const tenant = await newTenant(bed, { retryDelaySeconds: 1 });
  await failing(bed, tenant, 'radius', ['upsertAccount']);
  const s = subscriber();
  await setPppoe(bed, tenant, s.subscriptionId, 'patient@fibre');
  await publish(bed, tenant, 'subscription.activated', events.activated(s));
  const waiting = await readService(bed, tenant, s.subscriptionId);
  expect(waiting).toMatchObject({ state: 'provisioning', attempts: 1 });
  expect(waiting.lastError).toContain('upsertAccount was told to fail');

  await failing(bed, tenant, 'radius', []);
  const active = await reaches(tenant, s.subscriptionId, 'active');
  expect(active.attempts).toBe(2);
});

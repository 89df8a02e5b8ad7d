// dotmac.provisioning in the real kernel and sandbox, following a service's life through the
// events dotmac.subscriptions and dotmac.billing publish, against stand-ins for dotmac.network
// and dotmac.radius that record every call (support/world.ts). `dotmac-plugin test` builds it first.
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  aaaAccount,
  activeSubscriber,
  assignments,
  callsTo,
  events,
  newTenant,
  PLANS,
  publish,
  readService,
  setPppoe,
  startWorld,
  stateChanges,
  subscriber,
} from './support/world.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await startWorld();
});
afterAll(() => bed?.close());

describe('activation', () => {
  test('an activated service waits for its credentials, then gets an address and an AAA account with the plan speeds', async () => {
    const tenant = await newTenant(bed);
    const s = subscriber(PLANS.fibre100);
    await publish(bed, tenant, 'subscription.activated', events.activated(s));
    const waiting = await readService(bed, tenant, s.subscriptionId);
    expect([waiting.state, waiting.desired, waiting.access]).toEqual(['awaiting-credentials', 'active', null]);
    expect(await callsTo(bed, 'radius', tenant)).toEqual([]);

    await setPppoe(bed, tenant, s.subscriptionId, 'ada@fibre');
    const active = await readService(bed, tenant, s.subscriptionId);
    expect(active).toMatchObject({
      state: 'active',
      desired: 'active',
      accessState: 'active',
      accountId: s.accountId,
      plan: { planId: PLANS.fibre100.id, downloadKbps: 100_000, uploadKbps: 20_000, burstKbps: 150_000 },
      access: { access: 'pppoe', username: 'ada@fibre', hasPassword: true },
      addresses: { ipv4: '100.64.0.10', ipv6Prefix: null },
      lastError: null,
    });
    expect(JSON.stringify(active)).not.toContain('correct-horse');
    expect(await callsTo(bed, 'network', tenant)).toEqual([
      {
        fn: 'allocateAddress',
        input: { subscriptionId: s.subscriptionId, family: 'ipv4', planId: PLANS.fibre100.id },
        outcome: 'ok',
      },
    ]);
    expect(await callsTo(bed, 'radius', tenant)).toEqual([
      {
        fn: 'upsertAccount',
        input: {
          subscriptionId: s.subscriptionId,
          accountId: s.accountId,
          access: 'pppoe',
          username: 'ada@fibre',
          password: 'correct-horse',
          downloadKbps: 100_000,
          uploadKbps: 20_000,
          burstKbps: 150_000,
          burstThresholdKbps: 80_000,
          burstTimeSeconds: 30,
          framedIp: '100.64.0.10',
          framedIpv6Prefix: null,
          state: 'active',
          dataCapGb: null,
          throttleKbps: null,
        },
        outcome: 'ok',
      },
    ]);
    expect(await stateChanges(bed, tenant, s.subscriptionId)).toEqual([
      ['null', 'awaiting-credentials'],
      ['awaiting-credentials', 'provisioning'],
      ['provisioning', 'active'],
    ]);
    expect(active.history?.map((h) => [h.step, h.outcome, h.state])).toEqual([
      ['subscription.activated', 'ok', 'awaiting-credentials'],
      ['access', 'ok', 'provisioning'],
      ['attempt', 'ok', 'provisioning'],
      ['allocate-ipv4', 'ok', 'provisioning'],
      ['upsert-account', 'ok', 'provisioning'],
      ['apply', 'ok', 'active'],
    ]);
  });

  test('credentials set before activation provision the service as soon as it is activated', async () => {
    const tenant = await newTenant(bed);
    const s = subscriber(PLANS.fibre500);
    const early = await setPppoe(bed, tenant, s.subscriptionId, 'grace@fibre');
    expect(early).toMatchObject({ username: 'grace@fibre', hasPassword: true, state: null });
    expect((await bed.request(tenant, `GET /services/${s.subscriptionId}`)).status).toBe(404);

    await publish(bed, tenant, 'subscription.activated', events.activated(s));
    const service = await readService(bed, tenant, s.subscriptionId);
    expect(service.state).toBe('active');
    const [upsert] = await callsTo(bed, 'radius', tenant);
    expect(upsert?.input).toMatchObject({
      username: 'grace@fibre',
      downloadKbps: 500_000,
      uploadKbps: 100_000,
      dataCapGb: 1000,
      throttleKbps: 10_000,
      burstKbps: null,
    });
    expect(await stateChanges(bed, tenant, s.subscriptionId)).toEqual([
      ['null', 'provisioning'],
      ['provisioning', 'active'],
    ]);
  });

  test('with ipv6 on, the service also gets a delegated prefix, sent to the AAA account', async () => {
    const tenant = await newTenant(bed, { ipv6: true });
    const s = await activeSubscriber(bed, tenant, 'v6@fibre');
    const service = await readService(bed, tenant, s.subscriptionId);
    expect(service.addresses).toEqual({ ipv4: '100.64.0.10', ipv6Prefix: '2001:db8:0:a00::/56' });
    expect((await callsTo(bed, 'network', tenant)).map((c) => c.input.family)).toEqual(['ipv4', 'ipv6']);
    expect((await aaaAccount(bed, s.subscriptionId))?.framed_ipv6_prefix).toBe('2001:db8:0:a00::/56');
  });

  test('a plan without internet service is not provisioned', async () => {
    const tenant = await newTenant(bed);
    const s = subscriber(PLANS.tv);
    await publish(bed, tenant, 'subscription.activated', events.activated(s));
    expect((await bed.request(tenant, `GET /services/${s.subscriptionId}`)).status).toBe(404);
  });
});

describe('suspension and restore', () => {
  test("dunning's suspension request walls the subscriber in, and the payment's restore brings them back", async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'dunned@fibre');
    await publish(
      bed,
      tenant,
      'service.suspension-requested',
      events.suspensionRequested(s.accountId, [s.subscriptionId], 'walled-garden'),
    );
    const suspended = await readService(bed, tenant, s.subscriptionId);
    expect(suspended).toMatchObject({
      state: 'suspended',
      desired: 'suspended',
      accessState: 'walled-garden',
      suspension: { subscription: null, billing: { mode: 'walled-garden' } },
    });
    expect((await aaaAccount(bed, s.subscriptionId))?.state).toBe('walled-garden');
    const upserts = (await callsTo(bed, 'radius', tenant)).filter((c) => c.fn === 'upsertAccount');
    expect(upserts.map((c) => c.input.state)).toEqual(['active', 'walled-garden']);

    await publish(bed, tenant, 'service.restore-requested', events.restoreRequested(s.accountId, [s.subscriptionId]));
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('active');
    expect((await aaaAccount(bed, s.subscriptionId))?.state).toBe('active');
    expect(await stateChanges(bed, tenant, s.subscriptionId)).toEqual([
      ['null', 'provisioning'],
      ['provisioning', 'active'],
      ['active', 'provisioning'],
      ['provisioning', 'suspended'],
      ['suspended', 'provisioning'],
      ['provisioning', 'active'],
    ]);
  });

  test('a reject-mode request rejects access; a request without subscriptions reaches every service the account pays for', async () => {
    const tenant = await newTenant(bed);
    const first = await activeSubscriber(bed, tenant, 'one@fibre');
    const second = await activeSubscriber(bed, tenant, 'two@fibre', PLANS.fibre500, first.accountId);
    const neighbour = await activeSubscriber(bed, tenant, 'neighbour@fibre');
    await publish(
      bed,
      tenant,
      'service.suspension-requested',
      events.suspensionRequested(first.accountId, [], 'reject'),
    );
    for (const s of [first, second]) {
      expect(await readService(bed, tenant, s.subscriptionId)).toMatchObject({
        state: 'suspended',
        accessState: 'rejected',
      });
      expect((await aaaAccount(bed, s.subscriptionId))?.state).toBe('rejected');
    }
    expect((await readService(bed, tenant, neighbour.subscriptionId)).state).toBe('active');
  });

  test("a staff suspension stays when billing's restore comes, and lifts only with the subscription's resume", async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'staff@fibre');
    await publish(bed, tenant, 'subscription.suspended', events.suspended(s, 'manual'));
    expect(await readService(bed, tenant, s.subscriptionId)).toMatchObject({
      state: 'suspended',
      accessState: 'rejected',
      suspension: { subscription: { reason: 'manual', mode: 'reject' }, billing: null },
    });
    await publish(
      bed,
      tenant,
      'service.suspension-requested',
      events.suspensionRequested(s.accountId, [s.subscriptionId], 'walled-garden'),
    );
    await publish(bed, tenant, 'service.restore-requested', events.restoreRequested(s.accountId, [s.subscriptionId]));
    const still = await readService(bed, tenant, s.subscriptionId);
    expect(still).toMatchObject({
      state: 'suspended',
      accessState: 'rejected',
      suspension: { subscription: { reason: 'manual', mode: 'reject' }, billing: null },
    });
    expect((await aaaAccount(bed, s.subscriptionId))?.state).toBe('rejected');

    await publish(bed, tenant, 'subscription.resumed', events.resumed(s, 'manual'));
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('active');
    expect((await aaaAccount(bed, s.subscriptionId))?.state).toBe('active');
  });

  test('a dunning suspension of the subscription sends the subscriber to the walled garden; staff suspensions follow manualSuspensionMode', async () => {
    const tenant = await newTenant(bed, { manualSuspensionMode: 'walled-garden' });
    const dunned = await activeSubscriber(bed, tenant, 'dunning@fibre');
    const manual = await activeSubscriber(bed, tenant, 'manual@fibre');
    await publish(bed, tenant, 'subscription.suspended', events.suspended(dunned, 'dunning'));
    await publish(bed, tenant, 'subscription.suspended', events.suspended(manual, 'manual'));
    expect((await aaaAccount(bed, dunned.subscriptionId))?.state).toBe('walled-garden');
    expect((await aaaAccount(bed, manual.subscriptionId))?.state).toBe('walled-garden');
  });

  test('a plan change while suspended changes the speed the subscriber gets back, not their suspension', async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'upgrade@fibre');
    await publish(bed, tenant, 'subscription.suspended', events.suspended(s, 'manual'));
    await publish(
      bed,
      tenant,
      'subscription.plan-changed',
      events.planChanged(s, PLANS.fibre500, { status: 'suspended' }),
    );
    const suspended = await readService(bed, tenant, s.subscriptionId);
    expect(suspended).toMatchObject({ state: 'suspended', plan: { planId: PLANS.fibre500.id, downloadKbps: 500_000 } });
    expect(await aaaAccount(bed, s.subscriptionId)).toMatchObject({ state: 'rejected', download_kbps: 500_000 });

    await publish(bed, tenant, 'subscription.resumed', events.resumed({ ...s, plan: PLANS.fibre500 }));
    expect(await aaaAccount(bed, s.subscriptionId)).toMatchObject({ state: 'active', download_kbps: 500_000 });
  });

  test('a scheduled plan change changes nothing until it takes effect', async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'later@fibre');
    const before = (await callsTo(bed, 'radius', tenant)).length;
    await publish(bed, tenant, 'subscription.plan-changed', events.planChanged(s, PLANS.fibre500, { scheduled: true }));
    expect((await readService(bed, tenant, s.subscriptionId)).plan.downloadKbps).toBe(100_000);
    expect(await callsTo(bed, 'radius', tenant)).toHaveLength(before);

    await publish(bed, tenant, 'subscription.plan-changed', events.planChanged(s, PLANS.fibre500));
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('active');
    expect(await aaaAccount(bed, s.subscriptionId)).toMatchObject({ download_kbps: 500_000, upload_kbps: 100_000 });
  });
});

describe('cancellation', () => {
  test('a cancelled service loses its AAA account, then its addresses, and never comes back', async () => {
    const tenant = await newTenant(bed, { ipv6: true });
    const s = await activeSubscriber(bed, tenant, 'leaving@fibre');
    await publish(bed, tenant, 'subscription.cancelled', events.cancelled(s, { scheduled: true }));
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('active');

    await publish(bed, tenant, 'subscription.cancelled', events.cancelled(s));
    const gone = await readService(bed, tenant, s.subscriptionId);
    expect(gone).toMatchObject({
      state: 'deprovisioned',
      desired: 'deprovisioned',
      ended: 'cancelled',
      addresses: { ipv4: null, ipv6Prefix: null },
    });
    const last = [...(await callsTo(bed, 'radius', tenant)), ...(await callsTo(bed, 'network', tenant))].filter(
      (c) => c.fn === 'removeAccount' || c.fn === 'releaseAddresses',
    );
    expect(last.map((c) => [c.fn, c.input])).toEqual([
      ['removeAccount', { subscriptionId: s.subscriptionId }],
      ['releaseAddresses', { subscriptionId: s.subscriptionId }],
    ]);
    expect(gone.history?.slice(-4).map((h) => h.step)).toEqual([
      'attempt',
      'remove-account',
      'release-addresses',
      'apply',
    ]);
    expect(await aaaAccount(bed, s.subscriptionId)).toBeUndefined();
    expect(await assignments(bed, s.subscriptionId)).toEqual([]);

    const calls = (await callsTo(bed, 'radius', tenant)).length;
    await publish(bed, tenant, 'subscription.resumed', events.resumed(s));
    await publish(bed, tenant, 'service.restore-requested', events.restoreRequested(s.accountId, [s.subscriptionId]));
    const after = await bed.request(tenant, `PUT /services/${s.subscriptionId}/access`, {
      access: 'pppoe',
      username: 'back@fibre',
      password: 'let-me-in',
    });
    expect(after.status).toBe(409);
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('deprovisioned');
    expect(await callsTo(bed, 'radius', tenant)).toHaveLength(calls);
  });

  test("billing's termination request deprovisions the service", async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'unpaid@fibre');
    await publish(
      bed,
      tenant,
      'service.termination-requested',
      events.terminationRequested(s.accountId, [s.subscriptionId]),
    );
    expect(await readService(bed, tenant, s.subscriptionId)).toMatchObject({
      state: 'deprovisioned',
      ended: 'terminated',
    });
    expect(await aaaAccount(bed, s.subscriptionId)).toBeUndefined();
  });

  test('a service cancelled before it had credentials is deprovisioned without touching the network', async () => {
    const tenant = await newTenant(bed);
    const s = subscriber();
    await publish(bed, tenant, 'subscription.activated', events.activated(s));
    await publish(bed, tenant, 'subscription.cancelled', events.cancelled(s));
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('deprovisioned');
    expect([...(await callsTo(bed, 'radius', tenant)), ...(await callsTo(bed, 'network', tenant))]).toEqual([]);
  });
});

describe('events', () => {
  test('an event delivered twice is handled once', async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'twice@fibre');
    const id = await publish(
      bed,
      tenant,
      'service.suspension-requested',
      events.suspensionRequested(s.accountId, [s.subscriptionId], 'walled-garden'),
    );
    await publish(bed, tenant, 'service.restore-requested', events.restoreRequested(s.accountId, [s.subscriptionId]));
    const [delivered] = await bed.events({ tenant, name: 'service.suspension-requested' });
    expect(delivered?.id).toBe(id);
    const calls = (await callsTo(bed, 'radius', tenant)).length;

    // The bus delivers at least once: hand the same event to the plugin again, as a redelivery does.
    const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === bed.pluginId)?.sandbox;
    await sandbox?.invoke(tenant, 'event', delivered);
    await bed.settle();
    expect((await readService(bed, tenant, s.subscriptionId)).state).toBe('active');
    expect(await callsTo(bed, 'radius', tenant)).toHaveLength(calls);
  });

  test('an event older than the last one of its side changes nothing', async () => {
    const tenant = await newTenant(bed);
    const s = await activeSubscriber(bed, tenant, 'late@fibre');
    bed.clock.advance(60_000);
    await publish(bed, tenant, 'service.restore-requested', events.restoreRequested(s.accountId, [s.subscriptionId]));
    // A suspension request published before that restore, delivered after it.
    const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === bed.pluginId)?.sandbox;
    await sandbox?.invoke(tenant, 'event', {
      id: '00000000-0000-4000-8000-00000000beef',
      name: 'service.suspension-requested',
      tenantId: tenant,
      payload: events.suspensionRequested(s.accountId, [s.subscriptionId], 'reject'),
      occurredAt: new Date(Date.parse(bed.clock.now().toISOString()) - 30_000).toISOString(),
    });
    await bed.settle();
    const service = await readService(bed, tenant, s.subscriptionId);
    expect(service.state).toBe('active');
    expect(service.history?.at(-1)).toMatchObject({ step: 'service.suspension-requested', outcome: 'ignored' });
  });

  test('a service running before provisioning was enabled is picked up at its next event', async () => {
    const tenant = await newTenant(bed);
    const s = subscriber();
    await setPppoe(bed, tenant, s.subscriptionId, 'veteran@fibre');
    await publish(bed, tenant, 'subscription.suspended', events.suspended(s, 'dunning'));
    expect(await readService(bed, tenant, s.subscriptionId)).toMatchObject({
      state: 'suspended',
      accessState: 'walled-garden',
    });
  });
});

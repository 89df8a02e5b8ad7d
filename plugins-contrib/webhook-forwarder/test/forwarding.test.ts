// The webhook forwarder in the real kernel and sandbox, posting to receivers on loopback. The
// operator allows loopback and plain http for egress here (PLUGIN_EGRESS_ALLOW_NETWORKS,
// PLUGIN_EGRESS_ALLOW_HTTP), as an ISP would for a receiver inside its own network.
import { createHmac, randomUUID } from 'node:crypto';
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type Receiver, startReceiver } from './receiver.ts';

interface Attempt {
  deliveryId: string;
  event: string;
  url: string;
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  attemptedAt: string;
}

const START = '2026-03-02T08:00:00.000Z';
const SECRET = 'whsec-isp-a-0123456789';
const DAY = 24 * 3600_000;

let bed: Testbed;
let receiver: Receiver;

beforeAll(async () => {
  bed = await createTestbed({
    clock: START,
    settings: { PLUGIN_EGRESS_ALLOW_NETWORKS: '127.0.0.0/8', PLUGIN_EGRESS_ALLOW_HTTP: 'true' },
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await bed?.close();
});
afterEach(() => {
  receiver.received.length = 0;
  bed.clock.set(START);
});

/** A new tenant whose operator set the forwarder up: `url` on the receiver, the signing secret. */
async function tenantForwarding(config: Record<string, unknown>, secret: string | null = SECRET): Promise<string> {
  const tenant = await bed.tenant();
  await bed.setConfig(tenant, config);
  if (secret !== null) await bed.setSecret(tenant, 'SIGNING_SECRET', secret);
  return tenant;
}

const plan = {
  id: randomUUID(),
  code: 'FIBRE-100',
  name: 'Fibre 100',
  kind: 'internet',
  version: 1,
  price: '29.90',
  prices: { EUR: '29.90' },
  billingCycle: 'monthly',
  payment: 'prepaid',
  taxClass: null,
  contractMonths: 0,
  earlyTerminationFee: null,
  internet: null,
};

function subscriptionCreated() {
  const accountId = randomUUID();
  return {
    subscriptionId: randomUUID(),
    accountId,
    payerId: accountId,
    currency: 'EUR',
    status: 'pending',
    plan,
    activatedAt: null,
    termEndsAt: null,
    nextCycleAt: null,
    createdAt: START,
  };
}

function subscriptionSuspended() {
  const { createdAt: _, ...subscription } = subscriptionCreated();
  return {
    ...subscription,
    status: 'suspended',
    previousStatus: 'active',
    activatedAt: '2026-01-01T00:00:00.000Z',
    reason: 'dunning',
    note: 'Invoice INV-000042 is 30 days overdue — «suspendu»',
    suspendedAt: START,
  };
}

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const deliveries = async (tenant: string, query = '') => {
  const answer = await bed.request<{ items: Attempt[] }>(tenant, `GET /deliveries${query}`);
  expect(answer.status).toBe(200);
  return answer.body.items;
};

/** PUT of a tenant's config as the operator makes it, answered as it is (refusals included). */
async function putConfig(tenant: string, config: unknown) {
  const answer = await fetch(`${bed.url}/api/v1/admin/tenants/${tenant}/plugins/${bed.pluginId}/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${bed.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  const body = (await answer.json()) as { errors?: { pointer: string }[] };
  return { status: answer.status, type: answer.headers.get('content-type'), body };
}

describe('contrib.webhook-forwarder', () => {
  test('an event the tenant chose is POSTed to its URL as JSON, signed with HMAC-SHA256 of the exact body', async () => {
    const tenant = await tenantForwarding({
      url: `${receiver.origin}/hooks/isp-a?token=t0k3n`,
      events: ['subscription.*'],
    });
    const payload = subscriptionSuspended();
    const id = await bed.publish(tenant, 'subscription.suspended', payload);
    await bed.delivered(id);

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/isp-a?token=t0k3n' });
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-dotmac-event': 'subscription.suspended',
      'x-dotmac-delivery': id,
      'x-dotmac-signature': sign(request?.body ?? ''),
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      id,
      type: 'subscription.suspended',
      occurredAt: START,
      tenant,
      data: payload,
    });
    expect(await deliveries(tenant)).toEqual([
      {
        deliveryId: id,
        event: 'subscription.suspended',
        url: `${receiver.origin}/hooks/isp-a`,
        delivered: true,
        statusCode: 204,
        error: null,
        attemptedAt: START,
      },
    ]);
  });

  test('an event outside the tenant’s patterns is not sent', async () => {
    const tenant = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['subscription.suspended'] });
    const created = await bed.publish(tenant, 'subscription.created', subscriptionCreated());
    const suspended = await bed.publish(tenant, 'subscription.suspended', subscriptionSuspended());
    await bed.delivered(created);
    await bed.delivered(suspended);
    expect(receiver.received.map((r) => r.headers['x-dotmac-delivery'])).toEqual([suspended]);
    expect((await deliveries(tenant)).map((d) => d.deliveryId)).toEqual([suspended]);
  });

  test('a receiver answering 500 fails the delivery; the kernel retries and the next attempt is delivered', async () => {
    const tenant = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['subscription.**'] });
    receiver.reply(500);
    const id = await bed.publish(tenant, 'subscription.created', subscriptionCreated());
    const [delivery] = await bed.delivered(id);
    expect(delivery).toMatchObject({ subscriber: `plugin:${bed.pluginId}`, status: 'delivered', attempts: 2 });

    // The retry is the same delivery: same id, same body, same signature.
    const [first, retry] = receiver.received;
    expect(receiver.received).toHaveLength(2);
    expect(retry?.body).toBe(first?.body);
    expect(retry?.headers['x-dotmac-delivery']).toBe(id);
    expect(retry?.headers['x-dotmac-signature']).toBe(first?.headers['x-dotmac-signature']);
    expect(await deliveries(tenant, '?outcome=failed')).toEqual([
      expect.objectContaining({
        deliveryId: id,
        delivered: false,
        statusCode: 500,
        error: 'the receiver answered 500: refused with 500',
      }),
    ]);
    expect(await deliveries(tenant, '?outcome=delivered')).toEqual([
      expect.objectContaining({ deliveryId: id, delivered: true, statusCode: 204 }),
    ]);
  });

  test('a receiver that keeps refusing dead-letters the event after the last attempt, naming its answer', async () => {
    const tenant = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['**'] });
    receiver.reply(503, 503, 503);
    const id = await bed.publish(tenant, 'subscription.created', subscriptionCreated());
    await expect(bed.delivered(id)).rejects.toThrow(/dead-lettered .* after 3 attempts: .*the receiver answered 503/);
    expect(receiver.received).toHaveLength(3);
    expect(await deliveries(tenant, '?outcome=failed')).toHaveLength(3);
  });

  test('after a receiver gave no answer, deliveries to it wait 30 s instead of each waiting for it', async () => {
    const tenant = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['**'] });
    receiver.reply('hang-up');
    const first = await bed.publish(tenant, 'subscription.created', subscriptionCreated());
    await expect(bed.delivered(first)).rejects.toThrow(
      /not sent: the receiver gave no answer a moment ago, trying again from 2026-03-02T08:00:30.000Z \(.*(socket hang up|ECONNRESET)\)/,
    );
    // One connection: the retries came within the pause and were not sent.
    expect(receiver.received).toHaveLength(1);
    const attempts = await deliveries(tenant);
    expect(attempts.map((a) => a.error?.slice(0, 13))).toEqual(['not sent: the', 'not sent: the', 'no answer: pl']);
    expect(attempts[2]?.error).toMatch(/(socket hang up|ECONNRESET)$/);

    bed.clock.advance(31_000);
    const second = await bed.publish(tenant, 'subscription.created', subscriptionCreated());
    await bed.delivered(second);
    expect(receiver.received.map((r) => r.headers['x-dotmac-delivery'])).toEqual([first, second]);
  });

  test('tenant B’s URL never receives tenant A’s events, and each tenant lists only its own deliveries', async () => {
    const other = await startReceiver();
    try {
      const ispA = await tenantForwarding({ url: `${receiver.origin}/isp-a`, events: ['**'] });
      const ispB = await tenantForwarding({ url: `${other.origin}/isp-b`, events: ['**'] }, 'whsec-isp-b');
      const fromA = await bed.publish(ispA, 'subscription.created', subscriptionCreated());
      const fromB = await bed.publish(ispB, 'subscription.created', subscriptionCreated());
      await bed.delivered(fromA);
      await bed.delivered(fromB);

      expect(receiver.received.map((r) => r.headers['x-dotmac-delivery'])).toEqual([fromA]);
      expect(other.received.map((r) => r.headers['x-dotmac-delivery'])).toEqual([fromB]);
      // Each is signed with its own tenant's secret.
      expect(other.received[0]?.headers['x-dotmac-signature']).toBe(sign(other.received[0]?.body ?? '', 'whsec-isp-b'));
      expect(JSON.parse(other.received[0]?.body ?? '')).toMatchObject({ tenant: ispB });
      expect((await deliveries(ispA)).map((d) => d.deliveryId)).toEqual([fromA]);
      expect((await deliveries(ispB)).map((d) => d.deliveryId)).toEqual([fromB]);
    } finally {
      await other.close();
    }
  });

  test('nothing is sent without the signing secret, while paused, or before the operator sets a URL', async () => {
    const unsigned = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['**'] }, null);
    const id = await bed.publish(unsigned, 'subscription.created', subscriptionCreated());
    await expect(bed.delivered(id)).rejects.toThrow(/not sent: the operator has not set the secret SIGNING_SECRET/);

    const paused = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['**'], enabled: false });
    const unconfigured = await bed.tenant();
    await bed.delivered(await bed.publish(paused, 'subscription.created', subscriptionCreated()));
    await bed.delivered(await bed.publish(unconfigured, 'subscription.created', subscriptionCreated()));
    expect(receiver.received).toEqual([]);
    expect(await deliveries(paused)).toEqual([]);
  });

  test('a config is refused with problem+json naming each bad field, and the old one stays', async () => {
    const tenant = await tenantForwarding({ url: `${receiver.origin}/kept`, events: ['subscription.created'] });
    const refusals = [
      [{ events: ['invoice.*'] }, '/config/url'],
      [{ url: 'ftp://hooks.example.com/in', events: ['invoice.*'] }, '/config/url'],
      [{ url: 'not a url', events: ['invoice.*'] }, '/config/url'],
      [{ url: 'https://hooks.example.com/in', events: [] }, '/config/events'],
      [{ url: 'https://hooks.example.com/in', events: ['network.device-saved'] }, '/config/events/0'],
      [{ url: 'https://hooks.example.com/in', events: ['invoice'] }, '/config/events/0'],
      [{ url: 'https://hooks.example.com/in', events: ['invoice.*'], secret: 'x' }, '/config/secret'],
    ] as const;
    for (const [config, pointer] of refusals) {
      const refused = await putConfig(tenant, config);
      expect(refused.status, JSON.stringify(config)).toBe(400);
      expect(refused.type).toContain('application/problem+json');
      expect(
        (refused.body.errors ?? []).map((e) => e.pointer),
        JSON.stringify(config),
      ).toContain(pointer);
    }
    await bed.delivered(await bed.publish(tenant, 'subscription.created', subscriptionCreated()));
    expect(receiver.received.map((r) => r.path)).toEqual(['/kept']);
  });

  test('a test delivery sends a signed webhook.test now and answers how it went, refusals included', async () => {
    const tenant = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['invoice.*'] });
    const sent = await bed.request<Attempt>(tenant, 'POST /test-deliveries');
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ event: 'webhook.test', delivered: true, statusCode: 204, error: null });
    const [request] = receiver.received;
    expect(request?.headers).toMatchObject({
      'x-dotmac-event': 'webhook.test',
      'x-dotmac-delivery': sent.body.deliveryId,
      'x-dotmac-signature': sign(request?.body ?? ''),
    });
    expect(JSON.parse(request?.body ?? '')).toMatchObject({ id: sent.body.deliveryId, type: 'webhook.test', tenant });

    receiver.reply(401);
    const refused = await bed.request<Attempt>(tenant, 'POST /test-deliveries');
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({
      delivered: false,
      statusCode: 401,
      error: 'the receiver answered 401: refused with 401',
    });

    const unconfigured = await bed.tenant();
    const nowhere = await bed.request<{ detail: string }>(unconfigured, 'POST /test-deliveries');
    expect(nowhere.status).toBe(409);
    expect(nowhere.body.detail).toContain('no webhook URL is configured');
  });

  test('the prune-deliveries cron job forgets attempts older than 30 days', async () => {
    const tenant = await tenantForwarding({ url: `${receiver.origin}/hooks`, events: ['**'] });
    const old = await bed.publish(tenant, 'subscription.created', subscriptionCreated());
    await bed.delivered(old);
    bed.clock.advance(20 * DAY);
    const recent = await bed.publish(tenant, 'subscription.created', subscriptionCreated());
    await bed.delivered(recent);

    bed.clock.advance(11 * DAY);
    await bed.runCron('prune-deliveries');
    expect((await deliveries(tenant)).map((d) => d.deliveryId)).toEqual([recent]);
  });
});

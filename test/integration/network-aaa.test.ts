// The loop between billing and the network, end to end on real components: the core plugins in a
// kernel on PostgreSQL, a real FreeRADIUS reading dotmac.radius's tables, `radclient` sending what
// a NAS sends, and a test NAS on loopback taking CoA and Disconnect-Requests. A subscriber is
// activated and authenticates at the plan's speed with the allocated address; an upgrade reaches
// the online session by CoA; accounting becomes usage, the cap throttles by CoA and the next
// invoice charges the overage; dunning disconnects into the walled garden and a payment restores.
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pluginDbNames } from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ReceivedPacket, startTestNas, type TestNas } from '../../plugins-core/radius/test/support/test-nas.ts';
import { type FreeRadius, radclient, startFreeRadius } from '../support/freeradius.ts';
import { call, type HttpAnswer } from '../support/http.ts';
import { bootTestKernel, type TestKernel } from '../support/kernel.ts';
import { createMailbox, createTenantWithOwner, type Installation } from '../support/portal-users.ts';

const CORE = fileURLToPath(new URL('../../plugins-core/', import.meta.url));
const ADMIN_TOKEN = randomUUID();
const HOST = 'aaa.isp.test';
const NAS_SECRET = 'nas-shared-secret';
const P = {
  catalog: '/api/v1/p/dotmac.catalog',
  subscriptions: '/api/v1/p/dotmac.subscriptions',
  billing: '/api/v1/p/dotmac.billing',
  network: '/api/v1/p/dotmac.network',
  radius: '/api/v1/p/dotmac.radius',
  provisioning: '/api/v1/p/dotmac.provisioning',
};
const RADIUS_SCHEMA = pluginDbNames('dotmac.radius').schema;
const DAY = 86_400_000;
const MB = 1_000_000;

/** Invoices due on issue; a suspension one day overdue; the plans' usage over 1 GB at 2.00/GB. */
const BILLING_CONFIG = {
  paymentTermsDays: 0,
  dunning: { graceDays: 0, steps: [{ name: 'suspend', afterDays: 1, action: 'suspend' }] },
  usagePricing: {
    'FIBRE-20': { kind: 'overage', includedGb: '1', pricePerGb: '2.00' },
    'FIBRE-50': { kind: 'overage', includedGb: '1', pricePerGb: '2.00' },
  },
};

/** The kernel's clock: real time, moved on by the test for dunning and the next cycle. */
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestKernel;
let at: Installation;
let tenantId: string;
let nas: TestNas;
let radius: FreeRadius;
const plans = { fibre20: '', fibre50: '' };
let accountId: string;
let subscriptionId: string;
let framedIp: string;
const USERNAME = 'ada@fibre';
const PASSWORD = 'correct-horse-7';

/** Calls a route as the ISP's staff would; as the operator, since the test moves the clock past a login's life. */
const as = (path: string, init: { method?: string; body?: unknown } = {}) =>
  call(at.url, path, { ...init, token: ADMIN_TOKEN, headers: { 'x-dotmac-tenant': tenantId } });

/** What provisioning and RADIUS hold for the subscription: appended to a failure's message. */
async function diagnosis(): Promise<string> {
  const parts = await Promise.all([
    as(`${P.provisioning}/services/${subscriptionId}`),
    as(`${P.radius}/accounts/${subscriptionId}`),
    as(`${P.radius}/changes?subscriptionId=${subscriptionId}`),
  ]);
  return parts.map((p) => p.text.slice(0, 3000)).join('\n');
}

/** The first request the test NAS receives that matches; on a timeout, says what the plugins hold. */
async function nasReceives(what: (p: ReceivedPacket) => boolean, timeoutMs = 30_000): Promise<ReceivedPacket> {
  try {
    return await nas.waitFor(what, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${await diagnosis()}`);
  }
}

function expectStatus(answer: HttpAnswer, status: number): HttpAnswer {
  expect(answer.status, `${status} expected: ${answer.text.slice(0, 800)}`).toBe(status);
  return answer;
}

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function operator(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  return call(at.url, path, { method, body, token: ADMIN_TOKEN });
}

/** Waits until provisioning shows the subscription's service in `state`; says where it is otherwise. */
async function untilState(state: string, id = subscriptionId): Promise<void> {
  let last: unknown;
  try {
    await until(`the service is ${state}`, async () => {
      const answer = await as(`${P.provisioning}/services/${id}`);
      last = answer.body;
      return answer.status === 200 && (last as { state: string }).state === state;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${JSON.stringify(last)}\n${await diagnosis()}`);
  }
}

/** An Access-Request as the NAS sends it for a PPPoE subscriber (PAP). */
const signIn = (password = PASSWORD) =>
  radclient({
    port: radius.authPort,
    secret: NAS_SECRET,
    kind: 'auth',
    attributes: { 'User-Name': USERNAME, 'User-Password': password, 'NAS-IP-Address': '127.0.0.1' },
  });

/** An Accounting-Request for session `id` with these counters (bytes). */
const account = (status: 'Start' | 'Interim-Update' | 'Stop', id: string, input = 0, output = 0) =>
  radclient({
    port: radius.acctPort,
    secret: NAS_SECRET,
    kind: 'acct',
    attributes: {
      'Acct-Status-Type': status,
      'User-Name': USERNAME,
      'Acct-Session-Id': id,
      'NAS-IP-Address': '127.0.0.1',
      'Framed-IP-Address': framedIp,
      'Acct-Input-Octets': String(input % 2 ** 32),
      'Acct-Input-Gigawords': String(Math.floor(input / 2 ** 32)),
      'Acct-Output-Octets': String(output % 2 ** 32),
      'Acct-Output-Gigawords': String(Math.floor(output / 2 ** 32)),
      ...(status === 'Stop' ? { 'Acct-Terminate-Cause': 'User-Request' } : {}),
    },
  });

const attribute = (packet: ReceivedPacket, name: string) => packet.attributes.find((a) => a.name === name)?.value;

async function createPlan(code: string, downloadKbps: number, uploadKbps: number): Promise<string> {
  const plan = await as(`${P.catalog}/plans`, {
    method: 'POST',
    body: {
      code,
      name: code,
      kind: 'internet',
      prices: { USD: '30.00' },
      billingCycle: 'monthly',
      payment: 'prepaid',
      contractMonths: 0,
      internet: { downloadKbps, uploadKbps, dataCapGb: 1, fairUse: { policy: 'throttle', throttleKbps: 1000 } },
    },
  });
  return expectStatus(plan, 201).body.id as string;
}

beforeAll(async () => {
  // On CoA's own port: the plugin may only send to the ports its manifest declares (3799, 1700).
  nas = await startTestNas({ secret: NAS_SECRET, port: 3799 });
  const mailbox = createMailbox();
  t = await bootTestKernel({
    db: 'postgresql',
    env: { ADMIN_TOKEN, SECRETS_KEY: randomBytes(32).toString('base64'), DATAGRAM_ALLOW_NETWORKS: '127.0.0.0/8' },
    pluginRoots: [CORE],
    mailer: mailbox.mailer,
    clock,
  });
  await t.kernel.start();
  at = { url: t.kernel.url as string, adminToken: ADMIN_TOKEN, mailbox };
  ({ id: tenantId } = await createTenantWithOwner(at, 'aaa-isp', HOST, [
    'dotmac.customers',
    'dotmac.catalog',
    'dotmac.subscriptions',
    'dotmac.billing',
    'dotmac.network',
    'dotmac.radius',
    'dotmac.provisioning',
  ]));
  expectStatus(
    await operator('PUT', `/api/v1/admin/tenants/${tenantId}/plugins/dotmac.billing/config`, BILLING_CONFIG),
    200,
  );

  const site = expectStatus(
    await as(`${P.network}/sites`, {
      method: 'POST',
      body: { name: 'Harbour POP', kind: 'pop', coordinates: { lat: 6.45, lng: 3.39 } },
    }),
    201,
  ).body;
  expectStatus(
    await as(`${P.network}/devices`, {
      method: 'POST',
      body: {
        kind: 'nas',
        name: 'harbour-bng',
        vendor: 'mikrotik',
        model: 'CCR2004',
        siteId: site.id,
        managementAddress: '127.0.0.1',
        radiusSecret: NAS_SECRET,
        coaPort: nas.port,
      },
    }),
    201,
  );
  expectStatus(
    await as(`${P.network}/pools`, {
      method: 'POST',
      body: { name: 'harbour-cgnat', cidr: '100.64.0.0/22', kind: 'dynamic', siteId: site.id },
    }),
    201,
  );
  expect(expectStatus(await as(`${P.radius}/nas/sync`, { method: 'POST' }), 200).body).toEqual({ nas: 1 });
  radius = await startFreeRadius({ databaseUrl: t.kernel.config.DATABASE_URL as string, schema: RADIUS_SCHEMA });

  plans.fibre20 = await createPlan('FIBRE-20', 20_000, 5_000);
  plans.fibre50 = await createPlan('FIBRE-50', 50_000, 10_000);
  accountId = expectStatus(
    await as('/api/v1/p/dotmac.customers/accounts', {
      method: 'POST',
      body: { kind: 'residential', name: 'Ada Lovelace', currency: 'USD', status: 'active' },
    }),
    201,
  ).body.id;
  subscriptionId = expectStatus(
    await as(`${P.subscriptions}/subscriptions`, { method: 'POST', body: { accountId, planId: plans.fibre20 } }),
    201,
  ).body.id;
}, 240_000);

afterAll(async () => {
  await radius?.stop();
  await t?.dispose();
  await nas?.close();
});

describe('a subscriber from activation to the next invoice, on FreeRADIUS', { timeout: 120_000 }, () => {
  test('activation: a PAP Access-Request is accepted with the plan’s rate limit and the allocated address', async () => {
    expectStatus(
      await as(`${P.provisioning}/services/${subscriptionId}/access`, {
        method: 'PUT',
        body: { access: 'pppoe', username: USERNAME, password: PASSWORD },
      }),
      200,
    );
    expectStatus(
      await as(`${P.subscriptions}/subscriptions/${subscriptionId}/activate`, { method: 'POST', body: {} }),
      200,
    );
    await untilState('active');

    const assigned = expectStatus(await as(`${P.network}/assignments?subscriptionId=${subscriptionId}`), 200).body
      .items as { address: string }[];
    expect(assigned).toHaveLength(1);
    framedIp = assigned[0]?.address as string;
    expect(framedIp).toMatch(/^100\.64\.[0-3]\.\d+$/);

    const accepted = await signIn();
    expect(accepted.code).toBe('Access-Accept');
    // MikroTik's rx/tx is the router's view: the subscriber's upload first.
    expect(accepted.attributes['Mikrotik-Rate-Limit']).toEqual(['5M/20M']);
    expect(accepted.attributes['Framed-IP-Address']).toEqual([framedIp]);

    expect((await signIn('wrong-password')).code).toBe('Access-Reject');
  });

  test('an upgrade reaches the online session by CoA with the new rate', async () => {
    expect((await account('Start', 'S-1')).code).toBe('Accounting-Response');
    expectStatus(
      await as(`${P.subscriptions}/subscriptions/${subscriptionId}/change-plan`, {
        method: 'POST',
        body: { planId: plans.fibre50, when: 'now' },
      }),
      200,
    );
    const coa = await nasReceives(
      (p) => p.code === 'CoA-Request' && attribute(p, 'Mikrotik-Rate-Limit') === '10M/50M',
      30_000,
    );
    expect(attribute(coa, 'User-Name')).toBe(USERNAME);
    expect(attribute(coa, 'Acct-Session-Id')).toBe('S-1');
    expect(coa.messageAuthenticator).toBe(true);
    await until('the CoA is recorded as acknowledged', async () => {
      const page = expectStatus(await as(`${P.radius}/changes?subscriptionId=${subscriptionId}`), 200).body;
      return page.items.some((c: { kind: string; status: string }) => c.kind === 'coa' && c.status === 'ack');
    });
    expect((await signIn()).attributes['Mikrotik-Rate-Limit']).toEqual(['10M/50M']);
  });

  test('accounting becomes usage per day; crossing the cap throttles the session by CoA', async () => {
    expect((await account('Interim-Update', 'S-1', 300 * MB, 500 * MB)).code).toBe('Accounting-Response');
    const first = expectStatus(await as(`${P.radius}/accounting/ingest`, { method: 'POST' }), 200).body;
    expect(first).toMatchObject({ sessions: 1, throttled: 0 });
    const today = new Date().toISOString().slice(0, 10);
    const usage = async () =>
      expectStatus(await as(`${P.radius}/usage?subscriptionId=${subscriptionId}&from=${today}&to=${today}`), 200).body
        .items;
    expect(await usage()).toEqual([
      {
        subscriptionId,
        day: today,
        bytes: String(800 * MB),
        downloadBytes: String(500 * MB),
        uploadBytes: String(300 * MB),
      },
    ]);

    // 1.5 GB, over the 1 GB cap: the throttle (1,000 kbit/s) goes to the session live.
    expect((await account('Interim-Update', 'S-1', 500 * MB, 1000 * MB)).code).toBe('Accounting-Response');
    const second = expectStatus(await as(`${P.radius}/accounting/ingest`, { method: 'POST' }), 200).body;
    expect(second).toMatchObject({ sessions: 1, throttled: 1 });
    const throttle = await nasReceives(
      (p) => p.code === 'CoA-Request' && attribute(p, 'Mikrotik-Rate-Limit') === '1M/1M',
      30_000,
    );
    expect(attribute(throttle, 'Acct-Session-Id')).toBe('S-1');
    // Acct-Output-Octets is what the NAS sent the subscriber: their download.
    expect(await usage()).toEqual([
      {
        subscriptionId,
        day: today,
        bytes: String(1500 * MB),
        downloadBytes: String(1000 * MB),
        uploadBytes: String(500 * MB),
      },
    ]);

    // A Stop with the same totals adds nothing; billing has the day.
    expect((await account('Stop', 'S-1', 500 * MB, 1000 * MB)).code).toBe('Accounting-Response');
    expect(expectStatus(await as(`${P.radius}/accounting/ingest`, { method: 'POST' }), 200).body.sessions).toBe(0);
    const [billed] = await t.kernel.db.query<{ bytes: string }>(
      `select bytes::text from "${pluginDbNames('dotmac.billing').schema}".usage_records where service_id = $1`,
      [subscriptionId],
    );
    expect(billed?.bytes).toBe(String(1500 * MB));
    expect((await signIn()).attributes['Mikrotik-Rate-Limit']).toEqual(['1M/1M']);
  });

  test('suspension by dunning disconnects the session; the next sign-in lands in the walled garden', async () => {
    expect((await account('Start', 'S-2')).code).toBe('Accounting-Response');
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    const run = expectStatus(await as(`${P.billing}/runs`, { method: 'POST', body: { day: today } }), 202).body;
    await until(
      'the billing run is done',
      async () => (await as(`${P.billing}/runs/${run.id}`)).body.status === 'done',
    );

    offsetMs = 2 * DAY;
    await t.kernel.plugins.enqueueJob('dotmac.billing', tenantId, 'dunning', null);
    const cut = await nasReceives((p) => p.code === 'Disconnect-Request', 60_000);
    expect(attribute(cut, 'Acct-Session-Id')).toBe('S-2');
    expect(attribute(cut, 'User-Name')).toBe(USERNAME);
    // The NAS ended the session and says so, as a NAS does.
    expect((await account('Stop', 'S-2')).code).toBe('Accounting-Response');
    await untilState('suspended');

    const garden = await signIn();
    expect(garden.code).toBe('Access-Accept');
    expect(garden.attributes['Mikrotik-Address-List']).toEqual(['walled-garden']);
    expect(garden.attributes['Mikrotik-Rate-Limit']).toEqual(['256k/512k']);
  });

  test('a payment restores the plan', async () => {
    const invoices = expectStatus(await as(`${P.billing}/invoices?accountId=${accountId}`), 200).body.items as {
      total: string;
    }[];
    const due = invoices.reduce((sum, i) => sum + Number(i.total), 0).toFixed(2);
    expectStatus(
      await as(`${P.billing}/payments`, {
        method: 'POST',
        body: { idempotencyKey: `pay-${randomUUID()}`, accountId, amount: due, method: 'cash' },
      }),
      201,
    );
    await untilState('active');
    const restored = await signIn();
    expect(restored.code).toBe('Access-Accept');
    expect(restored.attributes['Mikrotik-Address-List']).toBeUndefined();
    // Still throttled this month: the cap was crossed in it (unless the two days crossed into the next).
    const sameMonth = clock.now().toISOString().slice(0, 7) === new Date().toISOString().slice(0, 7);
    expect(restored.attributes['Mikrotik-Rate-Limit']).toEqual([sameMonth ? '1M/1M' : '10M/50M']);
  });

  test('the next invoice carries the overage line', async () => {
    const activatedAt = Date.parse(
      expectStatus(await as(`${P.subscriptions}/subscriptions/${subscriptionId}`), 200).body.activatedAt,
    );
    const next = new Date(activatedAt);
    next.setUTCMonth(next.getUTCMonth() + 1);
    offsetMs = next.getTime() - Date.now() + DAY;
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const run = expectStatus(await as(`${P.billing}/runs`, { method: 'POST', body: { day } }), 202).body;
    await until(
      'the billing run is done',
      async () => (await as(`${P.billing}/runs/${run.id}`)).body.status === 'done',
    );
    const invoices = expectStatus(await as(`${P.billing}/invoices?accountId=${accountId}`), 200).body.items as {
      id: string;
      runId: string | null;
    }[];
    const latest = invoices.find((i) => i.runId === run.id);
    expect(latest).toBeDefined();
    const full = expectStatus(await as(`${P.billing}/invoices/${latest?.id}`), 200).body as {
      lines: { kind: string; description: string; total: string }[];
    };
    const usage = full.lines.filter((l) => l.kind === 'usage');
    // 1.5 GB used, 1 GB included: 0.5 GB at 2.00.
    expect(usage.map((l) => l.total)).toEqual(['1.00']);
  });
});

describe('live changes the NAS refuses or does not answer', { timeout: 120_000 }, () => {
  test('a NAK is recorded with its Error-Cause; a NAS that answers only a retransmission gets it', async () => {
    expect((await account('Start', 'S-3')).code).toBe('Accounting-Response');
    nas.setPolicy({ nak: 503 });
    expect(
      expectStatus(await as(`${P.radius}/accounts/${subscriptionId}/disconnect`, { method: 'POST' }), 200).body,
    ).toEqual({ queued: 1 });
    await until('the Disconnect-Request is recorded as refused', async () => {
      const page = expectStatus(await as(`${P.radius}/changes?subscriptionId=${subscriptionId}`), 200).body;
      const [latest] = page.items as { reason: string; status: string; errorCause: string | null }[];
      return (
        latest?.reason === 'staff' && latest.status === 'nak' && latest.errorCause === '503 Session-Context-Not-Found'
      );
    });

    // The first packet is lost; the retransmission (the same packet) is answered.
    let seen = 0;
    nas.setPolicy(() => (++seen === 1 ? 'silent' : 'ack'));
    expectStatus(await as(`${P.radius}/accounts/${subscriptionId}/disconnect`, { method: 'POST' }), 200);
    await until('the retransmitted Disconnect-Request is acknowledged', async () => {
      const page = expectStatus(await as(`${P.radius}/changes?subscriptionId=${subscriptionId}`), 200).body;
      const [latest] = page.items as { status: string; attempts: number }[];
      return latest?.status === 'ack' && latest.attempts === 2;
    });
    const [first, second] = nas.received.slice(-2);
    expect(second?.raw.equals(first?.raw as Buffer)).toBe(true);
    nas.setPolicy('ack');
    expect((await account('Stop', 'S-3')).code).toBe('Accounting-Response');
  });
});

describe('reconciliation against planted drift', { timeout: 180_000 }, () => {
  test('a suspended user left active in RADIUS and online, and an active user missing, are each reported, then fixed', async () => {
    const inRadius = (table: string) => `"${RADIUS_SCHEMA}".${table}`;
    // Bob: a second subscriber, active.
    const bobAccount = expectStatus(
      await as('/api/v1/p/dotmac.customers/accounts', {
        method: 'POST',
        body: { kind: 'residential', name: 'Bob Kahn', currency: 'USD', status: 'active' },
      }),
      201,
    ).body.id;
    const bob = expectStatus(
      await as(`${P.subscriptions}/subscriptions`, {
        method: 'POST',
        body: { accountId: bobAccount, planId: plans.fibre20 },
      }),
      201,
    ).body.id as string;
    expectStatus(
      await as(`${P.provisioning}/services/${bob}/access`, {
        method: 'PUT',
        body: { access: 'pppoe', username: 'bob@fibre', password: 'bob-password-1' },
      }),
      200,
    );
    expectStatus(await as(`${P.subscriptions}/subscriptions/${bob}/activate`, { method: 'POST', body: {} }), 200);
    await untilState('active', bob);
    // Ada: suspended by staff, then planted back as active in radcheck (no walled garden, no reject), and online.
    expectStatus(
      await as(`${P.subscriptions}/subscriptions/${subscriptionId}/suspend`, {
        method: 'POST',
        body: { reason: 'manual' },
      }),
      200,
    );
    await untilState('suspended');
    await t.kernel.db.query(`update ${inRadius('accounts')} set state = 'active' where subscription_id = $1`, [
      subscriptionId,
    ]);
    await t.kernel.db.query(`delete from ${inRadius('radusergroup')} where username = $1`, [USERNAME]);
    await t.kernel.db.query(`delete from ${inRadius('radcheck')} where username = $1 and attribute = 'Auth-Type'`, [
      USERNAME,
    ]);
    expect((await signIn()).code).toBe('Access-Accept');
    expect((await account('Start', 'S-4')).code).toBe('Accounting-Response');
    // Bob's AAA account vanishes.
    await t.kernel.db.query(`delete from ${inRadius('accounts')} where subscription_id = $1`, [bob]);
    await t.kernel.db.query(`delete from ${inRadius('radcheck')} where username = 'bob@fibre'`);

    type Report = { drift: number; items: { kind: string; subscriptionId: string | null; fixed: unknown }[] };
    const report = expectStatus(
      await as(`${P.provisioning}/reconciliations`, { method: 'POST', body: { fix: false } }),
      201,
    ).body as Report;
    const found = report.items.map((i) => `${i.kind} ${i.subscriptionId}`);
    expect(found).toEqual(
      expect.arrayContaining([
        `suspended-not-walled ${subscriptionId}`,
        `suspended-online ${subscriptionId}`,
        `active-missing ${bob}`,
      ]),
    );
    // Reporting changed nothing: Ada still signs in at full speed.
    expect((await signIn()).attributes['Mikrotik-Address-List']).toBeUndefined();

    const fixed = expectStatus(
      await as(`${P.provisioning}/reconciliations`, { method: 'POST', body: { fix: true } }),
      201,
    ).body as Report;
    expect(fixed.items.every((i) => (i.fixed as { outcome: string } | null)?.outcome === 'done')).toBe(true);
    await nasReceives((p) => p.code === 'Disconnect-Request' && attribute(p, 'Acct-Session-Id') === 'S-4');
    expect((await account('Stop', 'S-4')).code).toBe('Accounting-Response');
    let again: Report | undefined;
    await until(`a reconciliation finds no drift (last: ${JSON.stringify(again)})`, async () => {
      again = expectStatus(await as(`${P.provisioning}/reconciliations`, { method: 'POST', body: { fix: false } }), 201)
        .body as Report;
      return again.drift === 0;
    }).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(again)}`);
    });
    // Manual suspension: the tenant's policy for staff suspensions is reject.
    expect((await signIn()).code).toBe('Access-Reject');
    const bobIn = await radclient({
      port: radius.authPort,
      secret: NAS_SECRET,
      kind: 'auth',
      attributes: { 'User-Name': 'bob@fibre', 'User-Password': 'bob-password-1', 'NAS-IP-Address': '127.0.0.1' },
    });
    expect(bobIn.code).toBe('Access-Accept');
  });
});

describe('bad input changes nothing', () => {
  const count = async (sql: string) => Number((await t.kernel.db.query<{ n: number }>(sql))[0]?.n);

  test('a NAS with a malformed IP is refused naming the field', async () => {
    const before = await count(`select count(*)::int as n from "${pluginDbNames('dotmac.network').schema}".devices`);
    const refused = await as(`${P.network}/devices`, {
      method: 'POST',
      body: {
        kind: 'nas',
        name: 'bad-nas',
        vendor: 'mikrotik',
        managementAddress: '10.0.0.300',
        radiusSecret: 's3cret',
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/managementAddress');
    expect(await count(`select count(*)::int as n from "${pluginDbNames('dotmac.network').schema}".devices`)).toBe(
      before,
    );
  });

  test('a plan with a negative speed is refused naming the field', async () => {
    const before = await count(`select count(*)::int as n from "${pluginDbNames('dotmac.catalog').schema}".plans`);
    const refused = await as(`${P.catalog}/plans`, {
      method: 'POST',
      body: {
        code: 'BROKEN',
        name: 'Broken',
        kind: 'internet',
        prices: { USD: '10.00' },
        billingCycle: 'monthly',
        payment: 'prepaid',
        contractMonths: 0,
        internet: { downloadKbps: -20_000, uploadKbps: 5_000 },
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/internet/downloadKbps');
    expect(await count(`select count(*)::int as n from "${pluginDbNames('dotmac.catalog').schema}".plans`)).toBe(
      before,
    );
  });

  test('a duplicate PPPoE username is refused naming the field', async () => {
    const other = expectStatus(
      await as(`${P.subscriptions}/subscriptions`, { method: 'POST', body: { accountId, planId: plans.fibre20 } }),
      201,
    ).body.id as string;
    const refused = await as(`${P.provisioning}/services/${other}/access`, {
      method: 'PUT',
      body: { access: 'pppoe', username: USERNAME, password: 'another-password' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/username');
    const held = await count(
      `select count(*)::int as n from "${pluginDbNames('dotmac.provisioning').schema}".access_credentials where username = '${USERNAME}'`,
    );
    expect(held).toBe(1);
  });
});

describe('a tenant whose dunning policy rejects', { timeout: 120_000 }, () => {
  test('suspension by dunning disconnects the session and the next Access-Request is rejected', async () => {
    expectStatus(
      await operator('PUT', `/api/v1/admin/tenants/${tenantId}/plugins/dotmac.billing/config`, {
        ...BILLING_CONFIG,
        suspensionMode: 'reject',
      }),
      200,
    );
    const carolAccount = expectStatus(
      await as('/api/v1/p/dotmac.customers/accounts', {
        method: 'POST',
        body: { kind: 'residential', name: 'Carol Shaw', currency: 'USD', status: 'active' },
      }),
      201,
    ).body.id;
    const carol = expectStatus(
      await as(`${P.subscriptions}/subscriptions`, {
        method: 'POST',
        body: { accountId: carolAccount, planId: plans.fibre20 },
      }),
      201,
    ).body.id as string;
    const login = { 'User-Name': 'carol@fibre', 'User-Password': 'carol-password-1', 'NAS-IP-Address': '127.0.0.1' };
    expectStatus(
      await as(`${P.provisioning}/services/${carol}/access`, {
        method: 'PUT',
        body: { access: 'pppoe', username: login['User-Name'], password: login['User-Password'] },
      }),
      200,
    );
    expectStatus(await as(`${P.subscriptions}/subscriptions/${carol}/activate`, { method: 'POST', body: {} }), 200);
    await untilState('active', carol);
    const signInCarol = () => radclient({ port: radius.authPort, secret: NAS_SECRET, kind: 'auth', attributes: login });
    expect((await signInCarol()).code).toBe('Access-Accept');
    const start = await radclient({
      port: radius.acctPort,
      secret: NAS_SECRET,
      kind: 'acct',
      attributes: { 'Acct-Status-Type': 'Start', 'User-Name': login['User-Name'], 'Acct-Session-Id': 'S-5' },
    });
    expect(start.code).toBe('Accounting-Response');

    const day = clock.now().toISOString().slice(0, 10);
    const run = expectStatus(await as(`${P.billing}/runs`, { method: 'POST', body: { day } }), 202).body;
    await until(
      'the billing run is done',
      async () => (await as(`${P.billing}/runs/${run.id}`)).body.status === 'done',
    );
    offsetMs += 2 * DAY;
    await t.kernel.plugins.enqueueJob('dotmac.billing', tenantId, 'dunning', null);
    const cut = await nasReceives((p) => p.code === 'Disconnect-Request' && attribute(p, 'Acct-Session-Id') === 'S-5');
    expect(attribute(cut, 'User-Name')).toBe('carol@fibre');
    await untilState('suspended', carol);
    expect((await signInCarol()).code).toBe('Access-Reject');
  });
});

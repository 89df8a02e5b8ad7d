// Live changes reaching the NAS (RFC 5176), over real UDP on loopback: a CoA-Request when an
// online subscriber's speed changes or the cap throttles it, a Disconnect-Request when staff cut a
// session; each answer (ACK, NAK, silence, a forgery, the kernel refusing the port) recorded.
// The only file of this suite listening on UDP: the test NAS on 127.0.0.1:1700 (RFC 3576's port,
// the other one the manifest declares; another suite may hold 3799) and a forger on 127.0.0.2:1700.
import { createSocket, type Socket } from 'node:dgram';
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  accountingInterim,
  accountingStart,
  anchor,
  at,
  attributeRows,
  type Change,
  changesOf,
  GB,
  granted,
  ingest,
  MB,
  pppoe,
  radius,
  registerNas,
  startAaaBed,
  subscriber,
} from './support/aaa.ts';
import { answerRequest, type ReceivedPacket, startTestNas, type TestNas, verifyRequest } from './support/test-nas.ts';

const START = anchor();
const SECRET = 'nas-shared-secret';
const COA_PORT = 1700;
let bed: Testbed;
let close: () => Promise<void>;
let nas: TestNas;
beforeAll(async () => {
  nas = await startTestNas({ secret: SECRET, port: COA_PORT });
  ({ bed, close } = await startAaaBed({ clock: START, settings: { DATAGRAM_ALLOW_NETWORKS: '127.0.0.0/8' } }));
});
afterAll(async () => {
  await close?.();
  await nas?.close();
});

const attribute = (packet: ReceivedPacket, name: string) => packet.attributes.find((a) => a.name === name)?.value;
const forSession = (id: string) => (p: ReceivedPacket) => attribute(p, 'Acct-Session-Id') === id;

/** A tenant whose subscriber `username` is online through the test NAS (a MikroTik) in session `sessionId`. */
async function online(sessionId: string, profile: 'mikrotik' | 'cisco' = 'mikrotik') {
  const tenant = await bed.tenant();
  await registerNas(bed, tenant, { address: nas.address, secret: SECRET, coaPort: COA_PORT, profile });
  const account = pppoe({ username: `${sessionId.toLowerCase()}@fibre`, framedIp: '100.64.0.10' });
  await granted(bed, tenant, account);
  await accountingStart(bed, tenant, {
    username: account.username,
    sessionId,
    nas: nas.address,
    framedIp: '100.64.0.10',
    at: bed.clock.now(),
  });
  return { tenant, account };
}

/** The tenant's radius.change-applied events' payloads. */
async function applied(tenant: string) {
  return (await bed.events({ tenant, name: 'radius.change-applied' })).map((e) => e.payload);
}

describe('live changes', () => {
  test("a speed change reaches the online session by CoA-Request; the NAS's ACK is recorded", async () => {
    nas.setPolicy('ack');
    const { tenant, account } = await online('S-ACK');

    const answer = await granted(bed, tenant, { ...account, downloadKbps: 50_000, uploadKbps: 10_000 });
    expect(answer).toEqual({ username: account.username, sessions: 1, actions: ['coa'] });
    await bed.settle();

    const coa = await nas.waitFor(forSession('S-ACK'));
    expect(coa.code).toBe('CoA-Request');
    expect(coa.messageAuthenticator).toBe(true);
    expect(attribute(coa, 'User-Name')).toBe(account.username);
    expect(attribute(coa, 'Framed-IP-Address')).toBe('100.64.0.10');
    expect(attribute(coa, 'Event-Timestamp')).toBe(Math.floor(START.getTime() / 1000));
    expect(attribute(coa, 'Mikrotik-Rate-Limit')).toBe('10M/50M');
    expect(nas.received.filter(forSession('S-ACK'))).toHaveLength(1);

    const [change] = await changesOf(bed, tenant, account.subscriptionId);
    expect(change).toMatchObject({
      kind: 'coa',
      reason: 'speed',
      nasAddress: '127.0.0.1',
      acctSessionId: 'S-ACK',
      status: 'ack',
      attempts: 1,
      errorCause: null,
      finishedAt: START.toISOString(),
    } satisfies Partial<Change>);
    expect(await applied(tenant)).toEqual([
      {
        changeId: change?.id,
        subscriptionId: account.subscriptionId,
        kind: 'coa',
        reason: 'speed',
        result: 'ack',
        nasAddress: '127.0.0.1',
        attempts: 1,
      },
    ]);
  });

  test('a NAS that cannot take a new rate live (Cisco) gets a Disconnect-Request instead', async () => {
    nas.setPolicy('ack');
    const { tenant, account } = await online('S-CISCO', 'cisco');

    expect(await granted(bed, tenant, { ...account, downloadKbps: 50_000 })).toMatchObject({ actions: ['disconnect'] });
    await bed.settle();
    expect((await nas.waitFor(forSession('S-CISCO'))).code).toBe('Disconnect-Request');
    expect(await changesOf(bed, tenant)).toMatchObject([{ kind: 'disconnect', reason: 'speed', status: 'ack' }]);
  });

  test('a NAK is recorded with its Error-Cause', async () => {
    nas.setPolicy({ nak: 503 });
    const { tenant, account } = await online('S-NAK');

    const queued = await radius(bed, tenant, `POST /accounts/${account.subscriptionId}/disconnect`);
    expect(queued.body).toEqual({ queued: 1 });
    await bed.settle();

    expect((await nas.waitFor(forSession('S-NAK'))).code).toBe('Disconnect-Request');
    expect(await changesOf(bed, tenant)).toMatchObject([
      {
        kind: 'disconnect',
        reason: 'staff',
        status: 'nak',
        attempts: 1,
        errorCause: '503 Session-Context-Not-Found',
      },
    ]);
    expect(await applied(tenant)).toMatchObject([{ result: 'nak', kind: 'disconnect', reason: 'staff' }]);
  });

  test('a silent NAS: the same packet sent coaAttempts times, then the change is a timeout', async () => {
    nas.setPolicy('silent');
    const { tenant, account } = await online('S-SILENT');
    await bed.setConfig(tenant, { coaAttempts: 2, coaTimeoutMs: 200 }, 'dotmac.radius');

    expect((await radius(bed, tenant, `POST /accounts/${account.subscriptionId}/disconnect`)).body).toEqual({
      queued: 1,
    });
    await bed.settle();

    const sent = nas.received.filter(forSession('S-SILENT'));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.raw.equals(sent[0]?.raw as Buffer)).toBe(true);
    expect(await changesOf(bed, tenant)).toMatchObject([
      { status: 'timeout', attempts: 2, errorCause: 'no answer after 2 packets' },
    ]);
    expect(await applied(tenant)).toMatchObject([{ result: 'timeout', attempts: 2 }]);
  });

  test('a forged answer is ignored and logged; the genuine answer to the retransmission is taken', async () => {
    const tenant = await bed.tenant();
    const forger = await startForger('127.0.0.2', SECRET);
    try {
      await registerNas(bed, tenant, { address: forger.address, secret: SECRET, coaPort: COA_PORT });
      const account = pppoe({ username: 'forged@fibre' });
      await granted(bed, tenant, account);
      await accountingStart(bed, tenant, {
        username: 'forged@fibre',
        sessionId: 'S-FORGED',
        nas: forger.address,
        at: bed.clock.now(),
      });

      expect((await radius(bed, tenant, `POST /accounts/${account.subscriptionId}/disconnect`)).status).toBe(200);
      await bed.settle();

      expect(forger.requests).toBe(2);
      const [change] = await changesOf(bed, tenant);
      expect(change).toMatchObject({ status: 'ack', attempts: 2, errorCause: null });
      const warnings = bed.logs.filter((l) => l.plugin === 'dotmac.radius' && l.tenantId === tenant);
      expect(warnings).toMatchObject([
        {
          level: 'warn',
          message: 'ignored an answer that failed verification',
          data: { changeId: change?.id, nas: '127.0.0.2' },
        },
      ]);
    } finally {
      await forger.close();
    }
  });

  test("a NAS on a CoA port the manifest does not declare: the change fails with the kernel's refusal, and the plugin stays healthy", async () => {
    const tenant = await bed.tenant();
    await registerNas(bed, tenant, { address: '127.0.0.3', secret: SECRET, coaPort: 3800 });
    const account = pppoe({ username: 'odd-port@fibre' });
    await granted(bed, tenant, account);
    await accountingStart(bed, tenant, {
      username: 'odd-port@fibre',
      sessionId: 'S-PORT',
      nas: '127.0.0.3',
      at: bed.clock.now(),
    });

    expect((await radius(bed, tenant, `POST /accounts/${account.subscriptionId}/disconnect`)).status).toBe(200);
    await bed.settle();

    const [change] = await changesOf(bed, tenant);
    expect(change).toMatchObject({ status: 'failed', attempts: 1 });
    expect(change?.errorCause).toContain(
      "may not send a datagram to 127.0.0.3:3800: port 3800 is not declared in its manifest's capabilities.datagram.ports (declared: 1700, 3799)",
    );
    // Not a fault of the plugin: it answers as before, and the sandbox counts nothing against it.
    expect((await radius(bed, tenant, 'GET /accounts')).status).toBe(200);
    expect((await radius(bed, tenant, `GET /accounts/${account.subscriptionId}`)).status).toBe(200);
    const stats = bed.kernel.plugins.stats('dotmac.radius');
    expect(stats.state).toBe('ready');
    expect(stats.tenants.find((t) => t.tenantId === tenant)?.faults).toBe(0);
    expect(bed.logs.filter((l) => l.plugin === 'dotmac.radius' && l.fault !== undefined)).toEqual([]);
  });
});

describe('fair use reaches the NAS', () => {
  test('crossing the cap publishes radius.cap-exceeded and throttles the session by CoA; the next month lifts it', async () => {
    nas.setPolicy('ack');
    bed.clock.set(at(START, 0, '09:00'));
    const month = START.toISOString().slice(0, 7);
    const tenant = await bed.tenant();
    await registerNas(bed, tenant, { address: nas.address, secret: SECRET, coaPort: COA_PORT });
    const ada = await subscriber(bed, tenant, { username: 'capped@fibre', dataCapGb: 1, throttleKbps: 1_000 });
    const session = await accountingStart(bed, tenant, {
      username: 'capped@fibre',
      sessionId: 'S-CAP',
      nas: nas.address,
      at: at(START, 0, '09:00'),
    });
    const coas = () => nas.received.filter(forSession('S-CAP'));
    const capEvents = () => bed.events({ tenant, name: 'radius.cap-exceeded' });

    // Under the cap (1 GB = 10^9 bytes): nothing happens.
    await accountingInterim(bed, session, { input: 100 * MB, output: 900 * MB, at: at(START, 0, '10:00') });
    bed.clock.set(at(START, 0, '10:05'));
    await ingest(bed, tenant);
    expect(await capEvents()).toEqual([]);
    expect(coas()).toEqual([]);

    await accountingInterim(bed, session, { input: 200 * MB, output: 1_000 * MB, at: at(START, 0, '11:00') });
    bed.clock.set(at(START, 0, '11:05'));
    await ingest(bed, tenant);
    expect((await capEvents()).map((e) => e.payload)).toEqual([
      {
        subscriptionId: ada.subscriptionId,
        accountId: ada.accountId,
        month,
        usedBytes: String(1.2 * GB),
        capBytes: String(GB),
        throttleKbps: 1_000,
      },
    ]);
    const throttle = await nas.waitFor(forSession('S-CAP'));
    expect(throttle.code).toBe('CoA-Request');
    // 1,000 kbit/s each way (never above the plan's upload), no burst.
    expect(attribute(throttle, 'Mikrotik-Rate-Limit')).toBe('1M/1M');
    expect(attribute(throttle, 'User-Name')).toBe('capped@fibre');
    expect(await attributeRows(bed, tenant, 'radreply', 'capped@fibre')).toEqual(['Mikrotik-Rate-Limit := 1M/1M']);
    expect(await changesOf(bed, tenant)).toMatchObject([{ kind: 'coa', reason: 'throttle', status: 'ack' }]);
    const shown = await radius<{ throttled: boolean; usedThisMonthBytes: string }>(
      bed,
      tenant,
      `GET /accounts/${ada.subscriptionId}`,
    );
    expect(shown.body).toMatchObject({ throttled: true, usedThisMonthBytes: String(1.2 * GB) });

    // More traffic the same month: throttled once, told once.
    await accountingInterim(bed, session, { input: 300 * MB, output: 1_100 * MB, at: at(START, 0, '12:00') });
    bed.clock.set(at(START, 0, '12:05'));
    await ingest(bed, tenant);
    expect(await capEvents()).toHaveLength(1);
    expect(coas()).toHaveLength(1);

    // The first ingest of the next month gives the plan's speed back, live.
    const nextMonth = new Date(Date.UTC(START.getUTCFullYear(), START.getUTCMonth() + 1, 1, 0, 30));
    bed.clock.set(nextMonth);
    await ingest(bed, tenant);
    expect(coas()).toHaveLength(2);
    expect(coas()[1]?.code).toBe('CoA-Request');
    expect(attribute(coas()[1] as ReceivedPacket, 'Mikrotik-Rate-Limit')).toBe('5M/20M');
    expect(await attributeRows(bed, tenant, 'radreply', 'capped@fibre')).toEqual(['Mikrotik-Rate-Limit := 5M/20M']);
    expect((await changesOf(bed, tenant))[0]).toMatchObject({ kind: 'coa', reason: 'unthrottle', status: 'ack' });
    const lifted = await radius<{ throttled: boolean }>(bed, tenant, `GET /accounts/${ada.subscriptionId}`);
    expect(lifted.body.throttled).toBe(false);
    expect(await capEvents()).toHaveLength(1);
  });
});

/**
 * A NAS on `address`:1700 whose first answer to each request is forged (a Response Authenticator
 * made with another secret) and whose answer to the retransmission is genuine: what the plugin
 * sees when someone on the path answers before the NAS does.
 */
async function startForger(address: string, secret: string) {
  const socket: Socket = createSocket('udp4');
  let requests = 0;
  socket.on('message', (raw, from) => {
    const verdict = verifyRequest(raw, secret);
    if (!verdict.ok) return;
    requests += 1;
    const answer =
      requests === 1
        ? answerRequest(verdict.request.raw, 'not-the-shared-secret', 'ack')
        : answerRequest(verdict.request.raw, secret, 'ack');
    socket.send(answer, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(COA_PORT, address, () => resolve());
  });
  return {
    address,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

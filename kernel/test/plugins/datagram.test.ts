// Specification of plugin datagrams (egress.datagram): one UDP datagram to an IP address inside
// the operator's allowed networks, on a declared port, from a fresh socket; the answer is the
// first datagram back from exactly that address and port, or null when none comes in time.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { DatagramRequest } from '@dotmac/schemas/contract/capabilities';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { CapabilityDeniedError, type CapabilityServices, createHostRouter } from '../../src/plugins/capabilities.ts';
import { createDatagramRequest, type DatagramPolicy } from '../../src/plugins/datagram.ts';
import { EgressRefusedError } from '../../src/plugins/egress.ts';
import { parseManifest } from '../../src/plugins/manifest.ts';

const LABEL = 'plugin dotmac.test@1.0.0';
const LOOPBACK: DatagramPolicy = { allowNetworks: ['127.0.0.0/8'] };

/** One datagram the local server received. */
interface Seen {
  readonly text: string;
  readonly from: RemoteInfo;
}

const seen: Seen[] = [];
let server: Socket;
/** A second socket on the same host: the "other port" answers come from here. */
let elsewhere: Socket;
let port: number;

const base64 = (text: string) => Buffer.from(text).toString('base64');
const textOf = (payload: string | null) => (payload === null ? null : Buffer.from(payload, 'base64').toString());

async function bound(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  const socket = createSocket(type);
  socket.bind(0, address);
  await once(socket, 'listening');
  return socket;
}

/** The local server's behaviours, chosen by the datagram's first word. */
function serve(socket: Socket) {
  socket.on('message', (message, from) => {
    const text = message.toString();
    seen.push({ text, from });
    const [verb] = text.split(' ');
    const reply = (sender: Socket, body: string | Buffer) => sender.send(body, from.port, from.address);
    if (verb === 'echo') reply(socket, Buffer.concat([Buffer.from('echo of '), message]));
    if (verb === 'decoy') {
      // Another port of the same host answers first; the real answer follows.
      reply(elsewhere, 'decoy from another port');
      setTimeout(() => reply(socket, 'the real answer'), 50);
    }
    if (verb === 'stray') reply(elsewhere, 'only from another port');
    // 'silent': no answer at all.
  });
}

beforeAll(async () => {
  server = await bound('udp4', '127.0.0.1');
  elsewhere = await bound('udp4', '127.0.0.1');
  serve(server);
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.close();
  elsewhere.close();
});

/** Sends `text` to the local server as a plugin declaring its port, on loopback. */
function sendLocal(text: string, extra: Partial<DatagramRequest> = {}) {
  const request = createDatagramRequest(LABEL, [port], LOOPBACK);
  return request({ host: '127.0.0.1', port, payload: base64(text), ...extra });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, got an answer');
}

/** Expects a 403 egress-refused naming the plugin and containing each of `parts`. */
async function expectRefused(promise: Promise<unknown>, ...parts: string[]): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(EgressRefusedError);
  expect(error).toMatchObject({ status: 403, type: 'egress-refused' });
  expect(error.message.startsWith(`${LABEL} may not send a datagram to `)).toBe(true);
  for (const part of parts) expect(error.message).toContain(part);
}

/** How many datagrams reached the local server while `work` ran. */
async function hitsDuring(work: () => Promise<unknown>): Promise<number> {
  const before = seen.length;
  await work();
  // A datagram sent would have arrived by now on loopback.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return seen.length - before;
}

/** True when `port` can be bound on 127.0.0.1 again: the socket that held it is closed. */
async function released(udpPort: number): Promise<boolean> {
  const probe = createSocket('udp4');
  try {
    probe.bind(udpPort, '127.0.0.1');
    await once(probe, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

describe('a datagram that reaches its host', () => {
  test('the answer is the first datagram back from that host and port, byte for byte', async () => {
    const answer = await sendLocal('echo hello NAS');
    expect(textOf(answer.payload)).toBe('echo of echo hello NAS');
    expect(seen.at(-1)?.text).toBe('echo hello NAS');
  });

  test('binary payloads cross both ways unchanged', async () => {
    const bytes = Buffer.from([0x65, 0x63, 0x68, 0x6f, 0x20, 0x00, 0xff, 0x2b, 0x80, 0x0a]);
    const request = createDatagramRequest(LABEL, [port], LOOPBACK);
    const answer = await request({ host: '127.0.0.1', port, payload: bytes.toString('base64') });
    expect(Buffer.from(answer.payload as string, 'base64')).toEqual(Buffer.concat([Buffer.from('echo of '), bytes]));
  });

  test('each call sends from a fresh socket on an ephemeral port, closed once the call is answered', async () => {
    await sendLocal('echo one');
    const first = seen.at(-1)?.from.port as number;
    await sendLocal('echo two');
    const second = seen.at(-1)?.from.port as number;
    expect(first).not.toBe(port);
    expect(second).not.toBe(first);
    expect(await released(first)).toBe(true);
    expect(await released(second)).toBe(true);
  });

  test('nothing back within timeoutMs answers null, and the socket is closed', async () => {
    const started = Date.now();
    const answer = await sendLocal('silent please', { timeoutMs: 100 });
    expect(answer).toEqual({ payload: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await released(seen.at(-1)?.from.port as number)).toBe(true);
  });

  test('a datagram from another port of the same host is not the answer', async () => {
    expect(textOf((await sendLocal('decoy', { timeoutMs: 2000 })).payload)).toBe('the real answer');
    expect((await sendLocal('stray', { timeoutMs: 200 })).payload).toBeNull();
  });

  test('without timeoutMs the wait is 3 s', async () => {
    const started = Date.now();
    expect((await sendLocal('silent')).payload).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2950);
  });

  test('an aborted call (the plugin context is going away) stops waiting and answers null', async () => {
    const request = createDatagramRequest(LABEL, [port], LOOPBACK);
    const aborter = new AbortController();
    const started = Date.now();
    const pending = request({ host: '127.0.0.1', port, payload: base64('silent'), timeoutMs: 5000 }, aborter.signal);
    setTimeout(() => aborter.abort(), 50);
    expect(await pending).toEqual({ payload: null });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('an IPv4-mapped IPv6 address is sent as its IPv4, and answered', async () => {
    const request = createDatagramRequest(LABEL, [port], LOOPBACK);
    const answer = await request({ host: '::ffff:127.0.0.1', port, payload: base64('echo mapped') });
    expect(textOf(answer.payload)).toBe('echo of echo mapped');
  });
});

describe('what is refused', () => {
  test('a port the manifest does not declare, naming the declared ones', async () => {
    const hits = await hitsDuring(() =>
      expectRefused(
        sendLocal('echo', { port: port + 1 }),
        `127.0.0.1:${port + 1}: port ${port + 1} is not declared in its manifest's capabilities.datagram.ports (declared: ${port})`,
      ),
    );
    expect(hits).toBe(0);
  });

  test('an address outside the allowed networks, naming the setting', async () => {
    const request = createDatagramRequest(LABEL, [port], { allowNetworks: ['127.0.0.2/32', '10.20.0.0/16'] });
    const hits = await hitsDuring(() =>
      expectRefused(
        request({ host: '127.0.0.1', port, payload: base64('echo') }),
        '127.0.0.1 is not inside the networks the operator allows datagrams to (DATAGRAM_ALLOW_NETWORKS)',
      ),
    );
    expect(hits).toBe(0);
  });

  test('everything, when the operator allows no network (the default)', async () => {
    const request = createDatagramRequest(LABEL, [port]);
    await expectRefused(
      request({ host: '127.0.0.1', port, payload: base64('echo') }),
      '(DATAGRAM_ALLOW_NETWORKS, which lists none)',
    );
  });

  test.each([['localhost'], ['nas.example.test'], ['2130706433'], ['127.1'], ['[::1]']])(
    'a host name or non-literal address (%s): datagrams go to IP addresses only',
    async (host) => {
      const request = createDatagramRequest(LABEL, [port], { allowNetworks: ['0.0.0.0/0', '::/0'] });
      await expectRefused(
        request({ host, port, payload: base64('echo') }),
        `${JSON.stringify(host)}: it is not an IP address`,
      );
    },
  );

  test.each([
    ['224.0.0.1'],
    ['239.255.255.250'],
    ['255.255.255.255'],
    ['0.0.0.0'],
    ['ff02::1'],
    ['::'],
    ['::ffff:255.255.255.255'],
  ])('multicast, broadcast or unspecified %s, even inside an allowed network', async (host) => {
    const request = createDatagramRequest(LABEL, [port], { allowNetworks: ['0.0.0.0/0', '::/0'] });
    await expectRefused(
      request({ host, port, payload: base64('echo') }),
      `${host} is a multicast, broadcast or unspecified address`,
    );
  });

  test('a payload over 4096 bytes; one of exactly 4096 is sent', async () => {
    const hits = await hitsDuring(async () => {
      await expectRefused(
        sendLocal(`silent ${'x'.repeat(4096 - 7 + 1)}`),
        'the payload is 4097 bytes; a datagram carries at most 4096',
      );
      expect((await sendLocal(`silent ${'x'.repeat(4096 - 7)}`, { timeoutMs: 50 })).payload).toBeNull();
    });
    expect(hits).toBe(1);
    expect(Buffer.byteLength(seen.at(-1)?.text ?? '')).toBe(4096);
  });

  test('a payload that is not base64 is a validation error naming the field', async () => {
    for (const payload of ['', 'not base64!', 'abc', 'ab=c', 'YQ']) {
      const error = await rejectionOf(sendLocal('', { payload }));
      expect(error, payload).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors).toEqual([{ pointer: '/args/payload', detail: expect.any(String) }]);
    }
  });

  test('an allowNetworks entry that is not a CIDR range is a configuration error naming the setting', () => {
    expect(() => createDatagramRequest(LABEL, [port], { allowNetworks: ['127.0.0.1/33'] })).toThrow(
      /DATAGRAM_ALLOW_NETWORKS: 127\.0\.0\.1\/33/,
    );
  });
});

describe('as a capability call (egress.datagram)', () => {
  const TENANT = '00000000-0000-4000-8000-00000000000a';
  /** The host router of a plugin whose manifest declares `capabilities`, with only the datagram policy set. */
  function routerFor(capabilities: Record<string, unknown>, policy: DatagramPolicy = LOOPBACK) {
    const manifest = parseManifest(
      {
        id: 'dotmac.test',
        version: '1.0.0',
        name: 'Test',
        description: 'Sends datagrams.',
        publisher: 'Test',
        engines: { kernel: '^0.1.0' },
        capabilities,
      },
      'dotmac.test/plugin.json',
    );
    // Datagrams need none of the other services.
    const services = { egress: {}, datagram: policy } as unknown as CapabilityServices;
    const router = createHostRouter(manifest, services);
    return (args: unknown) =>
      router(
        { pluginId: 'dotmac.test', version: '1.0.0', tenantId: TENANT },
        'egress',
        'datagram',
        args,
        new AbortController().signal,
      );
  }

  test('a declared port on an allowed network is answered', async () => {
    const call = routerFor({ datagram: { ports: [port] } });
    const answer = (await call({ host: '127.0.0.1', port, payload: base64('echo via the router') })) as {
      payload: string;
    };
    expect(textOf(answer.payload)).toBe('echo of echo via the router');
  });

  test('a plugin whose manifest declares no datagram ports is denied', async () => {
    const error = await rejectionOf(routerFor({})({ host: '127.0.0.1', port, payload: base64('echo') }));
    expect(error).toBeInstanceOf(CapabilityDeniedError);
    expect(error.message).toBe(
      'plugin dotmac.test@1.0.0 has no datagram capability: its manifest declares no datagram ports',
    );
  });

  test.each<[string, unknown, string[]]>([
    ['a port that is a string', { host: '127.0.0.1', port: '3799', payload: 'AA==' }, ['/args/port']],
    ['a port out of range', { host: '127.0.0.1', port: 70000, payload: 'AA==' }, ['/args/port']],
    ['a host that is not a string', { host: 2130706433, port: 3799, payload: 'AA==' }, ['/args/host']],
    ['no payload', { host: '127.0.0.1', port: 3799 }, ['/args/payload']],
    ['a payload that is not base64', { host: '127.0.0.1', port: 3799, payload: '%%%%' }, ['/args/payload']],
    ['a timeout under 50 ms', { host: '127.0.0.1', port: 3799, payload: 'AA==', timeoutMs: 10 }, ['/args/timeoutMs']],
    ['a timeout over 10 s', { host: '127.0.0.1', port: 3799, payload: 'AA==', timeoutMs: 10_001 }, ['/args/timeoutMs']],
    ['an unknown argument', { host: '127.0.0.1', port: 3799, payload: 'AA==', from: 1812 }, ['/args/from']],
  ])('%s is a validation error naming the field', async (_name, args, pointers) => {
    const error = await rejectionOf(routerFor({ datagram: { ports: [3799] } })(args));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.pointer)).toEqual(pointers);
    expect(error.message).toContain('plugin dotmac.test@1.0.0: egress.datagram: ');
  });
});

// IPv6 loopback, where the machine has it (some containers do not).
const ipv6 = await bound('udp6', '::1').then(
  (socket) => socket,
  () => undefined,
);

describe.runIf(ipv6)('IPv6', () => {
  let v6Port: number;
  beforeAll(() => {
    serve(ipv6 as Socket);
    v6Port = ((ipv6 as Socket).address() as AddressInfo).port;
  });
  afterAll(() => ipv6?.close());

  test('an IPv6 address, in any spelling, is answered from its canonical form', async () => {
    const request = createDatagramRequest(LABEL, [v6Port], { allowNetworks: ['::1/128'] });
    for (const host of ['::1', '0:0:0:0:0:0:0:1']) {
      const answer = await request({ host, port: v6Port, payload: base64('echo six') });
      expect(textOf(answer.payload), host).toBe('echo of echo six');
    }
    await expectRefused(
      request({ host: '::2', port: v6Port, payload: base64('echo') }),
      `[::2]:${v6Port}: ::2 is not inside`,
    );
  });
});

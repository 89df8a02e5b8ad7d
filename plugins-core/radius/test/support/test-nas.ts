// A NAS for tests: takes CoA-Request and Disconnect-Request on 127.0.0.1 over UDP, checks them as
// a NAS must (RFC 5176, RFC 3579 §3.2), records them and answers as the test says. Written apart
// from the radius plugin's codec, on node:crypto, so that it checks the codec from outside.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';

/** How the NAS answers a request: ACK, NAK with an Error-Cause (503 Session-Context-Not-Found…), or not at all. */
export type NasAnswer = 'ack' | 'silent' | { readonly nak: number };

/** A request the NAS accepted as authentic. */
export interface ReceivedPacket {
  readonly code: 'CoA-Request' | 'Disconnect-Request';
  readonly identifier: number;
  /** By dictionary name; unknown ones as `Attr-N` / `Attr-26.VENDOR.N` with a Buffer value. */
  readonly attributes: readonly NasAttribute[];
  /** Whether it carried a Message-Authenticator (verified). */
  readonly messageAuthenticator: boolean;
  /** How the NAS answered it. */
  readonly answer: NasAnswer;
  readonly from: { readonly address: string; readonly port: number };
  readonly raw: Buffer;
}

/** A datagram the NAS dropped, and why. */
export interface DroppedPacket {
  readonly reason: string;
  readonly from: { readonly address: string; readonly port: number };
  readonly raw: Buffer;
}

/** One decoded attribute: text, a number (integers, dates), an address, or octets. */
export interface NasAttribute {
  readonly name: string;
  readonly value: string | number | Buffer;
}

/** A running test NAS. */
export interface TestNas {
  readonly address: '127.0.0.1';
  readonly port: number;
  /** Every authentic request, in order (retransmissions too). */
  readonly received: ReceivedPacket[];
  /** Every datagram refused, with the reason. */
  readonly dropped: DroppedPacket[];
  /** The first received request (already or later) that matches; rejects after `timeoutMs` saying what did arrive. */
  waitFor(predicate: (packet: ReceivedPacket) => boolean, timeoutMs?: number): Promise<ReceivedPacket>;
  /** How to answer from now on: one answer for every request, or one chosen per request. */
  setPolicy(policy: NasAnswer | ((packet: Omit<ReceivedPacket, 'answer'>) => NasAnswer)): void;
  close(): Promise<void>;
}

/** Options of `startTestNas`. */
export interface TestNasOptions {
  readonly secret: string;
  /** The first policy; `ack` when absent. */
  readonly policy?: NasAnswer;
  /** Drop requests without a Message-Authenticator (default true: DotMac always sends one). */
  readonly requireMessageAuthenticator?: boolean;
  /** The UDP port; a free one when absent. */
  readonly port?: number;
  /** Put a Message-Authenticator in answers (default true). */
  readonly signAnswers?: boolean;
}

const CODES = { 40: 'Disconnect-Request', 43: 'CoA-Request' } as const;
const ANSWER_CODES = { 40: { ack: 41, nak: 42 }, 43: { ack: 44, nak: 45 } } as const;

type Kind = 'string' | 'integer' | 'ipaddr' | 'ipv6addr' | 'ipv6prefix' | 'octets';

/** The NAS's own dictionary, from FreeRADIUS 3.2's /usr/share/freeradius/dictionary.* files. */
const STANDARD: Readonly<Record<number, readonly [string, Kind]>> = {
  1: ['User-Name', 'string'],
  4: ['NAS-IP-Address', 'ipaddr'],
  5: ['NAS-Port', 'integer'],
  6: ['Service-Type', 'integer'],
  8: ['Framed-IP-Address', 'ipaddr'],
  11: ['Filter-Id', 'string'],
  18: ['Reply-Message', 'string'],
  24: ['State', 'octets'],
  25: ['Class', 'octets'],
  27: ['Session-Timeout', 'integer'],
  28: ['Idle-Timeout', 'integer'],
  30: ['Called-Station-Id', 'string'],
  31: ['Calling-Station-Id', 'string'],
  32: ['NAS-Identifier', 'string'],
  33: ['Proxy-State', 'octets'],
  44: ['Acct-Session-Id', 'string'],
  50: ['Acct-Multi-Session-Id', 'string'],
  55: ['Event-Timestamp', 'integer'],
  85: ['Acct-Interim-Interval', 'integer'],
  87: ['NAS-Port-Id', 'string'],
  88: ['Framed-Pool', 'string'],
  89: ['Chargeable-User-Identity', 'octets'],
  95: ['NAS-IPv6-Address', 'ipv6addr'],
  97: ['Framed-IPv6-Prefix', 'ipv6prefix'],
  101: ['Error-Cause', 'integer'],
  123: ['Delegated-IPv6-Prefix', 'ipv6prefix'],
};
const VENDORS: Readonly<Record<number, Readonly<Record<number, readonly [string, Kind]>>>> = {
  9: { 1: ['Cisco-AVPair', 'string'] },
  14122: {
    5: ['WISPr-Bandwidth-Min-Up', 'integer'],
    6: ['WISPr-Bandwidth-Min-Down', 'integer'],
    7: ['WISPr-Bandwidth-Max-Up', 'integer'],
    8: ['WISPr-Bandwidth-Max-Down', 'integer'],
  },
  14988: { 8: ['Mikrotik-Rate-Limit', 'string'], 19: ['Mikrotik-Address-List', 'string'] },
};

const md5 = (...parts: Buffer[]) => {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const hmacMd5 = (secret: string, data: Buffer) => createHmac('md5', secret).update(data).digest();

/** The verdict on a datagram: the request, or why a NAS must drop it. */
export type Verdict =
  | { readonly ok: true; readonly request: Omit<ReceivedPacket, 'answer' | 'from'> }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a datagram as a NAS does: a CoA-Request or Disconnect-Request whose Request
 * Authenticator is MD5(Code+Identifier+Length+16 zero octets+Attributes+Secret) and whose
 * Message-Authenticator (required unless `requireMessageAuthenticator` is false) is the
 * HMAC-MD5 of the packet with zeros in both the Authenticator and itself.
 */
export function verifyRequest(raw: Buffer, secret: string, requireMessageAuthenticator = true): Verdict {
  if (raw.length < 20) return { ok: false, reason: `only ${raw.length} octets` };
  const length = raw.readUInt16BE(2);
  if (length < 20 || length > raw.length || length > 4096) return { ok: false, reason: `bad Length ${length}` };
  const packet = raw.subarray(0, length);
  const code = CODES[packet[0] as keyof typeof CODES];
  if (!code) return { ok: false, reason: `code ${packet[0]} is not a CoA-Request or Disconnect-Request` };
  const zeroed = Buffer.from(packet);
  zeroed.fill(0, 4, 20);
  if (!timingSafeEqual(md5(zeroed, Buffer.from(secret)), packet.subarray(4, 20))) {
    return { ok: false, reason: 'Request Authenticator does not match' };
  }
  let attributes: NasAttribute[];
  let messageAuthenticatorAt: number | undefined;
  try {
    ({ attributes, messageAuthenticatorAt } = decodeAttributes(packet));
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (messageAuthenticatorAt === undefined) {
    if (requireMessageAuthenticator) return { ok: false, reason: 'no Message-Authenticator' };
  } else {
    zeroed.fill(0, messageAuthenticatorAt, messageAuthenticatorAt + 16);
    const expected = hmacMd5(secret, zeroed);
    if (!timingSafeEqual(expected, packet.subarray(messageAuthenticatorAt, messageAuthenticatorAt + 16))) {
      return { ok: false, reason: 'Message-Authenticator does not match' };
    }
  }
  return {
    ok: true,
    request: {
      code,
      identifier: packet[1] as number,
      attributes,
      messageAuthenticator: messageAuthenticatorAt !== undefined,
      raw: Buffer.from(packet),
    },
  };
}

/**
 * The NAS's answer to an authentic request: ACK or NAK (with Error-Cause), a Message-Authenticator
 * computed with the Request Authenticator in the Authenticator field, and the Response
 * Authenticator MD5(Code+Identifier+Length+Request Authenticator+Attributes+Secret).
 */
export function answerRequest(
  request: Buffer,
  secret: string,
  answer: Exclude<NasAnswer, 'silent'>,
  sign = true,
): Buffer {
  const codes = ANSWER_CODES[request[0] as keyof typeof ANSWER_CODES];
  const attributes: Buffer[] = [];
  if (sign) attributes.push(Buffer.from([80, 18, ...new Array(16).fill(0)]));
  if (answer !== 'ack') {
    const cause = Buffer.alloc(6);
    cause.writeUInt8(101, 0);
    cause.writeUInt8(6, 1);
    cause.writeUInt32BE(answer.nak, 2);
    attributes.push(cause);
  }
  const body = Buffer.concat(attributes);
  const packet = Buffer.alloc(20 + body.length);
  packet[0] = answer === 'ack' ? codes.ack : codes.nak;
  packet[1] = request[1] as number;
  packet.writeUInt16BE(packet.length, 2);
  request.copy(packet, 4, 4, 20);
  body.copy(packet, 20);
  if (sign) hmacMd5(secret, packet).copy(packet, 22);
  md5(packet, Buffer.from(secret)).copy(packet, 4);
  return packet;
}

function decodeAttributes(packet: Buffer): { attributes: NasAttribute[]; messageAuthenticatorAt?: number } {
  const attributes: NasAttribute[] = [];
  let messageAuthenticatorAt: number | undefined;
  for (let at = 20; at < packet.length; ) {
    const type = packet[at] as number;
    const length = packet[at + 1] ?? 0;
    if (length < 2 || at + length > packet.length) throw new Error(`attribute ${type} overruns the packet`);
    const value = packet.subarray(at + 2, at + length);
    if (type === 80) {
      if (length !== 18 || messageAuthenticatorAt !== undefined) throw new Error('malformed Message-Authenticator');
      messageAuthenticatorAt = at + 2;
    } else if (type === 26 && value.length >= 4 && VENDORS[value.readUInt32BE(0)]) {
      const vendor = value.readUInt32BE(0);
      for (let v = 4; v < value.length; ) {
        const subType = value[v] as number;
        const subLength = value[v + 1] ?? 0;
        if (subLength < 2 || v + subLength > value.length) throw new Error(`vendor ${vendor} attribute overruns`);
        const known = VENDORS[vendor]?.[subType];
        attributes.push(decodeValue(known, value.subarray(v + 2, v + subLength), `Attr-26.${vendor}.${subType}`));
        v += subLength;
      }
    } else {
      attributes.push(decodeValue(STANDARD[type], value, `Attr-${type}`));
    }
    at += length;
  }
  return messageAuthenticatorAt === undefined ? { attributes } : { attributes, messageAuthenticatorAt };
}

function decodeValue(known: readonly [string, Kind] | undefined, value: Buffer, rawName: string): NasAttribute {
  if (!known) return { name: rawName, value: Buffer.from(value) };
  const [name, kind] = known;
  switch (kind) {
    case 'string':
      return { name, value: value.toString('utf8') };
    case 'integer':
      return value.length === 4 ? { name, value: value.readUInt32BE(0) } : { name: rawName, value: Buffer.from(value) };
    case 'ipaddr':
      return value.length === 4 ? { name, value: [...value].join('.') } : { name: rawName, value: Buffer.from(value) };
    case 'ipv6addr':
      return value.length === 16 ? { name, value: ipv6Text(value) } : { name: rawName, value: Buffer.from(value) };
    case 'ipv6prefix': {
      if (value.length < 2 || value.length > 18) return { name: rawName, value: Buffer.from(value) };
      const address = Buffer.alloc(16);
      value.copy(address, 0, 2);
      return { name, value: `${ipv6Text(address)}/${value[1]}` };
    }
    case 'octets':
      return { name, value: Buffer.from(value) };
  }
}

/** Canonical IPv6 text, by way of the WHATWG URL parser's serializer. */
function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(2 * i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** Starts a NAS on 127.0.0.1, on `options.port` (RFC 5176's 3799, a NAS's own) or a free UDP port. */
export async function startTestNas(options: TestNasOptions): Promise<TestNas> {
  const { secret, requireMessageAuthenticator = true, signAnswers = true } = options;
  let policy: NasAnswer | ((packet: Omit<ReceivedPacket, 'answer'>) => NasAnswer) = options.policy ?? 'ack';
  const received: ReceivedPacket[] = [];
  const dropped: DroppedPacket[] = [];
  const waiters = new Set<(packet: ReceivedPacket) => void>();
  const socket = createSocket('udp4');

  socket.on('message', (raw: Buffer, remote: RemoteInfo) => {
    const from = { address: remote.address, port: remote.port };
    const verdict = verifyRequest(raw, secret, requireMessageAuthenticator);
    if (!verdict.ok) {
      dropped.push({ reason: verdict.reason, from, raw: Buffer.from(raw) });
      return;
    }
    const request = { ...verdict.request, from };
    const answer = typeof policy === 'function' ? policy(request) : policy;
    const packet: ReceivedPacket = { ...request, answer };
    received.push(packet);
    for (const waiter of waiters) waiter(packet);
    if (answer !== 'silent')
      socket.send(answerRequest(packet.raw, secret, answer, signAnswers), remote.port, remote.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });

  return {
    address: '127.0.0.1',
    port: socket.address().port,
    received,
    dropped,
    setPolicy(next) {
      policy = next;
    },
    waitFor(predicate, timeoutMs = 2000) {
      const already = received.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = (packet: ReceivedPacket) => {
          if (!predicate(packet)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(packet);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = received.map((p) => `${p.code} #${p.identifier}`).join(', ') || 'nothing';
          const refused = dropped.map((d) => d.reason).join('; ') || 'nothing';
          reject(
            new Error(
              `the test NAS saw no matching request in ${timeoutMs} ms; received: ${seen}; dropped: ${refused}`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

// The CoA / Disconnect codec against FreeRADIUS (byte-exact known answers), against the test NAS
// (written apart from it, on node:crypto), over UDP, and inside a bare isolate as the sandbox runs it.
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import ivm from 'isolated-vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  decodeAnswer,
  decodePacket,
  decodeUtf8,
  encodeRequest,
  encodeUtf8,
  RadiusPacketError,
  type RequestAttribute,
  type RequestCode,
} from '../../src/server/packet.ts';
import { answerRequest, startTestNas, type TestNas, verifyRequest } from '../support/test-nas.ts';

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('known answers from FreeRADIUS 3.2', () => {
  // `radclient -x 127.0.0.1:<port> coa testing123` fed these attributes (Message-Authenticator
  // = 0x00 first); the bytes it sent (Identifier 3) were captured by the test NAS.
  test('a CoA-Request is byte for byte the one radclient sends', () => {
    const radclient =
      '2b0300e088203d9d6c126d4d7e0e5a574cefe9fd5012906086b83e498f311bc15af20009f6720107616c6963652c0a383161303030316608066440000a1a0e00003a8c0808354d2f32304d1a6f0000000901696c63703a696e746572666163652d636f6e6669673d726174652d6c696d697420696e707574203530303030303020393337353030203138373530303020636f6e666f726d2d616374696f6e207472616e736d6974206578636565642d616374696f6e2064726f701a0c0000372a080601312d006114003820010db800000100000000000000000037066955b900';
    const bytes = encodeRequest({
      code: 'CoA-Request',
      identifier: 3,
      secret: 'testing123',
      attributes: [
        { name: 'User-Name', value: 'alice' },
        { name: 'Acct-Session-Id', value: '81a0001f' },
        { name: 'Framed-IP-Address', value: '100.64.0.10' },
        { name: 'Mikrotik-Rate-Limit', value: '5M/20M' },
        {
          name: 'Cisco-AVPair',
          value:
            'lcp:interface-config=rate-limit input 5000000 937500 1875000 conform-action transmit exceed-action drop',
        },
        { name: 'WISPr-Bandwidth-Max-Down', value: 20000000 },
        { name: 'Framed-IPv6-Prefix', value: '2001:db8:0:100::/56' },
        { name: 'Event-Timestamp', value: 1767225600 },
      ],
    });
    expect(toHex(bytes)).toBe(radclient);
  });

  test('a Disconnect-Request with UTF-8, octets, IPv6 and a UTF-8 secret is the one radclient sends', () => {
    const radclient =
      '284a009cfc875c715ca36d81becd452a4408696b50129ac39b9666f7ff7112dccb7cd84d35cc0114e1bb8c6cc3a1406c61676f732d66696272650406c00002012c0a383130303030306119050102ff7b14002820010db8ab00000000000000000000005f1220010db80000000000000000000000011a1500003a8c130f77616c6c65642d67617264656e1a0c0000372a0706004c4b4037066955b900';
    const bytes = encodeRequest({
      code: 'Disconnect-Request',
      identifier: 74,
      secret: 's3cr3t-ñ',
      attributes: [
        { name: 'User-Name', value: 'Ọlá@lagos-fibre' },
        { name: 'NAS-IP-Address', value: '192.0.2.1' },
        { name: 'Acct-Session-Id', value: '8100000a' },
        { name: 'Class', value: Uint8Array.of(1, 2, 255) },
        { name: 'Delegated-IPv6-Prefix', value: '2001:db8:ab00::/40' },
        { name: 'NAS-IPv6-Address', value: '2001:db8::1' },
        { name: 'Mikrotik-Address-List', value: 'walled-garden' },
        { name: 'WISPr-Bandwidth-Max-Up', value: 5000000 },
        { name: 'Event-Timestamp', value: 1767225600 },
      ],
    });
    expect(toHex(bytes)).toBe(radclient);
  });

  // A FreeRADIUS 3.2.1 server with a `listen { type = coa }` section and client secret
  // testing123 received these requests from this codec, accepted them (it drops a packet whose
  // authenticators fail) and sent these answers: NAK with Error-Cause 503 for user "gone", and
  // a Message-Authenticator and Reply-Message "rate changed" for user "signed".
  const served: { code: RequestCode; user: string; id: number; request: string; answer: string }[] = [
    {
      code: 'CoA-Request',
      user: 'alice',
      id: 11,
      request:
        '2b0b0045a49d96194be889ed5dc65eeb4d97ccd050122a1d21e50f788d0cecd9d263d4f630650107616c6963652c0a38316130303031661a0e00003a8c0808354d2f32304d',
      answer: '2c0b0014ed9278d9d622b78477da1b3c31adf0a1',
    },
    {
      code: 'CoA-Request',
      user: 'gone',
      id: 12,
      request:
        '2b0c00440205be45104229cec855f71bce93f3075012c0018a639458cc3b5fc194ec91dd961a0106676f6e652c0a38316130303031661a0e00003a8c0808354d2f32304d',
      answer: '2d0c001ac01550ee0529d2beaa38abbdecb9704c6506000001f7',
    },
    {
      code: 'Disconnect-Request',
      user: 'alice',
      id: 13,
      request:
        '280d004581f00c083b6e71f6f2981e7013a9aa1f501298bf2d2d1b058e9933a63f86631584850107616c6963652c0a38316130303031661a0e00003a8c0808354d2f32304d',
      answer: '290d0014bf1700276de89611c8e8f2162e1d38e9',
    },
    {
      code: 'Disconnect-Request',
      user: 'gone',
      id: 14,
      request:
        '280e0044f495a9c35712bc0490e265da1017ff265012c9ca854150249c029a2376e8b9f43f630106676f6e652c0a38316130303031661a0e00003a8c0808354d2f32304d',
      answer: '2a0e001aaee6bf527dcc0ea4c97b90ec932249726506000001f7',
    },
    {
      code: 'CoA-Request',
      user: 'signed',
      id: 15,
      request:
        '2b0f00461ce46f84c8d43b8cba8cd00dd6444bf6501294fe141c9d22aa6853fcd9a15467a45501087369676e65642c0a38316130303031661a0e00003a8c0808354d2f32304d',
      answer:
        '2c0f00348ed7168986e1caf90addd151c396af135012214b7d6e5e865b02f6c20fbfa00efeac120e72617465206368616e676564',
    },
    {
      code: 'Disconnect-Request',
      user: 'signed',
      id: 16,
      request:
        '28100046204a9d25369555b42cdc67a30c09a6da5012d5131fc7442a8db43e4359b309d2913201087369676e65642c0a38316130303031661a0e00003a8c0808354d2f32304d',
      answer:
        '291000346a9baa9266297cbe834c4d3d4b95b607501262b2ba83002a0ded047b9b45f7b47909120e72617465206368616e676564',
    },
  ];
  const requestOf = (c: (typeof served)[number]) =>
    encodeRequest({
      code: c.code,
      identifier: c.id,
      secret: 'testing123',
      attributes: [
        { name: 'User-Name', value: c.user },
        { name: 'Acct-Session-Id', value: '81a0001f' },
        { name: 'Mikrotik-Rate-Limit', value: '5M/20M' },
      ],
    });

  test.each(served)('$code for $user: the request FreeRADIUS accepted, and its answer verifies', (c) => {
    const request = requestOf(c);
    expect(toHex(request)).toBe(c.request);
    const answer = decodeAnswer(hex(c.answer), request, 'testing123');
    const kind = c.code === 'CoA-Request' ? 'CoA' : 'Disconnect';
    if (c.user === 'gone') {
      expect(answer).toMatchObject({ code: `${kind}-NAK`, ack: false, identifier: c.id });
      expect(answer.errorCause).toEqual({ code: 503, name: 'Session-Context-Not-Found' });
    } else {
      expect(answer).toMatchObject({ code: `${kind}-ACK`, ack: true, identifier: c.id });
      expect(answer.errorCause).toBeUndefined();
    }
    if (c.user === 'signed') expect(answer.attributes).toEqual([{ name: 'Reply-Message', value: 'rate changed' }]);
  });

  test("any flipped byte of FreeRADIUS's signed answer is refused", () => {
    for (const c of served) {
      const request = requestOf(c);
      const answer = hex(c.answer);
      for (let at = 0; at < answer.length; at++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const bad = answer.slice();
          bad[at] = (bad[at] as number) ^ mask;
          expect(() => decodeAnswer(bad, request, 'testing123'), `octet ${at} ^ ${mask}`).toThrow(RadiusPacketError);
        }
      }
    }
  });
});

// ---------------------------------------------------------------- arbitraries

const ipv6FromBytes = (bytes: Uint8Array) => {
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((bytes[2 * i] as number) * 256 + (bytes[2 * i + 1] as number)).toString(16),
  );
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
};
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(ipv6FromBytes);
const ipv6Prefix = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }))
  .map(([bytes, length]) => {
    const masked = bytes.map((byte, i) => {
      const keep = Math.max(0, Math.min(8, length - 8 * i));
      return byte & ((0xff << (8 - keep)) & 0xff);
    });
    return `${ipv6FromBytes(masked)}/${length}`;
  });
const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');
const text = (limit: number) =>
  fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('a', 'Z', '0', ' ', '@'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      minLength: 1,
      maxLength: 60,
    })
    .filter((value) => utf8Length(value) <= limit);
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const octets = fc.uint8Array({ minLength: 1, maxLength: 60 });

const of = <T>(names: readonly string[], value: fc.Arbitrary<T>) =>
  names.map((name) => value.map((v) => ({ name, value: v }) as unknown as RequestAttribute));
const attribute: fc.Arbitrary<RequestAttribute> = fc.oneof(
  ...of(
    ['User-Name', 'Filter-Id', 'Reply-Message', 'Called-Station-Id', 'Calling-Station-Id', 'NAS-Identifier'],
    text(253),
  ),
  ...of(['Acct-Session-Id', 'Acct-Multi-Session-Id', 'NAS-Port-Id', 'Framed-Pool'], text(253)),
  ...of(['Mikrotik-Rate-Limit', 'Mikrotik-Address-List', 'Cisco-AVPair'], text(247)),
  ...of(['NAS-Port', 'Service-Type', 'Session-Timeout', 'Idle-Timeout', 'Acct-Interim-Interval'], u32),
  ...of(['Event-Timestamp', 'WISPr-Bandwidth-Max-Up', 'WISPr-Bandwidth-Max-Down', 'WISPr-Bandwidth-Min-Up'], u32),
  ...of(['NAS-IP-Address', 'Framed-IP-Address'], fc.ipV4()),
  ...of(['NAS-IPv6-Address'], ipv6),
  ...of(['Framed-IPv6-Prefix', 'Delegated-IPv6-Prefix'], ipv6Prefix),
  ...of(['State', 'Class', 'Proxy-State', 'Chargeable-User-Identity'], octets),
);
const request = fc.record({
  code: fc.constantFrom<RequestCode>('CoA-Request', 'Disconnect-Request'),
  identifier: fc.integer({ min: 0, max: 255 }),
  secret: text(64),
  attributes: fc.array(attribute, { maxLength: 12 }),
});

/** Attributes as comparable plain data: octets as hex. */
const comparable = (attributes: readonly { name: string; value: unknown }[]) =>
  attributes.map(({ name, value }) => ({ name, value: value instanceof Uint8Array ? toHex(value) : value }));

// ---------------------------------------------------------------- properties

describe('round trips', () => {
  test('decodePacket gives back what encodeRequest was given, with a Message-Authenticator', () => {
    fc.assert(
      fc.property(request, (spec) => {
        const decoded = decodePacket(encodeRequest(spec));
        expect(decoded.code).toBe(spec.code);
        expect(decoded.identifier).toBe(spec.identifier);
        expect(decoded.messageAuthenticator).toHaveLength(16);
        expect(comparable(decoded.attributes)).toEqual(comparable(spec.attributes));
      }),
    );
  });

  test('the test NAS verifies every encoded request and reads the same attributes', () => {
    fc.assert(
      fc.property(request, (spec) => {
        const verdict = verifyRequest(Buffer.from(encodeRequest(spec)), spec.secret);
        if (!verdict.ok) throw new Error(`the NAS dropped it: ${verdict.reason}`);
        expect(verdict.request).toMatchObject({
          code: spec.code,
          identifier: spec.identifier,
          messageAuthenticator: true,
        });
        expect(comparable(verdict.request.attributes)).toEqual(comparable(spec.attributes));
      }),
    );
  });

  test('a request under another secret fails the NAS check', () => {
    fc.assert(
      fc.property(request, text(64), (spec, other) => {
        fc.pre(other !== spec.secret);
        expect(verifyRequest(Buffer.from(encodeRequest(spec)), other)).toMatchObject({ ok: false });
      }),
    );
  });
});

const answerKind = fc.oneof(
  fc.constant('ack' as const),
  fc.constantFrom(401, 404, 503, 506).map((nak) => ({ nak })),
);

describe('answers', () => {
  test('an ACK or NAK from the NAS, signed or not, decodes with its Error-Cause named', () => {
    fc.assert(
      fc.property(request, answerKind, fc.boolean(), (spec, kind, signed) => {
        const bytes = encodeRequest(spec);
        const answer = decodeAnswer(answerRequest(Buffer.from(bytes), spec.secret, kind, signed), bytes, spec.secret);
        const prefix = spec.code === 'CoA-Request' ? 'CoA' : 'Disconnect';
        expect(answer.code).toBe(kind === 'ack' ? `${prefix}-ACK` : `${prefix}-NAK`);
        expect(answer.ack).toBe(kind === 'ack');
        expect(answer.errorCause?.code).toBe(kind === 'ack' ? undefined : kind.nak);
      }),
    );
  });

  test('any flipped byte in an answer is refused', () => {
    fc.assert(
      fc.property(
        request,
        answerKind,
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (spec, kind, signed, at, mask) => {
          const bytes = encodeRequest(spec);
          const answer = answerRequest(Buffer.from(bytes), spec.secret, kind, signed);
          const position = at % answer.length;
          answer[position] = (answer[position] as number) ^ mask;
          expect(() => decodeAnswer(answer, bytes, spec.secret)).toThrow(RadiusPacketError);
        },
      ),
    );
  });

  test('an answer under the wrong secret is refused', () => {
    const bytes = encodeRequest({ code: 'CoA-Request', identifier: 9, secret: 'right', attributes: [] });
    const answer = answerRequest(Buffer.from(bytes), 'wrong', 'ack');
    expect(() => decodeAnswer(answer, bytes, 'right')).toThrow(/Response Authenticator does not match/);
  });

  test('an answer to another request with the same Identifier is refused', () => {
    const first = encodeRequest({
      code: 'CoA-Request',
      identifier: 9,
      secret: 's',
      attributes: [{ name: 'User-Name', value: 'a' }],
    });
    const second = encodeRequest({
      code: 'CoA-Request',
      identifier: 9,
      secret: 's',
      attributes: [{ name: 'User-Name', value: 'b' }],
    });
    expect(() => decodeAnswer(answerRequest(Buffer.from(first), 's', 'ack'), second, 's')).toThrow(RadiusPacketError);
  });

  test('a Disconnect answer to a CoA-Request, or another Identifier, is refused by name', () => {
    const coa = encodeRequest({ code: 'CoA-Request', identifier: 9, secret: 's', attributes: [] });
    const disconnect = encodeRequest({ code: 'Disconnect-Request', identifier: 9, secret: 's', attributes: [] });
    expect(() => decodeAnswer(answerRequest(Buffer.from(disconnect), 's', 'ack'), coa, 's')).toThrow(
      /Disconnect-ACK.*does not answer a CoA-Request/,
    );
    const other = encodeRequest({ code: 'CoA-Request', identifier: 10, secret: 's', attributes: [] });
    expect(() => decodeAnswer(answerRequest(Buffer.from(other), 's', 'ack'), coa, 's')).toThrow(
      /Identifier 10 is not the request's 9/,
    );
  });

  test('truncated or oversized datagrams are refused', () => {
    const bytes = encodeRequest({ code: 'CoA-Request', identifier: 1, secret: 's', attributes: [] });
    const answer = answerRequest(Buffer.from(bytes), 's', 'ack');
    expect(() => decodeAnswer(answer.subarray(0, 19), bytes, 's')).toThrow(/shorter than a RADIUS header/);
    expect(() => decodeAnswer(answer.subarray(0, answer.length - 1), bytes, 's')).toThrow(/Length field/);
    // Octets past Length are padding (RFC 2865 §3) and ignored.
    expect(decodeAnswer(Buffer.concat([answer, Buffer.from([1, 2, 3])]), bytes, 's').ack).toBe(true);
  });
});

describe('encoding refuses what a NAS could not read', () => {
  const encode =
    (attributes: unknown[], overrides: object = {}) =>
    () =>
      encodeRequest({
        code: 'CoA-Request',
        identifier: 1,
        secret: 's',
        attributes: attributes as RequestAttribute[],
        ...overrides,
      });
  test.each([
    [[{ name: 'No-Such-Attribute', value: 'x' }], /not an attribute this codec knows/],
    [[{ name: 'Error-Cause', value: 503 }], /belongs in answers/],
    [[{ name: 'Session-Timeout', value: -1 }], /integer from 0 to 4294967295/],
    [[{ name: 'Session-Timeout', value: 2 ** 32 }], /integer from 0 to 4294967295/],
    [[{ name: 'Session-Timeout', value: '60' }], /integer from 0 to 4294967295/],
    [[{ name: 'Framed-IP-Address', value: '10.0.0.256' }], /IPv4 address/],
    [[{ name: 'Framed-IP-Address', value: '010.0.0.1' }], /IPv4 address/],
    [[{ name: 'NAS-IPv6-Address', value: '2001:db8::1::2' }], /IPv6 address/],
    [[{ name: 'Framed-IPv6-Prefix', value: '2001:db8::1/56' }], /bits set past \/56/],
    [[{ name: 'User-Name', value: '' }], /1 to 253 octets/],
    [[{ name: 'User-Name', value: 'x'.repeat(254) }], /1 to 253 octets/],
    [[{ name: 'Cisco-AVPair', value: 'x'.repeat(248) }], /1 to 247 octets/],
    [[{ name: 'User-Name', value: 'bad \ud800' }], /lone surrogate/],
    [[{ name: 'Class', value: 'not octets' }], /takes octets/],
    [Array.from({ length: 17 }, () => ({ name: 'Reply-Message', value: 'x'.repeat(253) })), /at most 4096/],
  ])('%j', (attributes, message) => {
    expect(encode(attributes)).toThrow(message);
  });
  test('a bad Identifier or an empty secret', () => {
    expect(encode([], { identifier: 256 })).toThrow(/Identifier is an integer from 0 to 255/);
    expect(encode([], { secret: '' })).toThrow(/shared secret is empty/);
    expect(encode([], { code: 'Access-Request' })).toThrow(/not a request this codec sends/);
  });
});

describe('UTF-8 by hand', () => {
  test('encodes every well-formed string as TextEncoder does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(toHex(encodeUtf8(value))).toBe(toHex(new TextEncoder().encode(value)));
      }),
    );
  });
  test('decodes any octets as TextDecoder does, ill-formed sequences as U+FFFD', () => {
    const utf8ish = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 4 }),
        fc.string({ unit: 'binary', maxLength: 3 }).map((s) => new TextEncoder().encode(s)),
      ),
    );
    fc.assert(
      fc.property(utf8ish, (chunks) => {
        const bytes = Uint8Array.from(chunks.flatMap((chunk) => [...chunk]));
        expect(decodeUtf8(bytes)).toBe(new TextDecoder().decode(bytes));
      }),
    );
  });
});

// ---------------------------------------------------------------- over UDP, to the test NAS

/** Sends one datagram and answers the first one back, or null after `timeoutMs`. */
function exchange(port: number, bytes: Uint8Array, timeoutMs = 1000): Promise<Buffer | null> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const done = (answer: Buffer | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.once('message', (message) => done(message));
    socket.send(bytes, port, '127.0.0.1');
  });
}

describe('with the test NAS over UDP', () => {
  let nas: TestNas;
  beforeAll(async () => {
    nas = await startTestNas({ secret: 'nas-secret' });
  });
  afterAll(() => nas?.close());

  const coa = (identifier: number) =>
    encodeRequest({
      code: 'CoA-Request',
      identifier,
      secret: 'nas-secret',
      attributes: [
        { name: 'User-Name', value: 'ada@isp' },
        { name: 'Acct-Session-Id', value: '81a0001f' },
        { name: 'Mikrotik-Rate-Limit', value: '10M/50M' },
      ],
    });

  test('a CoA-Request is accepted, recorded by name and ACKed', async () => {
    nas.setPolicy('ack');
    const request = coa(21);
    const answer = await exchange(nas.port, request);
    expect(answer).not.toBeNull();
    expect(decodeAnswer(answer as Buffer, request, 'nas-secret')).toMatchObject({ code: 'CoA-ACK', ack: true });
    const seen = await nas.waitFor((p) => p.identifier === 21);
    expect(seen.attributes).toEqual([
      { name: 'User-Name', value: 'ada@isp' },
      { name: 'Acct-Session-Id', value: '81a0001f' },
      { name: 'Mikrotik-Rate-Limit', value: '10M/50M' },
    ]);
  });

  test('a NAK carries its Error-Cause by name', async () => {
    nas.setPolicy({ nak: 503 });
    const request = encodeRequest({
      code: 'Disconnect-Request',
      identifier: 22,
      secret: 'nas-secret',
      attributes: [{ name: 'Acct-Session-Id', value: 'gone' }],
    });
    const answer = decodeAnswer((await exchange(nas.port, request)) as Buffer, request, 'nas-secret');
    expect(answer).toMatchObject({ code: 'Disconnect-NAK', ack: false });
    expect(answer.errorCause).toEqual({ code: 503, name: 'Session-Context-Not-Found' });
  });

  test('a silent NAS answers nothing, and a wrong secret is dropped with the reason', async () => {
    nas.setPolicy('silent');
    expect(await exchange(nas.port, coa(23), 300)).toBeNull();
    expect(nas.received.filter((p) => p.identifier === 23)).toHaveLength(1);
    nas.setPolicy('ack');
    const forged = encodeRequest({ code: 'CoA-Request', identifier: 24, secret: 'guess', attributes: [] });
    expect(await exchange(nas.port, forged, 300)).toBeNull();
    expect(nas.dropped.at(-1)?.reason).toBe('Request Authenticator does not match');
  });
});

// ---------------------------------------------------------------- in the sandbox

describe('in a bare isolate, as the sandbox runs it', () => {
  let isolate: ivm.Isolate;
  let context: ivm.Context;
  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../../src/server/packet.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'radius',
      platform: 'neutral',
      target: 'es2023',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      logLevel: 'silent',
    });
    isolate = new ivm.Isolate({ memoryLimit: 64 });
    context = await isolate.createContext();
    await context.eval(bundle.outputFiles[0]?.text ?? '', { filename: 'packet.js' });
  });
  afterAll(() => isolate?.dispose());

  test('it has no Buffer, TextEncoder, crypto or timers to lean on', async () => {
    const present = await context.eval(
      `['Buffer', 'TextEncoder', 'TextDecoder', 'crypto', 'setTimeout', 'process', 'require'].filter((n) => typeof globalThis[n] !== 'undefined').join(',')`,
    );
    expect(present).toBe('');
  });

  test('encodes the same bytes as Node, and verifies the answer', async () => {
    const spec = {
      code: 'CoA-Request',
      identifier: 42,
      secret: 'sandbox-ñ',
      attributes: [
        { name: 'User-Name', value: 'Ọlá' },
        { name: 'WISPr-Bandwidth-Max-Down', value: 20000000 },
        { name: 'Framed-IPv6-Prefix', value: '2001:db8:0:100::/56' },
      ],
    } as const;
    const inIsolate: string = await context.evalClosure(
      `const bytes = radius.encodeRequest(JSON.parse($0));
       return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');`,
      [JSON.stringify(spec)],
      { arguments: { copy: true }, result: { copy: true } },
    );
    const inNode = encodeRequest(spec);
    expect(inIsolate).toBe(toHex(inNode));
    const answer = toHex(answerRequest(Buffer.from(inNode), spec.secret, { nak: 503 }));
    const decoded: { code: string; errorCause: { name: string } } = await context.evalClosure(
      `const hex = (t) => Uint8Array.from(t.match(/../g), (h) => parseInt(h, 16));
       const a = radius.decodeAnswer(hex($0), hex($1), $2);
       return { code: a.code, errorCause: a.errorCause };`,
      [answer, inIsolate, spec.secret],
      { arguments: { copy: true }, result: { copy: true } },
    );
    expect(decoded).toEqual({ code: 'CoA-NAK', errorCause: { code: 503, name: 'Session-Context-Not-Found' } });
  });
});

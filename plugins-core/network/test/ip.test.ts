// The pure core, by properties: address text round-trips through its value, the canonical
// form is RFC 5952's and a fixed point, prefixes contain what they should, pools turn indexes
// into addresses and back, and malformed text is refused, never guessed at.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { addressAt, indexOf, type PoolShape, poolRange, utilisation } from '../src/server/addressing.ts';
import {
  type Cidr,
  canonicalAddress,
  contains,
  containsCidr,
  formatCidr,
  formatIPv4,
  formatIPv6,
  lastAddress,
  overlaps,
  parseAddress,
  parseCidr,
  parseIPv4,
  parseIPv6,
} from '../src/server/ip.ts';

const v4Value = fc.bigInt({ min: 0n, max: 2n ** 32n - 1n });
const v6Value = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
  // Values with runs of zero groups, where compression matters.
  fc
    .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    })
    .map((groups) => groups.reduce((value, g) => (value << 16n) | BigInt(g), 0n)),
);

/** A prefix of `family` with a random network (host bits cleared). */
const cidrOf = (family: 'ipv4' | 'ipv6') =>
  fc
    .tuple(family === 'ipv4' ? v4Value : v6Value, fc.integer({ min: 0, max: family === 'ipv4' ? 32 : 128 }))
    .map(([value, prefixLength]): Cidr => {
      const host = BigInt((family === 'ipv4' ? 32 : 128) - prefixLength);
      return { family, network: (value >> host) << host, prefixLength };
    });
const anyCidr = fc.oneof(cidrOf('ipv4'), cidrOf('ipv6'));

/** The eight groups of an IPv6 value, as written without compression and with leading zeros. */
const fullForm = (value: bigint) =>
  Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16).padStart(4, '0').toUpperCase(),
  ).join(':');

describe('IPv4 text', () => {
  test('every value round-trips through its dotted quad', () => {
    fc.assert(fc.property(v4Value, (value) => parseIPv4(formatIPv4(value)) === value));
  });

  test('refuses what is not four decimal octets without leading zeros', () => {
    for (const text of [
      '300.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3.-4',
      '1.2.3.',
      '',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '0x1.2.3.4',
      '1..3.4',
      '256.0.0.0',
      '1.2.3.4/32',
    ]) {
      expect(parseIPv4(text), text).toBeUndefined();
      expect(parseAddress(text), text).toBeUndefined();
    }
    fc.assert(
      fc.property(v4Value, fc.integer({ min: 0, max: 3 }), (value, octet) => {
        const parts = formatIPv4(value).split('.');
        parts[octet] = `0${parts[octet]}`;
        return parseIPv4(parts.join('.')) === undefined;
      }),
    );
  });
});

describe('IPv6 text', () => {
  test('every value round-trips through its canonical text and its full form', () => {
    fc.assert(
      fc.property(v6Value, (value) => {
        expect(parseIPv6(formatIPv6(value))).toBe(value);
        expect(parseIPv6(fullForm(value))).toBe(value);
      }),
    );
  });

  test('the canonical text is RFC 5952 (as WHATWG URLs write hosts), whatever form it came in, and a fixed point', () => {
    fc.assert(
      fc.property(v6Value, (value) => {
        const text = formatIPv6(value);
        expect(canonicalAddress(fullForm(value))).toBe(text);
        expect(canonicalAddress(text)).toBe(text);
        // The URL standard serialises IPv6 hosts the RFC 5952 way, except that it writes
        // IPv4-mapped addresses in hex where RFC 5952 section 5 recommends ::ffff:a.b.c.d.
        const host = new URL(`http://[${fullForm(value)}]/`).hostname;
        const mapped = /^::ffff:(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
        if (mapped) {
          const [a, b, c, d] = mapped.slice(1).map(Number) as [number, number, number, number];
          const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
          expect(host).toBe(`[::ffff:${hex(a, b)}:${hex(c, d)}]`);
        } else {
          expect(`[${text}]`).toBe(host);
        }
      }),
    );
  });

  test('known canonical forms', () => {
    expect(canonicalAddress('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalAddress('0:0:0:0:0:0:0:0')).toBe('::');
    expect(canonicalAddress('::1')).toBe('::1');
    expect(canonicalAddress('1::')).toBe('1::');
    expect(canonicalAddress('2001:db8::0:0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(canonicalAddress('::ffff:c000:0201')).toBe('::ffff:192.0.2.1');
    expect(canonicalAddress('64:ff9b::192.0.2.33')).toBe('64:ff9b::c000:221');
  });

  test('refuses malformed text', () => {
    for (const text of [
      '::1::',
      '1:::2',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '12345::',
      '1:2:3:4:5:6:7:g',
      ':1::',
      '1::2:',
      'fe80::1%eth0',
      '1.2.3.4::',
      '::1.2.3',
      '::300.1.1.1',
      '::01.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
      '',
      ':',
    ]) {
      expect(parseIPv6(text), text).toBeUndefined();
      expect(parseAddress(text), text).toBeUndefined();
    }
  });
});

describe('prefixes', () => {
  test('a network prefix round-trips through its text; one with host bits is refused, naming its network', () => {
    fc.assert(
      fc.property(anyCidr, (cidr) => {
        expect(parseCidr(formatCidr(cidr))).toEqual({ ok: true, cidr });
      }),
    );
    expect(parseCidr('10.0.0.5/22')).toEqual({
      ok: false,
      reason: 'not-network',
      network: { family: 'ipv4', network: parseIPv4('10.0.0.0'), prefixLength: 22 },
    });
    for (const text of [
      '10.0.0.0',
      '10.0.0.0/33',
      '10.0.0.0/-1',
      '10.0.0.0/08',
      '10.0.0.0/8/8',
      '::/129',
      '300.0.0.0/8',
      '/8',
      '10.0.0.0/',
    ]) {
      expect(parseCidr(text), text).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  test('a prefix contains exactly the addresses from its network to its last address', () => {
    fc.assert(
      fc.property(cidrOf('ipv4'), v4Value, (cidr, value) => {
        const inside = value >= cidr.network && value <= lastAddress(cidr);
        return contains(cidr, { family: 'ipv4', value }) === inside;
      }),
    );
    fc.assert(
      fc.property(cidrOf('ipv6'), v6Value, (cidr, value) => {
        const inside = value >= cidr.network && value <= lastAddress(cidr);
        return contains(cidr, { family: 'ipv6', value }) === inside;
      }),
    );
  });

  test('two prefixes overlap exactly when their ranges share an address, and one then contains the other', () => {
    fc.assert(
      fc.property(anyCidr, anyCidr, (a, b) => {
        const share = a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a);
        expect(overlaps(a, b)).toBe(share);
        expect(overlaps(a, b)).toBe(overlaps(b, a));
        if (share) expect(containsCidr(a, b) || containsCidr(b, a)).toBe(true);
      }),
    );
    expect(contains({ family: 'ipv4', network: 0n, prefixLength: 0 }, { family: 'ipv6', value: 0n })).toBe(false);
  });
});

/** A pool of either family with a random assignment length, and maybe a gateway inside it. */
const poolShape = fc
  .oneof(
    cidrOf('ipv4').map((cidr) => ({ cidr, assign: 32 })),
    cidrOf('ipv6')
      .filter((cidr) => cidr.prefixLength <= 120)
      .chain((cidr) =>
        fc
          .integer({ min: Math.max(48, cidr.prefixLength), max: Math.min(128, Math.max(48, cidr.prefixLength) + 40) })
          .map((assign) => ({ cidr, assign })),
      ),
  )
  .chain(({ cidr, assign }) =>
    fc.option(fc.bigInt({ min: 0n, max: lastAddress(cidr) - cidr.network }), { nil: null }).map(
      (offset): PoolShape => ({
        cidr,
        assignPrefixLength: assign,
        gateway: offset === null ? null : { family: cidr.family, value: cidr.network + offset },
      }),
    ),
  );

describe('pool arithmetic', () => {
  test('every usable index maps to an address inside the pool, and back to the same index', () => {
    fc.assert(
      fc.property(poolShape, fc.double({ min: 0, max: 1, noNaN: true }), (shape, at) => {
        const range = poolRange(shape);
        fc.pre(range.lastIndex >= range.firstIndex);
        const span = range.lastIndex - range.firstIndex;
        const index = range.firstIndex + BigInt(Math.floor(Number(span) * at));
        const clamped = index > range.lastIndex ? range.lastIndex : index;
        fc.pre(clamped !== range.gatewayIndex);
        const text = addressAt(shape, clamped);
        const address = parseAddress(text);
        expect(address && contains(shape.cidr, address)).toBe(true);
        expect(address && indexOf(shape, address)).toEqual({ ok: true, index: clamped });
        expect(canonicalAddress(text)).toBe(text);
      }),
    );
  });

  test('IPv4 pools keep the network and broadcast address back below /31, and the gateway always', () => {
    fc.assert(
      fc.property(poolShape, (shape) => {
        const range = poolRange(shape);
        const units = 1n << BigInt(shape.assignPrefixLength - shape.cidr.prefixLength);
        const edges = shape.cidr.family === 'ipv4' && shape.cidr.prefixLength < 31 ? 2n : 0n;
        expect(range.size).toBe(units - edges - (range.gatewayIndex === null ? 0n : 1n));
        if (shape.gateway && range.gatewayIndex !== null) {
          expect(indexOf(shape, shape.gateway)).toMatchObject({ ok: false });
        }
        if (edges) {
          const network = { family: shape.cidr.family, value: shape.cidr.network };
          const broadcast = { family: shape.cidr.family, value: lastAddress(shape.cidr) };
          expect(indexOf(shape, network)).toEqual({ ok: false, reason: 'network' });
          expect(indexOf(shape, broadcast)).toEqual({ ok: false, reason: 'broadcast' });
        }
      }),
    );
  });

  test('/56s of a /48: 256 of them, each the start of its prefix', () => {
    const shape: PoolShape = {
      cidr: { family: 'ipv6', network: parseIPv6('2001:db8:100::') as bigint, prefixLength: 48 },
      assignPrefixLength: 56,
      gateway: null,
    };
    expect(poolRange(shape)).toEqual({ firstIndex: 0n, lastIndex: 255n, gatewayIndex: null, size: 256n });
    expect(addressAt(shape, 1n)).toBe('2001:db8:100:100::');
    expect(addressAt(shape, 255n)).toBe('2001:db8:100:ff00::');
    expect(indexOf(shape, parseAddress('2001:db8:100:101::') as never)).toEqual({ ok: false, reason: 'unaligned' });
  });

  test('utilisation counts what is used and reserved against the size, in percent', () => {
    expect(utilisation(1022n, 1000, 0)).toEqual({ size: 1022, used: 1000, reserved: 0, free: 22, percent: 97.85 });
    expect(utilisation(14n, 5, 1)).toEqual({ size: 14, used: 5, reserved: 1, free: 8, percent: 42.86 });
    expect(utilisation(2n ** 64n, 1, 0)).toMatchObject({ size: 2 ** 64, percent: 0 });
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 80n }), fc.nat(1000), fc.nat(1000), (size, used, reserved) => {
        fc.pre(BigInt(used + reserved) <= size);
        const u = utilisation(size, used, reserved);
        expect(u.percent).toBeGreaterThanOrEqual(0);
        expect(u.percent).toBeLessThanOrEqual(100);
        if (size < 2n ** 53n) expect(u.free).toBe(Number(size) - used - reserved);
      }),
    );
  });
});

// IP addresses and prefixes as numbers: strict parsing of IPv4 and IPv6 text, canonical text
// (dotted quad; RFC 5952 for IPv6), and containment and overlap of prefixes. Pure, on BigInt:
// the sandbox has no Node built-ins to lean on.

/** An address family. */
export type Family = 'ipv4' | 'ipv6';

/** An address: its family and its value as an unsigned integer of 32 or 128 bits. */
export interface IpAddress {
  readonly family: Family;
  readonly value: bigint;
}

/** A prefix (CIDR block): its family, its network address and its length in bits. */
export interface Cidr {
  readonly family: Family;
  readonly network: bigint;
  readonly prefixLength: number;
}

/** Address width of each family, in bits. */
export const BITS: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 128 };

const OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

/** The value of a dotted-quad IPv4 address (no leading zeros, each octet 0–255), or undefined. */
export function parseIPv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    // A leading zero is refused: some stacks read 010 as octal (8), others as decimal (10).
    if (!OCTET.test(octet)) return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** The 16-bit groups of one side of an IPv6 address's `::`, or undefined when malformed. */
function groupsOf(part: string, mayEndInIPv4: boolean): number[] | undefined {
  if (part === '') return [];
  const pieces = part.split(':');
  const groups: number[] = [];
  for (const [i, piece] of pieces.entries()) {
    if (mayEndInIPv4 && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIPv4(piece);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else {
      if (!HEX_GROUP.test(piece)) return undefined;
      groups.push(Number.parseInt(piece, 16));
    }
  }
  return groups;
}

/**
 * The value of an IPv6 address in any RFC 4291 text form (groups of 1–4 hex digits, one `::`
 * at most, an IPv4 dotted quad as the last 32 bits), or undefined. Zone ids (`%eth0`) are refused.
 */
export function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = groupsOf(halves[0] ?? '', !compressed);
  const tail = compressed ? groupsOf(halves[1] ?? '', true) : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  // `::` stands for at least one group of zeros.
  if (compressed ? count > 7 : count !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/** An IPv4 or IPv6 address, or undefined when `text` is neither. */
export function parseAddress(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIPv6(text);
    return value === undefined ? undefined : { family: 'ipv6', value };
  }
  const value = parseIPv4(text);
  return value === undefined ? undefined : { family: 'ipv4', value };
}

/** An IPv4 value as a dotted quad. */
export function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

const IPV4_MAPPED = 0xffffn;

/**
 * An IPv6 value in RFC 5952's canonical form: lowercase, no leading zeros, the longest run of
 * two or more zero groups (the first of equals) as `::`; IPv4-mapped addresses as ::ffff:a.b.c.d.
 */
export function formatIPv6(value: bigint): string {
  if (value >> 32n === IPV4_MAPPED) return `::ffff:${formatIPv4(value & 0xffffffffn)}`;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // a lone zero group is never compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** An address in its canonical text. */
export function formatAddress(address: IpAddress): string {
  return address.family === 'ipv4' ? formatIPv4(address.value) : formatIPv6(address.value);
}

/** The canonical text of an address given as text, or undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  const address = parseAddress(text);
  return address && formatAddress(address);
}

/** The number of host bits of a prefix. */
export function hostBits(cidr: Cidr): bigint {
  return BigInt(BITS[cidr.family] - cidr.prefixLength);
}

/** The mask of the host bits of a prefix (all ones in them). */
function hostMask(cidr: Cidr): bigint {
  return (1n << hostBits(cidr)) - 1n;
}

/** Why `text` is not a network prefix, or the prefix it is. */
export type CidrParse =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly reason: 'malformed' }
  /** The address has host bits set: `network` is the prefix the caller probably meant. */
  | { readonly ok: false; readonly reason: 'not-network'; readonly network: Cidr };

/**
 * Parses `address/length`. The address must be the prefix's network address (10.0.0.0/22, not
 * 10.0.0.5/22): a prefix written with host bits is most often a typo, so it is refused, naming
 * the network it would be.
 */
export function parseCidr(text: string): CidrParse {
  const parts = text.split('/');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [addressText = '', lengthText = ''] = parts;
  const address = parseAddress(addressText);
  if (!address || !PREFIX_LENGTH.test(lengthText)) return { ok: false, reason: 'malformed' };
  const prefixLength = Number(lengthText);
  if (prefixLength > BITS[address.family]) return { ok: false, reason: 'malformed' };
  const cidr: Cidr = { family: address.family, network: address.value, prefixLength };
  const network = address.value & ~hostMask(cidr);
  if (network !== address.value) return { ok: false, reason: 'not-network', network: { ...cidr, network } };
  return { ok: true, cidr };
}

/** A prefix in canonical text (2001:db8::/32). */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress({ family: cidr.family, value: cidr.network })}/${cidr.prefixLength}`;
}

/** The last address of a prefix (its broadcast address, for IPv4). */
export function lastAddress(cidr: Cidr): bigint {
  return cidr.network | hostMask(cidr);
}

/** True when `address` lies inside `cidr`. */
export function contains(cidr: Cidr, address: IpAddress): boolean {
  return address.family === cidr.family && address.value >> hostBits(cidr) === cidr.network >> hostBits(cidr);
}

/** True when every address of `inner` lies inside `outer`. */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.prefixLength >= outer.prefixLength && contains(outer, { family: inner.family, value: inner.network });
}

/** True when the two prefixes share an address (for prefixes: when one contains the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return containsCidr(a, b) || containsCidr(b, a);
}

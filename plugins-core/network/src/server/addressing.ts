// How a pool hands out addresses. A pool (a prefix) is cut into units of its assignment length:
// single addresses for IPv4 (/32), delegated prefixes for IPv6 (/56, /64 ...). Unit n starts at
// the pool's network address plus n units; the database stores only n (an assignment's index),
// and this module turns indexes into addresses and back. Pure.
import { type Cidr, contains, type Family, formatAddress, hostBits, type IpAddress } from './ip.ts';

/** A pool as the arithmetic needs it. */
export interface PoolShape {
  readonly cidr: Cidr;
  /** The prefix length of each unit handed out: 32 for IPv4, 48–128 for IPv6. */
  readonly assignPrefixLength: number;
  /** The gateway address, never handed out when it lies inside the pool. */
  readonly gateway: IpAddress | null;
}

/** Which indexes of a pool may be handed out. */
export interface PoolRange {
  /** The first usable index. */
  readonly firstIndex: bigint;
  /** The last usable index. */
  readonly lastIndex: bigint;
  /** The index of the unit holding the gateway, when that unit lies between first and last. */
  readonly gatewayIndex: bigint | null;
  /** How many units may be handed out (reservations included). */
  readonly size: bigint;
}

/** The assignment length a family's pools default to: single IPv4 addresses, IPv6 /64s. */
export const DEFAULT_ASSIGN_PREFIX_LENGTH: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 64 };

/** The shortest assignment length an IPv6 pool may hand out (a /48 per subscriber). */
export const MIN_IPV6_ASSIGN_PREFIX_LENGTH = 48;

/** Bits of one unit (0 for single addresses). */
function unitBits(shape: PoolShape): bigint {
  return BigInt((shape.cidr.family === 'ipv4' ? 32 : 128) - shape.assignPrefixLength);
}

/** True when an IPv4 pool keeps its first and last address (network and broadcast) back: /30 and wider. */
function keepsNetworkAndBroadcast(cidr: Cidr): boolean {
  return cidr.family === 'ipv4' && cidr.prefixLength < 31;
}

/** The usable indexes of a pool. */
export function poolRange(shape: PoolShape): PoolRange {
  const units = 1n << (hostBits(shape.cidr) - unitBits(shape));
  const edge = keepsNetworkAndBroadcast(shape.cidr) ? 1n : 0n;
  const firstIndex = edge;
  const lastIndex = units - 1n - edge;
  let gatewayIndex: bigint | null = null;
  if (shape.gateway && contains(shape.cidr, shape.gateway)) {
    const index = (shape.gateway.value - shape.cidr.network) >> unitBits(shape);
    if (index >= firstIndex && index <= lastIndex) gatewayIndex = index;
  }
  return { firstIndex, lastIndex, gatewayIndex, size: lastIndex - firstIndex + 1n - (gatewayIndex === null ? 0n : 1n) };
}

/** The first address of unit `index`, in canonical text. */
export function addressAt(shape: PoolShape, index: bigint): string {
  return formatAddress({ family: shape.cidr.family, value: shape.cidr.network + (index << unitBits(shape)) });
}

/** Why an address cannot be assigned in a pool. */
export type Unassignable = 'outside' | 'unaligned' | 'network' | 'broadcast' | 'gateway';

/** The index of an address in a pool, or why it cannot be assigned there. */
export type IndexLookup =
  | { readonly ok: true; readonly index: bigint }
  | { readonly ok: false; readonly reason: Unassignable };

/**
 * The index of `address` in the pool, when it may be assigned: inside the pool, the start of a
 * unit (for IPv6 delegation, the first address of a /56 ...), not the network, broadcast or gateway.
 */
export function indexOf(shape: PoolShape, address: IpAddress): IndexLookup {
  if (!contains(shape.cidr, address)) return { ok: false, reason: 'outside' };
  const offset = address.value - shape.cidr.network;
  const bits = unitBits(shape);
  if (offset & ((1n << bits) - 1n)) return { ok: false, reason: 'unaligned' };
  const index = offset >> bits;
  const range = poolRange(shape);
  if (index < range.firstIndex) return { ok: false, reason: 'network' };
  if (index > range.lastIndex) return { ok: false, reason: 'broadcast' };
  if (index === range.gatewayIndex) return { ok: false, reason: 'gateway' };
  return { ok: true, index };
}

/** A pool's use: units handed out (dynamic and static), held by reservations, and left. */
export interface Utilisation {
  readonly size: number;
  readonly used: number;
  readonly reserved: number;
  readonly free: number;
  /** (used + reserved) / size, in percent, two decimals. */
  readonly percent: number;
}

/**
 * Utilisation of a pool of `size` units. Counts above 2^53 (IPv6 pools cut into /128s) are the
 * nearest double: exact enough for a gauge, which is what they are for.
 */
export function utilisation(size: bigint, used: number, reserved: number): Utilisation {
  const taken = BigInt(used + reserved);
  const free = size > taken ? size - taken : 0n;
  // Basis points in integers first, so huge sizes keep their precision until the division.
  const basisPoints = size === 0n ? 10_000n : (taken * 10_000n + size / 2n) / size;
  return { size: Number(size), used, reserved, free: Number(free), percent: Number(basisPoints) / 100 };
}

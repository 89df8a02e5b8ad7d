// A plan's speeds as FreeRADIUS radreply rows for each family of NAS, and the same rows as the
// attributes of a CoA-Request. Pure: no I/O, no clock.
import { attributeFromText, type RequestAttribute } from './packet.ts';

/** The family of NAS a reply is written for (network's `radiusProfile`). */
export type Profile = 'mikrotik' | 'cisco' | 'wispr' | 'generic';

/** One radreply row: `:=` sets the attribute, `+=` adds one more of it. */
export interface ReplyAttribute {
  readonly attribute: string;
  readonly op: ':=' | '+=';
  readonly value: string;
}

/** Speeds of a plan, in kbit/s (1000 bit/s). Burst is MikroTik's: a higher rate for a while after a quiet spell. */
export interface RatePlan {
  readonly profile: Profile;
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  /** The download rate a burst reaches; upload bursts by the same ratio. */
  readonly burstKbps?: number | null;
  /** The download average under which a burst may start (default 3/4 of downloadKbps); upload by the same ratio. */
  readonly burstThresholdKbps?: number | null;
  /** The window the average is taken over, in seconds (default 8). */
  readonly burstTimeSeconds?: number | null;
}

/** The MikroTik address list (and the filter name elsewhere) that holds walled-garden sessions by default. */
export const WALLED_GARDEN_LIST = 'walled-garden';
// MikroTik's documented burst example: burst-threshold 3/4 of max-limit, burst-time 8 s.
const DEFAULT_THRESHOLD_RATIO = 3 / 4;
const DEFAULT_BURST_SECONDS = 8;
/** WISPr bandwidth attributes are 32-bit counts of bit/s. */
const WISPR_MAX_BPS = 0xffffffff;

/**
 * How a rate change reaches an online session. MikroTik applies a Mikrotik-Rate-Limit sent in a
 * CoA-Request, and WISPr hotspots their bandwidth attributes; Cisco applies lcp:interface-config
 * only when the session starts, and a NAS we know nothing of may ACK a CoA it ignores, so those
 * sessions are disconnected and come back with the new reply.
 */
export const RATE_CHANGE_BY: Readonly<Record<Profile, 'coa' | 'disconnect'>> = {
  mikrotik: 'coa',
  wispr: 'coa',
  cisco: 'disconnect',
  generic: 'disconnect',
};

/** The reply rows that hold a session to the plan's speeds on this family of NAS. */
export function rateAttributes(plan: RatePlan): ReplyAttribute[] {
  const down = positiveInteger('downloadKbps', plan.downloadKbps);
  const up = positiveInteger('uploadKbps', plan.uploadKbps);
  switch (plan.profile) {
    case 'mikrotik':
      return [{ attribute: 'Mikrotik-Rate-Limit', op: ':=', value: mikrotikRateLimit(plan, down, up) }];
    case 'cisco':
      return ciscoRateLimit(down, up);
    case 'wispr':
    case 'generic':
      // No RFC defines a rate attribute. WISPr's pair is the one that NASes of many makers read
      // (hotspot gateways, access points, CoovaChilli), so it is the best guess for an unknown
      // NAS; anything vendor-specific would be ignored there, or refused.
      return wisprRateLimit(down, up);
    default:
      throw new RangeError(`unknown RADIUS profile ${JSON.stringify(plan.profile)}: mikrotik, cisco, wispr or generic`);
  }
}

/** The rows of a session throttled after its data cap: throttleKbps each way, never above the plan, no burst. */
export function throttleAttributes(plan: RatePlan, throttleKbps: number): ReplyAttribute[] {
  const throttle = positiveInteger('throttleKbps', throttleKbps);
  return rateAttributes({
    profile: plan.profile,
    downloadKbps: Math.min(throttle, positiveInteger('downloadKbps', plan.downloadKbps)),
    uploadKbps: Math.min(throttle, positiveInteger('uploadKbps', plan.uploadKbps)),
  });
}

/** A walled-garden session's allowance, and the NAS-side list or filter that confines it. */
export interface WalledGarden {
  readonly profile: Profile;
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  /** The MikroTik address list, or elsewhere the filter name (default `walled-garden`). */
  readonly addressList?: string;
}

/**
 * The rows of a walled-garden session (unpaid, not yet activated): a small rate, and the session
 * marked for the NAS's walled-garden rules: on MikroTik Mikrotik-Address-List (the operator's
 * firewall lets that list reach only the portal); elsewhere Filter-Id, RFC 2865's name of a
 * filter the NAS holds (Cisco applies the ACL inbound when it is written `<name>.in`).
 */
export function walledGardenAttributes(garden: WalledGarden): ReplyAttribute[] {
  const { profile, addressList = WALLED_GARDEN_LIST } = garden;
  if (!/^[\x21-\x7e]{1,64}$/.test(addressList)) {
    throw new RangeError(`addressList ${JSON.stringify(addressList)} must be 1 to 64 printable ASCII characters`);
  }
  const rate = rateAttributes({ profile, downloadKbps: garden.downloadKbps, uploadKbps: garden.uploadKbps });
  const mark: ReplyAttribute =
    profile === 'mikrotik'
      ? { attribute: 'Mikrotik-Address-List', op: ':=', value: addressList }
      : { attribute: 'Filter-Id', op: ':=', value: profile === 'cisco' ? `${addressList}.in` : addressList };
  return [mark, ...rate];
}

/** The rows as CoA-Request attributes (each `+=` row is one more attribute). */
export function requestAttributes(rows: readonly ReplyAttribute[]): RequestAttribute[] {
  return rows.map((row) => attributeFromText(row.attribute, row.value));
}

/** A rate as MikroTik writes it: whole megabits as `20M`, anything else in kbit/s as `1500k`. */
export function mikrotikRate(kbps: number): string {
  return kbps % 1000 === 0 ? `${kbps / 1000}M` : `${kbps}k`;
}

/**
 * MikroTik's `rx-rate[/tx-rate] [rx-burst-rate[/tx-burst-rate] [rx-burst-threshold[/tx-burst-threshold]
 * [rx-burst-time[/tx-burst-time]]]]`. rx and tx are the router's: it receives the subscriber's
 * upload and transmits the download, so every pair is upload/download.
 */
function mikrotikRateLimit(plan: RatePlan, down: number, up: number): string {
  const pair = (rx: number, tx: number) => `${mikrotikRate(rx)}/${mikrotikRate(tx)}`;
  if (plan.burstKbps === undefined || plan.burstKbps === null) return pair(up, down);
  const burst = positiveInteger('burstKbps', plan.burstKbps);
  if (burst <= down) {
    throw new RangeError(`burstKbps ${burst} must exceed downloadKbps ${down}: a burst is a rate above the plan's`);
  }
  const threshold =
    plan.burstThresholdKbps === undefined || plan.burstThresholdKbps === null
      ? Math.max(1, Math.floor(down * DEFAULT_THRESHOLD_RATIO))
      : positiveInteger('burstThresholdKbps', plan.burstThresholdKbps);
  if (threshold >= down) {
    throw new RangeError(
      `burstThresholdKbps ${threshold} must be below downloadKbps ${down}: above it, the session would burst for ever`,
    );
  }
  const seconds =
    plan.burstTimeSeconds === undefined || plan.burstTimeSeconds === null
      ? DEFAULT_BURST_SECONDS
      : positiveInteger('burstTimeSeconds', plan.burstTimeSeconds);
  const scaled = (downValue: number) => Math.max(1, Math.round((up * downValue) / down));
  return `${pair(up, down)} ${pair(scaled(burst), burst)} ${pair(scaled(threshold), threshold)} ${seconds}/${seconds}`;
}

/**
 * Cisco IOS: per-session CAR through `lcp:interface-config`, which configures the session's
 * virtual-access interface with `rate-limit input|output <bps> <normal-burst> <max-burst>` (input
 * is what the router receives: the upload). Chosen because it needs nothing but the speeds; ISG's
 * `ip:sub-qos-policy-in/out` and RADIUS-based policing (`qos-policy-in=add-class(...)`) only
 * name or adjust policy maps the operator must first build on the router, one per plan. Bursts
 * as Cisco recommends for CAR: normal = 1.5 s of traffic in bytes, max = twice that. MikroTik's
 * timed burst has no CAR equivalent, so a plan's burst is not sent. `#1`/`#2` keep both pairs.
 * Costs: on some platforms lcp:interface-config makes full virtual-access interfaces, and
 * IOS XE (ASR 1000) has no CAR; there a policy-map profile is the way, and a later option.
 */
function ciscoRateLimit(down: number, up: number): ReplyAttribute[] {
  const car = (direction: 'input' | 'output', kbps: number) => {
    const bps = kbps * 1000;
    const normal = Math.ceil((bps / 8) * 1.5);
    return `rate-limit ${direction} ${bps} ${normal} ${2 * normal} conform-action transmit exceed-action drop`;
  };
  return [
    { attribute: 'Cisco-AVPair', op: '+=', value: `lcp:interface-config#1=${car('input', up)}` },
    { attribute: 'Cisco-AVPair', op: '+=', value: `lcp:interface-config#2=${car('output', down)}` },
  ];
}

/**
 * WISPr-Bandwidth-Max-Down/Up, in bit/s. They are 32-bit integers: a plan faster than
 * 4 294 967 295 bit/s gets that, the most the attribute can say, rather than no account at all.
 */
function wisprRateLimit(down: number, up: number): ReplyAttribute[] {
  const bps = (kbps: number) => String(Math.min(kbps * 1000, WISPR_MAX_BPS));
  return [
    { attribute: 'WISPr-Bandwidth-Max-Down', op: ':=', value: bps(down) },
    { attribute: 'WISPr-Bandwidth-Max-Up', op: ':=', value: bps(up) },
  ];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    // Zero is no limit at all on MikroTik; never send it.
    throw new RangeError(`${name} must be a whole number above 0, not ${String(value)}`);
  }
  return value;
}

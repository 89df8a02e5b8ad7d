// What FreeRADIUS must answer for one account: its radcheck, radreply and radusergroup rows.
// Pure: the shell writes these rows and decides which live changes an online session needs.
import { type Profile, type ReplyAttribute, rateAttributes, walledGardenAttributes } from './attributes.ts';

export type AccountState = 'active' | 'walled-garden' | 'rejected';

/** The account as provisioning granted it (the `accounts` row). */
export interface Account {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly access: 'pppoe' | 'ipoe';
  readonly username: string;
  readonly password: string | null;
  readonly state: AccountState;
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly burstKbps: number | null;
  readonly burstThresholdKbps: number | null;
  readonly burstTimeSeconds: number | null;
  readonly framedIp: string | null;
  readonly framedIpv6Prefix: string | null;
  readonly dataCapGb: number | null;
  readonly throttleKbps: number | null;
  /** True while the month's cap is crossed and throttleKbps applies. */
  readonly throttled: boolean;
}

/** The rows of one account in FreeRADIUS's tables. */
export interface AaaRows {
  readonly check: readonly ReplyAttribute[];
  readonly reply: readonly ReplyAttribute[];
  readonly groups: readonly string[];
}

/** The group a walled-garden account is put in; its radgroupreply rows are the tenant's. */
export const WALLED_GARDEN_GROUP = 'walled-garden';

/** The speed an account gets now: the plan's, or the throttle once the cap is crossed. */
export function speedOf(account: Account): Speed {
  if (account.throttled && account.throttleKbps !== null) {
    return {
      downloadKbps: account.throttleKbps,
      uploadKbps: Math.min(account.uploadKbps, account.throttleKbps),
      burstKbps: null,
      burstThresholdKbps: null,
      burstTimeSeconds: null,
    };
  }
  return {
    downloadKbps: account.downloadKbps,
    uploadKbps: account.uploadKbps,
    burstKbps: account.burstKbps,
    burstThresholdKbps: account.burstThresholdKbps,
    burstTimeSeconds: account.burstTimeSeconds,
  };
}

export interface Speed {
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly burstKbps: number | null;
  readonly burstThresholdKbps: number | null;
  readonly burstTimeSeconds: number | null;
}

/** The speed attributes of `profile` for `speed`. */
export function speedAttributes(profile: Profile, speed: Speed): ReplyAttribute[] {
  return rateAttributes({
    profile,
    downloadKbps: speed.downloadKbps,
    uploadKbps: speed.uploadKbps,
    burstKbps: speed.burstKbps ?? undefined,
    burstThresholdKbps: speed.burstThresholdKbps ?? undefined,
    burstTimeSeconds: speed.burstTimeSeconds ?? undefined,
  });
}

/** The radcheck, radreply and radusergroup rows of `account`, with the speed attributes of `profiles`. */
export function aaaRows(account: Account, profiles: readonly Profile[]): AaaRows {
  const check: ReplyAttribute[] = [];
  if (account.state === 'rejected') check.push({ attribute: 'Auth-Type', op: ':=', value: 'Reject' });
  else if (account.access === 'ipoe') check.push({ attribute: 'Auth-Type', op: ':=', value: 'Accept' });
  if (account.access === 'pppoe' && account.password !== null) {
    check.push({ attribute: 'Cleartext-Password', op: ':=', value: account.password });
  }
  const reply: ReplyAttribute[] = [];
  if (account.state === 'active') {
    for (const profile of profiles) reply.push(...speedAttributes(profile, speedOf(account)));
  }
  if (account.framedIp !== null) reply.push({ attribute: 'Framed-IP-Address', op: ':=', value: account.framedIp });
  if (account.framedIpv6Prefix !== null) {
    reply.push({ attribute: 'Delegated-IPv6-Prefix', op: ':=', value: account.framedIpv6Prefix });
  }
  return { check, reply: dedupe(reply), groups: account.state === 'walled-garden' ? [WALLED_GARDEN_GROUP] : [] };
}

/** The tenant's walled-garden group reply, for each profile. */
export function walledGardenRows(
  profiles: readonly Profile[],
  garden: { readonly downloadKbps: number; readonly uploadKbps: number; readonly addressList: string },
): ReplyAttribute[] {
  return dedupe(profiles.flatMap((profile) => walledGardenAttributes({ profile, ...garden })));
}

/** Several profiles can ask for the same attribute (WISPr in generic and wispr): keep the first. */
function dedupe(rows: readonly ReplyAttribute[]): ReplyAttribute[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.attribute}\u0000${r.op}\u0000${r.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Which live change an online session needs when an account goes from `before` to `after`. */
export function liveChange(before: Account | null, after: Account | null): 'coa' | 'disconnect' | null {
  if (before === null) return null;
  if (after === null) return 'disconnect';
  if (before.username !== after.username) return 'disconnect';
  if (before.state !== after.state) return 'disconnect';
  if (before.framedIp !== after.framedIp || before.framedIpv6Prefix !== after.framedIpv6Prefix) return 'disconnect';
  if (after.state !== 'active') return null;
  const a = speedOf(before);
  const b = speedOf(after);
  const same =
    a.downloadKbps === b.downloadKbps &&
    a.uploadKbps === b.uploadKbps &&
    a.burstKbps === b.burstKbps &&
    a.burstThresholdKbps === b.burstThresholdKbps &&
    a.burstTimeSeconds === b.burstTimeSeconds;
  return same ? null : 'coa';
}

// Drift: where the network disagrees with what provisioning knows. Pure: the services as stored,
// dotmac.radius' snapshot (AAA accounts and online sessions) and dotmac.network's assignments in;
// the drift items and the repair each calls for out. Services being provisioned or failed are
// left out (the first are in flight, the second already say what is wrong).

import type { AccessState, Desired, ServiceState } from './machine.ts';
import type { AaaSnapshot, Assignment } from './network-and-aaa.ts';

/** What kind of disagreement. */
export type DriftKind =
  /** A suspended service (one rejected, or online since before its suspension) or a deprovisioned one has a session. */
  | 'suspended-online'
  /** A suspended service whose AAA account is active. */
  | 'suspended-not-walled'
  /** A running service whose AAA account is in another state than it should (other than the above). */
  | 'state-mismatch'
  /** An active or suspended service without an AAA account. */
  | 'active-missing'
  /** An AAA account of no active or suspended service. */
  | 'orphan-account'
  /** The AAA account's framed IP is not the address dotmac.network assigned. */
  | 'address-mismatch'
  /** Two AAA accounts share one framed IP. */
  | 'address-duplicate';

export const DRIFT_KINDS: readonly DriftKind[] = [
  'suspended-online',
  'suspended-not-walled',
  'state-mismatch',
  'active-missing',
  'orphan-account',
  'address-mismatch',
  'address-duplicate',
];

/** A service as reconciliation reads it. */
export interface KnownService {
  readonly subscriptionId: string;
  readonly state: ServiceState;
  readonly desired: Desired;
  readonly accessState: AccessState;
  readonly username: string | null;
  /** When an apply run last converged it. */
  readonly appliedAt: string | null;
}

/**
 * How an item is repaired: the service's target applied again (apply-service); the AAA account
 * removed (which disconnects its sessions); the account reset (removed, then applied again: the
 * one way to drop a session the account's unchanged state would keep); or nothing provisioning
 * can change.
 */
export type Repair = 're-apply' | 'remove-account' | 'reset-account' | 'none';

/** Of two repairs of one service, the one that does more (a reset re-applies too). */
export const REPAIR_STRENGTH: Readonly<Record<Repair, number>> = {
  none: 0,
  're-apply': 1,
  'reset-account': 2,
  'remove-account': 3,
};

/** One disagreement. */
export interface DriftItem {
  readonly kind: DriftKind;
  readonly subscriptionId: string | null;
  readonly username?: string;
  readonly detail: string;
  /** What `fix` would do about it. */
  readonly repair: Repair;
}

type Account = AaaSnapshot['accounts'][number];

const running = (s: KnownService | undefined) => s?.state === 'active' || s?.state === 'suspended';

/** The drift between `services`, the AAA `snapshot` and the network's `assignments`, in a stable order. */
export function findDrift(
  services: readonly KnownService[],
  snapshot: AaaSnapshot,
  assignments: readonly Assignment[],
): DriftItem[] {
  const known = new Map(services.map((s) => [s.subscriptionId, s]));
  const byUsername = new Map(services.flatMap((s) => (s.username === null ? [] : [[s.username, s] as const])));
  const accounts = new Map(snapshot.accounts.map((a) => [a.subscriptionId, a]));
  const accountsByUsername = new Map(snapshot.accounts.map((a) => [a.username, a]));
  const ipv4Of = new Map(assignments.filter((a) => a.family === 'ipv4').map((a) => [a.subscriptionId, a.address]));
  const items: DriftItem[] = [];
  const add = (item: Omit<DriftItem, 'username'>, username: string | null | undefined) =>
    items.push({ ...item, ...(username ? { username } : {}) });

  for (const account of snapshot.accounts) {
    const service = known.get(account.subscriptionId);
    if (service?.state === 'provisioning' || service?.state === 'failed') continue;
    if (service === undefined || !running(service)) {
      const why = service === undefined ? 'provisioning knows no such service' : `the service is ${service.state}`;
      add(
        {
          kind: 'orphan-account',
          subscriptionId: account.subscriptionId,
          detail: `AAA account ${account.username} (${account.state}) exists but ${why}`,
          repair: 'remove-account',
        },
        account.username,
      );
      continue;
    }
    if (account.state !== service.accessState) {
      const walled = service.state === 'suspended' && account.state === 'active';
      add(
        {
          kind: walled ? 'suspended-not-walled' : 'state-mismatch',
          subscriptionId: account.subscriptionId,
          detail: `the service is ${service.state} (${service.accessState}) but its AAA account is ${account.state}`,
          repair: 're-apply',
        },
        account.username,
      );
    }
    const assigned = ipv4Of.get(account.subscriptionId) ?? null;
    if (account.framedIp !== assigned) {
      add(
        {
          kind: 'address-mismatch',
          subscriptionId: account.subscriptionId,
          detail: `the AAA account gives framed IP ${account.framedIp ?? 'none'}; dotmac.network assigned ${assigned ?? 'none'}`,
          repair: 're-apply',
        },
        account.username,
      );
    }
  }

  for (const service of services) {
    if (running(service) && !accounts.has(service.subscriptionId)) {
      add(
        {
          kind: 'active-missing',
          subscriptionId: service.subscriptionId,
          detail: `the service is ${service.state} but dotmac.radius has no AAA account for it`,
          repair: 're-apply',
        },
        service.username,
      );
    }
  }

  for (const session of snapshot.sessions) {
    const subscriptionId =
      session.subscriptionId ??
      accountsByUsername.get(session.username)?.subscriptionId ??
      byUsername.get(session.username)?.subscriptionId ??
      null;
    const service = subscriptionId === null ? undefined : known.get(subscriptionId);
    if (!service || subscriptionId === null) continue;
    const where = `session ${session.acctSessionId} on NAS ${session.nasAddress} since ${session.startedAt}`;
    if (service.state === 'deprovisioned') {
      add(
        {
          kind: 'suspended-online',
          subscriptionId,
          detail: `the service is deprovisioned but ${session.username} is online (${where})`,
          repair: 'remove-account',
        },
        session.username,
      );
    } else if (service.state === 'suspended') {
      // A walled-garden subscriber may sign in again after the suspension, into the garden.
      const before = service.appliedAt !== null && Date.parse(session.startedAt) < Date.parse(service.appliedAt);
      if (service.accessState === 'rejected' || before) {
        const why = service.accessState === 'rejected' ? 'access is rejected' : `suspended since ${service.appliedAt}`;
        add(
          {
            kind: 'suspended-online',
            subscriptionId,
            detail: `the service is suspended (${why}) but ${session.username} is online (${where})`,
            repair: 'reset-account',
          },
          session.username,
        );
      }
    }
  }

  const sharing = new Map<string, Account[]>();
  for (const account of snapshot.accounts) {
    if (account.framedIp === null) continue;
    sharing.set(account.framedIp, [...(sharing.get(account.framedIp) ?? []), account]);
  }
  for (const [ip, group] of sharing) {
    if (group.length < 2) continue;
    for (const account of group) {
      const others = group.filter((a) => a !== account).map((a) => a.username);
      const service = known.get(account.subscriptionId);
      const inFlight = service?.state === 'provisioning' || service?.state === 'failed';
      // The account holding an address dotmac.network did not assign to it gives it up.
      const rightful = running(service) && ipv4Of.get(account.subscriptionId) === ip;
      const repair: Repair = inFlight || rightful ? 'none' : running(service) ? 're-apply' : 'remove-account';
      add(
        {
          kind: 'address-duplicate',
          subscriptionId: account.subscriptionId,
          detail: `framed IP ${ip} is also given to ${others.join(', ')}${
            rightful ? `; dotmac.network assigned it to ${account.username}` : ''
          }`,
          repair,
        },
        account.username,
      );
    }
  }

  const order = (i: DriftItem) => `${DRIFT_KINDS.indexOf(i.kind)} ${i.subscriptionId ?? ''} ${i.username ?? ''}`;
  return items.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

// Drift detection on its own: the services as stored, an AAA snapshot and the network's
// assignments in, the items and the repair each calls for out.
import { describe, expect, test } from 'vitest';
import { type DriftItem, findDrift, type KnownService } from '../src/server/drift.ts';
import type { AaaSnapshot, Assignment } from '../src/server/network-and-aaa.ts';

const APPLIED = '2026-03-02T08:00:00.000Z';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function service(n: number, over: Partial<KnownService> = {}): KnownService {
  return {
    subscriptionId: id(n),
    state: 'active',
    desired: 'active',
    accessState: 'active',
    username: `user${n}`,
    appliedAt: APPLIED,
    ...over,
  };
}

function account(n: number, over: Partial<AaaSnapshot['accounts'][number]> = {}) {
  return { subscriptionId: id(n), username: `user${n}`, state: 'active' as const, framedIp: `100.64.0.${n}`, ...over };
}

function assignment(n: number, address = `100.64.0.${n}`): Assignment {
  return {
    assignmentId: id(1000 + n),
    subscriptionId: id(n),
    poolId: id(999),
    family: 'ipv4',
    address,
    prefixLength: 32,
    kind: 'dynamic',
  };
}

function session(n: number, startedAt: string, over: Partial<AaaSnapshot['sessions'][number]> = {}) {
  return {
    subscriptionId: id(n),
    username: `user${n}`,
    nasAddress: '192.0.2.1',
    acctSessionId: `s${n}`,
    framedIp: null,
    startedAt,
    ...over,
  };
}

const brief = (items: DriftItem[]) => items.map((i) => [i.kind, i.subscriptionId, i.repair]);

describe('findDrift', () => {
  test('a network that agrees shows no drift', () => {
    expect(
      findDrift([service(1), service(2)], { accounts: [account(1), account(2)], sessions: [] }, [
        assignment(1),
        assignment(2),
      ]),
    ).toEqual([]);
  });

  test('an active or suspended service without an account is missing; an account without a running service is an orphan', () => {
    const services = [
      service(1),
      service(2, { state: 'suspended', desired: 'suspended', accessState: 'walled-garden' }),
      service(3, { state: 'deprovisioned', desired: 'deprovisioned' }),
      service(4, { state: 'awaiting-credentials' }),
    ];
    const snapshot = { accounts: [account(3), account(4), account(9)], sessions: [] };
    expect(brief(findDrift(services, snapshot, [assignment(3), assignment(4), assignment(9)]))).toEqual([
      ['active-missing', id(1), 're-apply'],
      ['active-missing', id(2), 're-apply'],
      ['orphan-account', id(3), 'remove-account'],
      ['orphan-account', id(4), 'remove-account'],
      ['orphan-account', id(9), 'remove-account'],
    ]);
  });

  test('a suspended service whose account is active is not walled; other state disagreements are mismatches', () => {
    const services = [
      service(1, { state: 'suspended', desired: 'suspended', accessState: 'walled-garden' }),
      service(2, { state: 'suspended', desired: 'suspended', accessState: 'rejected' }),
      service(3),
    ];
    const snapshot = {
      accounts: [account(1), account(2, { state: 'walled-garden' }), account(3, { state: 'rejected' })],
      sessions: [],
    };
    expect(brief(findDrift(services, snapshot, [assignment(1), assignment(2), assignment(3)]))).toEqual([
      ['suspended-not-walled', id(1), 're-apply'],
      ['state-mismatch', id(2), 're-apply'],
      ['state-mismatch', id(3), 're-apply'],
    ]);
  });

  test('a session of a rejected or deprovisioned service, or one older than a walled-garden suspension, is drift', () => {
    const before = '2026-03-02T07:00:00.000Z';
    const after = '2026-03-02T09:00:00.000Z';
    const services = [
      service(1, { state: 'suspended', desired: 'suspended', accessState: 'walled-garden' }),
      service(2, { state: 'suspended', desired: 'suspended', accessState: 'walled-garden' }),
      service(3, { state: 'suspended', desired: 'suspended', accessState: 'rejected' }),
      service(4, { state: 'deprovisioned', desired: 'deprovisioned' }),
      service(5),
    ];
    const snapshot = {
      accounts: [
        account(1, { state: 'walled-garden' }),
        account(2, { state: 'walled-garden' }),
        account(3, { state: 'rejected' }),
        account(5),
      ],
      sessions: [
        session(1, before),
        // Found by username: the NAS did not say which subscription.
        session(2, after, { subscriptionId: null }),
        session(3, after, { subscriptionId: null }),
        session(4, after),
        session(5, before),
      ],
    };
    const items = findDrift(
      services,
      snapshot,
      [1, 2, 3, 5].map((n) => assignment(n)),
    );
    expect(brief(items)).toEqual([
      ['suspended-online', id(1), 'reset-account'],
      ['suspended-online', id(3), 'reset-account'],
      ['suspended-online', id(4), 'remove-account'],
    ]);
    expect(items[0]?.detail).toBe(
      `the service is suspended (suspended since ${APPLIED}) but user1 is online (session s1 on NAS 192.0.2.1 since ${before})`,
    );
  });

  test("an account's framed IP must be the network's assignment, and no two accounts share one", () => {
    const services = [service(1), service(2), service(3)];
    const snapshot = {
      accounts: [account(1), account(2, { framedIp: '100.64.0.1' }), account(3, { framedIp: null })],
      sessions: [],
    };
    const items = findDrift(services, snapshot, [assignment(1), assignment(2), assignment(3)]);
    expect(brief(items)).toEqual([
      ['address-mismatch', id(2), 're-apply'],
      ['address-mismatch', id(3), 're-apply'],
      ['address-duplicate', id(1), 'none'],
      ['address-duplicate', id(2), 're-apply'],
    ]);
    expect(items.map((i) => i.detail)).toEqual([
      'the AAA account gives framed IP 100.64.0.1; dotmac.network assigned 100.64.0.2',
      'the AAA account gives framed IP none; dotmac.network assigned 100.64.0.3',
      'framed IP 100.64.0.1 is also given to user2; dotmac.network assigned it to user1',
      'framed IP 100.64.0.1 is also given to user1',
    ]);
  });

  test('services being provisioned or failed are left out: they are in flight, or already say what is wrong', () => {
    const services = [service(1, { state: 'provisioning' }), service(2, { state: 'failed' })];
    const snapshot = { accounts: [account(1, { state: 'rejected' })], sessions: [session(2, APPLIED)] };
    expect(findDrift(services, snapshot, [])).toEqual([]);
  });
});

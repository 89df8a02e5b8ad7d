// What FreeRADIUS answers for an account in each state, and which live change an online session
// needs when an account changes: properties over arbitrary accounts and transitions.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Account, aaaRows, liveChange, speedOf, WALLED_GARDEN_GROUP } from '../../src/server/aaa.ts';

const kbps = fc.integer({ min: 1, max: 10_000_000 });
const account: fc.Arbitrary<Account> = fc.record({
  subscriptionId: fc.uuid(),
  accountId: fc.uuid(),
  access: fc.constantFrom('pppoe' as const, 'ipoe' as const),
  username: fc.stringMatching(/^[a-z][a-z0-9@.-]{0,20}$/),
  password: fc.option(fc.stringMatching(/^[A-Za-z0-9]{6,20}$/), { nil: null }),
  state: fc.constantFrom('active' as const, 'walled-garden' as const, 'rejected' as const),
  downloadKbps: kbps,
  uploadKbps: kbps,
  burstKbps: fc.constant(null),
  burstThresholdKbps: fc.constant(null),
  burstTimeSeconds: fc.constant(null),
  framedIp: fc.option(fc.ipV4(), { nil: null }),
  framedIpv6Prefix: fc.constant(null),
  dataCapGb: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }),
  throttleKbps: fc.option(kbps, { nil: null }),
  throttled: fc.boolean(),
});
const profiles = fc.subarray(['mikrotik', 'cisco', 'wispr', 'generic'] as const, { minLength: 1 });
const RATE_ATTRIBUTES = new Set([
  'Mikrotik-Rate-Limit',
  'Cisco-AVPair',
  'WISPr-Bandwidth-Max-Down',
  'WISPr-Bandwidth-Max-Up',
]);

describe('the rows of an account', () => {
  test('a rejected account is refused whatever its access; any other is never refused', () => {
    fc.assert(
      fc.property(account, profiles, (a, p) => {
        const rejected = aaaRows(a, p).check.some((r) => r.attribute === 'Auth-Type' && r.value === 'Reject');
        expect(rejected).toBe(a.state === 'rejected');
      }),
      { numRuns: 1000 },
    );
  });

  test('only an active account carries speed attributes; a walled-garden one gets the group instead', () => {
    fc.assert(
      fc.property(account, profiles, (a, p) => {
        const rows = aaaRows(a, p);
        const speeds = rows.reply.filter((r) => RATE_ATTRIBUTES.has(r.attribute));
        expect(speeds.length > 0).toBe(a.state === 'active');
        expect(rows.groups).toEqual(a.state === 'walled-garden' ? [WALLED_GARDEN_GROUP] : []);
      }),
      { numRuns: 1000 },
    );
  });

  test('the address is in the reply whatever the state; a PPPoE password is the only password', () => {
    fc.assert(
      fc.property(account, profiles, (a, p) => {
        const rows = aaaRows(a, p);
        const framed = rows.reply.filter((r) => r.attribute === 'Framed-IP-Address').map((r) => r.value);
        expect(framed).toEqual(a.framedIp === null ? [] : [a.framedIp]);
        const passwords = rows.check.filter((r) => r.attribute === 'Cleartext-Password');
        expect(passwords.length).toBe(a.access === 'pppoe' && a.password !== null ? 1 : 0);
      }),
      { numRuns: 1000 },
    );
  });

  test('a throttled account gets the throttle speed, never faster than the plan upstream', () => {
    fc.assert(
      fc.property(account, (a) => {
        const speed = speedOf(a);
        if (a.throttled && a.throttleKbps !== null) {
          expect(speed.downloadKbps).toBe(a.throttleKbps);
          expect(speed.uploadKbps).toBe(Math.min(a.uploadKbps, a.throttleKbps));
        } else {
          expect([speed.downloadKbps, speed.uploadKbps]).toEqual([a.downloadKbps, a.uploadKbps]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('MikroTik: a 20/5 plan is 5M/20M (upload first, as the router sees it)', () => {
    const rows = aaaRows(
      {
        subscriptionId: '00000000-0000-4000-8000-000000000001',
        accountId: '00000000-0000-4000-8000-000000000002',
        access: 'pppoe',
        username: 'ada',
        password: 'secret-1',
        state: 'active',
        downloadKbps: 20_000,
        uploadKbps: 5_000,
        burstKbps: null,
        burstThresholdKbps: null,
        burstTimeSeconds: null,
        framedIp: '100.64.0.1',
        framedIpv6Prefix: '2001:db8:0:100::/56',
        dataCapGb: null,
        throttleKbps: null,
        throttled: false,
      },
      ['mikrotik'],
    );
    expect(rows).toEqual({
      check: [{ attribute: 'Cleartext-Password', op: ':=', value: 'secret-1' }],
      reply: [
        { attribute: 'Mikrotik-Rate-Limit', op: ':=', value: '5M/20M' },
        { attribute: 'Framed-IP-Address', op: ':=', value: '100.64.0.1' },
        { attribute: 'Delegated-IPv6-Prefix', op: ':=', value: '2001:db8:0:100::/56' },
      ],
      groups: [],
    });
  });
});

describe('the live change an online session needs', () => {
  test('nothing changed: nothing is sent', () => {
    fc.assert(
      fc.property(account, (a) => {
        expect(liveChange(a, a)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  test('a state, username or address change disconnects; a speed change of an active account is a CoA', () => {
    fc.assert(
      fc.property(account, account, (before, other) => {
        const after: Account = { ...other, subscriptionId: before.subscriptionId, accountId: before.accountId };
        const change = liveChange(before, after);
        const identity =
          before.state !== after.state ||
          before.username !== after.username ||
          before.framedIp !== after.framedIp ||
          before.framedIpv6Prefix !== after.framedIpv6Prefix;
        if (identity) expect(change).toBe('disconnect');
        else if (after.state !== 'active') expect(change).toBeNull();
        else {
          const [a, b] = [speedOf(before), speedOf(after)];
          const same = a.downloadKbps === b.downloadKbps && a.uploadKbps === b.uploadKbps;
          expect(change).toBe(same ? null : 'coa');
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('a removed account disconnects; a new one has no session to change', () => {
    fc.assert(
      fc.property(account, (a) => {
        expect(liveChange(a, null)).toBe('disconnect');
        expect(liveChange(null, a)).toBeNull();
      }),
    );
  });
});

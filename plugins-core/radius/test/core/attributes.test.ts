// Plan speeds as radreply rows for MikroTik, Cisco, WISPr and unknown NASes.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  mikrotikRate,
  type Profile,
  RATE_CHANGE_BY,
  type RatePlan,
  rateAttributes,
  requestAttributes,
  throttleAttributes,
  walledGardenAttributes,
} from '../../src/server/attributes.ts';
import { decodePacket, encodeRequest } from '../../src/server/packet.ts';

const PROFILES: readonly Profile[] = ['mikrotik', 'cisco', 'wispr', 'generic'];

/** A MikroTik rate back in kbit/s. */
const kbpsOf = (rate: string): number => {
  const match = /^(\d+)([kM])$/.exec(rate);
  if (!match) throw new Error(`not a MikroTik rate: ${rate}`);
  return Number(match[1]) * (match[2] === 'M' ? 1000 : 1);
};
/** Mikrotik-Rate-Limit's fields as [upload, download] pairs. */
const pairsOf = (value: string) => value.split(' ').map((field) => field.split('/'));

describe('MikroTik', () => {
  test('rx/tx is upload/download, whole megabits as M', () => {
    expect(rateAttributes({ profile: 'mikrotik', downloadKbps: 20_000, uploadKbps: 5_000 })).toEqual([
      { attribute: 'Mikrotik-Rate-Limit', op: ':=', value: '5M/20M' },
    ]);
    expect(rateAttributes({ profile: 'mikrotik', downloadKbps: 1_500, uploadKbps: 512 })[0]?.value).toBe('512k/1500k');
  });

  test('a burst adds burst rates, thresholds and times, upload scaled like download', () => {
    const plan: RatePlan = {
      profile: 'mikrotik',
      downloadKbps: 20_000,
      uploadKbps: 5_000,
      burstKbps: 40_000,
      burstThresholdKbps: 15_000,
      burstTimeSeconds: 16,
    };
    expect(rateAttributes(plan)[0]?.value).toBe('5M/20M 10M/40M 3750k/15M 16/16');
  });

  test("a burst without threshold or time takes MikroTik's example: 3/4 of the rate, 8 s", () => {
    const value = rateAttributes({ profile: 'mikrotik', downloadKbps: 10_000, uploadKbps: 2_000, burstKbps: 15_000 })[0]
      ?.value;
    expect(value).toBe('2M/10M 3M/15M 1500k/7500k 8/8');
  });

  test('a burst no faster than the plan, or a threshold at the rate, is refused with the reason', () => {
    expect(() =>
      rateAttributes({ profile: 'mikrotik', downloadKbps: 10_000, uploadKbps: 2_000, burstKbps: 10_000 }),
    ).toThrow(/burstKbps 10000 must exceed downloadKbps 10000/);
    expect(() =>
      rateAttributes({
        profile: 'mikrotik',
        downloadKbps: 10_000,
        uploadKbps: 2_000,
        burstKbps: 20_000,
        burstThresholdKbps: 10_000,
      }),
    ).toThrow(/burstThresholdKbps 10000 must be below downloadKbps 10000/);
  });
});

describe('Cisco, WISPr and unknown NASes', () => {
  test('Cisco: CAR on the session interface, input = upload, output = download, in bit/s', () => {
    expect(rateAttributes({ profile: 'cisco', downloadKbps: 20_000, uploadKbps: 5_000 })).toEqual([
      {
        attribute: 'Cisco-AVPair',
        op: '+=',
        value:
          'lcp:interface-config#1=rate-limit input 5000000 937500 1875000 conform-action transmit exceed-action drop',
      },
      {
        attribute: 'Cisco-AVPair',
        op: '+=',
        value:
          'lcp:interface-config#2=rate-limit output 20000000 3750000 7500000 conform-action transmit exceed-action drop',
      },
    ]);
  });

  test.each(['wispr', 'generic'] as const)('%s: the WISPr pair in bit/s, nothing vendor-specific', (profile) => {
    expect(rateAttributes({ profile, downloadKbps: 20_000, uploadKbps: 5_000, burstKbps: 40_000 })).toEqual([
      { attribute: 'WISPr-Bandwidth-Max-Down', op: ':=', value: '20000000' },
      { attribute: 'WISPr-Bandwidth-Max-Up', op: ':=', value: '5000000' },
    ]);
  });

  test('WISPr carries at most 32 bits of bit/s: a faster plan gets the most it can say', () => {
    expect(rateAttributes({ profile: 'wispr', downloadKbps: 10_000_000, uploadKbps: 1_000 })).toEqual([
      { attribute: 'WISPr-Bandwidth-Max-Down', op: ':=', value: '4294967295' },
      { attribute: 'WISPr-Bandwidth-Max-Up', op: ':=', value: '1000000' },
    ]);
  });

  test('a CoA changes the rate on MikroTik and WISPr; Cisco and unknown NASes are disconnected', () => {
    expect(RATE_CHANGE_BY).toEqual({ mikrotik: 'coa', wispr: 'coa', cisco: 'disconnect', generic: 'disconnect' });
  });
});

describe('walled garden and throttle', () => {
  test('MikroTik: the walled-garden address list and a small rate', () => {
    expect(walledGardenAttributes({ profile: 'mikrotik', downloadKbps: 512, uploadKbps: 256 })).toEqual([
      { attribute: 'Mikrotik-Address-List', op: ':=', value: 'walled-garden' },
      { attribute: 'Mikrotik-Rate-Limit', op: ':=', value: '256k/512k' },
    ]);
  });

  test('elsewhere a Filter-Id names the NAS filter (Cisco: inbound ACL)', () => {
    expect(
      walledGardenAttributes({ profile: 'cisco', downloadKbps: 512, uploadKbps: 256, addressList: 'wg' })[0],
    ).toEqual({
      attribute: 'Filter-Id',
      op: ':=',
      value: 'wg.in',
    });
    expect(walledGardenAttributes({ profile: 'generic', downloadKbps: 512, uploadKbps: 256 })).toEqual([
      { attribute: 'Filter-Id', op: ':=', value: 'walled-garden' },
      { attribute: 'WISPr-Bandwidth-Max-Down', op: ':=', value: '512000' },
      { attribute: 'WISPr-Bandwidth-Max-Up', op: ':=', value: '256000' },
    ]);
    expect(() =>
      walledGardenAttributes({ profile: 'mikrotik', downloadKbps: 512, uploadKbps: 256, addressList: 'two words' }),
    ).toThrow(/printable ASCII/);
  });

  test('a throttle is throttleKbps each way, never above the plan, without burst', () => {
    const plan: RatePlan = { profile: 'mikrotik', downloadKbps: 50_000, uploadKbps: 1_000, burstKbps: 80_000 };
    expect(throttleAttributes(plan, 2_000)).toEqual([{ attribute: 'Mikrotik-Rate-Limit', op: ':=', value: '1M/2M' }]);
  });
});

describe('rows as CoA attributes', () => {
  test('every profile’s rows encode into a CoA-Request and decode to the same values', () => {
    for (const profile of PROFILES) {
      const rows = [
        ...rateAttributes({ profile, downloadKbps: 20_000, uploadKbps: 5_000 }),
        ...walledGardenAttributes({ profile, downloadKbps: 512, uploadKbps: 256 }),
      ];
      const attributes = requestAttributes(rows);
      const decoded = decodePacket(encodeRequest({ code: 'CoA-Request', identifier: 1, secret: 's', attributes }));
      expect(decoded.attributes.map((a) => ({ attribute: a.name, value: String(a.value) }))).toEqual(
        rows.map((r) => ({ attribute: r.attribute, value: r.value })),
      );
    }
  });
});

// ---------------------------------------------------------------- properties

const kbps = fc.integer({ min: 1, max: 10_000_000 });
const plan = fc
  .record({
    profile: fc.constantFrom(...PROFILES),
    // From 8 kbit/s, the least CAR polices; below 2 no burst threshold fits under the rate.
    downloadKbps: fc.integer({ min: 8, max: 10_000_000 }),
    uploadKbps: kbps,
    burstFactor: fc.option(fc.double({ min: 1.01, max: 4, noNaN: true }), { nil: null }),
    thresholdFactor: fc.option(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { nil: null }),
    burstTimeSeconds: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
  })
  .map(({ burstFactor, thresholdFactor, ...rest }): RatePlan => {
    const burst = burstFactor === null ? null : Math.floor(rest.downloadKbps * burstFactor);
    const threshold = thresholdFactor === null ? null : Math.floor(rest.downloadKbps * thresholdFactor);
    return {
      ...rest,
      burstKbps: burst !== null && burst > rest.downloadKbps ? burst : null,
      burstThresholdKbps: threshold !== null && threshold > 0 ? threshold : null,
    };
  });

describe('properties', () => {
  test('MikroTik values are positive integers, upload first, whole megabits as M', () => {
    fc.assert(
      fc.property(
        plan.filter((p) => p.profile === 'mikrotik'),
        (p) => {
          const [row] = rateAttributes(p);
          const pairs = pairsOf(row?.value ?? '');
          const [rate, burst, threshold, time] = pairs;
          expect(rate?.map(kbpsOf)).toEqual([p.uploadKbps, p.downloadKbps]);
          for (const pair of [rate, burst, threshold]) {
            for (const field of pair ?? []) {
              const value = kbpsOf(field);
              expect(Number.isInteger(value) && value > 0).toBe(true);
              expect(field.endsWith('M')).toBe(value % 1000 === 0);
            }
          }
          if (p.burstKbps) {
            expect(kbpsOf(burst?.[1] ?? '')).toBe(p.burstKbps);
            expect(kbpsOf(burst?.[0] ?? '')).toBeGreaterThanOrEqual(p.uploadKbps);
            expect(kbpsOf(threshold?.[1] ?? '')).toBeLessThan(p.downloadKbps);
            expect(time?.[0]).toBe(time?.[1]);
          } else {
            expect(pairs).toHaveLength(1);
          }
        },
      ),
    );
  });

  test('Cisco and WISPr values are positive integers in bit/s, download never swapped with upload', () => {
    fc.assert(
      fc.property(
        plan.filter((p) => p.profile !== 'mikrotik'),
        (p) => {
          const rows = rateAttributes(p);
          const bps = (pattern: RegExp) => {
            const value = rows.map((r) => pattern.exec(r.value)?.[1]).find((v) => v !== undefined);
            return Number(value);
          };
          let down: number;
          let up: number;
          if (p.profile === 'cisco') {
            down = bps(/rate-limit output (\d+) /);
            up = bps(/rate-limit input (\d+) /);
          } else {
            down = Number(rows.find((r) => r.attribute === 'WISPr-Bandwidth-Max-Down')?.value);
            up = Number(rows.find((r) => r.attribute === 'WISPr-Bandwidth-Max-Up')?.value);
          }
          const most = p.profile === 'cisco' ? Number.POSITIVE_INFINITY : 0xffffffff;
          expect([down, up]).toEqual([Math.min(p.downloadKbps * 1000, most), Math.min(p.uploadKbps * 1000, most)]);
          for (const row of rows) {
            for (const number of row.value.match(/\d+/g) ?? []) expect(Number(number)).toBeGreaterThan(0);
          }
        },
      ),
    );
  });

  test('mikrotikRate reads back as the same number of kbit/s', () => {
    fc.assert(
      fc.property(kbps, (k) => {
        expect(kbpsOf(mikrotikRate(k))).toBe(k);
      }),
    );
  });

  test('a throttle never raises a rate and is never zero', () => {
    fc.assert(
      fc.property(plan, kbps, (p, throttle) => {
        const down = Math.min(throttle, p.downloadKbps);
        const up = Math.min(throttle, p.uploadKbps);
        expect(throttleAttributes(p, throttle)).toEqual(
          rateAttributes({ profile: p.profile, downloadKbps: down, uploadKbps: up }),
        );
      }),
    );
  });

  test('zero, negative and fractional speeds are refused', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      for (const profile of PROFILES) {
        expect(() => rateAttributes({ profile, downloadKbps: bad, uploadKbps: 1000 })).toThrow(/whole number above 0/);
        expect(() => rateAttributes({ profile, downloadKbps: 1000, uploadKbps: bad })).toThrow(/whole number above 0/);
      }
    }
  });
});

// What upsertAccount and removeAccount write into FreeRADIUS's tables, row for row, driven through
// a client plugin as provisioning drives them; and GET /accounts, its filters and its pages.
import { randomUUID } from 'node:crypto';
import type { Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  accountingInterim,
  accountingStart,
  anchor,
  attributeRows,
  changesOf,
  granted,
  groupRows,
  MB,
  pppoe,
  radius,
  refusalOf,
  remove,
  rowsOf,
  SCHEMA,
  snapshot,
  startAaaBed,
  upsert,
} from './support/aaa.ts';

const NOW = anchor();
let bed: Testbed;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ bed, close } = await startAaaBed({ clock: NOW }));
});
afterAll(() => close?.());

/** The radreply rows of the 20/5 plan for every profile, in the order the profiles are configured. */
const CISCO_20_5 = [
  'Cisco-AVPair += lcp:interface-config#1=rate-limit input 5000000 937500 1875000 conform-action transmit exceed-action drop',
  'Cisco-AVPair += lcp:interface-config#2=rate-limit output 20000000 3750000 7500000 conform-action transmit exceed-action drop',
];
const WISPR_20_5 = ['WISPr-Bandwidth-Max-Down := 20000000', 'WISPr-Bandwidth-Max-Up := 5000000'];

describe('upsertAccount writes the rows FreeRADIUS answers from', () => {
  test("a PPPoE account: its password, the plan's MikroTik rate with burst, its addresses, no group", async () => {
    const tenant = await bed.tenant();
    const account = pppoe({
      username: 'ada@fibre',
      burstKbps: 30_000,
      burstThresholdKbps: 15_000,
      burstTimeSeconds: 16,
      framedIp: '100.64.0.10',
      framedIpv6Prefix: '2001:db8:0:100::/56',
    });
    expect(await granted(bed, tenant, account)).toEqual({ username: 'ada@fibre', sessions: 0, actions: [] });

    expect(await attributeRows(bed, tenant, 'radcheck', 'ada@fibre')).toEqual([
      'Cleartext-Password := correct-horse-7',
    ]);
    // MikroTik's rx/tx is the router's: upload first; the burst's upload scaled by the plan's ratio.
    expect(await attributeRows(bed, tenant, 'radreply', 'ada@fibre')).toEqual([
      'Mikrotik-Rate-Limit := 5M/20M 7500k/30M 3750k/15M 16/16',
      'Framed-IP-Address := 100.64.0.10',
      'Delegated-IPv6-Prefix := 2001:db8:0:100::/56',
    ]);
    expect(await groupRows(bed, tenant, 'ada@fibre')).toEqual([]);

    const shown = await radius<Record<string, unknown>>(bed, tenant, `GET /accounts/${account.subscriptionId}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      subscriptionId: account.subscriptionId,
      accountId: account.accountId,
      access: 'pppoe',
      username: 'ada@fibre',
      state: 'active',
      downloadKbps: 20_000,
      uploadKbps: 5_000,
      framedIp: '100.64.0.10',
      framedIpv6Prefix: '2001:db8:0:100::/56',
      throttled: false,
      updatedAt: NOW.toISOString(),
      sessions: [],
      usedThisMonthBytes: '0',
    });
    expect(shown.body.reply).toEqual([
      { attribute: 'Mikrotik-Rate-Limit', op: ':=', value: '5M/20M 7500k/30M 3750k/15M 16/16' },
      { attribute: 'Framed-IP-Address', op: ':=', value: '100.64.0.10' },
      { attribute: 'Delegated-IPv6-Prefix', op: ':=', value: '2001:db8:0:100::/56' },
    ]);
  });

  test('an IPoE account is accepted without a password: Auth-Type := Accept, and the plan’s rate', async () => {
    const tenant = await bed.tenant();
    const circuit = 'harbour-olt-1 xpon 0/1/3:101';
    await granted(bed, tenant, pppoe({ access: 'ipoe', username: circuit, password: null, framedIp: '100.64.1.7' }));

    expect(await attributeRows(bed, tenant, 'radcheck', circuit)).toEqual(['Auth-Type := Accept']);
    expect(await attributeRows(bed, tenant, 'radreply', circuit)).toEqual([
      'Mikrotik-Rate-Limit := 5M/20M',
      'Framed-IP-Address := 100.64.1.7',
    ]);
    expect(await groupRows(bed, tenant, circuit)).toEqual([]);
  });

  test('a rejected account is refused at sign-in, PPPoE or IPoE, and carries no speed', async () => {
    const tenant = await bed.tenant();
    await granted(bed, tenant, pppoe({ username: 'late@fibre', state: 'rejected', framedIp: '100.64.0.11' }));
    await granted(bed, tenant, pppoe({ access: 'ipoe', username: 'olt-2:7', password: null, state: 'rejected' }));

    expect(await attributeRows(bed, tenant, 'radcheck', 'late@fibre')).toEqual([
      'Auth-Type := Reject',
      'Cleartext-Password := correct-horse-7',
    ]);
    expect(await attributeRows(bed, tenant, 'radreply', 'late@fibre')).toEqual(['Framed-IP-Address := 100.64.0.11']);
    expect(await attributeRows(bed, tenant, 'radcheck', 'olt-2:7')).toEqual(['Auth-Type := Reject']);
    expect(await attributeRows(bed, tenant, 'radreply', 'olt-2:7')).toEqual([]);
    expect([...(await groupRows(bed, tenant, 'late@fibre')), ...(await groupRows(bed, tenant, 'olt-2:7'))]).toEqual([]);
  });

  test("several reply profiles at once: each vendor's speed attributes, in the tenant's order, WISPr once", async () => {
    const tenant = await bed.tenant();
    await bed.setConfig(tenant, { replyProfiles: ['mikrotik', 'cisco', 'wispr', 'generic'] }, 'dotmac.radius');
    await granted(bed, tenant, pppoe({ username: 'multi@fibre' }));

    // generic is WISPr's pair too: written once.
    expect(await attributeRows(bed, tenant, 'radreply', 'multi@fibre')).toEqual([
      'Mikrotik-Rate-Limit := 5M/20M',
      ...CISCO_20_5,
      ...WISPR_20_5,
    ]);
  });

  test("a walled-garden account is in the walled-garden group, whose reply is the tenant's walledGarden for each profile", async () => {
    const tenant = await bed.tenant();
    await bed.setConfig(
      tenant,
      {
        replyProfiles: ['mikrotik', 'cisco', 'wispr'],
        walledGarden: { downloadKbps: 1_000, uploadKbps: 500, addressList: 'unpaid' },
      },
      'dotmac.radius',
    );
    const owes = pppoe({ username: 'owes@fibre', state: 'walled-garden', framedIp: '100.64.0.12' });
    await granted(bed, tenant, owes);

    expect(await attributeRows(bed, tenant, 'radcheck', 'owes@fibre')).toEqual([
      'Cleartext-Password := correct-horse-7',
    ]);
    // No speed of its own: the group's applies.
    expect(await attributeRows(bed, tenant, 'radreply', 'owes@fibre')).toEqual(['Framed-IP-Address := 100.64.0.12']);
    expect(await groupRows(bed, tenant, 'owes@fibre')).toEqual(['walled-garden/1']);
    const group = await bed.query<{ attribute: string; op: string; value: string }>(
      `select attribute, op, value from ${SCHEMA}.radgroupreply where tenant_id = $1 and groupname = 'walled-garden' order by id`,
      [tenant],
    );
    expect(group.map((r) => `${r.attribute} ${r.op} ${r.value}`)).toEqual([
      'Mikrotik-Address-List := unpaid',
      'Mikrotik-Rate-Limit := 500k/1M',
      'Filter-Id := unpaid.in',
      'Cisco-AVPair += lcp:interface-config#1=rate-limit input 500000 93750 187500 conform-action transmit exceed-action drop',
      'Cisco-AVPair += lcp:interface-config#2=rate-limit output 1000000 187500 375000 conform-action transmit exceed-action drop',
      'Filter-Id := unpaid',
      'WISPr-Bandwidth-Max-Down := 1000000',
      'WISPr-Bandwidth-Max-Up := 500000',
    ]);

    // Back to active: out of the group, the plan's speed again.
    await granted(bed, tenant, { ...owes, state: 'active' });
    expect(await groupRows(bed, tenant, 'owes@fibre')).toEqual([]);
    expect(await attributeRows(bed, tenant, 'radreply', 'owes@fibre')).toEqual([
      'Mikrotik-Rate-Limit := 5M/20M',
      ...CISCO_20_5,
      ...WISPR_20_5,
      'Framed-IP-Address := 100.64.0.12',
    ]);
  });

  test('changing the username moves every row to the new name and leaves none under the old', async () => {
    const tenant = await bed.tenant();
    const account = pppoe({ username: 'old-name@fibre', state: 'walled-garden', framedIp: '100.64.0.13' });
    await granted(bed, tenant, account);
    expect(await rowsOf(bed, tenant, 'old-name@fibre')).toEqual({
      accounts: 1,
      radcheck: 1,
      radreply: 1,
      radusergroup: 1,
    });

    expect(await granted(bed, tenant, { ...account, username: 'new-name@fibre' })).toMatchObject({
      username: 'new-name@fibre',
    });
    expect(await rowsOf(bed, tenant, 'old-name@fibre')).toEqual({
      accounts: 0,
      radcheck: 0,
      radreply: 0,
      radusergroup: 0,
    });
    expect(await attributeRows(bed, tenant, 'radcheck', 'new-name@fibre')).toEqual([
      'Cleartext-Password := correct-horse-7',
    ]);
    expect(await attributeRows(bed, tenant, 'radreply', 'new-name@fibre')).toEqual([
      'Framed-IP-Address := 100.64.0.13',
    ]);
    expect(await groupRows(bed, tenant, 'new-name@fibre')).toEqual(['walled-garden/1']);
  });

  test('a username of another subscription is a 409 naming /username, and writes nothing', async () => {
    const tenant = await bed.tenant();
    const ada = pppoe({ username: 'ada@fibre', framedIp: '100.64.0.20' });
    const bob = pppoe({ username: 'bob@fibre', password: 'bobs-own-pass' });
    await granted(bed, tenant, ada);
    await granted(bed, tenant, bob);
    const before = {
      ada: await attributeRows(bed, tenant, 'radreply', 'ada@fibre'),
      bob: await attributeRows(bed, tenant, 'radcheck', 'bob@fibre'),
    };

    // Bob's subscription asks for Ada's name; a new subscription too.
    const taken = { ...bob, username: 'ada@fibre', password: 'bobs-new-pass', downloadKbps: 50_000 };
    const refusal = await refusalOf(bed, tenant, 'upsertAccount', taken);
    expect(refusal.status).toBe(409);
    expect(refusal.errors?.map((e) => e.pointer)).toEqual(['/username']);
    // The calling plugin gets the refusal's detail.
    const answered = await upsert(bed, tenant, taken);
    expect(answered.status).toBe(422);
    expect(answered.body).toMatchObject({
      detail: expect.stringContaining("username ada@fibre is another subscription's"),
    });
    const newcomer = pppoe({ username: 'ada@fibre' });
    expect((await upsert(bed, tenant, newcomer)).status).toBe(422);

    expect(await attributeRows(bed, tenant, 'radreply', 'ada@fibre')).toEqual(before.ada);
    expect(await attributeRows(bed, tenant, 'radcheck', 'bob@fibre')).toEqual(before.bob);
    const accounts = await bed.query<{ subscription_id: string; username: string; download_kbps: number }>(
      `select subscription_id::text, username, download_kbps from ${SCHEMA}.accounts where tenant_id = $1 order by username`,
      [tenant],
    );
    expect(accounts).toEqual([
      { subscription_id: ada.subscriptionId, username: 'ada@fibre', download_kbps: 20_000 },
      { subscription_id: bob.subscriptionId, username: 'bob@fibre', download_kbps: 20_000 },
    ]);
  });

  test('removeAccount deletes every row of the account and disconnects its sessions; again, it removes nothing', async () => {
    const tenant = await bed.tenant();
    const account = pppoe({ username: 'leaving@fibre', state: 'walled-garden', framedIp: '100.64.0.30' });
    await granted(bed, tenant, account);
    // Online through a NAS the nas table does not know: the Disconnect-Request cannot be sent.
    await accountingStart(bed, tenant, { username: 'leaving@fibre', sessionId: 'S-77', nas: '10.9.9.9', at: NOW });

    const removed = await remove(bed, tenant, account.subscriptionId);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ removed: true, sessions: 1 });
    expect(await rowsOf(bed, tenant, 'leaving@fibre')).toEqual({
      accounts: 0,
      radcheck: 0,
      radreply: 0,
      radusergroup: 0,
    });
    expect((await radius(bed, tenant, `GET /accounts/${account.subscriptionId}`)).status).toBe(404);
    expect((await snapshot(bed, tenant)).body.accounts).toEqual([]);
    await bed.settle();
    expect(await changesOf(bed, tenant, account.subscriptionId)).toMatchObject([
      {
        kind: 'disconnect',
        reason: 'remove',
        nasAddress: '10.9.9.9',
        acctSessionId: 'S-77',
        status: 'failed',
        attempts: 0,
        errorCause: 'no NAS 10.9.9.9 in the nas table',
      },
    ]);

    expect((await remove(bed, tenant, account.subscriptionId)).body).toEqual({ removed: false, sessions: 0 });
  });
});

describe('GET /accounts', () => {
  test('pages by username, and a cursor continues a filtered list where the last page ended', async () => {
    const tenant = await bed.tenant();
    const names = ['a@x', 'b@x', 'c@x', 'd@x', 'e@x'];
    const states = ['active', 'walled-garden', 'active', 'rejected', 'active'] as const;
    // Granted out of order: the list is by username, not by when.
    for (const i of [3, 0, 4, 1, 2]) {
      await granted(bed, tenant, pppoe({ username: names[i], state: states[i] }));
    }
    type Page = { items: { username: string; state: string }[]; nextCursor: string | null };
    const list = async (query: string) => {
      const answer = await radius<Page>(bed, tenant, `GET /accounts?${query}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body;
    };
    const all = async (query: string) => {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const page: Page = await list(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        pages.push(page.items.map((i) => i.username));
        cursor = page.nextCursor;
      } while (cursor !== null && pages.length < 10);
      return pages;
    };

    expect(await all('limit=2')).toEqual([['a@x', 'b@x'], ['c@x', 'd@x'], ['e@x']]);
    expect(await all('limit=5')).toEqual([names]);
    expect(await all('state=active&limit=2')).toEqual([['a@x', 'c@x'], ['e@x']]);
    expect(await all('state=walled-garden')).toEqual([['b@x']]);
    expect(await all('state=rejected')).toEqual([['d@x']]);
    expect((await list('limit=1')).items[0]).not.toHaveProperty('reply');

    const refused = await radius<{ errors: { pointer: string }[] }>(bed, tenant, 'GET /accounts?state=suspended');
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e) => e.pointer)).toContain('/query/state');
  });

  test('throttled=true lists the accounts throttled this month, throttled=false every other', async () => {
    const tenant = await bed.tenant();
    const month = NOW.toISOString().slice(0, 7);
    const lastMonth = new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const capped = { dataCapGb: 100, throttleKbps: 1_000 };
    await granted(bed, tenant, pppoe({ username: 'throttled@x', ...capped }));
    await granted(bed, tenant, pppoe({ username: 'last-month@x', ...capped }));
    await granted(bed, tenant, pppoe({ username: 'under-cap@x', ...capped }));
    await granted(bed, tenant, pppoe({ username: 'unlimited@x' }));
    // The months their caps were crossed, as ingest-accounting records them.
    await bed.query(
      `update ${SCHEMA}.accounts set throttled_month = $2 where tenant_id = $1 and username = 'throttled@x'`,
      [tenant, month],
    );
    await bed.query(
      `update ${SCHEMA}.accounts set throttled_month = $2 where tenant_id = $1 and username = 'last-month@x'`,
      [tenant, lastMonth],
    );

    const usernames = async (query: string) => {
      const answer = await radius<{ items: { username: string; throttled: boolean }[] }>(
        bed,
        tenant,
        `GET /accounts?${query}`,
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.items.map((i) => `${i.username} ${i.throttled}`);
    };
    expect(await usernames('throttled=true')).toEqual(['throttled@x true']);
    expect(await usernames('throttled=false')).toEqual([
      'last-month@x false',
      'under-cap@x false',
      'unlimited@x false',
    ]);
  });
});

describe('tenant walls', () => {
  test("tenant B sees none of tenant A's accounts, sessions, changes or usage, and cannot remove A's account", async () => {
    const a = await bed.tenant();
    const b = await bed.tenant();
    const ada = pppoe({ username: 'ada@fibre', state: 'walled-garden' });
    await granted(bed, a, ada);
    const session = await accountingStart(bed, a, {
      username: 'ada@fibre',
      sessionId: 'S-A1',
      nas: '10.1.1.1',
      at: NOW,
    });
    await accountingInterim(bed, session, { input: 2 * MB, output: 3 * MB, at: NOW });
    expect((await radius(bed, a, `POST /accounts/${ada.subscriptionId}/disconnect`)).body).toEqual({ queued: 1 });
    await bed.settle();
    // A day of usage, as ingest-accounting keeps it.
    await bed.query(
      `insert into ${SCHEMA}.usage_daily (tenant_id, subscription_id, customer_id, day, bytes, reported_bytes)
       values ($1, $2, $3, $4, 1234, 1234)`,
      [a, ada.subscriptionId, ada.accountId, NOW.toISOString().slice(0, 10)],
    );
    const day = NOW.toISOString().slice(0, 10);
    const seenBy = async (tenant: string) => ({
      accounts: (await radius<{ items: unknown[] }>(bed, tenant, 'GET /accounts')).body.items.length,
      sessions: (await radius<{ items: unknown[] }>(bed, tenant, 'GET /sessions')).body.items.length,
      changes: (await radius<{ items: unknown[] }>(bed, tenant, 'GET /changes')).body.items.length,
      usage: (await radius<{ items: unknown[] }>(bed, tenant, `GET /usage?from=${day}&to=${day}`)).body.items.length,
      snapshot: await snapshot(bed, tenant).then((s) => s.body.accounts.length + s.body.sessions.length),
    });
    expect(await seenBy(a)).toEqual({ accounts: 1, sessions: 1, changes: 1, usage: 1, snapshot: 2 });

    expect(await seenBy(b)).toEqual({ accounts: 0, sessions: 0, changes: 0, usage: 0, snapshot: 0 });
    expect((await radius(bed, b, `GET /accounts/${ada.subscriptionId}`)).status).toBe(404);
    expect((await radius(bed, b, `POST /accounts/${ada.subscriptionId}/disconnect`)).status).toBe(404);
    const usage = await radius<{ items: unknown[] }>(
      bed,
      b,
      `GET /usage?subscriptionId=${ada.subscriptionId}&from=${day}&to=${day}`,
    );
    expect(usage.body.items).toEqual([]);
    expect((await radius<{ sessions: number }>(bed, b, 'POST /accounting/ingest')).body).toMatchObject({ sessions: 0 });
    const counted = await bed.query(`select 1 from ${SCHEMA}.usage_daily where tenant_id = $1`, [b]);
    expect(counted).toEqual([]);

    expect((await remove(bed, b, ada.subscriptionId)).body).toEqual({ removed: false, sessions: 0 });
    // A username is one subscriber per tenant: B's own ada@fibre is another subscriber.
    const bsAda = pppoe({ username: 'ada@fibre', password: 'b-side-pass' });
    await granted(bed, b, bsAda);

    expect(await rowsOf(bed, a, 'ada@fibre')).toEqual({ accounts: 1, radcheck: 1, radreply: 0, radusergroup: 1 });
    expect(await attributeRows(bed, a, 'radcheck', 'ada@fibre')).toEqual(['Cleartext-Password := correct-horse-7']);
    expect(await attributeRows(bed, b, 'radcheck', 'ada@fibre')).toEqual(['Cleartext-Password := b-side-pass']);
    expect((await radius(bed, a, `GET /accounts/${ada.subscriptionId}`)).status).toBe(200);
    expect((await radius(bed, b, `GET /accounts/${randomUUID()}`)).status).toBe(404);
  });
});

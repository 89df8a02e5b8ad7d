// A real FreeRADIUS 3 on dotmac.radius's tables: its migration, setup.sql and queries.conf
// (plugins-core/radius), on a fresh PostgreSQL database. Authentication with reply items from
// users and groups, the wall between tenants (the NAS a packet comes from decides the tenant),
// and accounting and post-auth rows. Tenant A's NAS is 127.0.0.1 (radclient's source); tenant
// B's are 127.0.0.2 (sendRadius binds it) and ::1 where the machine has IPv6 loopback.
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { checkPluginSql, loadSqlParser, pluginDbNames } from '@dotmac/kernel';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FreeRadius,
  type RadiusAttributes,
  radclient,
  sendRadius,
  startFreeRadius,
} from '../support/freeradius.ts';
import { createTestDatabase } from '../support/services.ts';

const SCHEMA = pluginDbNames('dotmac.radius').schema;
const MIGRATION = new URL('../../plugins-core/radius/migrations/0001-freeradius.sql', import.meta.url);
const TENANT_A = randomUUID();
const TENANT_B = randomUUID();
const SECRET_A = 'secret-of-a';
const SECRET_B = 'secret-of-b';
/** 2026-01-01T00:00:00Z, the Event-Timestamp of the accounting sessions. */
const EPOCH = 1_767_225_600;
const GIGAWORD = 2n ** 32n;

const ipv6 = await new Promise<boolean>((resolve) => {
  const socket = createSocket({ type: 'udp6', ipv6Only: true });
  socket.once('error', () => resolve(false));
  socket.bind(0, '::1', () => socket.close(() => resolve(true)));
});

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: pg.Client;
let radius: FreeRadius;

/** An Access-Request through tenant A's NAS (127.0.0.1, radclient). */
const viaA = (attributes: RadiusAttributes) =>
  radclient({ port: radius.authPort, secret: SECRET_A, kind: 'auth', attributes });
/** An Access-Request through tenant B's NAS (127.0.0.2). */
const viaB = (attributes: RadiusAttributes) =>
  sendRadius({ source: '127.0.0.2', port: radius.authPort, secret: SECRET_B, kind: 'auth', attributes });
const login = (user: string, password: string) => ({ 'User-Name': user, 'User-Password': password });

async function rows<T>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await sql.query(text, values)).rows as T[];
}

async function insert(table: string, tenant: string, values: Record<string, string | number>): Promise<void> {
  const columns = ['tenant_id', ...Object.keys(values)];
  const params = columns.map((_, i) => `$${i + 1}`);
  await sql.query(`insert into ${table} (${columns.join(', ')}) values (${params.join(', ')})`, [
    tenant,
    ...Object.values(values),
  ]);
}

async function user(tenant: string, name: string, password: string, reply: Record<string, string> = {}) {
  await insert('radcheck', tenant, { username: name, attribute: 'Cleartext-Password', op: ':=', value: password });
  for (const [attribute, value] of Object.entries(reply)) {
    await insert('radreply', tenant, { username: name, attribute, op: '=', value });
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`create schema ${SCHEMA}`);
  await sql.query(`set search_path to ${SCHEMA}`);
  await sql.query(await readFile(MIGRATION, 'utf8'));

  // FreeRADIUS reads its clients when it starts: the NAS rows come first.
  await insert('nas', TENANT_A, { nasname: '127.0.0.1', shortname: 'a-bras', secret: SECRET_A });
  await insert('nas', TENANT_B, { nasname: '127.0.0.2', shortname: 'b-bras', secret: SECRET_B });
  if (ipv6) await insert('nas', TENANT_B, { nasname: '::1', shortname: 'b-bras6', secret: SECRET_B });

  await user(TENANT_A, 'alice', 'alice-pw', { 'Mikrotik-Rate-Limit': '20M/100M', 'Framed-IP-Address': '100.64.0.10' });
  await user(TENANT_A, 'walt', 'walt-pw', { 'Framed-IP-Address': '100.64.0.11' });
  await insert('radusergroup', TENANT_A, { username: 'walt', groupname: 'walled-garden', priority: 1 });
  await insert('radgroupreply', TENANT_A, {
    groupname: 'walled-garden',
    attribute: 'Mikrotik-Address-List',
    op: ':=',
    value: 'walled-garden',
  });
  await insert('radgroupreply', TENANT_A, {
    groupname: 'walled-garden',
    attribute: 'Mikrotik-Rate-Limit',
    op: ':=',
    value: '1M/1M',
  });
  await insert('radgroupreply', TENANT_B, {
    groupname: 'walled-garden',
    attribute: 'Mikrotik-Address-List',
    op: ':=',
    value: 'b-captive-portal',
  });
  await user(TENANT_A, 'rita', 'rita-pw');
  await insert('radcheck', TENANT_A, { username: 'rita', attribute: 'Auth-Type', op: ':=', value: 'Reject' });
  await user(TENANT_A, 'shared', 'shared-pw-a', { 'Mikrotik-Rate-Limit': '10M/10M' });
  await user(TENANT_B, 'shared', 'shared-pw-b', { 'Mikrotik-Rate-Limit': '50M/50M' });
  await user(TENANT_B, 'bob', 'bob-pw', { 'Framed-IP-Address': '100.64.1.20' });
  await user(TENANT_A, "o'brien+1@isp.example", 'quote-pw', { 'Mikrotik-Rate-Limit': '5M/5M' });
  await user(TENANT_A, 'typo', 'typo-pw', { 'Mikrotik-Rate-Limt': '5M/5M' });

  radius = await startFreeRadius({ databaseUrl: db.url, schema: SCHEMA, ipv6 });
});

afterAll(async () => {
  await radius?.stop();
  await sql?.end();
  await db?.drop();
});

test('the kernel accepts the migration', async () => {
  await loadSqlParser();
  const statements = checkPluginSql(await readFile(MIGRATION, 'utf8'), SCHEMA, 'migration');
  expect(statements.filter((s) => s.kind === 'CreateStmt')).toHaveLength(8);
  const tables = await rows<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
      where c.table_schema = $1 and c.column_name = 'tenant_id' and c.data_type = 'uuid' and c.is_nullable = 'NO'
      order by 1`,
    [SCHEMA],
  );
  expect(tables.map((t) => t.table_name)).toEqual([
    'nas',
    'radacct',
    'radcheck',
    'radgroupcheck',
    'radgroupreply',
    'radpostauth',
    'radreply',
    'radusergroup',
  ]);
});

test('a NAS address belongs to one tenant and is stored as an address', async () => {
  await expect(insert('nas', TENANT_B, { nasname: '127.0.0.1', shortname: 'x', secret: 's' })).rejects.toThrow(
    /nas_nasname_unique/,
  );
  await expect(insert('nas', TENANT_B, { nasname: '2001:DB8::0001', shortname: 'x', secret: 's' })).rejects.toThrow(
    /nas_nasname_is_an_address/,
  );
  await expect(insert('nas', TENANT_B, { nasname: 'bras.example.net', shortname: 'x', secret: 's' })).rejects.toThrow(
    /inet/,
  );
});

describe('authentication', () => {
  test('the right password is accepted with the user reply items', async () => {
    const reply = await viaA(login('alice', 'alice-pw'));
    expect(reply.code).toBe('Access-Accept');
    expect(reply.attributes['Mikrotik-Rate-Limit']).toEqual(['20M/100M']);
    expect(reply.attributes['Framed-IP-Address']).toEqual(['100.64.0.10']);
  });

  test('a wrong password is rejected, without reply items', async () => {
    expect(await viaA(login('alice', 'not-her-password'))).toEqual({ code: 'Access-Reject', attributes: {} });
  });

  test('an unknown user is rejected', async () => {
    expect((await viaA(login('nobody', 'x'))).code).toBe('Access-Reject');
  });

  test('a walled-garden member gets the group reply items of its own tenant', async () => {
    const reply = await viaA(login('walt', 'walt-pw'));
    expect(reply.code).toBe('Access-Accept');
    expect(reply.attributes['Mikrotik-Address-List']).toEqual(['walled-garden']);
    expect(reply.attributes['Mikrotik-Rate-Limit']).toEqual(['1M/1M']);
    expect(reply.attributes['Framed-IP-Address']).toEqual(['100.64.0.11']);
  });

  test('a user name with quotes and symbols is matched as written', async () => {
    const reply = await viaA(login("o'brien+1@isp.example", 'quote-pw'));
    expect(reply.code).toBe('Access-Accept');
    expect(reply.attributes['Mikrotik-Rate-Limit']).toEqual(['5M/5M']);
    expect((await viaA(login("o'brien+1@isp.example' or '1'='1", 'quote-pw'))).code).toBe('Access-Reject');
  });

  test('a reply item whose name FreeRADIUS does not know rejects the user', async () => {
    expect((await viaA(login('typo', 'typo-pw'))).code).toBe('Access-Reject');
  });

  test('Auth-Type := Reject rejects the right password', async () => {
    expect((await viaA(login('rita', 'rita-pw'))).code).toBe('Access-Reject');
  });
});

describe('the wall between tenants', () => {
  test('a user name is looked up in the tenant of the NAS the request came from', async () => {
    const a = await viaA(login('shared', 'shared-pw-a'));
    expect(a.code).toBe('Access-Accept');
    expect(a.attributes['Mikrotik-Rate-Limit']).toEqual(['10M/10M']);
    expect((await viaA(login('shared', 'shared-pw-b'))).code).toBe('Access-Reject');

    const b = await viaB(login('shared', 'shared-pw-b'));
    expect(b.code).toBe('Access-Accept');
    expect(b.attributes['Mikrotik-Rate-Limit']).toEqual(['50M/50M']);
    expect((await viaB(login('shared', 'shared-pw-a'))).code).toBe('Access-Reject');
  });

  test("a user of one tenant is rejected through another tenant's NAS", async () => {
    expect((await viaB(login('alice', 'alice-pw'))).code).toBe('Access-Reject');
    expect((await viaA(login('bob', 'bob-pw'))).code).toBe('Access-Reject');
    const bob = await viaB(login('bob', 'bob-pw'));
    expect(bob.code).toBe('Access-Accept');
    expect(bob.attributes['Framed-IP-Address']).toEqual(['100.64.1.20']);
  });

  test('the NAS-IP-Address a packet claims does not choose the tenant', async () => {
    expect((await viaA({ ...login('bob', 'bob-pw'), 'NAS-IP-Address': '127.0.0.2' })).code).toBe('Access-Reject');
  });

  test('a request from an address that is no NAS gets no answer', async () => {
    await expect(
      sendRadius({
        source: '127.0.0.3',
        port: radius.authPort,
        secret: SECRET_B,
        kind: 'auth',
        attributes: login('bob', 'bob-pw'),
        timeoutMs: 500,
        retries: 0,
      }),
    ).rejects.toThrow(/no reply/);
  });

  test.runIf(ipv6)('an IPv6 NAS is found by its source address', async () => {
    const reply = (attributes: RadiusAttributes) =>
      radclient({ host: '::1', port: radius.authPort, secret: SECRET_B, kind: 'auth', attributes });
    expect((await reply(login('bob', 'bob-pw'))).code).toBe('Access-Accept');
    expect((await reply(login('alice', 'alice-pw'))).code).toBe('Access-Reject');
  });
});

interface Session {
  tenant_id: string;
  username: string;
  acctuniqueid: string;
  nasipaddress: string;
  nasname: string;
  nasportid: string | null;
  framedipaddress: string | null;
  callingstationid: string;
  acctstarttime: Date | null;
  acctupdatetime: Date | null;
  acctstoptime: Date | null;
  acctsessiontime: string | null;
  acctinputoctets: string | null;
  acctoutputoctets: string | null;
  acctterminatecause: string | null;
}

const sessions = (id: string) =>
  rows<Session>('select * from radacct where acctsessionid = $1 order by tenant_id = $2 desc', [id, TENANT_A]);
const at = (seconds: number) => new Date((EPOCH + seconds) * 1000);

describe('accounting', () => {
  /** An Accounting-Request through tenant A's NAS (radclient). */
  const accountA = (attributes: RadiusAttributes) =>
    radclient({ port: radius.acctPort, secret: SECRET_A, kind: 'acct', attributes });
  /** An Accounting-Request through tenant B's NAS (127.0.0.2). */
  const accountB = (attributes: RadiusAttributes) =>
    sendRadius({ source: '127.0.0.2', port: radius.acctPort, secret: SECRET_B, kind: 'acct', attributes });

  test('Start, Interim-Update and Stop keep one radacct row in the tenant of the NAS', async () => {
    const session = {
      'User-Name': 'alice',
      'Acct-Session-Id': 'a-0001',
      'NAS-IP-Address': '127.0.0.1',
      'NAS-Port-Id': 'pppoe-7',
      'Framed-IP-Address': '100.64.0.10',
      'Calling-Station-Id': '00:11:22:33:44:55',
    };
    const start = await accountA({ ...session, 'Acct-Status-Type': 'Start', 'Event-Timestamp': EPOCH });
    expect(start.code).toBe('Accounting-Response');
    const [started, ...others] = await sessions('a-0001');
    expect(others).toEqual([]);
    expect(started).toMatchObject({
      tenant_id: TENANT_A,
      username: 'alice',
      nasipaddress: '127.0.0.1',
      nasname: '127.0.0.1',
      nasportid: 'pppoe-7',
      framedipaddress: '100.64.0.10',
      callingstationid: '00:11:22:33:44:55',
      acctstarttime: at(0),
      acctstoptime: null,
    });
    expect(started?.acctuniqueid).toMatch(/^[0-9a-f]{32}$/);

    await accountA({
      ...session,
      'Acct-Status-Type': 'Interim-Update',
      'Event-Timestamp': EPOCH + 300,
      'Acct-Session-Time': 300,
      'Acct-Input-Octets': 1000,
      'Acct-Input-Gigawords': 1,
      'Acct-Output-Octets': 2000,
      'Acct-Output-Gigawords': 3,
    });
    expect((await sessions('a-0001'))[0]).toMatchObject({
      acctupdatetime: at(300),
      acctsessiontime: '300',
      acctinputoctets: String(GIGAWORD + 1000n),
      acctoutputoctets: String(3n * GIGAWORD + 2000n),
      acctstoptime: null,
    });

    const stop = await accountA({
      ...session,
      'Acct-Status-Type': 'Stop',
      'Event-Timestamp': EPOCH + 600,
      'Acct-Session-Time': 600,
      'Acct-Input-Octets': 5000,
      'Acct-Input-Gigawords': 2,
      'Acct-Output-Octets': 7000,
      'Acct-Output-Gigawords': 4,
      'Acct-Terminate-Cause': 'User-Request',
    });
    expect(stop.code).toBe('Accounting-Response');
    const [stopped, ...more] = await sessions('a-0001');
    expect(more).toEqual([]);
    expect(stopped).toMatchObject({
      tenant_id: TENANT_A,
      acctstarttime: at(0),
      acctstoptime: at(600),
      acctsessiontime: '600',
      acctinputoctets: String(2n * GIGAWORD + 5000n),
      acctoutputoctets: String(4n * GIGAWORD + 7000n),
      acctterminatecause: 'User-Request',
    });
  });

  test('an Interim-Update for a session whose Start was lost opens it', async () => {
    await accountA({
      'User-Name': 'alice',
      'Acct-Session-Id': 'a-lost',
      'NAS-IP-Address': '127.0.0.1',
      'Acct-Status-Type': 'Interim-Update',
      'Event-Timestamp': EPOCH + 900,
      'Acct-Session-Time': 900,
      'Acct-Input-Octets': 10,
      'Acct-Output-Octets': 20,
    });
    expect((await sessions('a-lost'))[0]).toMatchObject({
      tenant_id: TENANT_A,
      acctstarttime: at(0),
      acctupdatetime: at(900),
      acctinputoctets: '10',
      acctoutputoctets: '20',
      acctstoptime: null,
    });
  });

  test("the same session sent by another tenant's NAS is its own row, out of the other's reach", async () => {
    const session = { 'User-Name': 'shared', 'Acct-Session-Id': 'x-0001', 'NAS-IP-Address': '10.0.0.1' };
    await accountA({ ...session, 'Acct-Status-Type': 'Start', 'Event-Timestamp': EPOCH });
    await accountB({ ...session, 'Acct-Status-Type': 'Start', 'Event-Timestamp': EPOCH + 10 });
    const [a, b] = await sessions('x-0001');
    expect(a).toMatchObject({
      tenant_id: TENANT_A,
      nasipaddress: '10.0.0.1',
      nasname: '127.0.0.1',
      acctstoptime: null,
    });
    expect(b).toMatchObject({
      tenant_id: TENANT_B,
      nasipaddress: '10.0.0.1',
      nasname: '127.0.0.2',
      acctstoptime: null,
    });
    expect([a?.acctstarttime, b?.acctstarttime]).toEqual([at(0), at(10)]);
    expect(a?.acctuniqueid).toBe(b?.acctuniqueid);

    // Accounting-On: A's NAS restarted. Its sessions end; B's session with the same NAS-IP-Address does not.
    const on = await accountA({
      'Acct-Status-Type': 'Accounting-On',
      'NAS-IP-Address': '10.0.0.1',
      'Event-Timestamp': EPOCH + 60,
    });
    expect(on.code).toBe('Accounting-Response');
    const [aOff, bOn] = await sessions('x-0001');
    expect(aOff).toMatchObject({ acctstoptime: at(60), acctterminatecause: 'NAS-Reboot', acctsessiontime: '60' });
    expect(bOn).toMatchObject({ tenant_id: TENANT_B, acctstoptime: null });

    const stop = await accountB({
      ...session,
      'Acct-Status-Type': 'Stop',
      'Event-Timestamp': EPOCH + 120,
      'Acct-Session-Time': 110,
      'Acct-Output-Octets': 42,
      'Acct-Terminate-Cause': 'Lost-Carrier',
    });
    expect(stop.code).toBe('Accounting-Response');
    const [aAfter, bAfter] = await sessions('x-0001');
    expect(aAfter).toMatchObject({ acctstoptime: at(60), acctterminatecause: 'NAS-Reboot', acctoutputoctets: '0' });
    expect(bAfter).toMatchObject({ acctstoptime: at(120), acctterminatecause: 'Lost-Carrier', acctoutputoctets: '42' });
  });
});

test('every answer is recorded in radpostauth under the tenant of the NAS, without the password', async () => {
  await viaA(login('postauth-probe', 'x'));
  await viaB(login('bob', 'bob-pw'));
  const recorded = await rows<{
    tenant_id: string;
    username: string;
    reply: string;
    pass: string | null;
    nasipaddress: string;
  }>(
    `select tenant_id, username, reply, pass, host(nasipaddress) as nasipaddress from radpostauth
      where username in ('postauth-probe', 'bob', 'alice') order by id`,
  );
  expect(recorded).toContainEqual({
    tenant_id: TENANT_A,
    username: 'postauth-probe',
    reply: 'Access-Reject',
    pass: null,
    nasipaddress: '127.0.0.1',
  });
  expect(recorded).toContainEqual({
    tenant_id: TENANT_B,
    username: 'bob',
    reply: 'Access-Accept',
    pass: null,
    nasipaddress: '127.0.0.2',
  });
  expect(recorded).toContainEqual(
    expect.objectContaining({ tenant_id: TENANT_A, username: 'alice', reply: 'Access-Accept' }),
  );
  expect(recorded.every((r) => r.pass === null)).toBe(true);
});

// The world dotmac.radius lives in, as its tests drive it: the real dotmac.network and
// dotmac.billing (with what billing needs) beside it, a client plugin (fixtures/aaa-client) calling
// its services as provisioning does, and FreeRADIUS played by the test: accounting sessions
// written into radacct exactly as freeradius/queries.conf writes them.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestbed, type Testbed, type TestResponse } from '@dotmac/sdk/testing';
import { expect } from 'vitest';
import type { UpsertAccount } from '../../src/server/accounts.ts';

const CLIENT = fileURLToPath(new URL('../fixtures/aaa-client/', import.meta.url));
const CLI = fileURLToPath(new URL('../../../../sdk/src/cli.ts', import.meta.url));

/** The plugins dotmac.radius needs (billing's own needs first), in activation order, and dotmac.radius itself. */
export const PLUGINS = ['customers', 'catalog', 'subscriptions', 'billing', 'network', 'radius'].map(
  (name) => new URL(`../../../${name}/`, import.meta.url),
);

/** The schema of dotmac.radius's tables (and FreeRADIUS's), for bed.query. */
export const SCHEMA = '"plugin_dotmac_radius"';
export const BILLING_SCHEMA = '"plugin_dotmac_billing"';
export const RADIUS = { plugin: 'dotmac.radius' } as const;

const DAY_MS = 86_400_000;
export const GB = 1_000_000_000;
export const MB = 1_000_000;

/**
 * Where the tests' clock starts: 10:00 UTC on the 14th of next month. Not a fixed date because
 * ingest-accounting picks sessions by the database's clock (`now() - 3 days`), not ctx.clock
 * (accounting.test.ts shows it): a session dated by a clock behind the database's is never
 * counted. Ahead of it, every session is; the 14th keeps a day's tests clear of the month's ends.
 */
export function anchor(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 14, 10));
}

/** `date` moved by whole days and set to hh:mm UTC. */
export function at(date: Date, days: number, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const d = new Date(date.getTime() + days * DAY_MS);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, m));
}

/** The UTC day (YYYY-MM-DD) of a date. */
export const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Builds the client fixture into a folder of this test file's own (two files building the same
 * folder at once could each read the other's half-written bundle) and starts a testbed with it,
 * dotmac.radius and what radius needs. Answers the testbed and a cleanup for afterAll.
 */
export async function startAaaBed(options: {
  readonly clock: Date;
  readonly settings?: Readonly<Record<string, string>>;
}): Promise<{ bed: Testbed; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dotmac-aaa-client-'));
  let bed: Testbed;
  try {
    await cp(CLIENT, dir, { recursive: true });
    await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'build', dir]);
    bed = await createTestbed({
      dir,
      with: PLUGINS,
      clock: options.clock,
      ...(options.settings && { settings: options.settings }),
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    bed,
    close: async () => {
      await bed.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A route of dotmac.radius, for a tenant. */
export const radius = <Body = unknown>(bed: Testbed, tenant: string, route: string, body?: unknown) =>
  bed.request<Body>(tenant, route, body, RADIUS);

/**
 * A route of dotmac.radius called as the kernel calls it for a user signed in to a portal (a
 * customer acting as their account), with that user's row scope: the testbed itself calls
 * routes as the operator. Answers the handler's answer (a refusal as `{ $problem }`).
 */
export async function asPortalUser(
  bed: Testbed,
  tenant: string,
  user: { readonly portal: 'customer' | 'reseller' | 'technician'; readonly subjectId: string },
  route: string,
  request: { readonly params?: Record<string, string>; readonly query?: Record<string, unknown> } = {},
): Promise<unknown> {
  const sandbox = bed.kernel.plugins.list().find((p) => p.manifest.id === RADIUS.plugin)?.sandbox;
  if (!sandbox) throw new Error('dotmac.radius is not loaded');
  const scope = { portal: user.portal, userId: `user-${user.subjectId}`, subjectId: user.subjectId };
  const caller = { kind: 'user', ...scope, permissions: ['dotmac.radius.read'] };
  const payload = { params: request.params ?? {}, query: request.query ?? {}, body: null, caller };
  return sandbox.invoke(tenant, `route:${route}`, payload, scope);
}

/** A PPPoE subscriber on a 20/5 Mbit/s plan, unlimited, active; `changes` set the rest. */
export function pppoe(changes: Partial<UpsertAccount> = {}): UpsertAccount {
  return {
    subscriptionId: randomUUID(),
    accountId: randomUUID(),
    access: 'pppoe',
    username: `sub-${randomUUID().slice(0, 8)}@fibre`,
    password: 'correct-horse-7',
    downloadKbps: 20_000,
    uploadKbps: 5_000,
    framedIp: null,
    framedIpv6Prefix: null,
    state: 'active',
    dataCapGb: null,
    throttleKbps: null,
    ...changes,
  };
}

/**
 * A subscriber billing knows (a customer account, a plan and an active subscription in the real
 * dotmac.customers, catalog and subscriptions, as ingest-accounting's reports to billing need),
 * granted an AAA account; answers the account.
 */
export async function subscriber(
  bed: Testbed,
  tenant: string,
  changes: Partial<UpsertAccount> = {},
): Promise<UpsertAccount> {
  const created = async (plugin: string, route: string, body: unknown) => {
    const answer = await bed.request<{ id: string }>(tenant, route, body, { plugin });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id;
  };
  const accountId = await created('dotmac.customers', 'POST /accounts', {
    kind: 'residential',
    name: 'Ada Lovelace',
    currency: 'USD',
    status: 'active',
  });
  const planId = await created('dotmac.catalog', 'POST /plans', {
    code: `FIBRE-${randomUUID().slice(0, 8)}`,
    name: 'Fibre 20',
    kind: 'internet',
    prices: { USD: '30.00' },
    billingCycle: 'monthly',
    payment: 'prepaid',
    contractMonths: 0,
    internet: { downloadKbps: 20_000, uploadKbps: 5_000 },
  });
  const subscriptionId = await created('dotmac.subscriptions', 'POST /subscriptions', { accountId, planId });
  const activated = await bed.request(
    tenant,
    `POST /subscriptions/${subscriptionId}/activate`,
    {},
    {
      plugin: 'dotmac.subscriptions',
    },
  );
  expect(activated.status, JSON.stringify(activated.body)).toBe(200);
  // Billing learns of the subscription from its event.
  await bed.settle();
  const account = pppoe({ subscriptionId, accountId, ...changes });
  await granted(bed, tenant, account);
  return account;
}

/** What upsertAccount answers. */
export interface Upserted {
  readonly username: string;
  readonly sessions: number;
  readonly actions: ('coa' | 'disconnect')[];
}

/** Calls dotmac.radius.upsertAccount through the client plugin; answers the client's response. */
export function upsert(bed: Testbed, tenant: string, account: UpsertAccount): Promise<TestResponse<Upserted>> {
  const { subscriptionId, ...body } = account;
  return bed.request<Upserted>(tenant, `PUT /accounts/${subscriptionId}`, body);
}

/** upsertAccount that must succeed; answers what it answered. */
export async function granted(bed: Testbed, tenant: string, account: UpsertAccount): Promise<Upserted> {
  const answer = await upsert(bed, tenant, account);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** Calls dotmac.radius.removeAccount through the client plugin. */
export const remove = (bed: Testbed, tenant: string, subscriptionId: string) =>
  bed.request<{ removed: boolean; sessions: number }>(tenant, `DELETE /accounts/${subscriptionId}`);

/** What dotmac.radius.snapshot answers, through the client plugin. */
export interface Snapshot {
  readonly accounts: { subscriptionId: string; username: string; state: string; framedIp: string | null }[];
  readonly sessions: {
    subscriptionId: string | null;
    username: string;
    nasAddress: string;
    acctSessionId: string;
    framedIp: string | null;
    startedAt: string | null;
  }[];
}
export const snapshot = (bed: Testbed, tenant: string) => bed.request<Snapshot>(tenant, 'GET /snapshot');

/**
 * What an exported function of dotmac.radius answers when it refuses, as the kernel receives it
 * (status, detail, field pointers). A calling plugin only ever sees the detail; the status and
 * pointers are the contract with the kernel, so the tests read them where the kernel does.
 */
export async function refusalOf(
  bed: Testbed,
  tenant: string,
  fn: string,
  input: unknown,
): Promise<{ status: number; detail: string; errors?: { pointer: string; detail: string }[] }> {
  const plugin = bed.kernel.plugins.list().find((p) => p.manifest.id === 'dotmac.radius');
  if (!plugin) throw new Error('dotmac.radius is not loaded');
  const answer = (await plugin.sandbox.invoke(tenant, `service:${fn}`, input)) as Record<string, unknown>;
  const values = Object.values(answer ?? {});
  expect(values, `${fn} did not refuse: ${JSON.stringify(answer)}`).toHaveLength(1);
  return values[0] as { status: number; detail: string; errors?: { pointer: string; detail: string }[] };
}

/** A FreeRADIUS row of an account: radcheck and radreply as `attribute op value`. */
export async function attributeRows(
  bed: Testbed,
  tenant: string,
  table: 'radcheck' | 'radreply',
  username: string,
): Promise<string[]> {
  const rows = await bed.query<{ attribute: string; op: string; value: string }>(
    `select attribute, op, value from ${SCHEMA}.${table} where tenant_id = $1 and username = $2 order by id`,
    [tenant, username],
  );
  return rows.map((r) => `${r.attribute} ${r.op} ${r.value}`);
}

/** The groups of an account (radusergroup) as `groupname/priority`. */
export async function groupRows(bed: Testbed, tenant: string, username: string): Promise<string[]> {
  const rows = await bed.query<{ groupname: string; priority: number }>(
    `select groupname, priority from ${SCHEMA}.radusergroup where tenant_id = $1 and username = $2 order by id`,
    [tenant, username],
  );
  return rows.map((r) => `${r.groupname}/${r.priority}`);
}

/** Every row any FreeRADIUS table or the accounts table holds for `username` in the tenant. */
export async function rowsOf(bed: Testbed, tenant: string, username: string): Promise<Record<string, number>> {
  const [row] = await bed.query<Record<string, number>>(
    `select (select count(*)::int from ${SCHEMA}.accounts where tenant_id = $1 and username = $2) as accounts,
            (select count(*)::int from ${SCHEMA}.radcheck where tenant_id = $1 and username = $2) as radcheck,
            (select count(*)::int from ${SCHEMA}.radreply where tenant_id = $1 and username = $2) as radreply,
            (select count(*)::int from ${SCHEMA}.radusergroup where tenant_id = $1 and username = $2) as radusergroup`,
    [tenant, username],
  );
  return row ?? {};
}

/** An accounting session on a NAS, as FreeRADIUS keys it. */
export interface Session {
  readonly tenant: string;
  readonly username: string;
  readonly sessionId: string;
  /** The NAS's address: the packet's source (radacct.nasname) and its NAS-IP-Address. */
  readonly nas: string;
  /** Acct-Unique-Session-Id, from the acct_unique policy. */
  readonly uniqueId: string;
}

/** Accounting-Request Start, written as queries.conf's `start` query writes it. */
export async function accountingStart(
  bed: Testbed,
  tenant: string,
  s: { username: string; sessionId: string; nas: string; framedIp?: string | null; at: Date },
): Promise<Session> {
  const uniqueId = createHash('md5').update(`${s.username},${s.sessionId},${s.nas}`).digest('hex');
  await bed.query(
    `insert into ${SCHEMA}.radacct (tenant_id, acctsessionid, acctuniqueid, username, realm, nasipaddress, nasname,
       nasportid, nasporttype, acctstarttime, acctupdatetime, acctstoptime, acctsessiontime, acctauthentic,
       connectinfo_start, connectinfo_stop, acctinputoctets, acctoutputoctets, calledstationid, callingstationid,
       acctterminatecause, servicetype, framedprotocol, framedipaddress)
     values ($1, $2, $3, $4, null, $5::inet, $6, 'ether1', 'Ethernet', $7, $7, null, 0, 'RADIUS',
       '', null, 0, 0, 'pppoe-harbour', '02:00:00:00:00:01', null, 'Framed-User', 'PPP', $8::inet)`,
    [tenant, s.sessionId, uniqueId, s.username, s.nas, s.nas, s.at.toISOString(), s.framedIp ?? null],
  );
  return { tenant, username: s.username, sessionId: s.sessionId, nas: s.nas, uniqueId };
}

/** Accounting-Request Interim-Update with the session's running totals, as queries.conf writes it. */
export async function accountingInterim(
  bed: Testbed,
  s: Session,
  counters: { input: number; output: number; at: Date },
): Promise<void> {
  const updated = await bed.query(
    `update ${SCHEMA}.radacct set
       acctsessiontime = extract(epoch from ($3::timestamptz - acctstarttime))::bigint,
       acctinterval = extract(epoch from ($3::timestamptz - coalesce(acctupdatetime, acctstarttime)))::bigint,
       acctupdatetime = $3, acctinputoctets = $4, acctoutputoctets = $5
     where tenant_id = $1 and acctuniqueid = $2 and acctstoptime is null
     returning radacctid`,
    [s.tenant, s.uniqueId, counters.at.toISOString(), counters.input, counters.output],
  );
  expect(updated, `no open session ${s.sessionId}`).toHaveLength(1);
}

/** Accounting-Request Stop with the session's final totals, as queries.conf writes it. */
export async function accountingStop(
  bed: Testbed,
  s: Session,
  counters: { input: number; output: number; at: Date },
): Promise<void> {
  const updated = await bed.query(
    `update ${SCHEMA}.radacct set
       acctstoptime = $3, acctupdatetime = $3,
       acctsessiontime = extract(epoch from ($3::timestamptz - acctstarttime))::bigint,
       acctinputoctets = $4, acctoutputoctets = $5, acctterminatecause = 'User-Request', connectinfo_stop = ''
     where tenant_id = $1 and acctuniqueid = $2 and acctstoptime is null
     returning radacctid`,
    [s.tenant, s.uniqueId, counters.at.toISOString(), counters.input, counters.output],
  );
  expect(updated, `no open session ${s.sessionId}`).toHaveLength(1);
}

/** What POST /accounting/ingest answers. */
export interface Ingested {
  readonly sessions: number;
  readonly days: number;
  readonly throttled: number;
}

/** Runs ingest-accounting now (POST /accounting/ingest), then waits for what it queued. */
export async function ingest(bed: Testbed, tenant: string): Promise<Ingested> {
  const answer = await radius<Ingested>(bed, tenant, 'POST /accounting/ingest');
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  await bed.settle();
  return answer.body;
}

/** A subscription's usage per day, through GET /usage. */
export async function usageOf(
  bed: Testbed,
  tenant: string,
  subscriptionId: string,
  from: string,
  to: string,
): Promise<Record<string, string>> {
  const answer = await radius<{ items: { day: string; bytes: string }[] }>(
    bed,
    tenant,
    `GET /usage?subscriptionId=${subscriptionId}&from=${from}&to=${to}`,
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return Object.fromEntries(answer.body.items.map((i) => [i.day, i.bytes]));
}

/** What billing holds for a subscription: its usage_records, bytes per day. */
export async function billedUsage(bed: Testbed, subscriptionId: string): Promise<Record<string, string>> {
  const rows = await bed.query<{ day: string; bytes: string }>(
    `select to_char(day, 'YYYY-MM-DD') as day, bytes::text from ${BILLING_SCHEMA}.usage_records
      where service_id = $1 order by day`,
    [subscriptionId],
  );
  return Object.fromEntries(rows.map((r) => [r.day, r.bytes]));
}

/**
 * A NAS of the tenant, registered as operators do: a device of kind nas in dotmac.network, copied
 * into FreeRADIUS's nas table by sync-nas (which the cron also runs, on the wall clock: a row
 * planted in the nas table alone would be deleted by it). An address is one NAS across tenants,
 * so the row of an earlier test's tenant at the same address is removed first.
 */
export async function registerNas(
  bed: Testbed,
  tenant: string,
  nas: { address: string; secret: string; coaPort: number; profile?: 'mikrotik' | 'cisco' | 'wispr' | 'generic' },
): Promise<void> {
  await bed.query(`delete from ${SCHEMA}.nas where nasname = $1`, [nas.address]);
  const created = await bed.request(
    tenant,
    'POST /devices',
    {
      kind: 'nas',
      name: `bng-${nas.address}`,
      vendor: 'mikrotik',
      model: 'CCR2004',
      managementAddress: nas.address,
      radiusSecret: nas.secret,
      coaPort: nas.coaPort,
      radiusProfile: nas.profile ?? 'mikrotik',
    },
    { plugin: 'dotmac.network' },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await bed.settle();
  const synced = await radius<{ nas: number }>(bed, tenant, 'POST /nas/sync');
  expect(synced.status, JSON.stringify(synced.body)).toBe(200);
  const [row] = await bed.query<{ tenant_id: string; coa_port: number }>(
    `select tenant_id::text, coa_port from ${SCHEMA}.nas where nasname = $1`,
    [nas.address],
  );
  expect(row).toEqual({ tenant_id: tenant, coa_port: nas.coaPort });
}

/** A live change as GET /changes shows it. */
export interface Change {
  readonly id: string;
  readonly subscriptionId: string;
  readonly kind: 'coa' | 'disconnect';
  readonly reason: string;
  readonly nasAddress: string;
  readonly acctSessionId: string;
  readonly status: string;
  readonly attempts: number;
  readonly errorCause: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** The tenant's live changes, newest first (GET /changes). */
export async function changesOf(bed: Testbed, tenant: string, subscriptionId?: string): Promise<Change[]> {
  const query = subscriptionId ? `?subscriptionId=${subscriptionId}` : '';
  const answer = await radius<{ items: Change[] }>(bed, tenant, `GET /changes${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.items;
}

// The shell around aaa.ts: reads and writes the accounts and FreeRADIUS's rows for them, in one
// transaction per change, and queues the live changes (changes.ts) their online sessions need.
import { type OutgoingEvent, type PluginContext, RouteError, type SqlStatement } from '@dotmac/sdk';
import {
  type Account,
  type AccountState,
  aaaRows,
  liveChange,
  speedAttributes,
  speedOf,
  walledGardenRows,
} from './aaa.ts';
import { type Profile, RATE_CHANGE_BY, type ReplyAttribute, requestAttributes } from './attributes.ts';
import { type QueuedChange, queueChanges } from './changes.ts';
import { type Settings, settingsOf } from './settings.ts';

/** The input of the upsertAccount service (schemas/upsert-account.json). */
export interface UpsertAccount {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly access: 'pppoe' | 'ipoe';
  readonly username: string;
  readonly password: string | null;
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly burstKbps?: number | null;
  readonly burstThresholdKbps?: number | null;
  readonly burstTimeSeconds?: number | null;
  readonly framedIp: string | null;
  readonly framedIpv6Prefix: string | null;
  readonly state: AccountState;
  readonly dataCapGb: number | null;
  readonly throttleKbps: number | null;
}

export interface AccountRow {
  subscription_id: string;
  customer_id: string;
  access: 'pppoe' | 'ipoe';
  username: string;
  state: AccountState;
  download_kbps: number;
  upload_kbps: number;
  burst_kbps: number | null;
  burst_threshold_kbps: number | null;
  burst_time_seconds: number | null;
  framed_ip: string | null;
  framed_ipv6_prefix: string | null;
  data_cap_gb: number | null;
  throttle_kbps: number | null;
  throttled_month: string | null;
  updated_at: string | Date;
}

/** The columns of an AccountRow, of table alias `alias` when given. */
export function accountColumns(alias?: string): string {
  const a = alias ? `${alias}.` : '';
  return `${a}subscription_id::text as subscription_id, ${a}customer_id, ${a}access, ${a}username, ${a}state,
    ${a}download_kbps, ${a}upload_kbps, ${a}burst_kbps, ${a}burst_threshold_kbps, ${a}burst_time_seconds, ${a}framed_ip,
    ${a}framed_ipv6_prefix, ${a}data_cap_gb, ${a}throttle_kbps, ${a}throttled_month, ${a}updated_at`;
}

/** An online session (radacct without a stop), with the profile of the NAS it came through (its source address, radacct.nasname). */
export interface SessionRow {
  radacctid: string;
  subscription_id: string | null;
  username: string;
  nas_address: string;
  acct_session_id: string;
  framed_ip: string | null;
  started_at: string | Date | null;
  updated_at: string | Date | null;
  input_bytes: string;
  output_bytes: string;
  profile: Profile | null;
}

/** Online sessions, newest first; `where` narrows radacct (alias r) with `params` from $1. */
export const SESSIONS_SQL = (where: string) => `
  select r.radacctid::text, a.subscription_id::text, r.username, coalesce(r.nasname, host(r.nasipaddress)) as nas_address,
         r.acctsessionid as acct_session_id, host(r.framedipaddress) as framed_ip,
         r.acctstarttime as started_at, r.acctupdatetime as updated_at,
         coalesce(r.acctinputoctets, 0)::text as input_bytes, coalesce(r.acctoutputoctets, 0)::text as output_bytes,
         n.profile
    from radacct r
    left join accounts a on a.username = r.username
    left join nas n on n.nasname = coalesce(r.nasname, host(r.nasipaddress))
   where r.acctstoptime is null${where ? ` and ${where}` : ''}`;

export function toAccount(row: AccountRow, month: string, password: string | null = null): Account {
  return {
    subscriptionId: row.subscription_id,
    accountId: row.customer_id,
    access: row.access,
    username: row.username,
    password,
    state: row.state,
    downloadKbps: row.download_kbps,
    uploadKbps: row.upload_kbps,
    burstKbps: row.burst_kbps,
    burstThresholdKbps: row.burst_threshold_kbps,
    burstTimeSeconds: row.burst_time_seconds,
    framedIp: row.framed_ip,
    framedIpv6Prefix: row.framed_ipv6_prefix,
    dataCapGb: row.data_cap_gb,
    throttleKbps: row.throttle_kbps,
    throttled: row.throttled_month === month,
  };
}

/** The calendar month (UTC) of an ISO time, YYYY-MM: the period data caps count over. */
export const monthOf = (iso: string) => iso.slice(0, 7);

export async function findAccount(ctx: PluginContext, subscriptionId: string): Promise<AccountRow | undefined> {
  const [row] = await ctx.db.query<AccountRow>(`select ${accountColumns()} from accounts where subscription_id = $1`, [
    subscriptionId,
  ]);
  return row;
}

export async function onlineSessions(ctx: PluginContext, username: string): Promise<SessionRow[]> {
  return ctx.db.query<SessionRow>(`${SESSIONS_SQL('r.username = $1')} order by r.acctstarttime desc`, [username]);
}

/** Statements replacing `username`'s rows in a FreeRADIUS table (radcheck or radreply). */
function replaceRows(
  table: 'radcheck' | 'radreply',
  tenantId: string,
  usernames: readonly string[],
  username: string,
  rows: readonly ReplyAttribute[],
): SqlStatement[] {
  const statements: SqlStatement[] = [
    { sql: `delete from ${table} where username = any($1::text[])`, params: [usernames] },
  ];
  if (rows.length > 0) {
    statements.push({
      sql: `insert into ${table} (tenant_id, username, attribute, op, value)
            select $1, $2, e->>'attribute', e->>'op', e->>'value'
              from jsonb_array_elements($3::jsonb) with ordinality as t(e, n)
             order by t.n`,
      params: [tenantId, username, JSON.stringify(rows)],
    });
  }
  return statements;
}

/** Statements replacing the tenant's walled-garden group reply. */
export function walledGardenStatements(ctx: PluginContext, settings: Settings): SqlStatement[] {
  return [
    { sql: 'delete from radgroupreply where groupname = $1', params: ['walled-garden'] },
    {
      sql: `insert into radgroupreply (tenant_id, groupname, attribute, op, value)
            select $1, 'walled-garden', e->>'attribute', e->>'op', e->>'value'
              from jsonb_array_elements($2::jsonb) with ordinality as t(e, n)
             order by t.n`,
      params: [ctx.tenantId, JSON.stringify(walledGardenRows(settings.replyProfiles, settings.walledGarden))],
    },
  ];
}

/** The live changes the online `sessions` need after the account went from `before` to `after`. */
export function changesFor(
  before: Account | null,
  after: Account | null,
  sessions: readonly SessionRow[],
  reason: QueuedChange['reason'],
): QueuedChange[] {
  const kind = liveChange(before, after);
  if (kind === null || before === null) return [];
  return sessions.map((s) => {
    const profile = s.profile ?? 'generic';
    // A NAS that cannot take a new speed live (RATE_CHANGE_BY) gets it at the next sign-in.
    const sent = kind === 'coa' && RATE_CHANGE_BY[profile] === 'coa' && after ? 'coa' : 'disconnect';
    return {
      subscriptionId: before.subscriptionId,
      customerId: before.accountId,
      kind: sent,
      reason: kind === 'disconnect' && reason === 'speed' ? 'suspend' : reason,
      nasAddress: s.nas_address,
      acctSessionId: s.acct_session_id,
      username: s.username,
      framedIp: s.framed_ip,
      attributes: sent === 'coa' && after ? requestAttributes(speedAttributes(profile, speedOf(after))) : [],
    };
  });
}

/** Grants a subscription what provisioning decided (the upsertAccount service). */
export async function upsertAccount(ctx: PluginContext, input: UpsertAccount) {
  const now = (await ctx.clock.now()).toISOString();
  const month = monthOf(now);
  const settings = await settingsOf(ctx);
  const [taken] = await ctx.db.query<{ subscription_id: string }>(
    'select subscription_id::text from accounts where username = $1 and subscription_id <> $2',
    [input.username, input.subscriptionId],
  );
  if (taken) {
    throw new RouteError(409, `username ${input.username} is another subscription's`, [
      { pointer: '/username', detail: 'is already used by another subscription of this tenant' },
    ]);
  }
  const beforeRow = await findAccount(ctx, input.subscriptionId);
  const before = beforeRow ? toAccount(beforeRow, month) : null;
  const after: Account = {
    subscriptionId: input.subscriptionId,
    accountId: input.accountId,
    access: input.access,
    username: input.username,
    password: input.password,
    state: input.state,
    downloadKbps: input.downloadKbps,
    uploadKbps: input.uploadKbps,
    burstKbps: input.burstKbps ?? null,
    burstThresholdKbps: input.burstThresholdKbps ?? null,
    burstTimeSeconds: input.burstTimeSeconds ?? null,
    framedIp: input.framedIp,
    framedIpv6Prefix: input.framedIpv6Prefix,
    dataCapGb: input.dataCapGb,
    throttleKbps: input.throttleKbps,
    // A throttle stays for the month unless the new plan has no cap or no throttle.
    throttled: (before?.throttled ?? false) && input.dataCapGb !== null && input.throttleKbps !== null,
  };
  const rows = aaaRows(after, settings.replyProfiles);
  const usernames = before ? [before.username, after.username] : [after.username];
  const sessions = before ? await onlineSessions(ctx, before.username) : [];
  const changes = changesFor(before, after, sessions, 'speed');
  const statements: SqlStatement[] = [
    {
      sql: `insert into accounts (tenant_id, subscription_id, customer_id, access, username, state, download_kbps,
              upload_kbps, burst_kbps, burst_threshold_kbps, burst_time_seconds, framed_ip, framed_ipv6_prefix,
              data_cap_gb, throttle_kbps, throttled_month, created_at, updated_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
            on conflict (tenant_id, subscription_id) do update set
              customer_id = excluded.customer_id, access = excluded.access, username = excluded.username,
              state = excluded.state, download_kbps = excluded.download_kbps, upload_kbps = excluded.upload_kbps,
              burst_kbps = excluded.burst_kbps, burst_threshold_kbps = excluded.burst_threshold_kbps,
              burst_time_seconds = excluded.burst_time_seconds, framed_ip = excluded.framed_ip,
              framed_ipv6_prefix = excluded.framed_ipv6_prefix, data_cap_gb = excluded.data_cap_gb,
              throttle_kbps = excluded.throttle_kbps, throttled_month = excluded.throttled_month,
              updated_at = excluded.updated_at`,
      params: [
        ctx.tenantId,
        after.subscriptionId,
        after.accountId,
        after.access,
        after.username,
        after.state,
        after.downloadKbps,
        after.uploadKbps,
        after.burstKbps,
        after.burstThresholdKbps,
        after.burstTimeSeconds,
        after.framedIp,
        after.framedIpv6Prefix,
        after.dataCapGb,
        after.throttleKbps,
        after.throttled ? month : (beforeRow?.throttled_month ?? null),
        now,
      ],
    },
    ...replaceRows('radcheck', ctx.tenantId, usernames, after.username, rows.check),
    ...replaceRows('radreply', ctx.tenantId, usernames, after.username, rows.reply),
    { sql: 'delete from radusergroup where username = any($1::text[])', params: [usernames] },
    ...rows.groups.map((group) => ({
      sql: 'insert into radusergroup (tenant_id, username, groupname, priority) values ($1, $2, $3, 1)',
      params: [ctx.tenantId, after.username, group],
    })),
    ...(after.state === 'walled-garden' ? walledGardenStatements(ctx, settings) : []),
  ];
  await queueChanges(ctx, statements, changes, now);
  return { username: after.username, sessions: sessions.length, actions: changes.map((c) => c.kind) };
}

/** Rewrites the radreply rows of an existing account (a throttle applied or lifted) and queues CoAs. */
export async function rewriteReply(
  ctx: PluginContext,
  before: Account,
  after: Account,
  settings: Settings,
  throttledMonth: string | null,
  reason: QueuedChange['reason'],
  now: string,
  events: readonly OutgoingEvent[] = [],
): Promise<number> {
  const rows = aaaRows(after, settings.replyProfiles);
  const sessions = await onlineSessions(ctx, after.username);
  const changes = changesFor(before, after, sessions, reason);
  await queueChanges(
    ctx,
    [
      {
        sql: 'update accounts set throttled_month = $2, updated_at = $3 where subscription_id = $1',
        params: [after.subscriptionId, throttledMonth, now],
      },
      ...replaceRows('radreply', ctx.tenantId, [after.username], after.username, rows.reply),
    ],
    changes,
    now,
    events,
  );
  return changes.length;
}

/** Removes a subscription's account and its FreeRADIUS rows; disconnects its sessions. */
export async function removeAccount(ctx: PluginContext, subscriptionId: string) {
  const now = (await ctx.clock.now()).toISOString();
  const row = await findAccount(ctx, subscriptionId);
  if (!row) return { removed: false, sessions: 0 };
  const before = toAccount(row, monthOf(now));
  const sessions = await onlineSessions(ctx, row.username);
  const changes = changesFor(before, null, sessions, 'remove');
  await queueChanges(
    ctx,
    [
      { sql: 'delete from accounts where subscription_id = $1', params: [subscriptionId] },
      { sql: 'delete from radcheck where username = $1', params: [row.username] },
      { sql: 'delete from radreply where username = $1', params: [row.username] },
      { sql: 'delete from radusergroup where username = $1', params: [row.username] },
    ],
    changes,
    now,
  );
  return { removed: true, sessions: sessions.length };
}

/** Staff disconnect a subscription's sessions (it may sign in again). */
export async function disconnect(ctx: PluginContext, subscriptionId: string) {
  const now = (await ctx.clock.now()).toISOString();
  const row = await findAccount(ctx, subscriptionId);
  if (!row) throw new RouteError(404, `no AAA account for subscription ${subscriptionId}`);
  const account = toAccount(row, monthOf(now));
  const sessions = await onlineSessions(ctx, row.username);
  const changes = changesFor(account, null, sessions, 'staff');
  await queueChanges(ctx, [], changes, now);
  return { queued: changes.length };
}

/** Every account and online session, for provisioning's reconciliation. */
export async function snapshot(ctx: PluginContext) {
  const accounts = await ctx.db.query<{
    subscription_id: string;
    username: string;
    state: AccountState;
    framed_ip: string | null;
  }>('select subscription_id::text, username, state, framed_ip from accounts order by username');
  const sessions = await ctx.db.query<SessionRow>(`${SESSIONS_SQL('')} order by r.acctstarttime`);
  return {
    accounts: accounts.map((a) => ({
      subscriptionId: a.subscription_id,
      username: a.username,
      state: a.state,
      framedIp: a.framed_ip,
    })),
    sessions: sessions.map((s) => ({
      subscriptionId: s.subscription_id,
      username: s.username,
      nasAddress: s.nas_address,
      acctSessionId: s.acct_session_id,
      framedIp: s.framed_ip,
      startedAt: iso(s.started_at),
    })),
  };
}

export const iso = (value: string | Date | null): string | null =>
  value === null ? null : new Date(value).toISOString();

export function sessionResource(s: SessionRow) {
  return {
    subscriptionId: s.subscription_id,
    username: s.username,
    nasAddress: s.nas_address,
    acctSessionId: s.acct_session_id,
    framedIp: s.framed_ip,
    startedAt: iso(s.started_at),
    updatedAt: iso(s.updated_at),
    inputBytes: s.input_bytes,
    outputBytes: s.output_bytes,
  };
}

export function accountResource(row: AccountRow, month: string) {
  return {
    subscriptionId: row.subscription_id,
    accountId: row.customer_id,
    access: row.access,
    username: row.username,
    state: row.state,
    downloadKbps: row.download_kbps,
    uploadKbps: row.upload_kbps,
    framedIp: row.framed_ip,
    framedIpv6Prefix: row.framed_ipv6_prefix,
    dataCapGb: row.data_cap_gb,
    throttleKbps: row.throttle_kbps,
    throttled: row.throttled_month === month && row.throttle_kbps !== null,
    updatedAt: iso(row.updated_at) ?? '',
  };
}

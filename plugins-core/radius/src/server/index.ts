// dotmac.radius: who may connect and at what speed. Provisioning grants each subscription an AAA
// account (the upsertAccount service); this plugin writes FreeRADIUS's rows for it (aaa.ts), sends
// live changes to the NASes (changes.ts), and turns accounting into usage (accounting.ts).
// FreeRADIUS itself reads the same tables through the queries in freeradius/queries.conf.
import { definePlugin, RouteError, type RouteRequest } from '@dotmac/sdk';
import { aaaRows } from './aaa.ts';
import { ingestAccounting } from './accounting.ts';
import {
  type AccountRow,
  accountColumns,
  accountResource,
  disconnect,
  findAccount,
  monthOf,
  onlineSessions,
  removeAccount,
  SESSIONS_SQL,
  type SessionRow,
  sessionResource,
  snapshot,
  toAccount,
  type UpsertAccount,
  upsertAccount,
} from './accounts.ts';
import { applyChange, changeResource } from './changes.ts';
import { syncNas } from './nas.ts';
import { settingsOf } from './settings.ts';

/** A day of usage_daily as GET /usage reads it; the split is null where it is unknown (migration 0003). */
interface UsageDayRow {
  readonly subscription_id: string;
  readonly day: string;
  readonly bytes: string;
  readonly download_bytes: string | null;
  readonly upload_bytes: string | null;
}

const nowIso = async (ctx: { clock: { now(): Promise<Date> } }) => (await ctx.clock.now()).toISOString();

/**
 * FreeRADIUS's radacct has no customer column for the kernel's row scope, so a session is scoped
 * through its AAA account: a portal user (a customer) sees only the sessions of the accounts
 * they see; staff also see sessions of usernames no account has.
 */
const sessionsOfVisibleAccountsOnly = (caller: RouteRequest['caller']) =>
  caller.kind === 'user' && caller.portal !== 'admin';

/** A page of `rows` fetched with one extra: the cursor is `key` of the last item kept. */
function page<Row, Item>(rows: Row[], limit: number, key: (row: Row) => string, toItem: (row: Row) => Item) {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: rows.length > limit && last !== undefined ? key(last) : null };
}

/** A `<timestamp>|<id>` cursor's parts; a malformed cursor is the caller's 400. */
function timeCursor(cursor: string | undefined): [string, string] | null {
  if (cursor === undefined) return null;
  const [at, id, ...rest] = cursor.split('|');
  if (!at || !id || rest.length > 0 || Number.isNaN(Date.parse(at))) {
    throw new RouteError(400, 'cursor is not one this API gave', [
      { pointer: '/query/cursor', detail: 'is not a cursor' },
    ]);
  }
  return [at, id];
}

export default definePlugin({
  routes: {
    'GET /accounts': async (ctx, { query }) => {
      const q = query as { state?: string; throttled?: boolean; limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      const month = monthOf(await nowIso(ctx));
      const rows = await ctx.db.query<AccountRow>(
        `select ${accountColumns()} from accounts
          where ($1::text is null or state = $1)
            and ($2::boolean is null or ((coalesce(throttled_month = $3, false) and throttle_kbps is not null) = $2))
            and ($4::text is null or username > $4)
          order by username limit $5`,
        [q.state ?? null, q.throttled ?? null, month, q.cursor ?? null, limit + 1],
      );
      return page(
        rows,
        limit,
        (r) => r.username,
        (r) => accountResource(r, month),
      );
    },
    'GET /accounts/:subscriptionId': async (ctx, { params }) => {
      const now = await nowIso(ctx);
      const month = monthOf(now);
      const row = await findAccount(ctx, params.subscriptionId);
      if (!row) throw new RouteError(404, `no AAA account for subscription ${params.subscriptionId}`);
      const settings = await settingsOf(ctx);
      const [reply, sessions, [used]] = await Promise.all([
        Promise.resolve(aaaRows(toAccount(row, month), settings.replyProfiles).reply),
        onlineSessions(ctx, row.username),
        ctx.db.query<{ used: string }>(
          `select coalesce(sum(bytes), 0)::text as used from usage_daily
            where subscription_id = $1 and day >= $2::date and day < ($2::date + interval '1 month')`,
          [params.subscriptionId, `${month}-01`],
        ),
      ]);
      return {
        ...accountResource(row, month),
        reply: [...reply],
        sessions: sessions.map(sessionResource),
        usedThisMonthBytes: used?.used ?? '0',
      };
    },
    'POST /accounts/:subscriptionId/disconnect': (ctx, { params }) => disconnect(ctx, params.subscriptionId),
    'GET /sessions': async (ctx, { query, caller }) => {
      const q = query as { subscriptionId?: string; nasAddress?: string; limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      const after = timeCursor(q.cursor);
      const rows = await ctx.db.query<SessionRow>(
        `${SESSIONS_SQL(`($1::uuid is null or a.subscription_id = $1)
             and ($2::text is null or coalesce(r.nasname, host(r.nasipaddress)) = $2)
             and ($3::timestamptz is null or (r.acctstarttime, r.radacctid) < ($3::timestamptz, $4::bigint))
             and (not $6::boolean or a.subscription_id is not null)`)}
          order by r.acctstarttime desc, r.radacctid desc limit $5`,
        [
          q.subscriptionId ?? null,
          q.nasAddress ?? null,
          after?.[0] ?? null,
          after?.[1] ?? null,
          limit + 1,
          sessionsOfVisibleAccountsOnly(caller),
        ],
      );
      return page(rows, limit, (r) => `${new Date(r.started_at ?? 0).toISOString()}|${r.radacctid}`, sessionResource);
    },
    'GET /sessions/summary': async (ctx, { caller }) => {
      const [counts] = await ctx.db.query<{ online: number; subscribers: number }>(
        `select count(*)::int as online, count(distinct a.subscription_id)::int as subscribers
           from radacct r left join accounts a on a.username = r.username
          where r.acctstoptime is null and (not $1::boolean or a.subscription_id is not null)`,
        [sessionsOfVisibleAccountsOnly(caller)],
      );
      return { online: counts?.online ?? 0, subscribers: counts?.subscribers ?? 0 };
    },
    'GET /changes': async (ctx, { query }) => {
      const q = query as { subscriptionId?: string; limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      const after = timeCursor(q.cursor);
      const rows = await ctx.db.query<Parameters<typeof changeResource>[0]>(
        `select id::text, subscription_id::text, kind, reason, nas_address, acct_session_id, username, framed_ip,
                attributes, status, attempts, error_cause, created_at, finished_at
           from changes
          where ($1::uuid is null or subscription_id = $1)
            and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid))
          order by created_at desc, id desc limit $4`,
        [q.subscriptionId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      return page(rows, limit, (r) => `${new Date(r.created_at).toISOString()}|${r.id}`, changeResource);
    },
    'GET /usage': async (ctx, { query }) => {
      const q = query as { subscriptionId?: string; from: string; to: string };
      const span = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
      if (span < 0 || span > 366) {
        throw new RouteError(400, 'to must be on or after from, at most 366 days later', [
          { pointer: '/query/to', detail: 'must be from..from + 366 days' },
        ]);
      }
      const rows = await ctx.db.query<UsageDayRow>(
        `select subscription_id::text, to_char(day, 'YYYY-MM-DD') as day, bytes::text,
                download_bytes::text, upload_bytes::text
           from usage_daily
          where ($1::uuid is null or subscription_id = $1) and day between $2::date and $3::date
          order by day, subscription_id`,
        [q.subscriptionId ?? null, q.from, q.to],
      );
      return {
        items: rows.map((r) => ({
          subscriptionId: r.subscription_id,
          day: r.day,
          bytes: r.bytes,
          downloadBytes: r.download_bytes,
          uploadBytes: r.upload_bytes,
        })),
      };
    },
    'POST /accounting/ingest': (ctx) => ingestAccounting(ctx),
    'POST /nas/sync': async (ctx) => ({ nas: await syncNas(ctx) }),
  },

  services: {
    upsertAccount: (ctx, input) => upsertAccount(ctx, input as UpsertAccount),
    removeAccount: (ctx, input) => removeAccount(ctx, (input as { subscriptionId: string }).subscriptionId),
    snapshot: (ctx) => snapshot(ctx),
  },

  async onEvent(ctx, event) {
    // A NAS was added or changed in dotmac.network: copy the NASes again.
    if (event.name === 'network.device-saved' && (event.payload as { nas?: boolean }).nas) {
      await ctx.jobs.enqueue('sync-nas', null);
    }
  },

  jobs: {
    'apply-change': (ctx, data) => applyChange(ctx, (data as { changeId: string }).changeId),
    'ingest-accounting': async (ctx) => {
      await ingestAccounting(ctx);
    },
    'sync-nas': async (ctx) => {
      await syncNas(ctx);
    },
  },
});

// Accounting into usage: each session's running total (Start, Interim-Update, Stop in radacct)
// less what was already counted is new traffic, added to its subscription's day, in all and by
// direction (download to the subscriber, upload from them). The days that changed go to billing
// (absolute totals, so sending one again is harmless), and a subscription whose month crossed its
// cap is throttled live: its reply rows get the throttle speed and its online sessions a CoA. A
// new month lifts last month's throttles.
import type { PluginContext } from '@dotmac/sdk';
import { type Account, speedOf } from './aaa.ts';
import { type AccountRow, accountColumns, monthOf, rewriteReply, toAccount } from './accounts.ts';
import { requeueStale } from './changes.ts';
import { settingsOf } from './settings.ts';

/** A GB of a data cap: 10^9 bytes, as ISPs sell them. */
const GB = 1_000_000_000n;
/** Sessions updated this long ago or earlier are finished with. */
const LOOKBACK = '3 days';
/** Usage records per call to billing (its limit is 5,000). */
const BILLING_BATCH = 2000;

export interface IngestResult {
  readonly sessions: number;
  readonly days: number;
  readonly throttled: number;
}

export async function ingestAccounting(ctx: PluginContext): Promise<IngestResult> {
  const now = (await ctx.clock.now()).toISOString();
  const month = monthOf(now);
  await requeueStale(ctx, now);
  // One transaction, behind the tenant's ingest lock: a second ingest (the cron job and the
  // route at once, two workers) waits, then sees what the first counted and adds only the rest.
  const results = await ctx.db.transaction([
    { sql: 'insert into ingest_locks (tenant_id) values ($1) on conflict do nothing', params: [ctx.tenantId] },
    { sql: 'select tenant_id from ingest_locks where tenant_id = $1 for update', params: [ctx.tenantId] },
    {
      sql: `with traffic as (
              select r.radacctid, a.subscription_id, a.customer_id,
                     coalesce(r.acctinputoctets, 0) + coalesce(r.acctoutputoctets, 0) as total,
                     coalesce(r.acctoutputoctets, 0) as download,
                     coalesce(r.acctinputoctets, 0) as upload,
                     coalesce(s.counted_bytes, 0) as counted,
                     -- null: the session was counted before the directions were (migration 0003).
                     case when s.radacctid is null then 0 else s.counted_download end as counted_download,
                     case when s.radacctid is null then 0 else s.counted_upload end as counted_upload,
                     (coalesce(r.acctstoptime, r.acctupdatetime, r.acctstarttime) at time zone 'UTC')::date as day
                from radacct r
                join accounts a on a.username = r.username
                left join session_usage s on s.radacctid = r.radacctid
               where r.acctupdatetime >= $2::timestamptz - interval '${LOOKBACK}'
                 and coalesce(r.acctinputoctets, 0) + coalesce(r.acctoutputoctets, 0) > coalesce(s.counted_bytes, 0)
            ), sessions as (
              insert into session_usage (tenant_id, radacctid, counted_bytes, counted_download, counted_upload)
              select $1, radacctid, total, download, upload from traffic
              on conflict (tenant_id, radacctid) do update
                set counted_bytes = excluded.counted_bytes,
                    counted_download = excluded.counted_download,
                    counted_upload = excluded.counted_upload
            ), days as (
              -- A direction's growth is unknown (null) when a session's earlier count is; a day
              -- holding an unknown stays unknown (null + n is null).
              insert into usage_daily (tenant_id, subscription_id, customer_id, day, bytes, download_bytes, upload_bytes)
              select $1, subscription_id, customer_id, day, sum(total - counted),
                     case when bool_and(counted_download is not null) then sum(download - counted_download) end,
                     case when bool_and(counted_upload is not null) then sum(upload - counted_upload) end
                from traffic
               group by subscription_id, customer_id, day
              on conflict (tenant_id, subscription_id, day) do update
                set bytes = usage_daily.bytes + excluded.bytes,
                    download_bytes = usage_daily.download_bytes + excluded.download_bytes,
                    upload_bytes = usage_daily.upload_bytes + excluded.upload_bytes
            )
            select count(*)::int as sessions from traffic`,
      params: [ctx.tenantId, now],
    },
  ]);
  const sessions = Number(results[2]?.[0]?.sessions ?? 0);
  const reported = await reportToBilling(ctx);
  const throttled = await applyCaps(ctx, month, now);
  await liftLastMonthsThrottles(ctx, month, now);
  return { sessions, days: reported, throttled };
}

/** Sends every day whose total billing has not seen yet; marks it seen once billing took it. */
async function reportToBilling(ctx: PluginContext): Promise<number> {
  let sent = 0;
  for (;;) {
    const days = await ctx.db.query<{ subscription_id: string; day: string; bytes: string }>(
      `select subscription_id::text, to_char(day, 'YYYY-MM-DD') as day, bytes::text
         from usage_daily where bytes <> reported_bytes order by day, subscription_id limit ${BILLING_BATCH}`,
    );
    if (days.length === 0) return sent;
    await ctx.services.call('dotmac.billing.recordUsage', {
      records: days.map((d) => ({ subscriptionId: d.subscription_id, day: d.day, bytes: d.bytes })),
    });
    await ctx.db.query(
      `update usage_daily u set reported_bytes = d.bytes
         from jsonb_to_recordset($1::jsonb) as d(subscription_id uuid, day date, bytes numeric)
        where u.subscription_id = d.subscription_id and u.day = d.day`,
      [JSON.stringify(days)],
    );
    sent += days.length;
  }
}

/** Throttles (or, without a throttle speed, only reports) the accounts whose month crossed the cap. */
async function applyCaps(ctx: PluginContext, month: string, now: string): Promise<number> {
  const over = await ctx.db.query<AccountRow & { used: string }>(
    `select ${accountColumns('a')}, u.used::text
       from accounts a
       join (select subscription_id, sum(bytes) as used from usage_daily
              where day >= $1::date and day < ($1::date + interval '1 month') group by subscription_id) u
         on u.subscription_id = a.subscription_id
      where a.data_cap_gb is not null and u.used > a.data_cap_gb::numeric * ${GB}
        and a.throttled_month is distinct from $2`,
    [`${month}-01`, month],
  );
  if (over.length === 0) return 0;
  const settings = await settingsOf(ctx);
  let throttled = 0;
  for (const row of over) {
    const before: Account = toAccount(row, month);
    const after: Account = { ...before, throttled: true };
    const event = {
      name: 'radius.cap-exceeded',
      payload: {
        subscriptionId: row.subscription_id,
        accountId: row.customer_id,
        month,
        usedBytes: row.used,
        capBytes: (BigInt(row.data_cap_gb ?? 0) * GB).toString(),
        throttleKbps: row.throttle_kbps === null ? null : speedOf(after).downloadKbps,
      },
    };
    await rewriteReply(ctx, before, after, settings, month, 'throttle', now, [event]);
    if (row.throttle_kbps !== null) throttled += 1;
  }
  return throttled;
}

/** A new month: the accounts throttled in an earlier month get their plan's speed back. */
async function liftLastMonthsThrottles(ctx: PluginContext, month: string, now: string): Promise<void> {
  const rows = await ctx.db.query<AccountRow>(
    `select ${accountColumns()} from accounts where throttled_month is not null and throttled_month <> $1`,
    [month],
  );
  if (rows.length === 0) return;
  const settings = await settingsOf(ctx);
  for (const row of rows) {
    const before = toAccount({ ...row, throttled_month: month }, month);
    const after = toAccount(row, month);
    await rewriteReply(ctx, before, after, settings, null, 'unthrottle', now);
  }
}

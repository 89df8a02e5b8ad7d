// The figures of the admin dashboard: how many accounts there are, by status, and how many were
// created since a moment (the start of the month, by default). Counted under the caller's row
// scope, so a reseller counts their own customers.
import type { PluginContext } from '@dotmac/sdk';
import { type AccountStatus, STATUSES } from './status.ts';

/** GET /stats's answer. */
export interface AccountStats {
  readonly total: number;
  readonly byStatus: Readonly<Record<AccountStatus, number>>;
  /** The moment `createdSince` counts from. */
  readonly since: string;
  /** Accounts created at or after `since` (imported ones too). */
  readonly createdSince: number;
}

/** The first instant of the month `now` is in, in UTC. */
export function startOfMonth(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

/** GET /stats?since=: the accounts by status, and those created since `since` (default: this month, UTC). */
export async function accountStats(ctx: PluginContext, query: { readonly since?: string }): Promise<AccountStats> {
  const since = new Date(query.since ?? startOfMonth(await ctx.clock.now())).toISOString();
  const rows = await ctx.db.query<{ status: AccountStatus; accounts: number; created: number }>(
    `select status, count(*)::int as accounts, (count(*) filter (where created_at >= $1))::int as created
       from accounts group by status`,
    [since],
  );
  const byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<AccountStatus, number>;
  for (const row of rows) byStatus[row.status] = row.accounts;
  return {
    total: rows.reduce((sum, row) => sum + row.accounts, 0),
    byStatus,
    since,
    createdSince: rows.reduce((sum, row) => sum + row.created, 0),
  };
}

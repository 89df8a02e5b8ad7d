// The functions other plugins call (plugin.json capabilities.services.exports): subscriptions
// reads the version a subscription is made on or moved to, and the add-ons it may carry.
import type { PluginContext } from '@dotmac/sdk';
import { inForceId, type PlanVersion, toPlanVersion, VERSION_JSON, type VersionRow } from './queries.ts';
import { findVersion } from './versions.ts';

/** getPlanVersion input. */
export interface PlanVersionQuery {
  readonly planId: string;
  readonly at?: string;
  readonly version?: number;
}

/** listAddons input. */
export interface AddonQuery {
  readonly planId?: string;
  readonly currency?: string;
  readonly at?: string;
}

/** Most add-ons listAddons answers (its output schema's maxItems). */
const MAX_ADDONS = 500;

/**
 * Version `version` of the plan, or the one in force at `at` (default now); null when there is
 * none. A service answers null rather than throwing: a throw would count as a fault of the catalog.
 */
export async function getPlanVersion(ctx: PluginContext, input: PlanVersionQuery): Promise<PlanVersion | null> {
  return (await findVersion(ctx, await ctx.clock.now(), input)) ?? null;
}

/** The visible add-ons in force at `at` (default now), by name, for plan `planId`'s kind, priced in `currency`. */
export async function listAddons(ctx: PluginContext, input: AddonQuery): Promise<{ items: PlanVersion[] }> {
  const now = (await ctx.clock.now()).toISOString();
  const rows = await ctx.db.query<{ version: VersionRow }>(
    `select ${VERSION_JSON} as version
       from plans p join plan_versions v on v.id = ${inForceId('p', '$2::timestamptz')}
      where p.kind = 'addon' and p.visible
        and ($3::uuid is null or exists (select 1 from plans b where b.id = $3::uuid
              and (p.addon_for = '[]'::jsonb or p.addon_for @> jsonb_build_array(b.kind))))
        and ($4::text is null or exists (select 1 from plan_amounts a
              where a.plan_version_id = v.id and a.purpose = 'price' and a.currency = $4::text))
      order by p.name, p.id
      limit ${MAX_ADDONS}`,
    [now, input.at ?? now, input.planId ?? null, input.currency ?? null],
  );
  return { items: rows.map((row) => toPlanVersion(row.version)) };
}

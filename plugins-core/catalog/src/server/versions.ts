// Plan versions: a price or spec change is a new version, in force from its effective date, for
// new subscriptions only or (applyToExisting) for existing subscribers too after their notice,
// which catalog.plan-version-scheduled announces. A version not yet in force may be cancelled.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import type { CatalogConfig } from './config.ts';
import { noPlan } from './plans.ts';
import { firstRow, type PlanVersion, specOf, toPlanVersion, VERSION_JSON, type VersionRow } from './queries.ts';
import { conflictOnDuplicate, type FieldProblem, refuse } from './refusals.ts';
import { type PlanKind, resolveSpec, type SpecInput, specProblems } from './version-spec.ts';
import { amountRows, insertAmounts, insertVersion } from './writes.ts';

/** POST /plans/:planId/versions body (schemas/new-version.json). */
export interface NewVersion extends SpecInput {
  readonly effectiveFrom?: string;
  readonly noticeDays?: number;
  readonly applyToExisting?: boolean;
}

const DAY_MS = 86_400_000;

/** Version `v` with its plan `p`, for a FROM clause. */
const VERSIONS = 'plan_versions v join plans p on p.id = v.plan_id';

/** Makes version n+1 of a plan, carrying over what the request leaves out from the latest live version. */
export async function addVersion(
  ctx: PluginContext,
  planId: string,
  input: NewVersion,
  createdBy: string | null,
): Promise<PlanVersion> {
  const [now, config] = await Promise.all([ctx.clock.now(), ctx.config.get<CatalogConfig>()]);
  const at = now.toISOString();
  const [plan] = await ctx.db.query<{
    kind: PlanKind;
    last_version: number;
    latest: VersionRow | null;
    new_id: string;
  }>(
    `select p.kind, gen_random_uuid()::text as new_id,
            (select coalesce(max(version), 0) from plan_versions where plan_id = p.id) as last_version,
            (select ${VERSION_JSON} from plan_versions v
              where v.plan_id = p.id and v.cancelled_at is null order by v.version desc limit 1) as latest
       from plans p where p.id = $2`,
    [at, planId],
  );
  if (!plan) throw noPlan(planId);
  const latest = plan.latest === null ? undefined : toPlanVersion(plan.latest);

  const problems: FieldProblem[] = [];
  const noticeDays = input.noticeDays ?? 0;
  const applyToExisting = input.applyToExisting ?? false;
  const earliest = new Date(now.getTime() + noticeDays * DAY_MS);
  const effectiveFrom = input.effectiveFrom ? new Date(input.effectiveFrom) : earliest;
  if (effectiveFrom < now) {
    problems.push({ pointer: '/body/effectiveFrom', detail: `must not be in the past (now is ${at})` });
  } else if (effectiveFrom < earliest) {
    problems.push({
      pointer: '/body/effectiveFrom',
      detail: `must be at least noticeDays (${noticeDays}) after now: ${earliest.toISOString()} or later`,
    });
  } else if (latest && effectiveFrom < new Date(latest.effectiveFrom)) {
    problems.push({
      pointer: '/body/effectiveFrom',
      detail: `must not be before version ${latest.version}'s (${latest.effectiveFrom}); cancel version ${latest.version} first to bring the change forward`,
    });
  }
  const minimumNotice = config.minimumNoticeDays ?? 0;
  if (applyToExisting && noticeDays < minimumNotice) {
    problems.push({
      pointer: '/body/noticeDays',
      detail: `must be at least ${minimumNotice}: this ISP gives existing subscribers ${minimumNotice} days of notice`,
    });
  }
  const resolved = resolveSpec(plan.kind, input, latest && specOf(latest));
  const spec = resolved.spec;
  problems.push(...specProblems(plan.kind, resolved, config.currencies));
  refuse(problems);

  const version = plan.last_version + 1;
  const scheduled = {
    planId,
    version,
    effectiveFrom: effectiveFrom.toISOString(),
    noticeDays,
  };
  const results = await conflictOnDuplicate(
    () => new RouteError(409, `version ${version} of plan ${planId} was made by another request meanwhile; try again`),
    () =>
      ctx.db.transaction(
        [
          insertVersion(ctx.tenantId, {
            id: plan.new_id,
            planId,
            version,
            effectiveFrom: scheduled.effectiveFrom,
            noticeDays,
            appliesToExisting: applyToExisting,
            spec,
            createdAt: at,
            createdBy,
          }),
          insertAmounts(ctx.tenantId, plan.new_id, amountRows(spec)),
          { sql: `select ${VERSION_JSON} as version from ${VERSIONS} where v.id = $2`, params: [at, plan.new_id] },
        ],
        applyToExisting ? { events: [{ name: 'catalog.plan-version-scheduled', payload: scheduled }] } : {},
      ),
  );
  return toPlanVersion(firstRow<{ version: VersionRow }>(results, 2).version);
}

/** Every version of a plan, oldest first. */
export async function listVersions(ctx: PluginContext, planId: string): Promise<{ items: PlanVersion[] }> {
  const now = (await ctx.clock.now()).toISOString();
  const [plan] = await ctx.db.query<{ versions: VersionRow[] | null }>(
    `select (select jsonb_agg(${VERSION_JSON} order by v.version) from plan_versions v where v.plan_id = p.id) as versions
       from plans p where p.id = $2`,
    [now, planId],
  );
  if (!plan) throw noPlan(planId);
  return { items: (plan.versions ?? []).map(toPlanVersion) };
}

/** One version of a plan; 404 when there is no such plan or version. */
export async function getVersion(ctx: PluginContext, planId: string, version: number): Promise<PlanVersion> {
  const found = await findVersion(ctx, await ctx.clock.now(), { planId, version });
  if (!found) throw noVersion(planId, version);
  return found;
}

/**
 * Version `version` of the plan, or else the one in force at `at` (default now); undefined when
 * there is none. What getPlanVersion answers.
 */
export async function findVersion(
  ctx: PluginContext,
  clock: Date,
  query: { readonly planId: string; readonly version?: number; readonly at?: string },
): Promise<PlanVersion | undefined> {
  const now = clock.toISOString();
  const [row] =
    query.version !== undefined
      ? await ctx.db.query<{ version: VersionRow }>(
          `select ${VERSION_JSON} as version from ${VERSIONS} where v.plan_id = $2 and v.version = $3`,
          [now, query.planId, query.version],
        )
      : await ctx.db.query<{ version: VersionRow }>(
          `select ${VERSION_JSON} as version from ${VERSIONS}
            where v.plan_id = $2 and v.cancelled_at is null and v.effective_from <= $3
            order by v.effective_from desc, v.version desc limit 1`,
          [now, query.planId, query.at ?? now],
        );
  return row && toPlanVersion(row.version);
}

const noVersion = (planId: string, version: number) =>
  new RouteError(404, `plan ${planId} has no version ${version}`, [
    { pointer: '/params/version', detail: 'is not a version of this plan' },
  ]);

/** Cancels a version before it comes into force; publishes catalog.plan-version-cancelled. */
export async function cancelVersion(ctx: PluginContext, planId: string, version: number): Promise<PlanVersion> {
  const clock = await ctx.clock.now();
  const now = clock.toISOString();
  const found = await findVersion(ctx, clock, { planId, version });
  if (!found) throw noVersion(planId, version);
  if (found.status === 'cancelled') {
    throw new RouteError(409, `version ${version} was cancelled already, at ${found.cancelledAt}`);
  }
  if (found.status !== 'scheduled') {
    throw new RouteError(
      409,
      `version ${version} came into force at ${found.effectiveFrom}, so it cannot be cancelled; make a new version instead`,
    );
  }
  const results = await ctx.db.transaction(
    [
      {
        sql: `update plan_versions set cancelled_at = $1
               where plan_id = $2 and version = $3 and cancelled_at is null and effective_from > $1`,
        params: [now, planId, version],
      },
      {
        sql: `select ${VERSION_JSON} as version from ${VERSIONS} where v.plan_id = $2 and v.version = $3`,
        params: [now, planId, version],
      },
    ],
    {
      events: [
        {
          name: 'catalog.plan-version-cancelled',
          payload: {
            planId,
            version,
            effectiveFrom: found.effectiveFrom,
            appliesToExisting: found.appliesToExisting,
          },
        },
      ],
    },
  );
  return toPlanVersion(firstRow<{ version: VersionRow }>(results, 1).version);
}

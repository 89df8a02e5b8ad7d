// Plans: create one with its first version, read one, list them (filters, sort, cursor), and
// rename or hide one. Hiding takes a plan off sale; reading it, and its versions, goes on.
import { type PluginContext, RouteError, type RouteRequest } from '@dotmac/sdk';
import type { CatalogConfig } from './config.ts';
import { decodeCursor, encodeCursor, type SortParam, sortOf } from './paging.ts';
import { firstRow, inForceId, iso, PLAN_COLUMNS, type Plan, type PlanRow, toPlan } from './queries.ts';
import { conflictOnDuplicate, type FieldProblem, refuse } from './refusals.ts';
import { type PlanKind, resolveSpec, type SpecInput, specProblems } from './version-spec.ts';
import { amountRows, insertAmounts, insertVersion } from './writes.ts';

/** POST /plans body (schemas/new-plan.json), as the kernel has validated it. */
export interface NewPlan extends SpecInput {
  readonly code: string;
  readonly name: string;
  readonly description?: string;
  readonly kind: PlanKind;
  readonly visible?: boolean;
  readonly addonFor?: readonly PlanKind[];
  readonly effectiveFrom?: string;
}

/** PATCH /plans/:planId body. */
export interface PlanChanges {
  readonly name?: string;
  readonly description?: string;
  readonly visible?: boolean;
  readonly addonFor?: readonly PlanKind[];
}

/** GET /plans query, as the kernel has validated and coerced it. */
export interface PlanListQuery {
  readonly kind?: PlanKind;
  readonly visible?: boolean;
  readonly forSale?: boolean;
  readonly q?: string;
  readonly code?: string;
  readonly currency?: string;
  readonly sort?: SortParam;
  readonly cursor?: string;
  readonly limit?: number;
}

/** The list's page size and order when the query names none (the schema's defaults too). */
const DEFAULT_LIMIT = 50;
const DEFAULT_SORT: SortParam = 'name';

/** Who made a change, as stored: user:<id>, api-key:<id>, operator. */
export function actorOf(caller: RouteRequest['caller']): string | null {
  switch (caller.kind) {
    case 'user':
      return `user:${caller.userId}`;
    case 'api-key':
      return `api-key:${caller.keyId}`;
    case 'operator':
      return 'operator';
    default:
      return null;
  }
}

/** Creates a plan and its version 1, and publishes catalog.plan-created with them. */
export async function createPlan(ctx: PluginContext, input: NewPlan, createdBy: string | null): Promise<Plan> {
  const [now, config] = await Promise.all([ctx.clock.now(), ctx.config.get<CatalogConfig>()]);
  const problems: FieldProblem[] = [];
  const effectiveFrom = input.effectiveFrom ? new Date(input.effectiveFrom) : now;
  if (effectiveFrom < now) {
    problems.push({ pointer: '/body/effectiveFrom', detail: `must not be in the past (now is ${now.toISOString()})` });
  }
  if (input.addonFor?.length && input.kind !== 'addon') {
    problems.push({
      pointer: '/body/addonFor',
      detail: `only add-ons say what they may be added to, not ${input.kind} plans`,
    });
  }
  const resolved = resolveSpec(input.kind, input, undefined);
  const spec = resolved.spec;
  problems.push(...specProblems(input.kind, resolved, config.currencies));
  refuse(problems);

  const [made] = await ctx.db.query<{ plan_id: string; version_id: string; taken: boolean }>(
    `select gen_random_uuid()::text as plan_id, gen_random_uuid()::text as version_id,
            exists (select 1 from plans where lower(code) = lower($1)) as taken`,
    [input.code],
  );
  if (!made) throw new Error('the database answered no ids');
  const codeTaken = () =>
    new RouteError(409, `a plan with code ${input.code} exists already`, [
      { pointer: '/body/code', detail: 'is taken by another plan (codes are unique whatever their case)' },
    ]);
  if (made.taken) throw codeTaken();

  const at = now.toISOString();
  const results = await conflictOnDuplicate(codeTaken, () =>
    ctx.db.transaction(
      [
        {
          sql: `insert into plans (id, tenant_id, code, name, description, kind, visible, addon_for, created_at, updated_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $9)`,
          params: [
            made.plan_id,
            ctx.tenantId,
            input.code,
            input.name,
            input.description ?? '',
            input.kind,
            input.visible ?? true,
            JSON.stringify(input.addonFor ?? []),
            at,
          ],
        },
        insertVersion(ctx.tenantId, {
          id: made.version_id,
          planId: made.plan_id,
          version: 1,
          effectiveFrom: effectiveFrom.toISOString(),
          noticeDays: 0,
          appliesToExisting: false,
          spec,
          createdAt: at,
          createdBy,
        }),
        insertAmounts(ctx.tenantId, made.version_id, amountRows(spec)),
        { sql: `select ${PLAN_COLUMNS} from plans p where p.id = $2`, params: [at, made.plan_id] },
      ],
      {
        events: [
          { name: 'catalog.plan-created', payload: { planId: made.plan_id, code: input.code, kind: input.kind } },
        ],
      },
    ),
  );
  return toPlan(firstRow<PlanRow>(results, 3));
}

/** The plan, hidden or not; 404 when the tenant has none with that id. */
export async function getPlan(ctx: PluginContext, planId: string): Promise<Plan> {
  const now = await ctx.clock.now();
  const [row] = await ctx.db.query<PlanRow>(`select ${PLAN_COLUMNS} from plans p where p.id = $2`, [
    now.toISOString(),
    planId,
  ]);
  if (!row) throw noPlan(planId);
  return toPlan(row);
}

/** 404 for a plan the tenant does not have. */
export const noPlan = (planId: string) =>
  new RouteError(404, `no plan ${planId}`, [{ pointer: '/params/planId', detail: 'is not a plan of this tenant' }]);

/** A page of plans, filtered and sorted as the query asks, starting after its cursor. */
export async function listPlans(
  ctx: PluginContext,
  query: PlanListQuery,
): Promise<{ items: Plan[]; nextCursor: string | null }> {
  const now = (await ctx.clock.now()).toISOString();
  const sort = sortOf(query.sort ?? DEFAULT_SORT);
  const limit = query.limit ?? DEFAULT_LIMIT;
  const params: unknown[] = [now];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (query.kind !== undefined) where.push(`p.kind = ${param(query.kind)}`);
  if (query.visible !== undefined) where.push(`p.visible = ${param(query.visible)}`);
  const live = `${inForceId('p', '$1')} is not null`;
  if (query.forSale === true) where.push(`p.visible and ${live}`);
  if (query.forSale === false) where.push(`not (p.visible and ${live})`);
  if (query.q !== undefined) {
    const pattern = param(`%${query.q.replace(/[\\%_]/g, '\\$&')}%`);
    where.push(`(p.name ilike ${pattern} or p.code ilike ${pattern})`);
  }
  if (query.code !== undefined) where.push(`lower(p.code) = lower(${param(query.code)})`);
  if (query.currency !== undefined) {
    where.push(`exists (select 1 from plan_amounts a
                 where a.purpose = 'price' and a.currency = ${param(query.currency)}
                   and a.plan_version_id = ${inForceId('p', '$1')})`);
  }
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(sort, query.cursor);
    if (!cursor) {
      throw new RouteError(400, 'the cursor is not one this list handed out', [
        { pointer: '/query/cursor', detail: `must be a nextCursor of GET /plans sorted by ${sort.param}` },
      ]);
    }
    const key = `${param(cursor.key)}::${sort.type}`;
    where.push(`(${sort.column}, p.id) ${sort.descending ? '<' : '>'} (${key}, ${param(cursor.id)}::uuid)`);
  }
  const direction = sort.descending ? 'desc' : 'asc';
  const rows = await ctx.db.query<PlanRow>(
    `select ${PLAN_COLUMNS} from plans p
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by ${sort.column} ${direction}, p.id ${direction}
      limit ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const keyOf = (row: PlanRow) =>
    sort.column === 'p.name' ? row.name : sort.column === 'p.code' ? row.code : iso(row.created_at);
  return {
    items: page.map(toPlan),
    nextCursor: rows.length > limit && last ? encodeCursor(sort, { key: keyOf(last), id: last.id }) : null,
  };
}

/** Renames, redescribes, hides or shows a plan; publishes catalog.plan-updated. */
export async function updatePlan(ctx: PluginContext, planId: string, changes: PlanChanges): Promise<Plan> {
  const now = (await ctx.clock.now()).toISOString();
  const [plan] = await ctx.db.query<{ code: string; name: string; kind: PlanKind; visible: boolean }>(
    'select code, name, kind, visible from plans where id = $1',
    [planId],
  );
  if (!plan) throw noPlan(planId);
  if (changes.addonFor !== undefined && plan.kind !== 'addon') {
    refuse([
      { pointer: '/body/addonFor', detail: `only add-ons say what they may be added to, not ${plan.kind} plans` },
    ]);
  }
  const results = await ctx.db.transaction(
    [
      {
        sql: `update plans set name = coalesce($2, name), description = coalesce($3, description),
                visible = coalesce($4, visible), addon_for = coalesce($5::jsonb, addon_for), updated_at = $6
              where id = $1`,
        params: [
          planId,
          changes.name ?? null,
          changes.description ?? null,
          changes.visible ?? null,
          changes.addonFor === undefined ? null : JSON.stringify(changes.addonFor),
          now,
        ],
      },
      { sql: `select ${PLAN_COLUMNS} from plans p where p.id = $2`, params: [now, planId] },
    ],
    {
      events: [
        {
          name: 'catalog.plan-updated',
          payload: {
            planId,
            code: plan.code,
            name: changes.name ?? plan.name,
            visible: changes.visible ?? plan.visible,
          },
        },
      ],
    },
  );
  return toPlan(firstRow<PlanRow>(results, 1));
}

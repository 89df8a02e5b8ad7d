// Address pools: IPv4 and IPv6 prefixes the ISP hands out to subscriptions, one unit (address or
// delegated prefix) at a time. A tenant's pools never overlap; each answers its utilisation.
import { type PluginContext, RouteError, type SqlStatement } from '@dotmac/sdk';
import {
  DEFAULT_ASSIGN_PREFIX_LENGTH,
  indexOf,
  MIN_IPV6_ASSIGN_PREFIX_LENGTH,
  type PoolShape,
  poolRange,
  type Unassignable,
  type Utilisation,
  utilisation,
} from './addressing.ts';
import { type Page, pageOf } from './cursor.ts';
import {
  BITS,
  type Cidr,
  contains,
  type Family,
  formatAddress,
  formatCidr,
  type IpAddress,
  lastAddress,
  parseAddress,
  parseCidr,
} from './ip.ts';
import { cursorParts, DEFAULT_LIMIT, isoOf, newId, nowOf } from './records.ts';
import { badField, conflictOn, type FieldProblem, isDuplicate, refuse } from './refusals.ts';
import { requireSite } from './sites.ts';

export type PoolKind = 'dynamic' | 'static';

/** A pool as the API answers it (schemas/pool.json). */
export interface Pool {
  readonly id: string;
  readonly name: string;
  readonly family: Family;
  readonly cidr: string;
  readonly kind: PoolKind;
  readonly assignPrefixLength: number;
  readonly siteId: string | null;
  readonly planId: string | null;
  readonly gateway: string | null;
  readonly dnsServers: string[];
  readonly utilisation: Utilisation;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** POST /pools (schemas/new-pool.json). */
export interface NewPool {
  readonly name: string;
  readonly cidr: string;
  readonly kind?: PoolKind;
  readonly assignPrefixLength?: number;
  readonly siteId?: string | null;
  readonly planId?: string | null;
  readonly gateway?: string | null;
  readonly dnsServers?: readonly string[];
}

/** PATCH /pools/:poolId (schemas/pool-changes.json): the prefix and its cutting never change. */
export type PoolChanges = Partial<Omit<NewPool, 'cidr' | 'assignPrefixLength'>>;

/** A pools row, with the use counts the listings join in. */
export interface PoolRow {
  readonly id: string;
  readonly name: string;
  readonly family: Family;
  readonly cidr: string;
  readonly kind: PoolKind;
  readonly assign_prefix_length: number;
  readonly gateway: string | null;
  readonly dns_servers: string[];
  readonly site_id: string | null;
  readonly plan_id: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly used: number;
  readonly reserved: number;
}

const COLUMNS = `p.id, p.name, p.family, p.cidr, p.kind, p.assign_prefix_length, p.gateway, p.dns_servers, p.site_id,
  p.plan_id, p.created_at, p.updated_at`;
/** The columns and the use counts of pool p. */
const WITH_USE = `${COLUMNS}, coalesce(u.used, 0) as used, coalesce(u.reserved, 0) as reserved`;
const USE = `left join lateral (
    select count(*) filter (where a.kind <> 'reservation')::int as used,
           count(*) filter (where a.kind = 'reservation')::int as reserved
      from assignments a where a.pool_id = p.id) u on true`;

/** The arithmetic of a stored pool (its columns were validated when written). */
export function shapeOf(row: {
  readonly cidr: string;
  readonly assign_prefix_length: number;
  readonly gateway: string | null;
}): PoolShape {
  const parsed = parseCidr(row.cidr);
  if (!parsed.ok) throw new Error(`stored pool prefix ${row.cidr} does not parse`);
  return {
    cidr: parsed.cidr,
    assignPrefixLength: row.assign_prefix_length,
    gateway: row.gateway === null ? null : (parseAddress(row.gateway) ?? null),
  };
}

export function toPool(row: PoolRow): Pool {
  return {
    id: row.id,
    name: row.name,
    family: row.family,
    cidr: row.cidr,
    kind: row.kind,
    assignPrefixLength: row.assign_prefix_length,
    siteId: row.site_id,
    planId: row.plan_id,
    gateway: row.gateway,
    dnsServers: row.dns_servers,
    utilisation: utilisation(poolRange(shapeOf(row)).size, row.used, row.reserved),
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
}

/** The pool `id` as stored, with its use; undefined when the tenant has none. */
export async function findPool(ctx: PluginContext, id: string): Promise<PoolRow | undefined> {
  const [row] = await ctx.db.query<PoolRow>(`select ${WITH_USE} from pools p ${USE} where p.id = $1`, [id]);
  return row;
}

export async function getPool(ctx: PluginContext, id: string): Promise<Pool> {
  const row = await findPool(ctx, id);
  if (!row) throw new RouteError(404, `there is no pool ${id}`);
  return toPool(row);
}

/** How a pool's name, prefix and range name it in messages: `Main (10.0.0.0/22)`. */
export const describePool = (pool: { readonly name: string; readonly cidr: string }) => `${pool.name} (${pool.cidr})`;

/** The gateway of a pool of `cidr`, checked; problems go to `problems`. */
function gatewayOf(text: string | null | undefined, cidr: Cidr, problems: FieldProblem[]): IpAddress | null {
  if (text === null || text === undefined) return null;
  const gateway = parseAddress(text);
  if (!gateway) {
    problems.push({ pointer: '/body/gateway', detail: `"${text}" is not an IPv4 or IPv6 address` });
    return null;
  }
  if (gateway.family !== cidr.family) {
    problems.push({
      pointer: '/body/gateway',
      detail: `is not an ${cidr.family === 'ipv4' ? 'IPv4' : 'IPv6'} address`,
    });
    return null;
  }
  if (cidr.family === 'ipv4' && cidr.prefixLength < 31 && contains(cidr, gateway)) {
    const edge =
      gateway.value === cidr.network ? 'network' : gateway.value === lastAddress(cidr) ? 'broadcast' : undefined;
    if (edge)
      problems.push({ pointer: '/body/gateway', detail: `${text} is the ${edge} address of ${formatCidr(cidr)}` });
  }
  return gateway;
}

/** DNS servers in canonical text; malformed ones go to `problems`. */
function dnsServersOf(texts: readonly string[] | undefined, problems: FieldProblem[]): string[] {
  return (texts ?? []).map((text, i) => {
    const address = parseAddress(text);
    if (!address)
      problems.push({ pointer: `/body/dnsServers/${i}`, detail: `"${text}" is not an IPv4 or IPv6 address` });
    return address ? formatAddress(address) : text;
  });
}

/** A validated new pool: its shape, and the columns derived from it. */
interface PoolLayout {
  readonly shape: PoolShape;
  readonly gatewayText: string | null;
  readonly dnsServers: string[];
}

/** Checks a new pool, or throws a 400 naming every field at fault. */
function layoutOf(body: NewPool): PoolLayout {
  const problems: FieldProblem[] = [];
  const parsed = parseCidr(body.cidr);
  if (!parsed.ok) {
    const detail =
      parsed.reason === 'malformed'
        ? `"${body.cidr}" is not an IPv4 or IPv6 prefix (address/length, such as 10.0.0.0/22 or 2001:db8::/48)`
        : `${body.cidr} is not a network address: the /${parsed.network.prefixLength} it lies in is ${formatCidr(parsed.network)}`;
    throw badField('/body/cidr', detail);
  }
  const cidr = parsed.cidr;
  const assign = body.assignPrefixLength ?? DEFAULT_ASSIGN_PREFIX_LENGTH[cidr.family];
  if (cidr.family === 'ipv4' && assign !== 32) {
    problems.push({ pointer: '/body/assignPrefixLength', detail: 'an IPv4 pool hands out single addresses: 32' });
  }
  if (cidr.family === 'ipv6' && (assign < MIN_IPV6_ASSIGN_PREFIX_LENGTH || assign > BITS.ipv6)) {
    problems.push({
      pointer: '/body/assignPrefixLength',
      detail: `an IPv6 pool hands out /${MIN_IPV6_ASSIGN_PREFIX_LENGTH} to /128 prefixes`,
    });
  } else if (assign < cidr.prefixLength) {
    problems.push({
      pointer: '/body/assignPrefixLength',
      detail: `a /${cidr.prefixLength} pool cannot hand out /${assign}s: it must be at least ${cidr.prefixLength}`,
    });
  }
  const gateway = gatewayOf(body.gateway, cidr, problems);
  const dnsServers = dnsServersOf(body.dnsServers, problems);
  refuse(problems);
  const shape: PoolShape = { cidr, assignPrefixLength: assign, gateway };
  if (poolRange(shape).size === 0n) throw badField('/body/gateway', 'leaves the pool no address to hand out');
  return { shape, gatewayText: gateway && formatAddress(gateway), dnsServers };
}

const nameTaken = (name: string) => conflictOn('/body/name', `there is already a pool named ${name}`);

/**
 * Creates a pool. The tenant's layout lock is taken first, in the same transaction, so that the
 * overlap check and the insert see every pool created before and none can slip in between.
 */
export async function createPool(ctx: PluginContext, body: NewPool): Promise<Pool> {
  const layout = layoutOf(body);
  await requireSite(ctx, body.siteId, '/body/siteId');
  const [id, now] = await Promise.all([newId(ctx), nowOf(ctx)]);
  const { shape } = layout;
  const range = poolRange(shape);
  const first = shape.cidr.network.toString();
  const last = lastAddress(shape.cidr).toString();
  const cidr = formatCidr(shape.cidr);
  const lock: SqlStatement = {
    sql: `insert into pool_layout_locks (tenant_id) values ($1)
          on conflict (tenant_id) do update set tenant_id = excluded.tenant_id`,
    params: [ctx.tenantId],
  };
  const insert: SqlStatement = {
    sql: `insert into pools (id, tenant_id, name, family, cidr, kind, assign_prefix_length, first_address, last_address,
            first_index, last_index, gateway, gateway_index, dns_servers, site_id, plan_id, created_at, updated_at)
          select $1, $2, $3, $4, $5, $6, $7, $8::numeric, $9::numeric, $10::numeric, $11::numeric, $12,
                 $13::numeric, $14::jsonb, $15, $16, $17, $17
           where not exists (select 1 from pools o
                              where o.family = $4 and o.first_address <= $9::numeric and $8::numeric <= o.last_address)
          returning id`,
    params: [
      id,
      ctx.tenantId,
      body.name,
      shape.cidr.family,
      cidr,
      body.kind ?? 'dynamic',
      shape.assignPrefixLength,
      first,
      last,
      range.firstIndex.toString(),
      range.lastIndex.toString(),
      layout.gatewayText,
      range.gatewayIndex?.toString() ?? null,
      JSON.stringify(layout.dnsServers),
      body.siteId ?? null,
      body.planId ?? null,
      now,
    ],
  };
  const overlapping: SqlStatement = {
    sql: `select name, cidr from pools
           where family = $1 and first_address <= $3::numeric and $2::numeric <= last_address and id <> $4
           order by first_address limit 1`,
    params: [shape.cidr.family, first, last, id],
  };
  let results: Record<string, unknown>[][];
  try {
    results = await ctx.db.transaction([lock, insert, overlapping]);
  } catch (e) {
    if (isDuplicate(e, 'pools_name')) throw nameTaken(body.name);
    throw e;
  }
  if (results[1]?.length === 0) {
    const other = results[2]?.[0] as { name: string; cidr: string } | undefined;
    throw conflictOn(
      '/body/cidr',
      other ? `${cidr} overlaps pool ${describePool(other)}` : `${cidr} overlaps another pool`,
    );
  }
  return getPool(ctx, id);
}

/**
 * Changes a pool's name, kind, site, plan, gateway or DNS servers. A new gateway must not be an
 * address already handed out: checked under the pool's lock, which allocations take too.
 */
export async function updatePool(ctx: PluginContext, id: string, changes: PoolChanges): Promise<Pool> {
  const current = await findPool(ctx, id);
  if (!current) throw new RouteError(404, `there is no pool ${id}`);
  const stored = shapeOf(current);
  const problems: FieldProblem[] = [];
  const gateway = changes.gateway === undefined ? stored.gateway : gatewayOf(changes.gateway, stored.cidr, problems);
  const dnsServers =
    changes.dnsServers === undefined ? current.dns_servers : dnsServersOf(changes.dnsServers, problems);
  refuse(problems);
  const shape: PoolShape = { ...stored, gateway };
  const range = poolRange(shape);
  if (range.size === 0n) throw badField('/body/gateway', 'leaves the pool no address to hand out');
  if (changes.siteId !== undefined) await requireSite(ctx, changes.siteId, '/body/siteId');
  const gatewayIndex = range.gatewayIndex?.toString() ?? null;
  const lockPool: SqlStatement = { sql: 'select id from pools where id = $1 for update', params: [id] };
  const update: SqlStatement = {
    sql: `update pools set name = $2, kind = $3, site_id = $4, plan_id = $5, gateway = $6, gateway_index = $7::numeric,
            dns_servers = $8::jsonb, updated_at = $9
          where id = $1
            and ($7::numeric is null or not exists (select 1 from assignments a where a.pool_id = $1 and a.host_index = $7::numeric))
          returning id`,
    params: [
      id,
      changes.name ?? current.name,
      changes.kind ?? current.kind,
      changes.siteId === undefined ? current.site_id : changes.siteId,
      changes.planId === undefined ? current.plan_id : changes.planId,
      gateway && formatAddress(gateway),
      gatewayIndex,
      JSON.stringify(dnsServers),
      await nowOf(ctx),
    ],
  };
  let results: Record<string, unknown>[][];
  try {
    results = await ctx.db.transaction([lockPool, update]);
  } catch (e) {
    if (changes.name !== undefined && isDuplicate(e, 'pools_name')) throw nameTaken(changes.name);
    throw e;
  }
  if (results[0]?.length === 0) throw new RouteError(404, `there is no pool ${id}`);
  if (results[1]?.length === 0) {
    throw conflictOn('/body/gateway', `${changes.gateway} is assigned in pool ${current.name}: release it first`);
  }
  return getPool(ctx, id);
}

/** Deletes pool `id`; refused (409) while it holds assignments or reservations. */
export async function deletePool(ctx: PluginContext, id: string): Promise<{ id: string; deleted: true }> {
  const results = await ctx.db.transaction([
    { sql: 'select name, cidr from pools where id = $1 for update', params: [id] },
    {
      sql: 'delete from pools where id = $1 and not exists (select 1 from assignments where pool_id = $1) returning id',
      params: [id],
    },
    { sql: 'select count(*)::int as held from assignments where pool_id = $1', params: [id] },
  ]);
  const pool = results[0]?.[0] as { name: string; cidr: string } | undefined;
  if (!pool) throw new RouteError(404, `there is no pool ${id}`);
  if (results[1]?.length === 0) {
    const held = (results[2]?.[0] as { held: number } | undefined)?.held ?? 0;
    throw new RouteError(
      409,
      `pool ${describePool(pool)} still holds ${held} assignment${held === 1 ? '' : 's'}: release them first`,
    );
  }
  return { id, deleted: true };
}

/** GET /pools query, as validated against plugin.json's schema. */
export interface PoolQuery {
  readonly family?: Family;
  readonly kind?: PoolKind;
  readonly siteId?: string;
  readonly planId?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** Pools by name, with their utilisation, one page. */
export async function listPools(ctx: PluginContext, query: PoolQuery): Promise<Page<Pool>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = cursorParts(query.cursor, 'pools', 3);
  const rows = await ctx.db.query<PoolRow>(
    `select ${WITH_USE} from pools p ${USE}
      where ($1::text is null or p.family = $1) and ($2::text is null or p.kind = $2)
        and ($3::uuid is null or p.site_id = $3) and ($4::uuid is null or p.plan_id = $4)
        and ($5::text is null or (p.name, p.id) > ($5::text, $6::uuid))
      order by p.name, p.id
      limit $7`,
    [
      query.family ?? null,
      query.kind ?? null,
      query.siteId ?? null,
      query.planId ?? null,
      after?.[1] ?? null,
      after?.[2] ?? null,
      limit + 1,
    ],
  );
  return pageOf(rows, limit, toPool, (row) => ['pools', row.name, row.id]);
}

/** The index of `text` in pool `row`, or a 400 naming `pointer` that says why it cannot be assigned there. */
export function indexIn(row: PoolRow, text: string, pointer: string): bigint {
  const address = parseAddress(text);
  if (!address) throw badField(pointer, `"${text}" is not an IPv4 or IPv6 address`);
  const shape = shapeOf(row);
  const found = indexOf(shape, address);
  if (found.ok) return found.index;
  const shown = formatAddress(address);
  const pool = describePool(row);
  const why: Record<Unassignable, string> = {
    outside: `${shown} is not inside pool ${pool}`,
    unaligned: `${shown} is not the start of a /${shape.assignPrefixLength}: pool ${pool} delegates /${shape.assignPrefixLength} prefixes`,
    network: `${shown} is the network address of pool ${pool}: it is never assigned`,
    broadcast: `${shown} is the broadcast address of pool ${pool}: it is never assigned`,
    gateway: `${shown} is the gateway of pool ${pool}: it is never assigned`,
  };
  throw badField(pointer, why[found.reason]);
}

// Sites: the places the network stands (POPs, towers, datacenters, cabinets, customer premises).
// Devices, pools and VLANs may belong to one.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { type Page, pageOf } from './cursor.ts';
import { cursorParts, DEFAULT_LIMIT, isoOf, newId, nowOf } from './records.ts';
import { badField, conflictOn, isDuplicate } from './refusals.ts';

export type SiteKind = 'pop' | 'tower' | 'datacenter' | 'cabinet' | 'customer-premises';

/** WGS 84 degrees (ranges checked by the schemas). */
export interface Coordinates {
  readonly lat: number;
  readonly lng: number;
}

/** A site as the API answers it (schemas/site.json). */
export interface Site {
  readonly id: string;
  readonly name: string;
  readonly kind: SiteKind;
  readonly coordinates: Coordinates | null;
  readonly address: string;
  readonly notes: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** POST /sites (schemas/new-site.json); PATCH /sites/:siteId takes any of its fields. */
export interface SiteFields {
  readonly name: string;
  readonly kind: SiteKind;
  readonly coordinates?: Coordinates | null;
  readonly address?: string;
  readonly notes?: string;
}

interface SiteRow {
  readonly id: string;
  readonly name: string;
  readonly kind: SiteKind;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly address: string;
  readonly notes: string;
  readonly created_at: string;
  readonly updated_at: string;
}

const COLUMNS = 'id, name, kind, latitude, longitude, address, notes, created_at, updated_at';

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    coordinates: row.latitude === null || row.longitude === null ? null : { lat: row.latitude, lng: row.longitude },
    address: row.address,
    notes: row.notes,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
}

const nameTaken = (name: string) => conflictOn('/body/name', `there is already a site named ${name}`);

/** Site `id`, or a 404. */
export async function getSite(ctx: PluginContext, id: string): Promise<Site> {
  const [row] = await ctx.db.query<SiteRow>(`select ${COLUMNS} from sites where id = $1`, [id]);
  if (!row) throw new RouteError(404, `there is no site ${id}`);
  return toSite(row);
}

/**
 * Refuses a siteId the tenant has no site for (400 naming `pointer`). Checked here, not left to
 * the foreign key: the database checks those past row-level security, so another tenant's site
 * id would pass it.
 */
export async function requireSite(ctx: PluginContext, siteId: string | null | undefined, pointer: string) {
  if (siteId === null || siteId === undefined) return;
  const [row] = await ctx.db.query('select 1 from sites where id = $1', [siteId]);
  if (!row) throw badField(pointer, `there is no site ${siteId}`);
}

export async function createSite(ctx: PluginContext, body: SiteFields): Promise<Site> {
  const [id, now] = await Promise.all([newId(ctx), nowOf(ctx)]);
  try {
    const [row] = await ctx.db.query<SiteRow>(
      `insert into sites (id, tenant_id, name, kind, latitude, longitude, address, notes, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       returning ${COLUMNS}`,
      [
        id,
        ctx.tenantId,
        body.name,
        body.kind,
        body.coordinates?.lat ?? null,
        body.coordinates?.lng ?? null,
        body.address ?? '',
        body.notes ?? '',
        now,
      ],
    );
    return toSite(row as SiteRow);
  } catch (e) {
    if (isDuplicate(e, 'sites_name')) throw nameTaken(body.name);
    throw e;
  }
}

export async function updateSite(ctx: PluginContext, id: string, changes: Partial<SiteFields>): Promise<Site> {
  const current = await getSite(ctx, id);
  const coordinates = changes.coordinates === undefined ? current.coordinates : changes.coordinates;
  try {
    const [row] = await ctx.db.query<SiteRow>(
      `update sites set name = $2, kind = $3, latitude = $4, longitude = $5, address = $6, notes = $7, updated_at = $8
        where id = $1
        returning ${COLUMNS}`,
      [
        id,
        changes.name ?? current.name,
        changes.kind ?? current.kind,
        coordinates?.lat ?? null,
        coordinates?.lng ?? null,
        changes.address ?? current.address,
        changes.notes ?? current.notes,
        await nowOf(ctx),
      ],
    );
    if (!row) throw new RouteError(404, `there is no site ${id}`);
    return toSite(row);
  } catch (e) {
    if (changes.name !== undefined && isDuplicate(e, 'sites_name')) throw nameTaken(changes.name);
    throw e;
  }
}

/** Deletes site `id`; refused (409) while devices, pools or VLANs belong to it. */
export async function deleteSite(ctx: PluginContext, id: string): Promise<{ id: string; deleted: true }> {
  await getSite(ctx, id);
  const [held] = await ctx.db.query<{ devices: number; pools: number; vlans: number }>(
    `select (select count(*)::int from devices where site_id = $1) as devices,
            (select count(*)::int from pools where site_id = $1) as pools,
            (select count(*)::int from vlans where site_id = $1) as vlans`,
    [id],
  );
  const holders = Object.entries(held ?? {})
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${n === 1 ? what.slice(0, -1) : what}`);
  if (holders.length > 0) {
    throw new RouteError(409, `site ${id} still has ${holders.join(', ')}: move or delete them first`);
  }
  await ctx.db.query('delete from sites where id = $1', [id]);
  return { id, deleted: true };
}

/** GET /sites query, as validated against plugin.json's schema. */
export interface SiteQuery {
  readonly kind?: SiteKind;
  readonly q?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** Sites by name, one page. */
export async function listSites(ctx: PluginContext, query: SiteQuery): Promise<Page<Site>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = cursorParts(query.cursor, 'sites', 3);
  const rows = await ctx.db.query<SiteRow>(
    `select ${COLUMNS} from sites
      where ($1::text is null or kind = $1)
        and ($2::text is null or strpos(lower(name), lower($2)) > 0)
        and ($3::text is null or (name, id) > ($3::text, $4::uuid))
      order by name, id
      limit $5`,
    [query.kind ?? null, query.q ?? null, after?.[1] ?? null, after?.[2] ?? null, limit + 1],
  );
  return pageOf(rows, limit, toSite, (row) => ['sites', row.name, row.id]);
}

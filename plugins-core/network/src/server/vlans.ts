// VLANs (802.1Q, ids 1–4094): unique per site, or per tenant among VLANs that belong to no site.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { type Page, pageOf } from './cursor.ts';
import { cursorParts, DEFAULT_LIMIT, isoOf, isUuid, newId, nowOf } from './records.ts';
import { conflictOn, isDuplicate } from './refusals.ts';
import { requireSite } from './sites.ts';

export type VlanPurpose = 'management' | 'subscriber' | 'backhaul' | 'voice' | 'iptv' | 'transit' | 'other';

/** A VLAN as the API answers it (schemas/vlan.json). */
export interface Vlan {
  readonly id: string;
  readonly vlanId: number;
  readonly name: string;
  readonly purpose: VlanPurpose;
  readonly siteId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** POST /vlans (schemas/new-vlan.json); PATCH /vlans/:id takes any of them. */
export interface VlanFields {
  readonly vlanId: number;
  readonly name: string;
  readonly purpose?: VlanPurpose;
  readonly siteId?: string | null;
}

interface VlanRow {
  readonly id: string;
  readonly vlan_id: number;
  readonly name: string;
  readonly purpose: VlanPurpose;
  readonly site_id: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

const COLUMNS = 'id, vlan_id, name, purpose, site_id, created_at, updated_at';

function toVlan(row: VlanRow): Vlan {
  return {
    id: row.id,
    vlanId: row.vlan_id,
    name: row.name,
    purpose: row.purpose,
    siteId: row.site_id,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
}

/** Runs `write`; a VLAN id taken where it would go is a 409 naming the field. */
async function guardVlanId<T>(vlanId: number, siteId: string | null, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isDuplicate(e, 'vlans_site_vlan_id') || isDuplicate(e, 'vlans_tenant_vlan_id')) {
      throw conflictOn(
        '/body/vlanId',
        siteId === null
          ? `VLAN ${vlanId} exists already among the VLANs of no site`
          : `site ${siteId} has VLAN ${vlanId} already`,
      );
    }
    throw e;
  }
}

async function findRow(ctx: PluginContext, id: string): Promise<VlanRow> {
  const [row] = await ctx.db.query<VlanRow>(`select ${COLUMNS} from vlans where id = $1`, [id]);
  if (!row) throw new RouteError(404, `there is no VLAN ${id}`);
  return row;
}

export async function getVlan(ctx: PluginContext, id: string): Promise<Vlan> {
  return toVlan(await findRow(ctx, id));
}

export async function createVlan(ctx: PluginContext, body: VlanFields): Promise<Vlan> {
  const siteId = body.siteId ?? null;
  await requireSite(ctx, siteId, '/body/siteId');
  const [id, now] = await Promise.all([newId(ctx), nowOf(ctx)]);
  const [row] = await guardVlanId(body.vlanId, siteId, () =>
    ctx.db.query<VlanRow>(
      `insert into vlans (id, tenant_id, vlan_id, name, purpose, site_id, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7)
       returning ${COLUMNS}`,
      [id, ctx.tenantId, body.vlanId, body.name, body.purpose ?? 'other', siteId, now],
    ),
  );
  return toVlan(row as VlanRow);
}

export async function updateVlan(ctx: PluginContext, id: string, changes: Partial<VlanFields>): Promise<Vlan> {
  const current = await findRow(ctx, id);
  const siteId = changes.siteId === undefined ? current.site_id : changes.siteId;
  if (changes.siteId !== undefined) await requireSite(ctx, siteId, '/body/siteId');
  const vlanId = changes.vlanId ?? current.vlan_id;
  const [row] = await guardVlanId(vlanId, siteId, async () =>
    ctx.db.query<VlanRow>(
      `update vlans set vlan_id = $2, name = $3, purpose = $4, site_id = $5, updated_at = $6 where id = $1
       returning ${COLUMNS}`,
      [id, vlanId, changes.name ?? current.name, changes.purpose ?? current.purpose, siteId, await nowOf(ctx)],
    ),
  );
  if (!row) throw new RouteError(404, `there is no VLAN ${id}`);
  return toVlan(row);
}

export async function deleteVlan(ctx: PluginContext, id: string): Promise<{ id: string; deleted: true }> {
  const [row] = await ctx.db.query('delete from vlans where id = $1 returning id', [id]);
  if (!row) throw new RouteError(404, `there is no VLAN ${id}`);
  return { id, deleted: true };
}

/** GET /vlans query. */
export interface VlanQuery {
  readonly siteId?: string;
  readonly purpose?: VlanPurpose;
  readonly limit?: number;
  readonly cursor?: string;
}

/** VLANs by VLAN id, one page. */
export async function listVlans(ctx: PluginContext, query: VlanQuery): Promise<Page<Vlan>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = cursorParts(
    query.cursor,
    'vlans',
    3,
    ([, vlanId = '', id = '']) => /^[0-9]{1,4}$/.test(vlanId) && isUuid(id),
  );
  const rows = await ctx.db.query<VlanRow>(
    `select ${COLUMNS} from vlans
      where ($1::uuid is null or site_id = $1) and ($2::text is null or purpose = $2)
        and ($3::int is null or (vlan_id, id) > ($3::int, $4::uuid))
      order by vlan_id, id
      limit $5`,
    [query.siteId ?? null, query.purpose ?? null, after?.[1] ?? null, after?.[2] ?? null, limit + 1],
  );
  return pageOf(rows, limit, toVlan, (row) => ['vlans', String(row.vlan_id), row.id]);
}

// Devices: the equipment of the network, the NAS among them. Secrets (login credentials, the
// RADIUS shared secret) are written, never answered: a device says only whether it has them.
// Every create and change publishes network.device-saved in the same transaction.
import { type PluginContext, RouteError, type SqlStatement } from '@dotmac/sdk';
import { type Page, pageOf } from './cursor.ts';
import { canonicalAddress } from './ip.ts';
import { cursorParts, DEFAULT_LIMIT, isoOf, newId, nowOf } from './records.ts';
import { conflictOn, type FieldProblem, isDuplicate, refuse } from './refusals.ts';
import { requireSite } from './sites.ts';

export type DeviceKind = 'nas' | 'router' | 'olt' | 'access-point' | 'switch' | 'cpe' | 'other';
export type Vendor = 'mikrotik' | 'cisco' | 'juniper' | 'huawei' | 'ubiquiti' | 'cambium' | 'nokia' | 'other';
export type DeviceStatus = 'planned' | 'active' | 'maintenance' | 'offline' | 'retired';
/** The RADIUS attribute dialect a NAS speaks (rate limits, CoA attributes). */
export type RadiusProfile = 'mikrotik' | 'cisco' | 'wispr' | 'generic';

/** The UDP port a NAS listens on for CoA and Disconnect requests unless told otherwise (RFC 5176). */
export const DEFAULT_COA_PORT = 3799;

/** The dialect a vendor's NAS speaks: its own for MikroTik and Cisco, WISPr for Ubiquiti and Cambium. */
export function defaultRadiusProfile(vendor: Vendor): RadiusProfile {
  switch (vendor) {
    case 'mikrotik':
      return 'mikrotik';
    case 'cisco':
      return 'cisco';
    case 'ubiquiti':
    case 'cambium':
      return 'wispr';
    default:
      return 'generic';
  }
}

/** A device as the API answers it (schemas/device.json): never a secret. */
export interface Device {
  readonly id: string;
  readonly name: string;
  readonly kind: DeviceKind;
  readonly vendor: Vendor;
  readonly model: string;
  readonly siteId: string | null;
  readonly managementAddress: string | null;
  readonly serial: string | null;
  readonly firmware: string | null;
  readonly status: DeviceStatus;
  readonly hasCredentials: boolean;
  readonly hasRadiusSecret: boolean;
  readonly coaPort: number | null;
  readonly radiusProfile: RadiusProfile | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** POST /devices (schemas/new-device.json); PATCH /devices/:deviceId takes any of them (null clears). */
export interface DeviceFields {
  readonly name: string;
  readonly kind: DeviceKind;
  readonly vendor: Vendor;
  readonly model?: string;
  readonly siteId?: string | null;
  readonly managementAddress?: string | null;
  readonly serial?: string | null;
  readonly firmware?: string | null;
  readonly status?: DeviceStatus;
  readonly credentials?: { readonly username: string; readonly password: string } | null;
  readonly radiusSecret?: string;
  readonly coaPort?: number;
  /** null: the vendor's dialect. */
  readonly radiusProfile?: RadiusProfile | null;
}

/** A devices row, secrets included: it never leaves this module but through `toDevice` and `listNas`. */
export interface DeviceRow {
  readonly id: string;
  readonly name: string;
  readonly kind: DeviceKind;
  readonly vendor: Vendor;
  readonly model: string;
  readonly site_id: string | null;
  readonly management_address: string | null;
  readonly serial: string | null;
  readonly firmware: string | null;
  readonly status: DeviceStatus;
  readonly username: string | null;
  readonly password: string | null;
  readonly radius_secret: string | null;
  readonly coa_port: number | null;
  readonly radius_profile: RadiusProfile | null;
  readonly created_at: string;
  readonly updated_at: string;
}

const COLUMNS = `id, name, kind, vendor, model, site_id, management_address, serial, firmware, status, username,
  password, radius_secret, coa_port, radius_profile, created_at, updated_at`;

/** The answer for a row: whether it has secrets, never what they are. */
function toDevice(row: DeviceRow): Device {
  const nas = row.kind === 'nas';
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    vendor: row.vendor,
    model: row.model,
    siteId: row.site_id,
    managementAddress: row.management_address,
    serial: row.serial,
    firmware: row.firmware,
    status: row.status,
    hasCredentials: row.username !== null && row.password !== null,
    hasRadiusSecret: row.radius_secret !== null,
    coaPort: nas ? (row.coa_port ?? DEFAULT_COA_PORT) : null,
    radiusProfile: nas ? (row.radius_profile ?? defaultRadiusProfile(row.vendor)) : null,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
}

/** What a device's events carry (schemas/events/network.device-saved.json): never a secret. */
function eventPayload(row: DeviceRow) {
  return {
    deviceId: row.id,
    kind: row.kind,
    name: row.name,
    address: row.management_address,
    vendor: row.vendor,
    siteId: row.site_id,
    nas: row.kind === 'nas',
  };
}

/** The state a device is to have, once validated; what the row is written from. */
type DeviceState = Omit<DeviceRow, 'id' | 'created_at' | 'updated_at'>;

const RADIUS_FIELDS = ['radiusSecret', 'coaPort', 'radiusProfile'] as const;

/**
 * The device state `fields` describe on top of `current` (nothing, for a new device), or a 400
 * naming every field at fault: a malformed management address, a NAS without its secret or
 * address, RADIUS settings on a device that is not a NAS.
 */
function stateOf(fields: Partial<DeviceFields>, current: DeviceRow | undefined): DeviceState {
  const problems: FieldProblem[] = [];
  const kind = fields.kind ?? (current?.kind as DeviceKind);
  const nas = kind === 'nas';

  let managementAddress = current?.management_address ?? null;
  let malformed = false;
  if (fields.managementAddress === null) managementAddress = null;
  else if (fields.managementAddress !== undefined) {
    managementAddress = canonicalAddress(fields.managementAddress) ?? null;
    malformed = managementAddress === null;
    if (malformed) {
      problems.push({
        pointer: '/body/managementAddress',
        detail: `"${fields.managementAddress}" is not an IPv4 or IPv6 address`,
      });
    }
  }
  if (nas && managementAddress === null && !malformed) {
    problems.push({
      pointer: '/body/managementAddress',
      detail: 'is required for a NAS: RADIUS knows it by its address',
    });
  }

  if (!nas) {
    for (const field of RADIUS_FIELDS) {
      if (fields[field] !== undefined) {
        problems.push({ pointer: `/body/${field}`, detail: 'only a NAS (kind nas) has RADIUS settings' });
      }
    }
  }
  const keepsRadius = nas && current?.kind === 'nas';
  const radiusSecret = nas ? (fields.radiusSecret ?? (keepsRadius ? current?.radius_secret : null) ?? null) : null;
  if (nas && radiusSecret === null) {
    problems.push({
      pointer: '/body/radiusSecret',
      detail: 'is required for a NAS: the secret it shares with the RADIUS server',
    });
  }
  refuse(problems);

  const credentials =
    fields.credentials === undefined
      ? { username: current?.username ?? null, password: current?.password ?? null }
      : { username: fields.credentials?.username ?? null, password: fields.credentials?.password ?? null };
  const pick = <K extends keyof DeviceFields & keyof DeviceState>(key: K, fallback: DeviceState[K]) =>
    (fields[key] === undefined ? (current?.[key] ?? fallback) : fields[key]) as DeviceState[K];
  return {
    name: fields.name ?? (current?.name as string),
    kind,
    vendor: fields.vendor ?? (current?.vendor as Vendor),
    model: pick('model', ''),
    site_id: fields.siteId === undefined ? (current?.site_id ?? null) : fields.siteId,
    management_address: managementAddress,
    serial: pick('serial', null),
    firmware: pick('firmware', null),
    status: pick('status', 'active'),
    ...credentials,
    radius_secret: radiusSecret,
    coa_port: nas ? (fields.coaPort ?? (keepsRadius ? current?.coa_port : null) ?? DEFAULT_COA_PORT) : null,
    radius_profile: nas
      ? fields.radiusProfile === undefined
        ? keepsRadius
          ? (current?.radius_profile ?? null)
          : null
        : fields.radiusProfile
      : null,
  };
}

/** Runs `write`; a management address another device has is a 409 naming the field. */
async function guardAddress<T>(address: string | null, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isDuplicate(e, 'devices_management_address')) {
      throw conflictOn('/body/managementAddress', `another device has the management address ${address}`);
    }
    throw e;
  }
}

async function findRow(ctx: PluginContext, id: string): Promise<DeviceRow> {
  const [row] = await ctx.db.query<DeviceRow>(`select ${COLUMNS} from devices where id = $1`, [id]);
  if (!row) throw new RouteError(404, `there is no device ${id}`);
  return row;
}

export async function getDevice(ctx: PluginContext, id: string): Promise<Device> {
  return toDevice(await findRow(ctx, id));
}

export async function createDevice(ctx: PluginContext, body: DeviceFields): Promise<Device> {
  const state = stateOf(body, undefined);
  await requireSite(ctx, state.site_id, '/body/siteId');
  const [id, now] = await Promise.all([newId(ctx), nowOf(ctx)]);
  const row: DeviceRow = { id, ...state, created_at: now, updated_at: now };
  const insert: SqlStatement = {
    sql: `insert into devices (id, tenant_id, name, kind, vendor, model, site_id, management_address, serial, firmware,
            status, username, password, radius_secret, coa_port, radius_profile, created_at, updated_at)
          values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
          returning ${COLUMNS}`,
    params: [id, ctx.tenantId, ...stateParams(state), now],
  };
  const [written] = await guardAddress(state.management_address, () =>
    ctx.db.transaction([insert], { events: [{ name: 'network.device-saved', payload: eventPayload(row) }] }),
  );
  return toDevice(written?.[0] as unknown as DeviceRow);
}

export async function updateDevice(ctx: PluginContext, id: string, changes: Partial<DeviceFields>): Promise<Device> {
  const current = await findRow(ctx, id);
  const state = stateOf(changes, current);
  if (changes.siteId !== undefined) await requireSite(ctx, state.site_id, '/body/siteId');
  const now = await nowOf(ctx);
  const row: DeviceRow = { id, ...state, created_at: current.created_at, updated_at: now };
  const update: SqlStatement = {
    sql: `update devices set name = $2, kind = $3, vendor = $4, model = $5, site_id = $6, management_address = $7,
            serial = $8, firmware = $9, status = $10, username = $11, password = $12, radius_secret = $13,
            coa_port = $14, radius_profile = $15, updated_at = $16
          where id = $1
          returning ${COLUMNS}`,
    params: [id, ...stateParams(state), now],
  };
  // A device deleted meanwhile must not be announced as saved: the guard fails the transaction,
  // event and all (division by zero, SQLSTATE 22012), when the update found no row.
  const guard: SqlStatement = {
    sql: 'select 1 / (select count(*)::int from devices where id = $1) as present',
    params: [id],
  };
  let written: Record<string, unknown>[][];
  try {
    written = await guardAddress(state.management_address, () =>
      ctx.db.transaction([update, guard], { events: [{ name: 'network.device-saved', payload: eventPayload(row) }] }),
    );
  } catch (e) {
    if (e instanceof Error && e.message.includes('SQLSTATE 22012'))
      throw new RouteError(404, `there is no device ${id}`);
    throw e;
  }
  const updated = written[0]?.[0] as unknown as DeviceRow;
  return toDevice(updated);
}

/** Deletes device `id`, publishing network.device-removed with it. */
export async function deleteDevice(ctx: PluginContext, id: string): Promise<{ id: string; deleted: true }> {
  const row = await findRow(ctx, id);
  const { vendor: _, siteId: __, ...payload } = eventPayload(row);
  await ctx.db.transaction([{ sql: 'delete from devices where id = $1', params: [id] }], {
    events: [{ name: 'network.device-removed', payload }],
  });
  return { id, deleted: true };
}

/** The columns of a state, in the order of the insert's and update's parameters. */
function stateParams(s: DeviceState): unknown[] {
  return [
    s.name,
    s.kind,
    s.vendor,
    s.model,
    s.site_id,
    s.management_address,
    s.serial,
    s.firmware,
    s.status,
    s.username,
    s.password,
    s.radius_secret,
    s.coa_port,
    s.radius_profile,
  ];
}

/** GET /devices query, as validated against plugin.json's schema. */
export interface DeviceQuery {
  readonly kind?: DeviceKind;
  readonly vendor?: Vendor;
  readonly status?: DeviceStatus;
  readonly siteId?: string;
  readonly q?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** Devices by name, one page; `q` matches the name, serial or management address. */
export async function listDevices(ctx: PluginContext, query: DeviceQuery): Promise<Page<Device>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = cursorParts(query.cursor, 'devices', 3);
  const rows = await ctx.db.query<DeviceRow>(
    `select ${COLUMNS} from devices
      where ($1::text is null or kind = $1) and ($2::text is null or vendor = $2)
        and ($3::text is null or status = $3) and ($4::uuid is null or site_id = $4)
        and ($5::text is null or strpos(lower(name), lower($5)) > 0 or strpos(lower(coalesce(serial, '')), lower($5)) > 0
             or management_address = $5)
        and ($6::text is null or (name, id) > ($6::text, $7::uuid))
      order by name, id
      limit $8`,
    [
      query.kind ?? null,
      query.vendor ?? null,
      query.status ?? null,
      query.siteId ?? null,
      query.q ?? null,
      after?.[1] ?? null,
      after?.[2] ?? null,
      limit + 1,
    ],
  );
  return pageOf(rows, limit, toDevice, (row) => ['devices', row.name, row.id]);
}

/** A NAS as dotmac.radius needs it (listNas): its secret included, for the RADIUS clients table. */
export interface Nas {
  readonly deviceId: string;
  readonly name: string;
  readonly address: string;
  readonly vendor: Vendor;
  readonly radiusProfile: RadiusProfile;
  readonly radiusSecret: string;
  readonly coaPort: number;
}

/** Every device of kind nas with a RADIUS secret and an address, by name. */
export async function listNas(ctx: PluginContext): Promise<{ items: Nas[] }> {
  const rows = await ctx.db.query<DeviceRow>(
    `select ${COLUMNS} from devices
      where kind = 'nas' and radius_secret is not null and management_address is not null
      order by name, id`,
  );
  return {
    items: rows.map((row) => ({
      deviceId: row.id,
      name: row.name,
      address: row.management_address as string,
      vendor: row.vendor,
      radiusProfile: row.radius_profile ?? defaultRadiusProfile(row.vendor),
      radiusSecret: row.radius_secret as string,
      coaPort: row.coa_port ?? DEFAULT_COA_PORT,
    })),
  };
}

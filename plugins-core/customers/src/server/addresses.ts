// An account's addresses: the places it is served (several) and where its invoices go (one
// billing address), with coordinates for maps and coverage checks. Every change refreshes the
// account's search document in the same transaction.
import { type PluginContext, RouteError, type SqlStatement } from '@dotmac/sdk';
import { addressProblems, type NewAddress, notFound } from './accounts.ts';
import { reindexAccount } from './search.ts';
import { sqlState, violatedConstraint } from './sql.ts';
import { ADDRESS_COLUMNS, type AddressRow, toAddress } from './views.ts';

/** PATCH body (schemas/address-patch.json). */
export interface AddressChanges {
  readonly kind?: 'service' | 'billing';
  readonly label?: string | null;
  readonly street?: string;
  readonly city?: string;
  readonly region?: string | null;
  readonly postalCode?: string | null;
  readonly country?: string;
  readonly lat?: number | null;
  readonly lon?: number | null;
}

const addressNotFound = (addressId: string) => new RouteError(404, `no address ${addressId} on this account`);

/** Runs the statements, then the account's reindex; maps the database's refusals to the request's fields. */
async function write(ctx: PluginContext, accountId: string, statement: SqlStatement, at: string) {
  try {
    const [rows] = await ctx.db.transaction([statement, ...reindexAccount(accountId, at)]);
    return (rows ?? []) as unknown as AddressRow[];
  } catch (e) {
    const constraint = violatedConstraint(e);
    if (sqlState(e) === '23505' && constraint === 'addresses_one_billing') {
      throw new RouteError(409, 'the account has a billing address already: change that one', [
        { pointer: '/body/kind', detail: 'an account has one billing address' },
      ]);
    }
    if (sqlState(e) === '23514' && constraint === 'addresses_coordinates_in_pairs') {
      throw new RouteError(400, 'lat and lon come together', [
        { pointer: '/body/lat', detail: 'lat and lon are set (or cleared) together' },
      ]);
    }
    throw e;
  }
}

export async function listAddresses(ctx: PluginContext, accountId: string) {
  const [account, addresses] = await ctx.db.transaction([
    { sql: 'select id from accounts where id = $1', params: [accountId] },
    {
      sql: `select ${ADDRESS_COLUMNS} from addresses where account_id = $1 order by kind = 'billing' desc, created_at, id`,
      params: [accountId],
    },
  ]);
  if (account?.length === 0) throw notFound(accountId);
  return { items: (addresses as unknown as AddressRow[]).map(toAddress) };
}

/** POST /accounts/:accountId/addresses. */
export async function addAddress(ctx: PluginContext, accountId: string, input: NewAddress) {
  const problems = addressProblems([input]).map((p) => ({
    ...p,
    pointer: p.pointer.replace('/body/addresses/0', '/body'),
  }));
  if (problems.length > 0) throw new RouteError(400, 'the address cannot be added as it is', problems);
  const at = (await ctx.clock.now()).toISOString();
  const [row] = await write(
    ctx,
    accountId,
    {
      sql: `insert into addresses (tenant_id, customer_id, account_id, kind, label, street, city, region, postal_code, country, lat, lon, created_at, updated_at)
            select $2, a.customer_id, a.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12 from accounts a where a.id = $1
            returning ${ADDRESS_COLUMNS}`,
      params: [
        accountId,
        ctx.tenantId,
        input.kind,
        input.label ?? null,
        input.street,
        input.city,
        input.region ?? null,
        input.postalCode ?? null,
        input.country,
        input.lat ?? null,
        input.lon ?? null,
        at,
      ],
    },
    at,
  );
  if (!row) throw notFound(accountId);
  return toAddress(row);
}

/** PATCH /accounts/:accountId/addresses/:addressId. */
export async function updateAddress(ctx: PluginContext, accountId: string, addressId: string, changes: AddressChanges) {
  const at = (await ctx.clock.now()).toISOString();
  const params: unknown[] = [accountId, addressId, at];
  const set = ['updated_at = $3'];
  const columns: Record<string, keyof AddressChanges> = {
    kind: 'kind',
    label: 'label',
    street: 'street',
    city: 'city',
    region: 'region',
    postal_code: 'postalCode',
    country: 'country',
    lat: 'lat',
    lon: 'lon',
  };
  for (const [column, key] of Object.entries(columns)) {
    if (changes[key] === undefined) continue;
    params.push(changes[key]);
    set.push(`${column} = $${params.length}`);
  }
  const [row] = await write(
    ctx,
    accountId,
    {
      sql: `update addresses set ${set.join(', ')} where id = $2 and account_id = $1 returning ${ADDRESS_COLUMNS}`,
      params,
    },
    at,
  );
  if (!row) throw addressNotFound(addressId);
  return toAddress(row);
}

/** DELETE /accounts/:accountId/addresses/:addressId. */
export async function removeAddress(ctx: PluginContext, accountId: string, addressId: string) {
  const at = (await ctx.clock.now()).toISOString();
  const rows = await write(
    ctx,
    accountId,
    { sql: 'delete from addresses where id = $2 and account_id = $1 returning id', params: [accountId, addressId] },
    at,
  );
  if (rows.length === 0) throw addressNotFound(addressId);
  return { id: addressId, deleted: true as const };
}

// What every stored record of the plugin shares: a uuid the database makes, timestamps from the
// kernel's clock (so tests can move time), and the page size of listings.
import { type PluginContext, RouteError } from '@dotmac/sdk';
import { decodeCursor } from './cursor.ts';

/** Now, from ctx.clock, as ISO 8601. */
export const nowOf = async (ctx: PluginContext) => (await ctx.clock.now()).toISOString();

/** A new uuid. The sandbox has no crypto, so the database makes it. */
export async function newId(ctx: PluginContext): Promise<string> {
  const [row] = await ctx.db.query<{ id: string }>('select gen_random_uuid()::text as id');
  if (!row) throw new Error('the database answered no uuid');
  return row.id;
}

/** A timestamp column (an ISO string once across the sandbox boundary) as ISO 8601 UTC. */
export const isoOf = (value: string) => new Date(value).toISOString();

/** Items per page when the query does not say. */
export const DEFAULT_LIMIT = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a uuid in the database's text form. */
export const isUuid = (text: string) => UUID.test(text);

/** True for an ISO 8601 timestamp. */
export const isTimestamp = (text: string) => !Number.isNaN(Date.parse(text));

/**
 * The parts of a listing's cursor: `count` parts, the first `kind` and, by default, the last a
 * uuid (the row the page ended at); anything else is a 400, never a database error.
 */
export function cursorParts(
  cursor: string | undefined,
  kind: string,
  count: number,
  valid: (parts: string[]) => boolean = (parts) => isUuid(parts.at(-1) ?? ''),
): string[] | undefined {
  if (cursor === undefined) return undefined;
  const parts = decodeCursor(cursor);
  if (parts?.length !== count || parts[0] !== kind || !valid(parts)) {
    throw new RouteError(400, `cursor is not a cursor of the ${kind} listing`, [
      { pointer: '/query/cursor', detail: `is not a cursor of the ${kind} listing; pass the nextCursor it answered` },
    ]);
  }
  return parts;
}

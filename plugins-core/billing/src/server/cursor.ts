// The opaque cursors of billing's paged lists: the sort key of the last row sent (a timestamp or
// an account number) and its id, as hex, so a page resumes exactly after it.
import { RouteError } from '@dotmac/sdk';

const HEX4 = /^(?:[0-9a-f]{4})+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cursor after a row sorted by `key` with this `id`. */
export function encodeCursor(key: string, id: string): string {
  let out = '';
  for (const ch of JSON.stringify([key, id])) out += ch.charCodeAt(0).toString(16).padStart(4, '0');
  return out;
}

/** The sort key and id a cursor of `encodeCursor` holds; 400 naming the cursor when it is not one. */
export function decodeCursor(cursor: string, isKey: (key: string) => boolean = () => true): [string, string] {
  if (!HEX4.test(cursor)) badCursor();
  let text = '';
  for (let i = 0; i < cursor.length; i += 4) text += String.fromCharCode(Number.parseInt(cursor.slice(i, i + 4), 16));
  let parts: unknown;
  try {
    parts = JSON.parse(text);
  } catch {
    badCursor();
  }
  if (!Array.isArray(parts) || parts.length !== 2) badCursor();
  const [key, id] = parts as unknown[];
  if (typeof key !== 'string' || typeof id !== 'string' || !UUID.test(id) || !isKey(key)) badCursor();
  return [key, id];
}

function badCursor(): never {
  throw new RouteError(400, 'cursor is not one this API gave', [
    { pointer: '/query/cursor', detail: 'is not a nextCursor of this list' },
  ]);
}

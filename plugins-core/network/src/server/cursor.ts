// Pagination cursors: the position after the last item of a page (its sort key and id), as an
// opaque hex string the client passes back unchanged. The sandbox has no Buffer, btoa nor
// TextEncoder, so the UTF-8 bytes come from the standard library's percent-encoding.

/** `parts` as a cursor. */
export function encodeCursor(parts: readonly string[]): string {
  const encoded = encodeURIComponent(JSON.stringify(parts));
  let hex = '';
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      hex += encoded.slice(i + 1, i + 3).toLowerCase();
      i += 2;
    } else {
      hex += encoded.charCodeAt(i).toString(16).padStart(2, '0');
    }
  }
  return hex;
}

/** The parts of a cursor, or undefined when `cursor` is not one. */
export function decodeCursor(cursor: string): string[] | undefined {
  if (!/^(?:[0-9a-f]{2})+$/.test(cursor)) return undefined;
  let encoded = '';
  for (let i = 0; i < cursor.length; i += 2) encoded += `%${cursor.slice(i, i + 2)}`;
  try {
    const parts: unknown = JSON.parse(decodeURIComponent(encoded));
    return Array.isArray(parts) && parts.every((p) => typeof p === 'string') ? parts : undefined;
  } catch {
    return undefined;
  }
}

/** One page; pass `nextCursor` back as `cursor` for the next (null on the last page). */
export interface Page<Item> {
  readonly items: Item[];
  readonly nextCursor: string | null;
}

/** The page of the first `limit` of `rows` (fetched with limit + 1), and the cursor after it. */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => readonly string[],
): Page<Item> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}

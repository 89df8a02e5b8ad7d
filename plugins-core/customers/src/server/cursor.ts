// Opaque pagination cursors: the sort a page was read in and the key of its last row, as
// base64url JSON. Callers pass them back untouched; a cursor of another sort is refused.
// Written by hand because the sandbox has neither btoa nor TextEncoder.
import { RouteError } from '@dotmac/sdk';
import { fromUtf8Bytes, utf8Bytes } from './utf8.ts';

/** Where the previous page ended: its sort, and the sort value and id of its last row. */
export interface CursorKey {
  readonly sort: string;
  readonly value: string | null;
  readonly id: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Encodes the position after `key` as an opaque cursor. */
export function encodeCursor(key: CursorKey): string {
  const bytes = utf8Bytes(JSON.stringify([key.sort, key.value, key.id]));
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    const chars = i + 1 >= bytes.length ? 2 : i + 2 >= bytes.length ? 3 : 4;
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Reads a cursor back, refusing one that is malformed or was made for another sort (400, naming the parameter). */
export function decodeCursor(cursor: string, sort: string): CursorKey {
  const refuse = (detail: string): never => {
    throw new RouteError(400, `the cursor ${detail}`, [{ pointer: '/query/cursor', detail }]);
  };
  const bytes: number[] = [];
  let bits = 0;
  let buffer = 0;
  for (const ch of cursor) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) refuse('is not a cursor this API gave out');
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 255);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8Bytes(bytes));
  } catch {
    return refuse('is not a cursor this API gave out');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[0] !== 'string' ||
    !(typeof parsed[1] === 'string' || parsed[1] === null) ||
    typeof parsed[2] !== 'string'
  ) {
    return refuse('is not a cursor this API gave out');
  }
  if (parsed[0] !== sort) refuse(`was made for sort=${parsed[0]}, not sort=${sort}`);
  return { sort: parsed[0], value: parsed[1], id: parsed[2] };
}

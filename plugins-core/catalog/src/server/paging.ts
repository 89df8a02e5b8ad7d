// Keyset pagination of the plan list: a sort order, and an opaque cursor holding the sort key and
// id of the last plan of a page, so the next page starts after it whatever was added meanwhile.
// The sandbox has no btoa or TextEncoder, so the cursor's base64url is written out here.

/** The orders the plan list offers: a field, descending with a leading -. */
export type SortParam = 'name' | '-name' | 'code' | '-code' | 'createdAt' | '-createdAt';

/** A sort order: the SQL of its key and its direction. */
export interface Sort {
  readonly param: SortParam;
  /** The plans column it orders by (alias p). */
  readonly column: 'p.name' | 'p.code' | 'p.created_at';
  /** The SQL type of the key, for the cursor's parameter. */
  readonly type: 'text' | 'timestamptz';
  readonly descending: boolean;
}

const COLUMNS = {
  name: { column: 'p.name', type: 'text' },
  code: { column: 'p.code', type: 'text' },
  createdAt: { column: 'p.created_at', type: 'timestamptz' },
} as const;

/** The sort order of `param` (validated by the route's schema). */
export function sortOf(param: SortParam): Sort {
  const descending = param.startsWith('-');
  const key = (descending ? param.slice(1) : param) as keyof typeof COLUMNS;
  return { param, ...COLUMNS[key], descending };
}

/** Where a page starts: after the plan with this sort key and id. */
export interface Cursor {
  readonly key: string;
  readonly id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cursor of the page after the plan `last`, for `sort`. */
export function encodeCursor(sort: Sort, last: Cursor): string {
  return toBase64Url(utf8Bytes(JSON.stringify([sort.param, last.key, last.id])));
}

/** The cursor `text` for `sort`, or undefined when it is not one this list handed out with that sort. */
export function decodeCursor(sort: Sort, text: string): Cursor | undefined {
  try {
    const parsed: unknown = JSON.parse(fromUtf8Bytes(fromBase64Url(text)));
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [param, key, id] = parsed as unknown[];
    if (param !== sort.param || typeof key !== 'string' || typeof id !== 'string' || !UUID.test(id)) return undefined;
    if (sort.type === 'timestamptz' && Number.isNaN(Date.parse(key))) return undefined;
    return { key, id };
  } catch {
    return undefined;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A string's UTF-8 bytes, through the standard library's percent-encoding. */
function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  const encoded = encodeURIComponent(text);
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return bytes;
}

/** The string of UTF-8 `bytes`; throws (URIError) when they are not UTF-8. */
function fromUtf8Bytes(bytes: readonly number[]): string {
  return decodeURIComponent(bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
}

function toBase64Url(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(chunk >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Bytes of base64url `text`; throws on a character outside the alphabet or a bad length. */
function fromBase64Url(text: string): number[] {
  if (text.length % 4 === 1) throw new Error('base64url of impossible length');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 4) {
    const group = text.slice(i, i + 4);
    let chunk = 0;
    for (let k = 0; k < 4; k++) {
      const value = k < group.length ? ALPHABET.indexOf(group[k] as string) : 0;
      if (value < 0) throw new Error('not base64url');
      chunk = (chunk << 6) | value;
    }
    const count = Math.floor((group.length * 6) / 8);
    for (let k = 0; k < count; k++) bytes.push((chunk >> (16 - 8 * k)) & 255);
  }
  return bytes;
}

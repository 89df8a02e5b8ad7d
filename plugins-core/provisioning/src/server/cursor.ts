// Pagination cursors: the position after the last item of a page (its sort key and id), as an
// opaque hex string the client passes back unchanged. The sandbox has no Buffer nor btoa.

/** `parts` (ASCII strings) as a cursor. */
export function encodeCursor(parts: readonly string[]): string {
  const text = JSON.stringify(parts);
  let hex = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) throw new RangeError('a cursor holds ASCII only');
    hex += code.toString(16).padStart(2, '0');
  }
  return hex;
}

/** The parts of a cursor, or undefined when `cursor` is not one. */
export function decodeCursor(cursor: string): string[] | undefined {
  if (!/^(?:[0-7][0-9a-f])*$/.test(cursor)) return undefined;
  let text = '';
  for (let i = 0; i < cursor.length; i += 2) text += String.fromCharCode(Number.parseInt(cursor.slice(i, i + 2), 16));
  try {
    const parts: unknown = JSON.parse(text);
    return Array.isArray(parts) && parts.every((p) => typeof p === 'string') ? parts : undefined;
  } catch {
    return undefined;
  }
}

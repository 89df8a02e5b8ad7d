// Base64 (RFC 4648 §4, padded) written out by hand: the sandbox has no btoa, atob or Buffer.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map([...ALPHABET].map((char, value) => [char, value]));

/** `bytes` as padded base64 text. */
export function encodeBase64(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const left = bytes.length - i;
    const triple = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out.push(
      ALPHABET.charAt(triple >> 18),
      ALPHABET.charAt((triple >> 12) & 63),
      left > 1 ? ALPHABET.charAt((triple >> 6) & 63) : '=',
      left > 2 ? ALPHABET.charAt(triple & 63) : '=',
    );
  }
  return out.join('');
}

/** The bytes of padded base64 `text`; throws a TypeError naming the first character that is not base64. */
export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new TypeError(`decodeBase64: the text is ${text.length} characters long; padded base64 is a multiple of 4`);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let at = 0;
  for (let i = 0; i < text.length; i += 4) {
    let quad = 0;
    for (let j = 0; j < 4; j++) {
      const char = text.charAt(i + j);
      const value = VALUES.get(char);
      // '=' may only pad the end of the last group.
      const isPadding = char === '=' && i + 4 === text.length && j >= 4 - padding;
      if (value === undefined && !isPadding) {
        throw new TypeError(`decodeBase64: ${JSON.stringify(char)} at ${i + j} is not a base64 character`);
      }
      quad = (quad << 6) | (value ?? 0);
    }
    for (const shift of [16, 8, 0]) if (at < bytes.length) bytes[at++] = (quad >> shift) & 255;
  }
  return bytes;
}

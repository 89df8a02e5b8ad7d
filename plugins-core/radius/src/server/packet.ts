// RADIUS Dynamic Authorization packets (RFC 5176): encodes CoA-Request and Disconnect-Request and
// verifies the NAS's answer before anything in it is believed. Runs in the plugin sandbox: plain
// ECMAScript on Uint8Array, with MD5 and HMAC from @noble/hashes (no Buffer, TextEncoder or crypto).
import { hmac } from '@noble/hashes/hmac.js';
import { md5 } from '@noble/hashes/legacy.js';

/** A request this codec sends to a NAS. */
export type RequestCode = 'CoA-Request' | 'Disconnect-Request';
/** A NAS's answer to a request. */
export type AnswerCode = 'CoA-ACK' | 'CoA-NAK' | 'Disconnect-ACK' | 'Disconnect-NAK';
/** Any Dynamic Authorization packet. */
export type PacketCode = RequestCode | AnswerCode;

const CODES: Readonly<Record<PacketCode, number>> = {
  'Disconnect-Request': 40,
  'Disconnect-ACK': 41,
  'Disconnect-NAK': 42,
  'CoA-Request': 43,
  'CoA-ACK': 44,
  'CoA-NAK': 45,
};
const CODE_NAMES = new Map(Object.entries(CODES).map(([name, code]) => [code, name as PacketCode]));
const ANSWERS: Readonly<Record<RequestCode, { readonly ack: AnswerCode; readonly nak: AnswerCode }>> = {
  'CoA-Request': { ack: 'CoA-ACK', nak: 'CoA-NAK' },
  'Disconnect-Request': { ack: 'Disconnect-ACK', nak: 'Disconnect-NAK' },
};

/** How an attribute's value is carried (the FreeRADIUS dictionary types). */
type ValueType = 'string' | 'integer' | 'date' | 'ipaddr' | 'ipv6addr' | 'ipv6prefix' | 'octets';
interface Definition {
  readonly type: number;
  readonly vendor?: number;
  readonly value: ValueType;
}

const VENDOR_SPECIFIC = 26;
const MESSAGE_AUTHENTICATOR = 80;
const ERROR_CAUSE = 101;
const VENDOR_MIKROTIK = 14988;
const VENDOR_CISCO = 9;
const VENDOR_WISPR = 14122;

/**
 * The attributes this codec knows, by their FreeRADIUS names; numbers as in FreeRADIUS 3.2's
 * dictionary.rfc2865/2866/2869/3162/3576/4372/4818, .mikrotik, .cisco and .wispr.
 */
const DICTIONARY = {
  'User-Name': { type: 1, value: 'string' },
  'NAS-IP-Address': { type: 4, value: 'ipaddr' },
  'NAS-Port': { type: 5, value: 'integer' },
  'Service-Type': { type: 6, value: 'integer' },
  'Framed-IP-Address': { type: 8, value: 'ipaddr' },
  'Filter-Id': { type: 11, value: 'string' },
  'Reply-Message': { type: 18, value: 'string' },
  State: { type: 24, value: 'octets' },
  Class: { type: 25, value: 'octets' },
  'Session-Timeout': { type: 27, value: 'integer' },
  'Idle-Timeout': { type: 28, value: 'integer' },
  'Called-Station-Id': { type: 30, value: 'string' },
  'Calling-Station-Id': { type: 31, value: 'string' },
  'NAS-Identifier': { type: 32, value: 'string' },
  'Proxy-State': { type: 33, value: 'octets' },
  'Acct-Session-Id': { type: 44, value: 'string' },
  'Acct-Multi-Session-Id': { type: 50, value: 'string' },
  'Event-Timestamp': { type: 55, value: 'date' },
  'Acct-Interim-Interval': { type: 85, value: 'integer' },
  'NAS-Port-Id': { type: 87, value: 'string' },
  'Framed-Pool': { type: 88, value: 'string' },
  'Chargeable-User-Identity': { type: 89, value: 'octets' },
  'NAS-IPv6-Address': { type: 95, value: 'ipv6addr' },
  'Framed-IPv6-Prefix': { type: 97, value: 'ipv6prefix' },
  'Error-Cause': { type: ERROR_CAUSE, value: 'integer' },
  'Delegated-IPv6-Prefix': { type: 123, value: 'ipv6prefix' },
  'Mikrotik-Rate-Limit': { vendor: VENDOR_MIKROTIK, type: 8, value: 'string' },
  'Mikrotik-Address-List': { vendor: VENDOR_MIKROTIK, type: 19, value: 'string' },
  'Cisco-AVPair': { vendor: VENDOR_CISCO, type: 1, value: 'string' },
  'WISPr-Bandwidth-Min-Up': { vendor: VENDOR_WISPR, type: 5, value: 'integer' },
  'WISPr-Bandwidth-Min-Down': { vendor: VENDOR_WISPR, type: 6, value: 'integer' },
  'WISPr-Bandwidth-Max-Up': { vendor: VENDOR_WISPR, type: 7, value: 'integer' },
  'WISPr-Bandwidth-Max-Down': { vendor: VENDOR_WISPR, type: 8, value: 'integer' },
} as const satisfies Record<string, Definition>;

/** The name of an attribute the codec knows. */
export type AttributeName = keyof typeof DICTIONARY;
type JsValue<V extends ValueType> = V extends 'integer' | 'date' ? number : V extends 'octets' ? Uint8Array : string;
/**
 * An attribute by name and value: `string` for text, IPv4 (`192.0.2.1`), IPv6 (`2001:db8::1`)
 * and IPv6 prefixes (`2001:db8:0:100::/56`); `number` for integers and dates (Unix seconds);
 * `Uint8Array` for octets.
 */
export type RadiusAttribute = {
  [N in AttributeName]: { readonly name: N; readonly value: JsValue<(typeof DICTIONARY)[N]['value']> };
}[AttributeName];
/** What a request may carry: Error-Cause belongs in answers only. */
export type RequestAttribute = Exclude<RadiusAttribute, { readonly name: 'Error-Cause' }>;
/**
 * A decoded attribute: a known one, or an unknown (or malformed) one kept as raw octets under the
 * name FreeRADIUS gives it (`Attr-99`, `Attr-26.14988.99`, `Attr-26.311`).
 */
export type DecodedAttribute = RadiusAttribute | { readonly name: `Attr-${string}`; readonly value: Uint8Array };

/** Error-Cause values (RFC 5176 §3.5) by code, named as in FreeRADIUS's dictionary.rfc3576 and .rfc5176. */
export const ERROR_CAUSES: Readonly<Record<number, string>> = {
  201: 'Residual-Context-Removed',
  202: 'Invalid-EAP-Packet',
  401: 'Unsupported-Attribute',
  402: 'Missing-Attribute',
  403: 'NAS-Identification-Mismatch',
  404: 'Invalid-Request',
  405: 'Unsupported-Service',
  406: 'Unsupported-Extension',
  407: 'Invalid-Attribute-Value',
  501: 'Administratively-Prohibited',
  502: 'Proxy-Request-Not-Routable',
  503: 'Session-Context-Not-Found',
  504: 'Session-Context-Not-Removable',
  505: 'Proxy-Processing-Error',
  506: 'Resources-Unavailable',
  507: 'Request-Initiated',
  508: 'Multiple-Session-Selection-Unsupported',
};

/** A packet that cannot be encoded, or an answer that is malformed, forged or not ours. */
export class RadiusPacketError extends Error {
  override name = 'RadiusPacketError';
}

/** What `encodeRequest` sends. */
export interface RequestSpec {
  readonly code: RequestCode;
  /** 0–255; pairs the answer with the request. */
  readonly identifier: number;
  /** The secret shared with the NAS. */
  readonly secret: string;
  readonly attributes: readonly RequestAttribute[];
}

/** A verified answer. */
export interface Answer {
  readonly code: AnswerCode;
  /** True for CoA-ACK and Disconnect-ACK. */
  readonly ack: boolean;
  readonly identifier: number;
  /** Why the NAS refused (or, rarely, a note on an ACK). */
  readonly errorCause?: { readonly code: number; readonly name: string };
  /** The answer's attributes, Message-Authenticator left out (it has been checked). */
  readonly attributes: readonly DecodedAttribute[];
}

/** A packet taken apart without checking its authenticators: for tests and diagnostics. */
export interface DecodedPacket {
  readonly code: PacketCode;
  readonly identifier: number;
  readonly authenticator: Uint8Array;
  /** Every attribute but Message-Authenticator. */
  readonly attributes: readonly DecodedAttribute[];
  readonly messageAuthenticator?: Uint8Array;
}

const HEADER_LENGTH = 20;
const AUTHENTICATOR_LENGTH = 16;
const MAX_PACKET_LENGTH = 4096;
const MAX_VALUE_LENGTH = 253;
/** A vendor attribute's value: 253 less the vendor id (4) and the sub-attribute header (2). */
const MAX_VENDOR_VALUE_LENGTH = 247;

/**
 * Encodes a CoA-Request or Disconnect-Request with a Message-Authenticator (first attribute).
 * As FreeRADIUS does for these codes (RFC 5176 §3.4, RFC 3579 §3.2): the Message-Authenticator
 * is the HMAC-MD5 of the packet with 16 zero octets in the Authenticator field and in itself;
 * then the Request Authenticator is MD5(Code + Identifier + Length + 16 zero octets +
 * Attributes + Secret) over the packet holding that Message-Authenticator (RFC 2866 §3).
 */
export function encodeRequest(spec: RequestSpec): Uint8Array {
  const { code, identifier, secret, attributes } = spec;
  if (!(code in ANSWERS)) throw new RadiusPacketError(`${String(code)} is not a request this codec sends`);
  checkIdentifier(identifier);
  const key = secretBytes(secret);
  const encoded = attributes.map(encodeAttribute);
  const length = HEADER_LENGTH + 18 + encoded.reduce((sum, bytes) => sum + bytes.length, 0);
  if (length > MAX_PACKET_LENGTH) {
    throw new RadiusPacketError(`the ${code} would be ${length} octets; RADIUS allows at most ${MAX_PACKET_LENGTH}`);
  }
  const packet = new Uint8Array(length);
  packet[0] = CODES[code];
  packet[1] = identifier;
  packet[2] = length >> 8;
  packet[3] = length & 0xff;
  packet[HEADER_LENGTH] = MESSAGE_AUTHENTICATOR;
  packet[HEADER_LENGTH + 1] = 18;
  let offset = HEADER_LENGTH + 18;
  for (const bytes of encoded) {
    packet.set(bytes, offset);
    offset += bytes.length;
  }
  packet.set(hmac(md5, key, packet), HEADER_LENGTH + 2);
  packet.set(md5(concat(packet, key)), 4);
  return packet;
}

/**
 * Verifies and decodes the NAS's answer to `request` (the bytes `encodeRequest` produced): the
 * code must answer the request's code, the Identifier must match, the Response Authenticator
 * must be MD5(Code + Identifier + Length + Request Authenticator + Attributes + Secret), and a
 * Message-Authenticator, when present, the HMAC-MD5 of the answer with the Request Authenticator
 * in the Authenticator field (RFC 5176 §3.4, as radclient checks it) or, as FreeRADIUS's server
 * computes it, with zeros there. Anything else throws RadiusPacketError: never trust it.
 */
export function decodeAnswer(bytes: Uint8Array, request: Uint8Array, secret: string): Answer {
  const key = secretBytes(secret);
  const requestCode = CODE_NAMES.get(request[0] ?? -1);
  if (request.length < HEADER_LENGTH || (requestCode !== 'CoA-Request' && requestCode !== 'Disconnect-Request')) {
    throw new RadiusPacketError('decodeAnswer needs the CoA-Request or Disconnect-Request that was sent');
  }
  const packet = frame(bytes, 'answer');
  const code = CODE_NAMES.get(packet[0] as number);
  const expected = ANSWERS[requestCode];
  if (code !== expected.ack && code !== expected.nak) {
    throw new RadiusPacketError(
      `answer refused: code ${packet[0]} (${code ?? 'unknown'}) does not answer a ${requestCode}; expected ${expected.ack} or ${expected.nak}`,
    );
  }
  if (packet[1] !== request[1]) {
    throw new RadiusPacketError(
      `answer refused: its Identifier ${packet[1]} is not the request's ${request[1]} (a late answer to another request?)`,
    );
  }
  const requestAuthenticator = request.subarray(4, HEADER_LENGTH);
  const signed = packet.slice();
  signed.set(requestAuthenticator, 4);
  if (!equalBytes(md5(concat(signed, key)), packet.subarray(4, HEADER_LENGTH))) {
    throw new RadiusPacketError(
      `answer refused: the ${code}'s Response Authenticator does not match (wrong shared secret, or the packet was altered)`,
    );
  }
  const parsed = parseAttributes(packet, 'answer');
  if (parsed.messageAuthenticatorAt !== undefined) {
    const at = parsed.messageAuthenticatorAt;
    const received = packet.subarray(at, at + AUTHENTICATOR_LENGTH);
    signed.fill(0, at, at + AUTHENTICATOR_LENGTH);
    const rfc = equalBytes(hmac(md5, key, signed), received);
    // FreeRADIUS 3.2's server signs its CoA/Disconnect answers with 16 zero octets in the
    // Authenticator field instead (its own radclient refuses them). Accepting that form too
    // costs nothing: the Response Authenticator, checked above, binds the answer to this request.
    if (!rfc) signed.fill(0, 4, HEADER_LENGTH);
    if (!rfc && !equalBytes(hmac(md5, key, signed), received)) {
      throw new RadiusPacketError(
        `answer refused: the ${code}'s Message-Authenticator does not match (wrong shared secret, or the packet was altered)`,
      );
    }
  }
  const cause = parsed.attributes.find((attribute) => attribute.name === 'Error-Cause');
  const errorCause =
    cause && typeof cause.value === 'number'
      ? { code: cause.value, name: ERROR_CAUSES[cause.value] ?? `Error-Cause-${cause.value}` }
      : undefined;
  return {
    code,
    ack: code === expected.ack,
    identifier: packet[1] as number,
    ...(errorCause ? { errorCause } : {}),
    attributes: parsed.attributes,
  };
}

/** Takes any Dynamic Authorization packet apart, checking its framing but not its authenticators. */
export function decodePacket(bytes: Uint8Array): DecodedPacket {
  const packet = frame(bytes, 'packet');
  const code = CODE_NAMES.get(packet[0] as number);
  if (!code) throw new RadiusPacketError(`code ${packet[0]} is not a Dynamic Authorization packet (40–45)`);
  const parsed = parseAttributes(packet, 'packet');
  const at = parsed.messageAuthenticatorAt;
  return {
    code,
    identifier: packet[1] as number,
    authenticator: packet.slice(4, HEADER_LENGTH),
    attributes: parsed.attributes,
    ...(at === undefined ? {} : { messageAuthenticator: packet.slice(at, at + AUTHENTICATOR_LENGTH) }),
  };
}

/**
 * Reads an attribute from its text form, as FreeRADIUS stores it in radreply (`"20000000"` for
 * an integer), so reply rows can go into a CoA-Request.
 */
export function attributeFromText(name: string, text: string): RequestAttribute {
  const definition = definitionOf(name);
  if (!definition || name === 'Error-Cause') {
    throw new RadiusPacketError(`${name} is not an attribute a request can carry`);
  }
  switch (definition.value) {
    case 'integer':
    case 'date': {
      if (!/^\d{1,10}$/.test(text))
        throw new RadiusPacketError(`${name} takes an integer, not ${JSON.stringify(text)}`);
      return { name, value: Number(text) } as RequestAttribute;
    }
    case 'octets': {
      if (!/^0x([0-9a-fA-F]{2})+$/.test(text)) {
        throw new RadiusPacketError(`${name} takes octets written 0x…, not ${JSON.stringify(text)}`);
      }
      const bytes = new Uint8Array((text.length - 2) / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 + 2 * i, 4 + 2 * i), 16);
      return { name, value: bytes } as RequestAttribute;
    }
    default:
      return { name, value: text } as RequestAttribute;
  }
}

function definitionOf(name: string): Definition | undefined {
  return Object.hasOwn(DICTIONARY, name) ? DICTIONARY[name as AttributeName] : undefined;
}

function checkIdentifier(identifier: number): void {
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 255) {
    throw new RadiusPacketError(`a RADIUS Identifier is an integer from 0 to 255, not ${identifier}`);
  }
}

function secretBytes(secret: string): Uint8Array {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new RadiusPacketError('the shared secret is empty; RADIUS needs the secret configured on the NAS');
  }
  return encodeUtf8(secret);
}

/** The packet within `bytes`: checks the header; octets past Length are padding (RFC 2865 §3). */
function frame(bytes: Uint8Array, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER_LENGTH) {
    throw new RadiusPacketError(`${what} refused: ${bytes?.length ?? 0} octets is shorter than a RADIUS header (20)`);
  }
  const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > bytes.length) {
    throw new RadiusPacketError(`${what} refused: its Length field says ${length} but ${bytes.length} octets arrived`);
  }
  // A copy, and a plain Uint8Array even when given a Node Buffer (whose slice() shares memory).
  return new Uint8Array(bytes.subarray(0, length));
}

function parseAttributes(
  packet: Uint8Array,
  what: string,
): { attributes: DecodedAttribute[]; messageAuthenticatorAt?: number } {
  const attributes: DecodedAttribute[] = [];
  let messageAuthenticatorAt: number | undefined;
  let offset = HEADER_LENGTH;
  while (offset < packet.length) {
    const type = packet[offset] as number;
    const length = packet[offset + 1] ?? 0;
    if (length < 2 || offset + length > packet.length) {
      throw new RadiusPacketError(`${what} refused: attribute ${type} at octet ${offset} has a bad length (${length})`);
    }
    const value = packet.subarray(offset + 2, offset + length);
    if (type === MESSAGE_AUTHENTICATOR) {
      if (messageAuthenticatorAt !== undefined || length !== 18) {
        throw new RadiusPacketError(`${what} refused: a malformed or second Message-Authenticator`);
      }
      messageAuthenticatorAt = offset + 2;
    } else if (type === VENDOR_SPECIFIC) {
      attributes.push(...decodeVendorSpecific(value));
    } else {
      attributes.push(decodeValue(STANDARD_BY_TYPE.get(type), value, `Attr-${type}`));
    }
    offset += length;
  }
  return messageAuthenticatorAt === undefined ? { attributes } : { attributes, messageAuthenticatorAt };
}

const STANDARD_BY_TYPE = new Map<number, AttributeName>();
const VENDOR_BY_TYPE = new Map<string, AttributeName>();
for (const [name, definition] of Object.entries(DICTIONARY) as [AttributeName, Definition][]) {
  if (definition.vendor === undefined) STANDARD_BY_TYPE.set(definition.type, name);
  else VENDOR_BY_TYPE.set(`${definition.vendor}.${definition.type}`, name);
}
const KNOWN_VENDORS = new Set([VENDOR_MIKROTIK, VENDOR_CISCO, VENDOR_WISPR]);

/** A Vendor-Specific attribute of a known vendor holds sub-attributes (type, length, value). */
function decodeVendorSpecific(data: Uint8Array): DecodedAttribute[] {
  if (data.length < 4) return [{ name: `Attr-${VENDOR_SPECIFIC}`, value: data.slice() }];
  const vendor = readUint32(data, 0);
  const raw: DecodedAttribute[] = [{ name: `Attr-${VENDOR_SPECIFIC}.${vendor}`, value: data.slice(4) }];
  if (!KNOWN_VENDORS.has(vendor)) return raw;
  const decoded: DecodedAttribute[] = [];
  let offset = 4;
  while (offset < data.length) {
    const type = data[offset] as number;
    const length = data[offset + 1] ?? 0;
    if (length < 2 || offset + length > data.length) return raw;
    const name = VENDOR_BY_TYPE.get(`${vendor}.${type}`);
    decoded.push(decodeValue(name, data.subarray(offset + 2, offset + length), `Attr-26.${vendor}.${type}`));
    offset += length;
  }
  return decoded;
}

/** A value of the dictionary's type; a value that does not fit its type is kept raw, as FreeRADIUS does. */
function decodeValue(name: AttributeName | undefined, value: Uint8Array, rawName: `Attr-${string}`): DecodedAttribute {
  const raw: DecodedAttribute = { name: rawName, value: value.slice() };
  if (!name) return raw;
  switch (DICTIONARY[name].value) {
    case 'string':
      return { name, value: decodeUtf8(value) } as DecodedAttribute;
    case 'integer':
    case 'date':
      return value.length === 4 ? ({ name, value: readUint32(value, 0) } as DecodedAttribute) : raw;
    case 'ipaddr':
      return value.length === 4 ? ({ name, value: value.join('.') } as DecodedAttribute) : raw;
    case 'ipv6addr':
      return value.length === 16 ? ({ name, value: formatIpv6(value) } as DecodedAttribute) : raw;
    case 'ipv6prefix': {
      const prefix = decodeIpv6Prefix(value);
      return prefix === undefined ? raw : ({ name, value: prefix } as DecodedAttribute);
    }
    case 'octets':
      return { name, value: value.slice() } as DecodedAttribute;
  }
}

function encodeAttribute(attribute: RequestAttribute): Uint8Array {
  const name: string = attribute?.name;
  const definition = definitionOf(name);
  if (!definition) throw new RadiusPacketError(`${JSON.stringify(name)} is not an attribute this codec knows`);
  if (name === 'Error-Cause') throw new RadiusPacketError('Error-Cause belongs in answers, not in requests');
  const value = encodeValue(name, definition.value, attribute.value);
  const limit = definition.vendor === undefined ? MAX_VALUE_LENGTH : MAX_VENDOR_VALUE_LENGTH;
  if (value.length === 0 || value.length > limit) {
    throw new RadiusPacketError(`${name} must hold 1 to ${limit} octets; this value has ${value.length}`);
  }
  if (definition.vendor === undefined) return concat(Uint8Array.of(definition.type, value.length + 2), value);
  const header = new Uint8Array(8);
  header[0] = VENDOR_SPECIFIC;
  header[1] = value.length + 8;
  writeUint32(header, 2, definition.vendor);
  header[6] = definition.type;
  header[7] = value.length + 2;
  return concat(header, value);
}

function encodeValue(name: string, type: ValueType, value: unknown): Uint8Array {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new RadiusPacketError(`${name} takes a string`);
      return encodeUtf8(value, name);
    case 'integer':
    case 'date': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new RadiusPacketError(`${name} takes an integer from 0 to 4294967295, not ${String(value)}`);
      }
      const bytes = new Uint8Array(4);
      writeUint32(bytes, 0, value);
      return bytes;
    }
    case 'ipaddr': {
      const address = typeof value === 'string' ? parseIpv4(value) : undefined;
      if (!address) throw new RadiusPacketError(`${name} takes an IPv4 address like 192.0.2.1, not ${String(value)}`);
      return address;
    }
    case 'ipv6addr': {
      const address = typeof value === 'string' ? parseIpv6(value) : undefined;
      if (!address) throw new RadiusPacketError(`${name} takes an IPv6 address like 2001:db8::1, not ${String(value)}`);
      return address;
    }
    case 'ipv6prefix':
      return encodeIpv6Prefix(name, value);
    case 'octets':
      if (!(value instanceof Uint8Array)) throw new RadiusPacketError(`${name} takes octets (a Uint8Array)`);
      return value;
  }
}

/**
 * RFC 3162 §2.3: a reserved octet, the prefix length, then the prefix. All 16 octets of it, as
 * FreeRADIUS sends it (the RFC also allows only the significant ones; some NASes want all).
 */
function encodeIpv6Prefix(name: string, value: unknown): Uint8Array {
  const match = typeof value === 'string' ? /^(.+)\/(\d{1,3})$/.exec(value) : null;
  const address = match ? parseIpv6(match[1] as string) : undefined;
  const length = match ? Number(match[2]) : -1;
  if (!address || length > 128) {
    throw new RadiusPacketError(`${name} takes an IPv6 prefix like 2001:db8:0:100::/56, not ${String(value)}`);
  }
  if (!hostBitsClear(address, length)) {
    throw new RadiusPacketError(`${name} ${String(value)} has address bits set past /${length}`);
  }
  return concat(Uint8Array.of(0, length), address);
}

function decodeIpv6Prefix(value: Uint8Array): string | undefined {
  if (value.length < 2 || value.length > 18 || value[0] !== 0) return undefined;
  const length = value[1] as number;
  if (length > 128 || value.length - 2 < Math.ceil(length / 8)) return undefined;
  const address = new Uint8Array(16);
  address.set(value.subarray(2));
  if (!hostBitsClear(address, length)) return undefined;
  return `${formatIpv6(address)}/${length}`;
}

function hostBitsClear(address: Uint8Array, length: number): boolean {
  for (let bit = length; bit < 128; bit++) {
    if (((address[bit >> 3] as number) >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)) {
    return undefined;
  }
  return Uint8Array.from(parts, Number);
}

/** An IPv6 address in any RFC 4291 §2.2 form (`::`, embedded IPv4), as 16 octets. */
function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string, last: boolean): number[] | undefined => {
    if (part === '') return [];
    const pieces = part.split(':');
    const out: number[] = [];
    for (const [i, piece] of pieces.entries()) {
      if (last && i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] as string, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** RFC 5952 text: lowercase, no leading zeros, the first longest run of two or more zero groups as `::`. */
function formatIpv6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((group) => group.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** UTF-8 of a string; lone surrogates are refused rather than silently replaced. */
export function encodeUtf8(text: string, what = 'the shared secret'): Uint8Array {
  const out: number[] = [];
  for (const char of text) {
    const c = char.codePointAt(0) as number;
    if (c >= 0xd800 && c <= 0xdfff)
      throw new RadiusPacketError(`${what} is not well-formed Unicode (a lone surrogate)`);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Text of UTF-8 octets; each ill-formed sequence becomes U+FFFD exactly as the WHATWG decoder does. */
export function decodeUtf8(bytes: Uint8Array): string {
  const points: number[] = [];
  let needed = 0;
  let seen = 0;
  let point = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (needed === 0) {
      if (b <= 0x7f) points.push(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        point = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
        point = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        point = b & 0x7;
      } else points.push(0xfffd);
      continue;
    }
    if (b < lower || b > upper) {
      needed = seen = point = 0;
      lower = 0x80;
      upper = 0xbf;
      points.push(0xfffd);
      i--; // the byte starts afresh
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    point = (point << 6) | (b & 0x3f);
    if (++seen === needed) {
      points.push(point);
      needed = seen = point = 0;
    }
  }
  if (needed !== 0) points.push(0xfffd);
  let text = '';
  for (let i = 0; i < points.length; i += 4096) text += String.fromCodePoint(...points.slice(i, i + 4096));
  return text;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 0x1000000 +
    (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
  );
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = Math.floor(value / 0x1000000) & 0xff;
  bytes[at + 1] = (value >> 16) & 0xff;
  bytes[at + 2] = (value >> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Compares in time independent of where the octets differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

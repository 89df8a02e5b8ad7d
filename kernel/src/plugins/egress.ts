// The host side of a plugin's `egress.fetch`: one HTTP request to a host its manifest declares
// (or to the URL the tenant set in a config property its manifest names), on a port it declares,
// to public addresses only, on a socket pinned to the address checked.
import { promises as dns } from 'node:dns';
import { request as httpRequest, type IncomingMessage, validateHeaderName, validateHeaderValue } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { EgressAnswer, EgressRequest } from '@dotmac/schemas/contract/capabilities';
import type { EgressRule } from '@dotmac/schemas/types/plugin-manifest';
import { ConfigError, DotmacError } from '../errors.ts';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** What the operator decides about egress, beyond what each manifest declares. */
export interface EgressPolicy {
  /** CIDR ranges an operator allows despite being private/loopback/link-local (e.g. '127.0.0.0/8' for a local test server). Default none. */
  readonly allowNetworks?: readonly string[];
  /** Allow plain http:// (an operator/test setting). Default false: https only. */
  readonly allowHttp?: boolean;
  /** Time the whole request may take, resolution and response body included; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Largest response body accepted; default 5 MiB. */
  readonly maxResponseBytes?: number;
  /** Resolves a host name to addresses; default dns.promises.lookup(host, { all: true }). Injectable for tests. */
  readonly lookup?: (host: string) => Promise<readonly ResolvedAddress[]>;
}

/** A plugin's egress request broke a rule (undeclared host or port, private address, bad request). */
export class EgressRefusedError extends DotmacError {
  override readonly status = 403;
  override readonly type = 'egress-refused';
  override readonly title = 'Egress refused';
}

/** An allowed egress request did not get a usable answer (connection, timeout, size). */
export class EgressFailedError extends DotmacError {
  override readonly status = 502;
  override readonly type = 'egress-failed';
  override readonly title = 'Egress request failed';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
// The kernel frames the request itself; a plugin setting these could smuggle a second request.
const RESERVED_HEADERS = new Set(['host', 'connection', 'transfer-encoding', 'content-length']);
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** Builds a block list from CIDR ranges; calls `onInvalid` on a range that does not parse. */
export function blockListOf(ranges: readonly string[], onInvalid: (range: string) => never): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', bits, ...rest] = range.split('/');
    const family = isIP(address);
    const prefix = Number(bits);
    const maxPrefix = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || !/^\d+$/.test(bits ?? '') || prefix > maxPrefix) onInvalid(range);
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const invalidBuiltIn = (range: string): never => {
  throw new Error(`bad built-in range ${range}`);
};

// Special-purpose ranges (RFC 6890 and friends): loopback, private, shared, link-local,
// documentation, benchmarking, multicast and reserved space are never "the internet".
const NON_PUBLIC_V4 = blockListOf(
  [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.168.0.0/16',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '224.0.0.0/4',
    '240.0.0.0/4',
    '255.255.255.255/32',
  ],
  invalidBuiltIn,
);
const NON_PUBLIC_V6 = blockListOf(
  ['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '2001:db8::/32', '64:ff9b::/96'],
  invalidBuiltIn,
);

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else undefined. */
export function mappedIPv4(address: string): string | undefined {
  let normal: string;
  try {
    // The URL parser writes every IPv6 spelling in one canonical form (::ffff:7f00:1).
    normal = new URL(`http://[${address}]/`).hostname;
  } catch {
    return undefined;
  }
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(normal);
  if (!match) return undefined;
  const high = Number.parseInt(match[1] ?? '', 16);
  const low = Number.parseInt(match[2] ?? '', 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** True when `address` is an IP address inside `list` (IPv4-mapped IPv6 judged as its IPv4). */
export function inList(list: BlockList, address: string): boolean {
  // A zone id (fe80::1%eth0) names a local interface: never inside any listed network.
  if (address.includes('%')) return false;
  const family = isIP(address);
  if (family === 4) return list.check(address, 'ipv4');
  if (family !== 6) return false;
  const v4 = mappedIPv4(address);
  return v4 === undefined ? list.check(address, 'ipv6') : list.check(v4, 'ipv4');
}

/** True for addresses a plugin may reach without an operator's allowance. */
export function isPublicAddress(address: string): boolean {
  if (isIP(address) === 0 || address.includes('%')) return false;
  const v4 = isIP(address) === 4 ? address : mappedIPv4(address);
  return v4 === undefined ? !NON_PUBLIC_V6.check(address, 'ipv6') : !NON_PUBLIC_V4.check(v4, 'ipv4');
}

/** A rule naming a host (the others name a config property holding a URL). */
type HostRule = EgressRule & { readonly host: string };

/** True when `host` (lowercase) is `rule`'s host, or a subdomain of it for a `*.` rule. */
function ruleMatches(rule: HostRule, host: string): boolean {
  const pattern = rule.host.toLowerCase();
  if (!pattern.startsWith('*.')) return host === pattern;
  const suffix = pattern.slice(1);
  return host.length > suffix.length && host.endsWith(suffix);
}

/** True when `target` is an http(s) URL with the scheme, host and port of `url`. */
function sameOrigin(target: string, url: URL): boolean {
  try {
    const allowed = new URL(target);
    return (allowed.protocol === 'https:' || allowed.protocol === 'http:') && allowed.origin === url.origin;
  } catch {
    return false;
  }
}

/** A lookup for node:http that answers only the address already checked, so DNS cannot change it. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/** Response headers with lowercase names, repeated ones joined with ', '. */
function headersOf(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(response.headersDistinct)) {
    if (values) headers[name] = values.join(', ');
  }
  return headers;
}

const defaultLookup = (host: string) => dns.lookup(host, { all: true });

/** A request that passed every check that needs no network. */
interface CheckedRequest {
  readonly url: URL;
  /** The URL without query or fragment, for messages. */
  readonly where: string;
  readonly https: boolean;
  readonly hostname: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/**
 * A plugin's egress.fetch for one call: `configured` holds the URLs the calling tenant set in the
 * config properties the manifest's config rules name; their scheme, host and port are allowed too.
 */
export type EgressFetch = (request: EgressRequest, configured?: readonly string[]) => Promise<EgressAnswer>;

/** The fetch function serving one plugin's egress.fetch capability calls. */
export function createEgressFetch(label: string, rules: readonly EgressRule[], policy: EgressPolicy = {}): EgressFetch {
  const hostRules = rules.filter((rule): rule is HostRule => rule.host !== undefined);
  const configNames = rules.flatMap((rule) => (rule.config === undefined ? [] : [rule.config]));
  const allowed = blockListOf(policy.allowNetworks ?? [], (range) => {
    throw new ConfigError([`egress allowNetworks: ${range} is not a CIDR range like 127.0.0.0/8 or fd00::/8`]);
  });
  const timeoutMs = policy.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = policy.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const lookup = policy.lookup ?? defaultLookup;
  const refuse = (what: string, why: string) => new EgressRefusedError(`${label} may not fetch ${what}: ${why}`);

  /** Checks everything that can be checked without the network; answers the parts to send. */
  function checkRequest(request: EgressRequest, configured: readonly string[]): CheckedRequest {
    if (typeof request !== 'object' || request === null || typeof request.url !== 'string') {
      throw new EgressRefusedError(`${label}: egress.fetch needs a request object with a string url`);
    }
    const { url: text, method: asked = 'GET', headers = {}, body } = request;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw refuse(JSON.stringify(text.slice(0, 200)), 'it is not an absolute URL');
    }
    // Named without query or fragment: those often carry keys, and these messages get logged.
    const where = `${url.origin}${url.pathname}`;
    const https = url.protocol === 'https:';
    if (!https && !(url.protocol === 'http:' && policy.allowHttp)) {
      const schemes = policy.allowHttp ? 'https and http' : 'https';
      throw refuse(where, `egress allows ${schemes} URLs only, not ${url.protocol.slice(0, -1)}`);
    }
    if (url.username || url.password) {
      throw refuse(where, 'the URL carries a user name or password; send credentials in a header instead');
    }
    const method = typeof asked === 'string' ? asked.toUpperCase() : '';
    if (!METHODS.has(method)) {
      throw refuse(where, `method ${String(asked)} is not one of ${[...METHODS].join(', ')}`);
    }
    if (body !== undefined && typeof body !== 'string') throw refuse(where, 'the body is not a string');
    if (body !== undefined && Buffer.byteLength(body) > MAX_REQUEST_BODY_BYTES) {
      throw refuse(where, `the body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
    }
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      throw refuse(where, 'headers is not an object of header names to string values');
    }
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') throw refuse(where, `header ${name} is not a string`);
      if (RESERVED_HEADERS.has(name.toLowerCase()))
        throw refuse(where, `header ${name} is set by the kernel, not plugins`);
      try {
        validateHeaderName(name);
        validateHeaderValue(name, value);
      } catch (e) {
        throw refuse(where, `header ${name} is not valid HTTP: ${(e as Error).message}`);
      }
    }

    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // The tenant chose this URL: its host may be an IP address and its port any; the address
    // check after resolution still applies.
    if (configured.some((target) => sameOrigin(target, url))) {
      return { url, where, https, hostname, method, headers, body };
    }
    if (isIP(hostname) !== 0) {
      throw refuse(where, `${url.hostname} is an IP address; egress rules name hosts, so use a declared host name`);
    }
    const matching = hostRules.filter((rule) => ruleMatches(rule, hostname));
    if (matching.length === 0) {
      const inConfig = configNames.length
        ? `, and it is not the URL the tenant set in config ${configNames.join(', ')}`
        : '';
      throw refuse(where, `its manifest declares no egress rule for ${hostname}${inConfig}`);
    }
    const port = url.port ? Number(url.port) : https ? 443 : 80;
    const ports = new Set(matching.flatMap((rule) => rule.ports ?? [https ? 443 : 80]));
    if (!ports.has(port)) {
      throw refuse(where, `port ${port} is not declared for ${hostname} (declared: ${[...ports].join(', ')})`);
    }
    return { url, where, https, hostname, method, headers, body };
  }

  /** The error for an allowed request that got no usable answer. */
  const failed = (where: string, why: string, cause?: unknown) =>
    new EgressFailedError(`${label}: fetching ${where} failed: ${why}`, cause === undefined ? undefined : { cause });

  /** Resolves `hostname` once and answers the address to connect to, after checking every answer. */
  async function resolveChecked(where: string, hostname: string): Promise<string> {
    if (isIP(hostname) !== 0) {
      if (!isPublicAddress(hostname) && !inList(allowed, hostname)) {
        throw refuse(where, `${hostname} is not a public address`);
      }
      return hostname;
    }
    let answers: readonly ResolvedAddress[];
    try {
      answers = await lookup(hostname);
    } catch (e) {
      throw failed(where, `cannot resolve ${hostname}: ${(e as Error).message}`, e);
    }
    const [first] = answers;
    if (!first) throw failed(where, `${hostname} has no address`);
    // Every answer must pass: otherwise a name could list one public and one private address.
    for (const { address } of answers) {
      if (!isPublicAddress(address) && !inList(allowed, address)) {
        throw refuse(where, `${hostname} resolves to ${address}, which is not a public address`);
      }
    }
    return first.address;
  }

  /** Sends the checked request to `address` and reads the answer, until `deadline` aborts. */
  function send(checked: CheckedRequest, address: string, deadline: AbortSignal): Promise<EgressAnswer> {
    const { url, where, https, method, headers, body } = checked;
    const tooLarge = () =>
      failed(where, `the response is larger than ${maxResponseBytes} bytes (egress maxResponseBytes)`);
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, answer?: EgressAnswer) => {
        if (settled) return;
        settled = true;
        deadline.removeEventListener('abort', onAbort);
        if (error) {
          outgoing.destroy();
          reject(error);
        } else resolve(answer as EgressAnswer);
      };
      const onAbort = () => settle(timedOut(where));
      // agent: false, because a pooled socket may have been connected, for another plugin or an
      // earlier answer of DNS, to an address this request's check never saw.
      const outgoing = (https ? httpsRequest : httpRequest)(
        url,
        { method, headers, agent: false, lookup: pinnedLookup(address) },
        (response) => {
          if (Number(response.headers['content-length']) > maxResponseBytes) return settle(tooLarge());
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) settle(tooLarge());
            else chunks.push(chunk);
          });
          response.on('error', (e) => settle(failed(where, e.message, e)));
          response.on('end', () =>
            settle(undefined, {
              status: response.statusCode ?? 0,
              headers: headersOf(response),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      outgoing.on('error', (e) => settle(failed(where, e.message, e)));
      if (deadline.aborted) return onAbort();
      deadline.addEventListener('abort', onAbort);
      outgoing.end(body);
    });
  }

  const timedOut = (where: string) => failed(where, `no complete answer within ${timeoutMs} ms (egress timeoutMs)`);

  return async (request, configured = []) => {
    const checked = checkRequest(request, configured);
    // One deadline for resolution, connection and body alike. A plain timer, not
    // AbortSignal.timeout(): that signal can be garbage-collected before it fires, and the
    // request would then hang instead of timing out.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const expired = new Promise<never>((_, reject) =>
      deadline.signal.addEventListener('abort', () => reject(timedOut(checked.where)), { once: true }),
    );
    expired.catch(() => undefined); // Only a race reads it; an unread expiry is no error.
    try {
      const address = await Promise.race([resolveChecked(checked.where, checked.hostname), expired]);
      return await send(checked, address, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  };
}

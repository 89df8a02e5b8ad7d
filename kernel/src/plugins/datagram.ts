// The host side of a plugin's `egress.datagram`: one UDP datagram (a RADIUS CoA or
// Disconnect-Request, RFC 5176) to an IP address inside the networks the operator allows, on a
// port the manifest declares, from a fresh socket; the answer is the first datagram back from
// exactly that address and port.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { DatagramAnswer, DatagramRequest } from '@dotmac/schemas/contract/capabilities';
import { ConfigError, ValidationError } from '../errors.ts';
import { blockListOf, EgressFailedError, EgressRefusedError, inList, mappedIPv4 } from './egress.ts';

/** What the operator allows plugins' datagrams: nothing but the networks listed. */
export interface DatagramPolicy {
  /** CIDR ranges datagrams may go to (DATAGRAM_ALLOW_NETWORKS). Default none: every datagram is refused. */
  readonly allowNetworks?: readonly string[];
}

/** Largest datagram a plugin may send, in bytes: RADIUS's own limit (RFC 2865 §3, RFC 5176 §3). */
export const MAX_DATAGRAM_BYTES = 4096;
/** How long a datagram waits for its answer when the plugin does not say, in ms. */
export const DEFAULT_DATAGRAM_TIMEOUT_MS = 3000;

// Padded base64 of at least one byte: the SDK's encoding, and Buffer's, exactly.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

// Addresses that are not one host: "this network", multicast, and the reserved 240/4 whose last
// address is the limited broadcast. No allowed network admits them, so even an operator's
// 0.0.0.0/0 cannot turn a plugin's datagram into a flood. Directed broadcasts (10.0.0.255 on a
// /24) are stopped by the operating system: the socket never sets SO_BROADCAST.
const NEVER = blockListOf(['0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '::/128', 'ff00::/8'], (range) => {
  throw new Error(`bad built-in range ${range}`);
});

/** One spelling per address, so the source of an answer compares equal to where the datagram went. */
function canonical(address: string): string {
  if (isIP(address) !== 6) return address;
  // The URL parser writes every IPv6 spelling in one canonical form (0:0::1 → ::1).
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** Bytes in the base64 text `payload` (already known to be padded base64), without decoding it. */
function decodedLength(payload: string): number {
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  return (payload.length / 4) * 3 - padding;
}

/** The function serving one plugin's `egress.datagram` calls. */
export function createDatagramRequest(
  label: string,
  ports: readonly number[],
  policy: DatagramPolicy = {},
): (request: DatagramRequest, signal?: AbortSignal) => Promise<DatagramAnswer> {
  const allowed = blockListOf(policy.allowNetworks ?? [], (range) => {
    throw new ConfigError([`DATAGRAM_ALLOW_NETWORKS: ${range} is not a CIDR range like 10.20.0.0/16 or fd00::/8`]);
  });
  const noneAllowed = (policy.allowNetworks ?? []).length === 0;
  const declared = new Set(ports);

  /** Checks everything about the request; answers the address to send to and the bytes. */
  function check({ host, port, payload }: DatagramRequest): { address: string; where: string; bytes: Buffer } {
    const family = isIP(host);
    const where = family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
    const refuse = (why: string) => new EgressRefusedError(`${label} may not send a datagram to ${where}: ${why}`);
    if (!BASE64.test(payload)) {
      const detail = 'must be padded base64 (A-Z a-z 0-9 + /, = at the end) of at least 1 byte';
      throw new ValidationError(`${label}: egress.datagram: /args/payload ${detail}`, [
        { pointer: '/args/payload', detail },
      ]);
    }
    if (family === 0) {
      throw new EgressRefusedError(
        `${label} may not send a datagram to ${JSON.stringify(host.slice(0, 100))}: it is not an IP address; datagrams go to IP addresses only, never names`,
      );
    }
    if (!declared.has(port)) {
      const list = [...declared].join(', ') || 'none';
      throw refuse(`port ${port} is not declared in its manifest's capabilities.datagram.ports (declared: ${list})`);
    }
    const size = decodedLength(payload);
    if (size > MAX_DATAGRAM_BYTES) {
      throw refuse(`the payload is ${size} bytes; a datagram carries at most ${MAX_DATAGRAM_BYTES}`);
    }
    if (inList(NEVER, host)) {
      throw refuse(`${host} is a multicast, broadcast or unspecified address, which datagrams never go to`);
    }
    if (!inList(allowed, host)) {
      throw refuse(
        `${host} is not inside the networks the operator allows datagrams to (DATAGRAM_ALLOW_NETWORKS${noneAllowed ? ', which lists none' : ''})`,
      );
    }
    // An IPv4-mapped address was judged as its IPv4, so it is sent as one.
    return { address: canonical(mappedIPv4(host) ?? host), where, bytes: Buffer.from(payload, 'base64') };
  }

  return async (request, signal) => {
    const { address, where, bytes } = check(request);
    const port = request.port;
    const timeoutMs = request.timeoutMs ?? DEFAULT_DATAGRAM_TIMEOUT_MS;
    const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    return new Promise<DatagramAnswer>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, answer: Buffer | null = null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.close();
        if (error) reject(error);
        else resolve({ payload: answer === null ? null : answer.toString('base64') });
      };
      // The plugin's context is going away: nobody will read an answer, so stop waiting for one.
      const onAbort = () => settle(undefined);
      const timer = setTimeout(() => settle(undefined), timeoutMs);
      socket.on('message', (message, from) => {
        // Anything from elsewhere, even another port of the same host, is not the answer.
        if (from.port === port && canonical(from.address) === address) settle(undefined, message);
      });
      const fail = (e: Error) =>
        settle(new EgressFailedError(`${label}: sending a datagram to ${where} failed: ${e.message}`, { cause: e }));
      socket.on('error', fail);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      // Port 0: an ephemeral port of this socket's own, so answers to other calls never mix.
      socket.bind(0, () => {
        if (settled) return;
        socket.send(bytes, port, address, (e) => {
          if (e) fail(e);
        });
      });
    });
  };
}

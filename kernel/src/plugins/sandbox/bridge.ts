// The host side of the bridge: who is calling (the envelope), where capability calls go (the
// router), and the codec of every message. Only strings of JSON cross; the host parses them with
// its own JSON and checks sizes and shapes, because nothing coming out of the isolate is trusted.
import { Buffer } from 'node:buffer';
import { DotmacError } from '../../errors.ts';

/**
 * Who is calling, as the host bound it when it created the tenant's context. A router gets
 * identity from here only: plugin code cannot choose or forge it.
 */
export interface CallEnvelope {
  readonly pluginId: string;
  readonly version: string;
  readonly tenantId: string;
  /**
   * The user whose request the call serves, when it is a portal user's; absent for the system
   * (events, jobs, the operator, API keys). The database scopes what the plugin sees by it.
   */
  readonly caller?: CallerScope;
}

/** The portal user a call serves: what the kernel's row-scoping rules need. */
export interface CallerScope {
  readonly portal: 'admin' | 'customer' | 'reseller' | 'technician';
  readonly userId: string;
  /** The customer account, reseller or technician record a non-staff login acts as. */
  readonly subjectId?: string;
}

/**
 * Serves a plugin's capability call (`ctx.call(capability, method, args)` inside the sandbox).
 * `args` is plain JSON data; the answer must be JSON too. `signal` aborts when the tenant's
 * context or the isolate is being discarded: the sandbox waits for pending calls to settle first.
 * A DotmacError's message reaches the plugin; any other error is logged and the plugin gets a
 * generic message, so host internals do not leak into plugin code.
 */
export type HostRouter = (
  envelope: CallEnvelope,
  capability: string,
  method: string,
  args: unknown,
  signal: AbortSignal,
) => Promise<unknown>;

/** Largest message (a payload, a result, a host call or its answer), in UTF-8 bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** How one call ended, as the bootstrap reported it. */
export type CallOutcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly kind: 'threw' | 'bad-result';
      readonly name: string;
      readonly message: string;
      readonly stack: string;
    };

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
const tooLarge = (what: string, bytes: number, max: number) =>
  `${what} is ${bytes} bytes of JSON; one message across the bridge may be at most ${max} bytes`;

/**
 * Parses JSON that came out of an isolate. `__proto__` keys are dropped, so the data stays plain
 * even if a router later merges it into an object (`Object.assign`, spread into a literal).
 */
export function parsePluginJson(text: string): unknown {
  return text.includes('"__proto__"')
    ? JSON.parse(text, (key, value) => (key === '__proto__' ? undefined : value))
    : JSON.parse(text);
}

/** The payload of a call as JSON text, or why it cannot be sent. */
export function encodePayload(
  payload: unknown,
  maxBytes: number,
): { readonly text: string } | { readonly problem: 'too-large' | 'not-json'; readonly detail: string } {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (e) {
    return { problem: 'not-json', detail: `the payload is not JSON (${(e as Error).message})` };
  }
  if (text === undefined) return { problem: 'not-json', detail: `the payload is not JSON (a ${typeof payload})` };
  const bytes = byteLength(text);
  if (bytes > maxBytes) return { problem: 'too-large', detail: tooLarge('the payload', bytes, maxBytes) };
  return { text };
}

/** Reads the `result` message of one call. Anything malformed is the plugin's `bad-result`. */
export function decodeCallResult(text: unknown, maxBytes: number): CallOutcome {
  const bad = (message: string): CallOutcome => ({
    ok: false,
    kind: 'bad-result',
    name: 'TypeError',
    message,
    stack: '',
  });
  if (typeof text !== 'string') return bad('the sandbox sent a result that is not text');
  const bytes = byteLength(text);
  if (bytes > maxBytes) return bad(tooLarge('the return value', bytes, maxBytes));
  let message: unknown;
  try {
    message = parsePluginJson(text);
  } catch {
    return bad('the sandbox sent a result that is not JSON');
  }
  if (!Array.isArray(message)) return bad('the sandbox sent a malformed result');
  if (message[0] === true && message.length === 2) return { ok: true, value: message[1] };
  const [ok, kind, name, error, stack] = message;
  if (ok !== false || (kind !== 'threw' && kind !== 'bad-result') || typeof name !== 'string') {
    return bad('the sandbox sent a malformed result');
  }
  return {
    ok: false,
    kind,
    name,
    message: typeof error === 'string' ? error : '',
    stack: typeof stack === 'string' ? stack : '',
  };
}

/** One capability request from plugin code, checked. */
export interface HostRequest {
  readonly capability: string;
  readonly method: string;
  readonly args: unknown;
  /** The call whose handler made the request. */
  readonly callId: number;
}

/** Serves a capability call; the sandbox passes one bound to the context's envelope. */
export type ServeHostRequest = (request: HostRequest) => Promise<unknown>;

/**
 * Answers one `request` message. Never throws: every failure becomes an error answer the plugin
 * sees as a rejected promise. `onHostError` hears router errors that are not DotmacErrors (bugs
 * or outages on the host side), which the plugin only sees as a generic message.
 */
export async function answerHostRequest(
  text: unknown,
  serve: ServeHostRequest,
  maxBytes: number,
  onHostError: (error: unknown, request: HostRequest) => void,
): Promise<string> {
  const refuse = (name: string, message: string) => JSON.stringify([false, name, message]);
  if (typeof text !== 'string') return refuse('TypeError', 'dotmac.host: the request is not text');
  const bytes = byteLength(text);
  if (bytes > maxBytes) return refuse('RangeError', `dotmac.host: ${tooLarge('the request', bytes, maxBytes)}`);
  let parsed: unknown;
  try {
    parsed = parsePluginJson(text);
  } catch {
    return refuse('TypeError', 'dotmac.host: the request is not JSON');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    !Number.isSafeInteger(parsed[3]) ||
    parsed[3] < 1
  ) {
    return refuse('TypeError', 'dotmac.host: the request is malformed');
  }
  const request: HostRequest = { capability: parsed[0], method: parsed[1], args: parsed[2], callId: parsed[3] };
  const label = `${request.capability}.${request.method}`;
  let value: unknown;
  try {
    value = await serve(request);
  } catch (error) {
    if (error instanceof DotmacError) return refuse(error.name, error.message);
    onHostError(error, request);
    return refuse('HostError', `dotmac.host: the host could not serve ${label}; the error was logged`);
  }
  let answer: string | undefined;
  try {
    answer = JSON.stringify([true, value === undefined ? null : value]);
  } catch (error) {
    onHostError(error, request);
    return refuse('HostError', `dotmac.host: the host's answer to ${label} is not JSON; the error was logged`);
  }
  const answerBytes = byteLength(answer);
  if (answerBytes > maxBytes) {
    return refuse('RangeError', `dotmac.host: ${tooLarge(`the answer to ${label}`, answerBytes, maxBytes)}`);
  }
  return answer;
}

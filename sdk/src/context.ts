// What a handler receives: the capability clients, thin typed wrappers over the sandbox's
// `ctx.call(capability, method, args)`. Identity is not an argument anywhere: the host takes
// the tenant and the plugin from the call's envelope.
import { decodeBase64, encodeBase64 } from './base64.ts';
import type { CapabilityWire, EgressAnswer, EnqueueOptions, OutgoingEvent, SqlStatement } from './capabilities.ts';

/** The context object the sandbox passes to every handler (see the kernel's bootstrap). */
export interface SandboxContext {
  /** Tenant of this call, bound by the host. */
  readonly tenantId: string;
  /** Log lines, served by the sandbox. */
  readonly log: {
    readonly info: (message: string, data?: unknown) => Promise<unknown>;
    readonly warn: (message: string, data?: unknown) => Promise<unknown>;
    readonly error: (message: string, data?: unknown) => Promise<unknown>;
  };
  /** Calls a capability on the host. */
  readonly call: (capability: string, method: string, args: unknown) => Promise<unknown>;
}

/** The plugin's own database schema, for the calling tenant (row-level security applies). */
export interface DbClient {
  /** Runs one parameterised statement and resolves to its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs statements in one transaction (one bridge crossing); `events` are published in it. */
  transaction(
    statements: readonly SqlStatement[],
    options?: { readonly events?: readonly OutgoingEvent[] },
  ): Promise<Record<string, unknown>[][]>;
}

/** Publishes the events the manifest declares. */
export interface EventsClient {
  /** Publishes `name` with `payload` for the calling tenant; resolves to the event id. */
  publish(name: string, payload: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }>;
}

/** Enqueues the jobs the manifest declares. */
export interface JobsClient {
  /** Enqueues job `name` with `data` for the calling tenant; resolves to the job id. */
  enqueue(name: string, data?: unknown, options?: EnqueueOptions): Promise<{ readonly id: string }>;
}

/** The calling tenant's configuration of this plugin, validated against the manifest's schema. */
export interface ConfigClient {
  /** The tenant's config object. */
  get<Config = Record<string, unknown>>(): Promise<Config>;
}

/** Secrets the manifest declares, set per tenant by an operator. */
export interface SecretsClient {
  /** The secret's value, or null when the operator has not set it. */
  get(name: string): Promise<string | null>;
}

/** Options of an egress fetch. */
export interface FetchInit {
  /** HTTP method; GET when absent. */
  readonly method?: string;
  /** Request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body as text. */
  readonly body?: string;
}

/** An egress response: plain data, since the sandbox has no `Response`. */
export interface FetchResponse extends EgressAnswer {
  /** True for a 2xx status. */
  readonly ok: boolean;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/** Options of a datagram request. */
export interface DatagramOptions {
  /** How long to wait for the answer, 50 to 10 000 ms; 3000 when absent. */
  readonly timeoutMs?: number;
}

/** UDP to the network's own devices (RADIUS CoA and Disconnect-Request to a NAS, RFC 5176). */
export interface DatagramClient {
  /**
   * Sends `bytes` (1 to 4096) as one datagram from a fresh socket to `host` (an IP address inside
   * the operator's DATAGRAM_ALLOW_NETWORKS) on `port` (declared in `capabilities.datagram.ports`);
   * resolves to the first datagram back from that host and port, or null when none came in time.
   */
  request(host: string, port: number, bytes: Uint8Array, options?: DatagramOptions): Promise<Uint8Array | null>;
}

/** Functions other plugins export, declared in the manifest's `capabilities.services.calls`. */
export interface ServicesClient {
  /** Calls `target` (`<plugin id>.<function>`) with `input`; resolves to its output. */
  call<Output = unknown>(target: string, input?: unknown): Promise<Output>;
}

/** Log lines tagged with the plugin and the tenant. */
export interface LogClient {
  /** Something worth knowing happened. */
  info(message: string, data?: unknown): Promise<void>;
  /** Something looks wrong but the call goes on. */
  warn(message: string, data?: unknown): Promise<void>;
  /** Something failed. */
  error(message: string, data?: unknown): Promise<void>;
}

/** The host's clock: use it instead of `Date.now()`, so tests can move time. */
export interface ClockClient {
  /** The current time. */
  now(): Promise<Date>;
}

/** Everything a handler can do: exactly the capabilities, nothing ambient. */
export interface PluginContext {
  /** Tenant this call is for. */
  readonly tenantId: string;
  /** The plugin's own database schema. */
  readonly db: DbClient;
  /** Event publishing. */
  readonly events: EventsClient;
  /** Job enqueueing. */
  readonly jobs: JobsClient;
  /** Per-tenant configuration. */
  readonly config: ConfigClient;
  /** Per-tenant secrets. */
  readonly secrets: SecretsClient;
  /** Fetch from the hosts the manifest declares (egress). */
  readonly fetch: (url: string, init?: FetchInit) => Promise<FetchResponse>;
  /** Datagrams to the ports the manifest declares, on the networks the operator allows. */
  readonly datagram: DatagramClient;
  /** Other plugins' exported functions. */
  readonly services: ServicesClient;
  /** Logging. */
  readonly log: LogClient;
  /** Time. */
  readonly clock: ClockClient;
}

/** Sends one capability call with the argument and result types of `CapabilityWire`. */
function caller(raw: SandboxContext) {
  return <K extends keyof CapabilityWire>(call: K, args: CapabilityWire[K]['args']) => {
    const dot = call.indexOf('.');
    return raw.call(call.slice(0, dot), call.slice(dot + 1), args) as Promise<CapabilityWire[K]['result']>;
  };
}

/** Wraps the sandbox's context in the typed capability clients. */
export function createPluginContext(raw: SandboxContext): PluginContext {
  const send = caller(raw);
  const log = (level: 'info' | 'warn' | 'error') => async (message: string, data?: unknown) => {
    await send(`log.${level}`, data === undefined ? { message } : { message, data });
  };
  return Object.freeze({
    tenantId: raw.tenantId,
    db: Object.freeze({
      query: async <Row>(sql: string, params: readonly unknown[] = []) =>
        (await send('db.query', { sql, params })) as Row[],
      transaction: (statements: readonly SqlStatement[], options?: { readonly events?: readonly OutgoingEvent[] }) =>
        send('db.batch', options?.events ? { statements, events: options.events } : { statements }),
    }),
    events: Object.freeze({
      publish: (name: string, payload: OutgoingEvent['payload']) => send('events.publish', { name, payload }),
    }),
    jobs: Object.freeze({
      enqueue: (name: string, data: unknown = null, options: EnqueueOptions = {}) =>
        send('jobs.enqueue', { ...options, name, data }),
    }),
    config: Object.freeze({ get: async <Config>() => (await send('config.get', null)) as Config }),
    secrets: Object.freeze({ get: (name: string) => send('secrets.get', { name }) }),
    fetch: async (url: string, init: FetchInit = {}) => toFetchResponse(await send('egress.fetch', { ...init, url })),
    datagram: Object.freeze({
      request: async (host: string, port: number, bytes: Uint8Array, options: DatagramOptions = {}) => {
        const payload = encodeBase64(bytes);
        const { timeoutMs } = options;
        const answer = await send('egress.datagram', {
          host,
          port,
          payload,
          ...(timeoutMs !== undefined && { timeoutMs }),
        });
        return answer.payload === null ? null : decodeBase64(answer.payload);
      },
    }),
    services: Object.freeze({
      call: async <Output>(target: string, input: unknown = null) =>
        (await send('services.call', { target, input })) as Output,
    }),
    log: Object.freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
    clock: Object.freeze({ now: async () => new Date(await send('clock.now', null)) }),
  });
}

function toFetchResponse(answer: EgressAnswer): FetchResponse {
  return Object.freeze({
    status: answer.status,
    headers: answer.headers,
    body: answer.body,
    ok: answer.status >= 200 && answer.status < 300,
    json: <T>() => JSON.parse(answer.body) as T,
  });
}

// The wire contract of capability calls: which capability/method names exist and what JSON
// travels for each. The SDK's clients send exactly these; the kernel's host router serves them.

/**
 * Capability → its methods, as `ctx.call(capability, method, args)` names them inside the
 * sandbox. The kernel's host router imports this table so both sides use the same strings.
 * `log` is served by the sandbox itself; every other capability by the host router.
 */
export const CAPABILITY_METHODS = {
  db: ['query', 'batch'],
  events: ['publish'],
  jobs: ['enqueue'],
  config: ['get'],
  secrets: ['get'],
  egress: ['fetch', 'datagram'],
  services: ['call'],
  log: ['info', 'warn', 'error'],
  clock: ['now'],
} as const satisfies Record<string, readonly string[]>;

/** A capability name (`db`, `events`, …). */
export type Capability = keyof typeof CAPABILITY_METHODS;

/** A `capability.method` pair (`db.query`). */
export type CapabilityCall = {
  [C in Capability]: `${C}.${(typeof CAPABILITY_METHODS)[C][number]}`;
}[Capability];

/** One parameterised SQL statement: `$1`, `$2`… in `sql` refer to `params`. */
export interface SqlStatement {
  /** SQL run in the plugin's own schema, for the calling tenant. */
  readonly sql: string;
  /** JSON values bound to `$1`, `$2`, … */
  readonly params?: readonly unknown[];
}

/** An event to publish: a name the manifest declares and a payload valid against its schema. */
export interface OutgoingEvent {
  /** Event name, declared in the manifest's `capabilities.events.publish`. */
  readonly name: string;
  /** Payload, validated against the declared schema. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** How to enqueue a job. */
export interface EnqueueOptions {
  /** Run no sooner than this many milliseconds from now. */
  readonly delayMs?: number;
  /** A job with the same key already waiting is not enqueued again (idempotent enqueue). */
  readonly key?: string;
}

/** An egress request, as it crosses the bridge. */
export interface EgressRequest {
  /** Absolute https URL on a host the manifest declares under `capabilities.egress`. */
  readonly url: string;
  /** HTTP method; GET when absent. */
  readonly method?: string;
  /** Request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body, as text (JSON.stringify it yourself). */
  readonly body?: string;
}

/** An egress response, as it crosses the bridge. */
export interface EgressAnswer {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers, lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Response body, as text. */
  readonly body: string;
}

/** A datagram to send, as it crosses the bridge (`egress.datagram`). */
export interface DatagramRequest {
  /** IPv4 or IPv6 address (never a name) inside the operator's DATAGRAM_ALLOW_NETWORKS. */
  readonly host: string;
  /** UDP port, declared in the manifest's `capabilities.datagram.ports`. */
  readonly port: number;
  /** The datagram, base64: 1 to 4096 bytes once decoded. */
  readonly payload: string;
  /** How long to wait for the answer, 50 to 10 000 ms; 3000 when absent. */
  readonly timeoutMs?: number;
}

/** What came back for a datagram, as it crosses the bridge. */
export interface DatagramAnswer {
  /** The first datagram received from that host and port, base64; null when none came in time. */
  readonly payload: string | null;
}

/** Args and result of each capability call: what the kernel validates and answers. */
export interface CapabilityWire {
  /** Runs one statement in its own transaction; answers its rows. */
  'db.query': { args: SqlStatement; result: Record<string, unknown>[] };
  /** Runs statements in one transaction, then publishes `events` in it (outbox); answers each statement's rows. */
  'db.batch': {
    args: { statements: readonly SqlStatement[]; events?: readonly OutgoingEvent[] };
    result: Record<string, unknown>[][];
  };
  /** Publishes one event for the calling tenant; answers its id. */
  'events.publish': { args: OutgoingEvent; result: { id: string } };
  /** Enqueues a job the manifest declares; answers its id. */
  'jobs.enqueue': { args: { name: string; data: unknown } & EnqueueOptions; result: { id: string } };
  /** The calling tenant's config of this plugin. */
  'config.get': { args: null; result: Record<string, unknown> };
  /** One secret the manifest declares, for the calling tenant; null when the operator has not set it. */
  'secrets.get': { args: { name: string }; result: string | null };
  /** Fetches from a host the manifest declares. */
  'egress.fetch': { args: EgressRequest; result: EgressAnswer };
  /** Sends one UDP datagram from a fresh socket and answers the first datagram back from that host and port. */
  'egress.datagram': { args: DatagramRequest; result: DatagramAnswer };
  /** Calls `target` (`<plugin id>.<function>`), declared in the manifest's `capabilities.services.calls`. */
  'services.call': { args: { target: string; input: unknown }; result: unknown };
  /** Writes a log line at info level, tagged with plugin and tenant. */
  'log.info': { args: { message: string; data?: unknown }; result: null };
  /** Writes a log line at warn level. */
  'log.warn': { args: { message: string; data?: unknown }; result: null };
  /** Writes a log line at error level. */
  'log.error': { args: { message: string; data?: unknown }; result: null };
  /** The host's current time, ISO 8601 (injectable, so tests can move it). */
  'clock.now': { args: null; result: string };
}

// definePlugin: the one call a plugin's server code makes. It declares the handlers and, inside
// the sandbox, registers them with `dotmac.register` under the entry names of entries.ts.
import { createPluginContext, type PluginContext, type SandboxContext } from './context.ts';
import { Entry, PROBLEM_KEY, parseRouteKey, type RouteCaller, type RouteKey, type RouteProblem } from './entries.ts';

/** The path parameters of a route path (`/invoices/:id` → `{ id: string }`). */
export type RouteParams<Path extends string> = Path extends `${string}:${infer Param}/${infer Rest}`
  ? { readonly [K in Param]: string } & RouteParams<`/${Rest}`>
  : Path extends `${string}:${infer Param}`
    ? { readonly [K in Param]: string }
    : Record<never, string>;

/** The request a route handler gets, already validated against the manifest's schemas. */
export interface RouteRequest<Params = Record<string, string>, Body = unknown> {
  /** Path parameters (`:id`). */
  readonly params: Params;
  /** Query string parameters. */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** The JSON body; null when there is none. */
  readonly body: Body;
  /**
   * Who is calling: a user (with portal, permissions and, for a customer, reseller or
   * technician, the record they act as — scope what you answer by it), an API key, the
   * operator, or nobody on a public route.
   */
  readonly caller: RouteCaller;
}

/**
 * Handles one HTTP route. Its return value is the JSON response body, sent with the first 2xx
 * status the manifest documents for the route and validated against that response's schema.
 * Throwing a `RouteError` answers that 4xx status; any other throw is a plugin fault (500).
 */
export type RouteHandler<Key extends string = RouteKey> = (
  ctx: PluginContext,
  request: RouteRequest<Key extends `${string} ${infer Path}` ? RouteParams<Path> : Record<string, string>>,
) => Promise<unknown>;

/** One event delivered to the plugin (a name matching one of its subscriptions). */
export interface PluginEvent<Payload = Record<string, unknown>> {
  /** Event id, unique; use it to make handling idempotent. */
  readonly id: string;
  /** Event name (`invoice.issued`). */
  readonly name: string;
  /** Tenant the event happened in (always the tenant of the call). */
  readonly tenantId: string;
  /** The event payload, valid against its schema. */
  readonly payload: Payload;
  /** When it happened, ISO 8601. */
  readonly occurredAt: string;
}

/** Handles every event the manifest subscribes to. */
export type EventHandler = (ctx: PluginContext, event: PluginEvent) => Promise<void>;

/** Runs one job; `data` is what `jobs.enqueue` passed (null for cron runs). */
export type JobHandler = (ctx: PluginContext, data: unknown) => Promise<void>;

/** Serves one exported function to other plugins; throwing a RouteError refuses the call (not a fault). */
export type ServiceHandler = (ctx: PluginContext, input: unknown) => Promise<unknown>;

/** What a plugin's server code declares; each key must match the manifest. */
export interface PluginDefinition<Routes extends string = RouteKey> {
  /** Route handlers by `'<METHOD> <path>'`, the path as in the manifest's `capabilities.http.routes`. */
  readonly routes?: { readonly [Key in Routes]: RouteHandler<Key> };
  /** The handler of every event matching the manifest's `capabilities.events.subscribe`. */
  readonly onEvent?: EventHandler;
  /** Job handlers by job name, as in the manifest's `capabilities.jobs`. */
  readonly jobs?: Readonly<Record<string, JobHandler>>;
  /** Exported functions by name, as in the manifest's `capabilities.services.exports`. */
  readonly services?: Readonly<Record<string, ServiceHandler>>;
}

/** A handler as the sandbox calls it: JSON payload and the sandbox's context in, JSON out. */
export type EntryHandler = (payload: unknown, ctx: SandboxContext) => Promise<unknown>;

/** A defined plugin: its handlers under their entry names. */
export interface DotmacPlugin {
  /** Entry name → handler, exactly what was passed to `dotmac.register`. */
  readonly entries: Readonly<Record<string, EntryHandler>>;
}

/**
 * Refuses a request with a 4xx status, answered as problem+json: `throw new RouteError(404,
 * 'no notice 42')`. Unlike other errors it is not a fault of the plugin.
 */
export class RouteError extends Error {
  /** HTTP status, 400–499. */
  readonly status: number;
  /** Fields at fault, as JSON pointers into the request (`/body/area`). */
  readonly errors: RouteProblem['errors'];
  constructor(status: number, detail: string, errors?: RouteProblem['errors']) {
    super(detail);
    if (!Number.isInteger(status) || status < 400 || status > 499) {
      throw new RangeError(`RouteError: status must be 400-499, got ${status}`);
    }
    this.name = 'RouteError';
    this.status = status;
    this.errors = errors;
  }
}

/** The sandbox's global, present only inside a plugin isolate. */
interface SandboxGlobal {
  readonly dotmac?: { readonly register: (handlers: Record<string, EntryHandler>) => void };
}

const JOB_OR_SERVICE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Declares a plugin's server handlers. Inside the sandbox it registers them with the host
 * (`route:<METHOD> <path>`, `event`, `job:<name>`, `service:<name>`); elsewhere (tests) it only
 * returns them. Call it once, as the module's default export.
 */
export function definePlugin<const Routes extends string = never>(
  definition: PluginDefinition<Routes & RouteKey>,
): DotmacPlugin {
  const entries: Record<string, EntryHandler> = {};
  const problems: string[] = [];
  const notFunction = (section: string, table: object | undefined) => {
    for (const [name, handler] of Object.entries(table ?? {})) {
      if (typeof handler !== 'function') problems.push(`${section}: "${name}" is a ${typeof handler}, not a function`);
    }
  };
  notFunction('routes', definition.routes);
  notFunction('jobs', definition.jobs);
  notFunction('services', definition.services);
  for (const [key, handler] of Object.entries<RouteHandler>(definition.routes ?? {})) {
    if (!parseRouteKey(key)) problems.push(`routes: "${key}" must be "<GET|POST|PUT|PATCH|DELETE> /path"`);
    entries[Entry.route(key as RouteKey)] = async (payload, raw) => {
      try {
        return (await handler(createPluginContext(raw), toRouteRequest(payload))) ?? null;
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
        const problem: RouteProblem = {
          status: e.status,
          detail: e.message,
          ...(e.errors ? { errors: e.errors } : {}),
        };
        return { [PROBLEM_KEY]: problem };
      }
    };
  }
  const onEvent = definition.onEvent;
  if (onEvent) {
    entries[Entry.event] = async (payload, raw) => {
      await onEvent(createPluginContext(raw), payload as PluginEvent);
      return null;
    };
  }
  for (const [name, handler] of Object.entries(definition.jobs ?? {})) {
    if (!JOB_OR_SERVICE_NAME.test(name)) problems.push(`jobs: "${name}" is not a job name like generate-invoices`);
    entries[Entry.job(name)] = async (payload, raw) => {
      await handler(createPluginContext(raw), payload);
      return null;
    };
  }
  for (const [name, handler] of Object.entries(definition.services ?? {})) {
    if (!JOB_OR_SERVICE_NAME.test(name)) problems.push(`services: "${name}" is not a function name like findCustomer`);
    entries[Entry.service(name)] = async (payload, raw) => {
      try {
        return await handler(createPluginContext(raw), payload);
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
        return refusal(e);
      }
    };
  }
  for (const [name, handler] of Object.entries(definition as Record<string, unknown>)) {
    const known = name === 'routes' || name === 'onEvent' || name === 'jobs' || name === 'services';
    if (handler === undefined) continue;
    if (!known) problems.push(`"${name}" is not a definePlugin option (routes, onEvent, jobs, services)`);
    else if (name === 'onEvent' ? typeof handler !== 'function' : typeof handler !== 'object') {
      problems.push(`${name} has the wrong type`);
    }
  }
  if (problems.length > 0) throw new TypeError(`definePlugin: ${problems.join('; ')}`);
  const frozen = Object.freeze(entries);
  (globalThis as SandboxGlobal).dotmac?.register(frozen);
  return Object.freeze({ entries: frozen });
}

/** The answer that carries a RouteError to the host, which turns it back into the refusal. */
function refusal(e: RouteError): Record<string, RouteProblem> {
  const problem: RouteProblem = { status: e.status, detail: e.message, ...(e.errors ? { errors: e.errors } : {}) };
  return { [PROBLEM_KEY]: problem };
}

function toRouteRequest(payload: unknown): RouteRequest<never> {
  const p = (payload ?? {}) as Partial<RouteRequest<never>>;
  return Object.freeze({
    params: (p.params ?? {}) as never,
    query: p.query ?? {},
    body: p.body ?? null,
    caller: p.caller ?? ({ kind: 'anonymous' } as const),
  });
}

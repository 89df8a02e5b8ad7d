// The names under which a plugin bundle registers its handlers with `dotmac.register`, and
// under which the host calls them with `PluginSandbox.invoke(tenantId, entry, payload)`.
// The SDK and the kernel both import this module, so the two sides cannot drift apart.

/** HTTP methods a plugin route may declare (the manifest's `capabilities.http.routes[].method`). */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** One of the HTTP methods a plugin route may use. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A route key as written in `definePlugin({ routes })`: method, one space, manifest path. */
export type RouteKey = `${HttpMethod} /${string}`;

/**
 * Entry names, one convention for every kind of handler:
 * - `route:<METHOD> <path>` for an HTTP route (`route:GET /invoices/:id`), the path exactly as
 *   in the manifest;
 * - `event` for the single event handler, which receives every subscribed event;
 * - `events` for the same handler fed a batch of events in one call (one bridge crossing),
 *   answering one `EventOutcome` per event, in order (the sandbox serves it from `event`
 *   when a bundle registers no `events` handler of its own);
 * - `job:<name>` for a job (`job:generate-invoices`);
 * - `service:<function>` for an exported service function (`service:findCustomer`).
 */
export const Entry = {
  /** Entry of the route `key` (`GET /invoices/:id` → `route:GET /invoices/:id`). */
  route: (key: RouteKey): string => `route:${key}`,
  /** Entry of the event handler. */
  event: 'event',
  /** Entry of the event handler fed a batch: payload an array of events, answer an array of `EventOutcome`. */
  events: 'events',
  /** Entry of the job `name`. */
  job: (name: string): string => `job:${name}`,
  /** Entry of the exported service function `name`. */
  service: (name: string): string => `service:${name}`,
} as const;

/** What an entry name designates, as the host reads it. */
export type ParsedEntry =
  | { readonly kind: 'route'; readonly method: HttpMethod; readonly path: string }
  | { readonly kind: 'event' }
  | { readonly kind: 'events' }
  | { readonly kind: 'job'; readonly name: string }
  | { readonly kind: 'service'; readonly name: string };

const ROUTE_KEY = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/;

/** Reads an entry name back; undefined when it follows none of the conventions. */
export function parseEntry(entry: string): ParsedEntry | undefined {
  if (entry === Entry.event) return { kind: 'event' };
  if (entry === Entry.events) return { kind: 'events' };
  const colon = entry.indexOf(':');
  if (colon < 0) return undefined;
  const kind = entry.slice(0, colon);
  const rest = entry.slice(colon + 1);
  if (kind === 'route') {
    const match = ROUTE_KEY.exec(rest);
    return match ? { kind, method: match[1] as HttpMethod, path: match[2] as string } : undefined;
  }
  if ((kind === 'job' || kind === 'service') && rest.length > 0) return { kind, name: rest };
  return undefined;
}

/** Splits a route key (`GET /invoices/:id`) into method and path; undefined when malformed. */
export function parseRouteKey(key: string): { readonly method: HttpMethod; readonly path: string } | undefined {
  const match = ROUTE_KEY.exec(key);
  return match ? { method: match[1] as HttpMethod, path: match[2] as string } : undefined;
}

/** What the `events` entry answers for each event of a batch: handled, or the handler's error. */
export type EventOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * A route handler's refusal, answered by the host as problem+json with `status` (a 4xx) instead
 * of a fault. The SDK's `RouteError` produces it; a route answer `{ [PROBLEM_KEY]: RouteProblem }`
 * is read as one.
 */
export interface RouteProblem {
  /** HTTP status, 400–499. */
  readonly status: number;
  /** What went wrong, for the API's caller. */
  readonly detail: string;
  /** Fields at fault: JSON pointer into the request (`/body/area`) and what is wrong with it. */
  readonly errors?: readonly { readonly pointer: string; readonly detail: string }[];
}

/** The key under which a route answer carries a `RouteProblem`. */
export const PROBLEM_KEY = '$problem';

/**
 * A route's file answer, for a response the manifest declares with a `contentType` (a PDF, a
 * CSV): the body as base64 (binary) or as text, and the file name the client saves it as.
 */
export interface FileAnswer {
  /** File name for Content-Disposition: letters, digits, `.`, `-`, `_` (invoice-INV-0042.pdf). */
  readonly filename: string;
  /** The bytes, base64-encoded (one of base64 and text). */
  readonly base64?: string;
  /** The body as UTF-8 text (one of base64 and text). */
  readonly text?: string;
}

/** What a file name in a FileAnswer may hold. */
export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Who called a plugin route, as the host tells the plugin (never a credential): a tenant's user
 * (with the portal, what a customer/reseller/technician login acts as, and their permissions),
 * an API key, the platform operator, or nobody (a public route).
 */
export type RouteCaller =
  | {
      readonly kind: 'user';
      readonly userId: string;
      readonly portal: 'admin' | 'customer' | 'reseller' | 'technician';
      /** The customer account, reseller or technician record this login acts as. */
      readonly subjectId?: string;
      readonly permissions: readonly string[];
    }
  | { readonly kind: 'api-key'; readonly keyId: string; readonly permissions: readonly string[] }
  | { readonly kind: 'operator' }
  | { readonly kind: 'anonymous' };

// Builds the hono app: request ids, logging, metrics, admin access, validation and the
// problem+json error mapping, around every route declared in HttpRoutes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import { METHOD_NAME_ALL } from 'hono/router';
import { DotmacError, ForbiddenError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../errors.ts';
import type { RequestRecord } from '../identity/audit.ts';
import type { Principal } from '../identity/principal.ts';
import { requirePermission } from '../identity/rbac.ts';
import type { Logger } from '../log.ts';
import { validateOrThrow } from '../validation.ts';
import type { Metrics } from './metrics.ts';
import { problemResponse, toProblem } from './problem.ts';
import type { CompiledRoute, HttpRoutes, RouteAccess } from './routes.ts';

/** Who is calling and for which tenant, as resolved from the request's credentials and host. */
export interface RequestIdentity {
  readonly principal?: Principal;
  readonly tenantId?: string;
}

/**
 * Resolves the caller. With `required`, a request without valid credentials fails (401);
 * without, it answers no principal (public routes), though bad credentials still fail.
 */
export type Authenticate = (c: Context, required: boolean) => Promise<RequestIdentity>;

export interface AppDependencies {
  readonly routes: HttpRoutes;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The operator's bearer token; with no `authenticate`, the only credential there is. */
  readonly adminToken: string | undefined;
  /** Resolves users, API keys and the operator (identity); default: the admin token alone. */
  readonly authenticate?: Authenticate;
  /** Records each finished mutating request by a known caller (the audit log). */
  readonly recordRequest?: (record: RequestRecord) => Promise<void>;
  /** Largest accepted request body. */
  readonly maxBodyBytes?: number;
}

type Env = { Variables: { log: Logger; requestId: string; identity: RequestIdentity } };

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

/** The header naming the tenant an operator acts for. */
export const TENANT_HEADER = 'x-dotmac-tenant';

export function createApp(deps: AppDependencies): Hono<Env> {
  const app = new Hono<Env>();
  const authenticate = deps.authenticate ?? adminTokenOnly(deps.adminToken);

  app.use(requestId({ headerName: 'X-Request-Id' }));
  app.use(async (c, next) => {
    const started = performance.now();
    const log = deps.log.child({ requestId: c.get('requestId') });
    c.set('log', log);
    await next();
    const route = declaredRoutePath(c);
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    log.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: seconds * 1000 }, 'request');
  });
  // Only routes that read a body get the limit: applied to all, it makes every GET build a
  // full Request body stream (a measurable cost on /healthz).
  const limitBody = bodyLimit({
    maxSize: deps.maxBodyBytes ?? 1024 * 1024,
    onError: (c) =>
      problemResponse(
        c,
        toProblem(
          new PayloadTooLargeError('the request body is larger than this server accepts'),
          c.req.path,
          c.get('requestId'),
          c.get('log'),
        ),
      ),
  });

  for (const route of deps.routes.all()) {
    const d = route.definition;
    const handle = async (c: Context) => {
      let identity: RequestIdentity = {};
      let status = 500;
      try {
        identity = await authenticate(c, d.access !== 'public');
        authorize(d.access, identity, Boolean(deps.adminToken || deps.authenticate));
        c.set('identity', identity);
        const input = await validatedInput(c, route);
        const response = await d.handler({ ...input, c, principal: identity.principal, tenantId: identity.tenantId });
        status = response.status;
        return response;
      } catch (e) {
        status = e instanceof DotmacError ? e.status : e instanceof HTTPException ? e.status : 500;
        throw e;
      } finally {
        if (deps.recordRequest && MUTATING.has(d.method)) {
          await deps.recordRequest({
            identity,
            method: c.req.method,
            route: d.path,
            path: c.req.path,
            status,
            requestId: c.get('requestId'),
            ip: clientAddress(c),
          });
        }
      }
    };
    if (route.body) app.on(d.method.toUpperCase(), d.path, limitBody, handle);
    else app.on(d.method.toUpperCase(), d.path, handle);
  }

  // Answered, not thrown: hono runs the not-found handler outside the middleware's error
  // handling, so a throw here would skip the metrics and access log above.
  app.notFound((c) =>
    problemResponse(
      c,
      toProblem(new NotFound(`no route ${c.req.method} ${c.req.path}`), c.req.path, c.get('requestId'), c.get('log')),
    ),
  );
  app.onError((error, c) =>
    problemResponse(c, toProblem(error, c.req.path, c.get('requestId'), c.get('log') ?? deps.log)),
  );
  return app;
}

class NotFound extends DotmacError {
  override readonly status = 404;
  override readonly type = 'not-found';
  override readonly title = 'Not found';
}

/**
 * The raw request body (a file upload), read up to `maxBytes`: a longer body is refused with
 * 413 as soon as it passes the limit, without reading the rest into memory.
 */
export async function readRawBody(c: Context, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new PayloadTooLargeError(`the request body is larger than the ${maxBytes} bytes this route accepts`);
  if (Number(c.req.header('content-length') ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = c.req.raw.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > maxBytes) throw tooLarge();
      chunks.push(Buffer.from(read.value));
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks);
}

/**
 * The declared path pattern the request matched (`/things/:id`), or `unmatched`. Middleware
 * is registered for every method (`ALL`), declared routes for one; looking past the
 * middleware also labels requests refused before their handler ran (413, 401).
 */
function declaredRoutePath(c: Context): string {
  return matchedRoutes(c).findLast((r) => r.method !== METHOD_NAME_ALL)?.path ?? 'unmatched';
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The address the request came from (the TCP peer; behind a proxy, the proxy's). */
export function clientAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by @hono/node-server (app.request in tests)
  }
}

/** The bearer credential of a request, if it has one (auth schemes are case-insensitive, RFC 9110). */
export function bearerOf(c: Context): string | undefined {
  return /^Bearer +(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
}

/** Whether `presented` is the admin token (compared in constant time). */
export function isAdminToken(presented: string, adminToken: string | undefined): boolean {
  return adminToken !== undefined && timingSafeEqual(digest(presented), digest(adminToken));
}

/** The operator's tenant header, checked: a uuid or nothing. */
export function operatorTenant(c: Context): string | undefined {
  const tenantId = c.req.header(TENANT_HEADER);
  if (tenantId === undefined) return undefined;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)) {
    throw new ValidationError(`the ${TENANT_HEADER} header must be a tenant id`, [
      { pointer: `/headers/${TENANT_HEADER}`, detail: 'must be a tenant id (uuid)' },
    ]);
  }
  return tenantId.toLowerCase();
}

/** The credentials of a kernel without identity: the admin token, nothing else. */
function adminTokenOnly(adminToken: string | undefined): Authenticate {
  return async (c) => {
    const bearer = bearerOf(c);
    if (!bearer || !isAdminToken(bearer, adminToken)) return {};
    return { principal: { kind: 'operator' }, tenantId: operatorTenant(c) };
  };
}

/** Refuses the request unless `identity` may call a route of `access`. */
function authorize(access: RouteAccess, identity: RequestIdentity, credentialsExist: boolean): void {
  if (access === 'public') return;
  const principal = identity.principal;
  if (!principal) {
    if (!credentialsExist) throw new UnauthorizedError('the admin API is disabled: set ADMIN_TOKEN to enable it');
    throw new UnauthorizedError(
      access === 'admin'
        ? 'this route needs the admin token as `Authorization: Bearer <token>`'
        : 'this route needs credentials: `Authorization: Bearer <access token or API key>`',
    );
  }
  if (access === 'authenticated') return;
  if (access === 'admin') {
    if (principal.kind !== 'operator') throw new ForbiddenError('only the platform operator may do this');
    return;
  }
  if (principal.kind === 'operator') {
    if (!identity.tenantId) {
      throw new ValidationError(`the operator acts for a tenant named in the ${TENANT_HEADER} header`, [
        { pointer: `/headers/${TENANT_HEADER}`, detail: 'must be a tenant id (uuid)' },
      ]);
    }
    return;
  }
  requirePermission(principal.permissions, access.permission);
}

async function validatedInput(c: Context, route: CompiledRoute) {
  const params = route.params
    ? validateOrThrow(route.params, { ...c.req.param() }, 'invalid path', '/params')
    : c.req.param();
  const query = route.query
    ? validateOrThrow(route.query, { ...c.req.query() }, 'invalid query', '/query')
    : c.req.query();
  let body: unknown;
  if (route.body) {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
      throw new ValidationError('the request body must be JSON', [
        { pointer: '/body', detail: `must be sent as application/json (got ${type || 'no content type'})` },
      ]);
    }
    const text = await c.req.text();
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new ValidationError('the request body is not valid JSON', [
        { pointer: '/body', detail: `is not valid JSON: ${(e as Error).message}` },
      ]);
    }
    body = validateOrThrow(route.body, body, 'invalid body', '/body');
  }
  return { params, query, body };
}

// Builds the hono app: request ids, logging, metrics, admin access, validation and the
// problem+json error mapping, around every route declared in HttpRoutes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import { METHOD_NAME_ALL } from 'hono/router';
import { DotmacError, ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { validateOrThrow } from '../validation.ts';
import type { Metrics } from './metrics.ts';
import { problemResponse, toProblem } from './problem.ts';
import type { CompiledRoute, HttpRoutes } from './routes.ts';

class UnauthorizedError extends DotmacError {
  override readonly status = 401;
  override readonly type = 'unauthorized';
  override readonly title = 'Unauthorized';
}

export interface AppDependencies {
  readonly routes: HttpRoutes;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The operator's bearer token for admin routes; admin routes refuse everyone when unset. */
  readonly adminToken: string | undefined;
  /** Largest accepted request body. */
  readonly maxBodyBytes?: number;
}

type Env = { Variables: { log: Logger; requestId: string } };

export function createApp(deps: AppDependencies): Hono<Env> {
  const app = new Hono<Env>();
  const adminDigest = deps.adminToken ? digest(deps.adminToken) : undefined;

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
    onError: (c) => problemResponse(c, toProblem(new PayloadTooLarge(), c.req.path, c.get('requestId'), c.get('log'))),
  });

  for (const route of deps.routes.all()) {
    const d = route.definition;
    const handle = async (c: Context) => {
      if (d.access === 'admin') requireAdmin(c, adminDigest);
      const input = await validatedInput(c, route);
      return d.handler({ ...input, c });
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

class PayloadTooLarge extends DotmacError {
  override readonly status = 413;
  override readonly type = 'too-large';
  override readonly title = 'Request too large';
  constructor() {
    super('the request body is larger than this server accepts');
  }
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

function requireAdmin(c: Context, expected: Buffer | undefined): void {
  if (!expected) throw new UnauthorizedError('the admin API is disabled: set ADMIN_TOKEN to enable it');
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer +(.+)$/i.exec(header); // auth schemes are case-insensitive (RFC 9110)
  if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
    throw new UnauthorizedError('this route needs the admin token as `Authorization: Bearer <token>`');
  }
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

// Specification of the HTTP layer: validation, problem+json errors, admin access, request
// ids, metrics and the OpenAPI document, exercised in memory through hono's app.request.
import {
  ConflictError,
  createApp,
  createLogger,
  defineRoute,
  HttpRoutes,
  Metrics,
  NotFoundError,
  PROBLEM_CONTENT_TYPE,
  type Problem,
} from '@dotmac/kernel';
import { describe, expect, test } from 'vitest';
import { type KernelRouteDependencies, registerKernelRoutes } from '../src/http/kernel-routes.ts';

const ADMIN_TOKEN = 'an-admin-token-of-some-length';
const MISSING_ID = '00000000-0000-4000-8000-000000000404';
const CONFLICTING_ID = '00000000-0000-4000-8000-000000000409';
const FAILING_ID = '00000000-0000-4000-8000-000000000500';
const THING_ID = '7d0e1a4e-3c1b-4d55-9a1e-0b7f7f0c2f61';

/** What the last GET /things/:id handler saw. */
let lastQuery: unknown;

function thingRoutes(): HttpRoutes {
  const routes = new HttpRoutes();
  routes.add(
    defineRoute<{ name: string; count?: number }>({
      method: 'post',
      path: '/things',
      summary: 'Create a thing',
      tags: ['things'],
      access: 'public',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, description: 'Its name.' },
            count: { type: 'integer', minimum: 0, description: 'How many.' },
          },
        },
      },
      responses: { 201: { description: 'Created.', schema: { type: 'object' } } },
      handler: ({ c, body }) => c.json({ created: body }, 201),
    }),
  );
  routes.add(
    defineRoute<unknown, { limit: number }, { id: string }>({
      method: 'get',
      path: '/things/:id',
      summary: 'One thing',
      access: 'public',
      request: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', format: 'uuid', description: 'Thing id.' } },
        },
        query: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, default: 10, description: 'Most items.' } },
        },
      },
      responses: { 200: { description: 'The thing.' } },
      handler: ({ c, params, query }) => {
        lastQuery = query;
        if (params.id === MISSING_ID) throw new NotFoundError(`no thing ${params.id}`);
        if (params.id === CONFLICTING_ID) throw new ConflictError(`thing ${params.id} is being changed`);
        if (params.id === FAILING_ID) throw new Error('connection to 10.0.0.5 refused: secret internals');
        return c.json({ id: params.id, limit: query.limit });
      },
    }),
  );
  routes.add(
    defineRoute({
      method: 'delete',
      path: '/admin/things/:id',
      summary: 'Remove a thing',
      access: 'admin',
      request: {
        query: {
          type: 'object',
          additionalProperties: false,
          properties: { force: { type: 'boolean', description: 'Even when in use.' } },
        },
      },
      responses: { 200: { description: 'Removed.' } },
      handler: ({ c }) => c.json({ removed: true }),
    }),
  );
  return routes;
}

function testApp(options: { adminToken?: string; maxBodyBytes?: number } = {}) {
  const metrics = new Metrics();
  const app = createApp({
    routes: thingRoutes(),
    log: createLogger('silent'),
    metrics,
    adminToken: options.adminToken,
    maxBodyBytes: options.maxBodyBytes,
  });
  return { app, metrics };
}

const { app } = testApp({ adminToken: ADMIN_TOKEN });

function postJson(body: string, headers: Record<string, string> = {}) {
  return app.request('/things', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Asserts `res` is a problem+json response with `status` and returns its body. */
async function problem(res: Response, status: number): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as Problem;
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^https:\/\/dotmac\.dev\/problems\/[a-z-]+$/);
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  return body;
}

describe('request validation', () => {
  test('a valid body reaches the handler', async () => {
    const res = await postJson(JSON.stringify({ name: 'router', count: 2 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ created: { name: 'router', count: 2 } });
  });

  test('a malformed JSON body is a 400 problem pointing at /body', async () => {
    const res = await postJson('{"name": ');
    const body = await problem(res, 400);
    expect(body).toMatchObject({ type: 'https://dotmac.dev/problems/validation', instance: '/things' });
    expect(body.requestId).toEqual(expect.any(String));
    expect(body.errors?.[0]?.pointer).toBe('/body');
    expect(body.errors?.[0]?.detail).toMatch(/not valid JSON/);
  });

  test('an empty body where one is required is a 400 problem pointing at /body', async () => {
    const body = await problem(await postJson(''), 400);
    expect(body.errors?.map((e) => e.pointer)).toEqual(['/body']);
  });

  test('a missing required field is a 400 problem pointing at it', async () => {
    const body = await problem(await postJson(JSON.stringify({ count: 1 })), 400);
    expect(body.errors).toEqual([{ pointer: '/body/name', detail: 'is required' }]);
  });

  test('every failing field is listed with its own pointer', async () => {
    const res = await postJson(JSON.stringify({ name: '', count: -1, extra: true }));
    const body = await problem(res, 400);
    expect(body.errors?.map((e) => e.pointer).sort()).toEqual(['/body/count', '/body/extra', '/body/name']);
    expect(body.errors).toContainEqual({ pointer: '/body/count', detail: 'must be >= 0' });
    expect(body.errors).toContainEqual({ pointer: '/body/extra', detail: 'is not an allowed property' });
    for (const pointer of ['/body/count', '/body/extra', '/body/name']) expect(body.detail).toContain(pointer);
  });

  test('a property name in a pointer is escaped as RFC 6901 says', async () => {
    const body = await problem(await postJson(JSON.stringify({ name: 'x', 'a/b~c': 1 })), 400);
    expect(body.errors?.map((e) => e.pointer)).toEqual(['/body/a~1b~0c']);
  });

  test('a body is validated against its own route schema even when another has the same $id', async () => {
    const appWith = (minLength: number) => {
      const routes = new HttpRoutes();
      routes.add(
        defineRoute({
          method: 'post',
          path: '/named',
          summary: 'x',
          access: 'public',
          request: {
            body: { $id: 'test.named', type: 'object', properties: { name: { type: 'string', minLength } } },
          },
          responses: { 200: { description: 'ok' } },
          handler: ({ c }) => c.json({}),
        }),
      );
      return createApp({ routes, log: createLogger('silent'), metrics: new Metrics(), adminToken: undefined });
    };
    const post = (a: ReturnType<typeof appWith>) =>
      a.request('/named', { method: 'POST', body: '{"name":"abc"}', headers: { 'content-type': 'application/json' } });
    expect((await post(appWith(1))).status).toBe(200);
    expect((await post(appWith(5))).status).toBe(400);
    expect((await post(appWith(1))).status).toBe(200);
  });

  test('a body of the wrong JSON type is refused, not coerced', async () => {
    const body = await problem(await postJson(JSON.stringify({ name: 'x', count: '3' })), 400);
    expect(body.errors).toEqual([{ pointer: '/body/count', detail: 'must be integer' }]);
  });

  test('a body sent as another content type is a 400 problem naming /body', async () => {
    const res = await app.request('/things', {
      method: 'POST',
      body: 'name=router',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const body = await problem(res, 400);
    expect(body.errors).toEqual([{ pointer: '/body', detail: expect.stringContaining('application/json') }]);
  });

  test('a JSON media type with parameters or a +json suffix is accepted', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const res = await postJson(JSON.stringify({ name: 'x' }), { 'content-type': type });
      expect(res.status).toBe(201);
    }
  });

  test('an invalid path parameter is a 400 problem pointing at /params/<name>', async () => {
    const body = await problem(await app.request('/things/not-a-uuid'), 400);
    expect(body.errors?.map((e) => e.pointer)).toEqual(['/params/id']);
  });

  test('query parameters are coerced to their schema types and defaulted', async () => {
    let res = await app.request(`/things/${THING_ID}`);
    expect(res.status).toBe(200);
    expect(lastQuery).toEqual({ limit: 10 });
    res = await app.request(`/things/${THING_ID}?limit=25`);
    expect(await res.json()).toEqual({ id: THING_ID, limit: 25 });
    expect(lastQuery).toEqual({ limit: 25 });
  });

  test('an invalid query parameter is a 400 problem pointing at /query/<name>', async () => {
    const body = await problem(await app.request(`/things/${THING_ID}?limit=many`), 400);
    expect(body.errors?.map((e) => e.pointer)).toEqual(['/query/limit']);
  });
});

describe('errors as problem+json', () => {
  test('a NotFoundError from a handler is a 404 problem carrying its message', async () => {
    const body = await problem(await app.request(`/things/${MISSING_ID}`), 404);
    expect(body).toMatchObject({
      type: 'https://dotmac.dev/problems/not-found',
      detail: `no thing ${MISSING_ID}`,
      instance: `/things/${MISSING_ID}`,
    });
  });

  test('a ConflictError from a handler is a 409 problem', async () => {
    const body = await problem(await app.request(`/things/${CONFLICTING_ID}`), 409);
    expect(body.type).toBe('https://dotmac.dev/problems/conflict');
  });

  test('an unexpected error is a 500 problem that hides its message and quotes the request id', async () => {
    const res = await app.request(`/things/${FAILING_ID}`);
    const body = await problem(res, 500);
    expect(JSON.stringify(body)).not.toContain('secret internals');
    expect(JSON.stringify(body)).not.toContain('10.0.0.5');
    expect(body.detail).toContain(res.headers.get('x-request-id'));
  });

  test('an unknown route is a 404 problem naming the method and path', async () => {
    const body = await problem(await app.request('/nowhere', { method: 'PUT' }), 404);
    expect(body.detail).toContain('PUT /nowhere');
    expect(body.instance).toBe('/nowhere');
  });

  test('a known path with an undeclared method is a 404 problem', async () => {
    await problem(await app.request('/things', { method: 'GET' }), 404);
  });

  test('a body over the size limit is a 413 problem', async () => {
    const small = testApp({ maxBodyBytes: 64 }).app;
    const json = JSON.stringify({ name: 'x'.repeat(200) });
    const streamed = await small.request('/things', {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json' },
    });
    expect((await problem(streamed, 413)).type).toBe('https://dotmac.dev/problems/too-large');
    const declared = await small.request('/things', {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json', 'content-length': String(json.length) },
    });
    await problem(declared, 413);
    const fits = await small.request('/things', {
      method: 'POST',
      body: JSON.stringify({ name: 'x' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(fits.status).toBe(201);
  });
});

describe('request ids', () => {
  test('every response carries a generated X-Request-Id', async () => {
    const a = await app.request(`/things/${THING_ID}`);
    const b = await app.request(`/things/${THING_ID}`);
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  test("the client's X-Request-Id is echoed back and quoted in problems", async () => {
    const res = await app.request('/things/not-a-uuid', { headers: { 'X-Request-Id': 'client-req-42' } });
    expect(res.headers.get('x-request-id')).toBe('client-req-42');
    expect((await problem(res, 400)).requestId).toBe('client-req-42');
  });

  test('a client X-Request-Id with unsafe characters is replaced', async () => {
    const res = await app.request(`/things/${THING_ID}`, { headers: { 'X-Request-Id': 'bad id\tinjected' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('admin routes', () => {
  test('with no admin token configured every call is a 401 problem saying the admin API is disabled', async () => {
    const closed = testApp({ adminToken: undefined }).app;
    for (const authorization of [undefined, 'Bearer ', `Bearer ${ADMIN_TOKEN}`]) {
      const res = await closed.request(`/admin/things/${THING_ID}`, {
        method: 'DELETE',
        headers: authorization === undefined ? {} : { authorization },
      });
      const body = await problem(res, 401);
      expect(body.detail).toMatch(/admin API is disabled/);
    }
  });

  test('a missing or wrong bearer token is a 401 problem', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-of-some-length' },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
      { authorization: `Basic ${ADMIN_TOKEN}` },
      { authorization: ADMIN_TOKEN },
    ]) {
      const res = await app.request(`/admin/things/${THING_ID}`, { method: 'DELETE', headers });
      const body = await problem(res, 401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(body.type).toBe('https://dotmac.dev/problems/unauthorized');
      expect(body.detail).toContain('Authorization: Bearer');
    }
  });

  test('the right bearer token is let through', async () => {
    const res = await app.request(`/admin/things/${THING_ID}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ removed: true });
  });

  test('the Bearer scheme name is case-insensitive', async () => {
    const res = await app.request(`/admin/things/${THING_ID}`, {
      method: 'DELETE',
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  test('an admin route refuses a caller without the token before validating its input', async () => {
    const path = `/admin/things/${THING_ID}?unknown=1`;
    await problem(await app.request(path, { method: 'DELETE' }), 401);
    const authorized = { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
    expect((await problem(await app.request(path, authorized), 400)).errors?.[0]?.pointer).toBe('/query/unknown');
  });
});

describe('metrics', () => {
  /** The value of dotmac_http_requests_total for these labels, or 0. */
  async function requestCount(metrics: Metrics, labels: { method: string; route: string; status: string }) {
    const text = await metrics.registry.metrics();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('dotmac_http_requests_total{') &&
          l.includes(`method="${labels.method}"`) &&
          l.includes(`route="${labels.route}"`) &&
          l.includes(`status="${labels.status}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  test('requests are counted under their route pattern, not their concrete path', async () => {
    const { app: counted, metrics } = testApp();
    await counted.request(`/things/${THING_ID}`);
    await counted.request(`/things/${THING_ID}?limit=2`);
    await counted.request('/things/not-a-uuid');
    expect(await requestCount(metrics, { method: 'GET', route: '/things/:id', status: '200' })).toBe(2);
    expect(await requestCount(metrics, { method: 'GET', route: '/things/:id', status: '400' })).toBe(1);
    expect(await metrics.registry.metrics()).not.toContain(THING_ID);
  });

  test('requests to no route are counted as unmatched', async () => {
    const { app: counted, metrics } = testApp();
    await counted.request('/nowhere/at/all');
    expect(await requestCount(metrics, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(await metrics.registry.metrics()).not.toContain('/nowhere');
  });

  test('a refused oversized body is counted under its route', async () => {
    const { app: counted, metrics } = testApp({ maxBodyBytes: 8 });
    await counted.request('/things', {
      method: 'POST',
      body: JSON.stringify({ name: 'much too long' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await requestCount(metrics, { method: 'POST', route: '/things', status: '413' })).toBe(1);
  });
});

describe('route registry', () => {
  const baseRoute = {
    method: 'get',
    path: '/things/:id',
    summary: 'x',
    access: 'public',
    responses: { 200: { description: 'ok' } },
    handler: ({ c }) => c.json({}),
  } satisfies Parameters<HttpRoutes['add']>[0];

  test('declaring the same method and path twice is a ConflictError', () => {
    const routes = new HttpRoutes();
    routes.add(defineRoute(baseRoute));
    expect(() => routes.add(defineRoute(baseRoute))).toThrow(ConflictError);
    expect(() => routes.add(defineRoute(baseRoute))).toThrow('GET /things/:id');
  });

  test('the same path with a differently named parameter is the same route', () => {
    const routes = new HttpRoutes();
    routes.add(defineRoute(baseRoute));
    expect(() => routes.add(defineRoute({ ...baseRoute, path: '/things/:thingId' }))).toThrow(ConflictError);
  });

  test('the same path under another method is a different route', () => {
    const routes = new HttpRoutes();
    routes.add(defineRoute(baseRoute));
    routes.add(defineRoute({ ...baseRoute, method: 'delete' }));
    expect(routes.all()).toHaveLength(2);
  });
});

describe('OpenAPI document', () => {
  type Operation = {
    operationId: string;
    summary: string;
    parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
    requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
    responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
    security?: unknown[];
  };
  type Document = {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };
  const info = { title: 'Test API', version: '1.2.3' };
  const doc = thingRoutes().openApi(info) as Document;

  /** Minimal structural checks every generated document must pass. */
  function expectWellFormed(d: Document) {
    expect(d.openapi).toBe('3.1.0');
    const ids: string[] = [];
    for (const [path, operations] of Object.entries(d.paths)) {
      expect(path).toMatch(/^\//);
      expect(path).not.toMatch(/:/);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(operations)) {
        expect(['get', 'put', 'post', 'delete', 'patch']).toContain(method);
        expect(op.operationId).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
        ids.push(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const response of Object.values(op.responses)) expect(response.description).toEqual(expect.any(String));
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
        // Every templated segment is declared as a required path parameter, and nothing else is.
        expect(pathParams.map((p) => p.name).sort()).toEqual([...templated].sort());
        for (const p of pathParams) expect(p.required).toBe(true);
        const refs = JSON.stringify(op).match(/"\$ref":"[^"]+"/g) ?? [];
        for (const ref of refs) {
          const name = /#\/components\/schemas\/([^"]+)/.exec(ref)?.[1];
          expect(name && d.components.schemas[name]).toBeTruthy();
        }
        for (const requirement of op.security ?? []) {
          for (const scheme of Object.keys(requirement as object))
            expect(d.components.securitySchemes).toHaveProperty(scheme);
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  }

  test('is OpenAPI 3.1.0 with the given info and Hono paths converted to templates', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual(info);
    expect(Object.keys(doc.paths).sort()).toEqual(['/admin/things/{id}', '/things', '/things/{id}']);
  });

  test('documents path and query parameters from the route schemas', () => {
    const op = doc.paths['/things/{id}']?.get;
    expect(op?.parameters).toEqual([
      {
        name: 'id',
        in: 'path',
        required: true,
        description: 'Thing id.',
        schema: expect.objectContaining({ format: 'uuid' }),
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Most items.',
        schema: expect.objectContaining({ type: 'integer', default: 10 }),
      },
    ]);
  });

  test('documents a path parameter the route declares no schema for', () => {
    const op = doc.paths['/admin/things/{id}']?.delete;
    expect(op?.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      {
        name: 'force',
        in: 'query',
        required: false,
        description: 'Even when in use.',
        schema: expect.objectContaining({ type: 'boolean' }),
      },
    ]);
  });

  test('documents the request body schema', () => {
    const op = doc.paths['/things']?.post;
    expect(op?.requestBody?.required).toBe(true);
    expect(op?.requestBody?.content['application/json']?.schema).toMatchObject({
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, count: { type: 'integer' } },
    });
  });

  test('every operation has a default problem+json response referencing the Problem schema', () => {
    for (const operations of Object.values(doc.paths)) {
      for (const op of Object.values(operations)) {
        expect(op.responses.default?.content?.['application/problem+json']?.schema).toEqual({
          $ref: '#/components/schemas/Problem',
        });
      }
    }
    expect(doc.components.schemas.Problem).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['status']),
    });
  });

  test('admin operations require the admin bearer token', () => {
    expect(doc.paths['/admin/things/{id}']?.delete?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/things']?.post?.security).toBeUndefined();
  });

  test('is well formed for the test routes', () => {
    expectWellFormed(doc);
  });

  test("is well formed for the kernel's own routes", () => {
    const routes = new HttpRoutes();
    // The handlers never run here, so the dependencies are never touched.
    registerKernelRoutes(routes, {} as KernelRouteDependencies);
    const kernelDoc = routes.openApi(info) as Document;
    expect(Object.keys(kernelDoc.paths)).toContain('/api/v1/admin/dead-letters/{id}/replay');
    expectWellFormed(kernelDoc);
  });

  test('a Hono regex-constrained parameter becomes a plain path template', () => {
    const routes = new HttpRoutes();
    routes.add(defineRoute(thingRoute('/files/:name{[a-z]+\\.png}/versions/:n{[0-9]{1,3}}')));
    const d = routes.openApi(info) as Document;
    expect(Object.keys(d.paths)).toEqual(['/files/{name}/versions/{n}']);
    expectWellFormed(d);
  });

  test('two routes whose operation ids would collide are refused', () => {
    const routes = new HttpRoutes();
    routes.add(defineRoute({ ...thingRoute('/things/:id') }));
    expect(() => routes.add(defineRoute({ ...thingRoute('/things/id') }))).toThrow(ConflictError);
  });

  function thingRoute(path: string) {
    return {
      method: 'get',
      path,
      summary: 'x',
      access: 'public',
      responses: { 200: { description: 'ok' } },
      handler: ({ c }) => c.json({}),
    } satisfies Parameters<HttpRoutes['add']>[0];
  }
});

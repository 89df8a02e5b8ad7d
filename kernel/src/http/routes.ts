// One way to declare an HTTP route: its method, path, schemas and handler together. The
// kernel validates input against the schemas and assembles /openapi.json from them.

import type { ValidateFunction } from 'ajv';
import type { Context } from 'hono';
import { ConflictError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { compileSchema, type JsonSchema } from '../validation.ts';
import { problemSchema } from './problem.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: anyone (`public`); the platform operator (`admin`); anyone signed in
 * (`authenticated`); or a tenant's user or API key holding `permission` (the operator too,
 * acting for the tenant named in the x-dotmac-tenant header).
 */
export type RouteAccess = 'public' | 'admin' | 'authenticated' | { readonly permission: string };

/** Validated input handed to a route handler, with who is calling and for which tenant. */
export interface RouteInput<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly c: Context;
  /** The caller; undefined on a public route called without credentials. */
  readonly principal: Principal | undefined;
  /**
   * The tenant the request is for: the principal's, or (for the operator) the x-dotmac-tenant
   * header, or (for public routes) the tenant owning the request's host name.
   */
  readonly tenantId: string | undefined;
}

export interface RouteDefinition<B = unknown, Q = Record<string, unknown>, P = Record<string, string>> {
  readonly method: HttpMethod;
  /** Hono-style path: `/api/v1/admin/dead-letters/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly tags?: readonly string[];
  readonly access: RouteAccess;
  readonly request?: {
    readonly body?: JsonSchema;
    readonly query?: JsonSchema;
    readonly params?: JsonSchema;
  };
  /** Documented responses by status; errors are problem+json and need not be listed. */
  readonly responses: Readonly<
    Record<number, { readonly description: string; readonly schema?: JsonSchema; readonly contentType?: string }>
  >;
  readonly handler: (input: RouteInput<B, Q, P>) => Promise<Response> | Response;
}

/** A route with its validators compiled once. */
export interface CompiledRoute {
  readonly definition: RouteDefinition<unknown, unknown, unknown>;
  readonly body?: ValidateFunction;
  readonly query?: ValidateFunction;
  readonly params?: ValidateFunction;
}

/** Declares a route (typing helper; registration is `HttpRoutes.add`). */
export function defineRoute<B = unknown, Q = Record<string, unknown>, P = Record<string, string>>(
  definition: RouteDefinition<B, Q, P>,
): RouteDefinition<B, Q, P> {
  return definition;
}

/** Every route the kernel serves; the HTTP app and the OpenAPI document are built from it. */
export class HttpRoutes {
  private routes: CompiledRoute[] = [];
  /** Bumped by every change, so a server built from an earlier set knows to rebuild. */
  private changes = 0;

  /** Counts the changes so far (routes come and go as plugins are installed and removed). */
  get version(): number {
    return this.changes;
  }

  add<B, Q, P>(definition: RouteDefinition<B, Q, P>): void {
    const d = definition as unknown as RouteDefinition<unknown, unknown, unknown>;
    const same = this.routes.find(
      (r) => r.definition.method === d.method && routeShape(r.definition.path) === routeShape(d.path),
    );
    if (same) {
      throw new ConflictError(
        `route ${d.method.toUpperCase()} ${d.path} is already declared${same.definition.path === d.path ? '' : ` as ${same.definition.path}`}`,
      );
    }
    const id = operationId(d);
    const clash = this.routes.find((r) => operationId(r.definition) === id);
    if (clash) {
      throw new ConflictError(
        `routes ${clash.definition.method.toUpperCase()} ${clash.definition.path} and ${d.method.toUpperCase()} ${d.path} would share the OpenAPI operationId ${id}; rename one path`,
      );
    }
    this.routes.push({
      definition: d,
      body: d.request?.body ? compileSchema(d.request.body) : undefined,
      query: d.request?.query ? compileSchema(d.request.query, { coerce: true }) : undefined,
      params: d.request?.params ? compileSchema(d.request.params, { coerce: true }) : undefined,
    });
    this.changes++;
  }

  /** Removes the routes `matches` selects (a plugin's, when it is upgraded or uninstalled). */
  remove(matches: (definition: RouteDefinition<unknown, unknown, unknown>) => boolean): void {
    const kept = this.routes.filter((r) => !matches(r.definition));
    if (kept.length === this.routes.length) return;
    this.routes = kept;
    this.changes++;
  }

  all(): readonly CompiledRoute[] {
    return this.routes;
  }

  /** The OpenAPI 3.1 document of every declared route. */
  openApi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const { definition: d } of this.routes) {
      const path = openApiPath(d.path);
      const parameters = [...pathParameters(d.request?.params, path), ...queryParameters(d.request?.query)];
      const responses: Record<string, unknown> = {};
      for (const [status, r] of Object.entries(d.responses)) {
        responses[status] = r.contentType
          ? {
              description: r.description,
              content: { [r.contentType]: { schema: { type: 'string', format: 'binary' } } },
            }
          : r.schema
            ? { description: r.description, content: { 'application/json': { schema: stripIds(r.schema) } } }
            : { description: r.description };
      }
      responses.default = {
        description: 'An error, as RFC 9457 problem details.',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
      paths[path] = paths[path] ?? {};
      paths[path][d.method] = {
        summary: d.summary,
        operationId: operationId(d),
        ...(d.tags ? { tags: d.tags } : {}),
        ...(d.access === 'public' ? {} : { security: [{ bearer: [] }] }),
        ...(typeof d.access === 'object' ? { 'x-permission': d.access.permission } : {}),
        ...(d.access === 'admin' ? { 'x-operator-only': true } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(d.request?.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: stripIds(d.request.body) } } } }
          : {}),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info,
      jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
      paths,
      components: {
        schemas: { Problem: problemSchema },
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An access token (sign in at /api/v1/auth/login), an API key (dmk_…), or the operator’s ADMIN_TOKEN.',
          },
        },
      },
    };
  }
}

/** A path without its parameter names: `/a/:id` and `/a/:key` match the same requests. */
function routeShape(path: string): string {
  return path.replace(/:[A-Za-z0-9_]+/g, ':');
}

/** The OpenAPI form of a Hono path: `/a/:id{[0-9]+}` becomes `/a/{id}`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{(?:[^{}]|\{[^{}]*\})*\})?\??/g, '{$1}');
}

/** `get /api/v1/things/:id` becomes `getApiV1ThingsId`. */
function operationId(d: Pick<RouteDefinition, 'method' | 'path'>): string {
  const words = openApiPath(d.path)
    .replace(/[{}]/g, '')
    .replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase());
  return `${d.method}${words}`;
}

/**
 * One required parameter per templated segment of `path` (OpenAPI demands exactly that),
 * described by the params schema where it has the name, else as a plain string.
 */
function pathParameters(schema: JsonSchema | undefined, path: string): unknown[] {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => {
    const s = properties[name];
    return {
      name,
      in: 'path',
      required: true,
      ...(typeof s?.description === 'string' ? { description: s.description } : {}),
      schema: s ? stripIds(s) : { type: 'string' },
    };
  });
}

function queryParameters(schema: JsonSchema | undefined): unknown[] {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: stripIds(s),
  }));
}

/** Schemas are embedded inline in the document, where `$id`/`$schema` would be noise. */
function stripIds(schema: JsonSchema): JsonSchema {
  const { $id: _id, $schema: _schema, ...rest } = schema;
  return rest;
}

// The platform operator's API for tenants and SaaS plans: create, change, suspend, reactivate,
// export and close tenants; define what each plan lets its tenants switch on.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { ValidationError } from '../errors.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import { type PlanInput, type Plans, planBodySchema, planIdSchema } from './plans.ts';
import type { Principal } from './principal.ts';
import { ARCHIVE_NAME, archivePath } from './tenant-export.ts';
import {
  type AuditActor,
  type NewTenant,
  newTenantSchema,
  suspendReasonSchema,
  type TenantPatch,
  type TenantStatus,
  type Tenants,
  tenantPatchSchema,
} from './tenants.ts';

const BASE = '/api/v1/platform/tenants';
const tenantParam = { type: 'string', format: 'uuid', description: 'Tenant id.' } as const;
const tenantParams = { type: 'object', properties: { tenantId: tenantParam } } as const;
const TAGS = ['platform'];

type TenantParams = { tenantId: string };

export function registerTenantRoutes(routes: HttpRoutes, tenants: Tenants, plans: Plans, exportsDir: string): void {
  routes.add(
    defineRoute<NewTenant, Record<string, never>, Record<string, never>>({
      method: 'post',
      path: BASE,
      summary: 'Create a tenant, invite its first admin and switch on the modules its plan allows',
      tags: TAGS,
      access: 'admin',
      request: { body: newTenantSchema },
      responses: { 201: { description: 'The new tenant.' } },
      handler: async ({ c, body, principal }) =>
        c.json(await asBody(() => tenants.create(body, actorOf(c, principal))), 201),
    }),
  );

  routes.add(
    defineRoute<unknown, { status?: TenantStatus; limit: number; cursor?: string }>({
      method: 'get',
      path: BASE,
      summary: 'Tenants, by slug, a page at a time',
      tags: TAGS,
      access: 'admin',
      request: {
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: {
              type: 'string',
              enum: ['active', 'suspended', 'closed'],
              description: 'Only tenants in this state.',
            },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Tenants per page.' },
            cursor: { type: 'string', maxLength: 64, description: 'The nextCursor of the previous page.' },
          },
        },
      },
      responses: { 200: { description: '{ items, nextCursor }: nextCursor is null on the last page.' } },
      handler: async ({ c, query }) => c.json(await tenants.list(query)),
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, TenantParams>({
      method: 'get',
      path: `${BASE}/:tenantId`,
      summary: 'A tenant',
      tags: TAGS,
      access: 'admin',
      request: { params: tenantParams },
      responses: { 200: { description: 'The tenant.' } },
      handler: async ({ c, params }) => c.json(await tenants.get(params.tenantId)),
    }),
  );

  routes.add(
    defineRoute<TenantPatch, Record<string, never>, TenantParams>({
      method: 'patch',
      path: `${BASE}/:tenantId`,
      summary: 'Change a tenant’s name, hostnames, currency, time zone, locale or plan',
      tags: TAGS,
      access: 'admin',
      request: { params: tenantParams, body: tenantPatchSchema },
      responses: { 200: { description: 'The tenant as it now is.' } },
      handler: async ({ c, params, body, principal }) =>
        c.json(await asBody(() => tenants.update(params.tenantId, body, actorOf(c, principal)))),
    }),
  );

  routes.add(
    defineRoute<{ reason: string }, Record<string, never>, TenantParams>({
      method: 'post',
      path: `${BASE}/:tenantId/suspend`,
      summary: 'Suspend a tenant: its users are refused with the reason; its data is kept',
      tags: TAGS,
      access: 'admin',
      request: {
        params: tenantParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          description: 'Why the tenant is suspended.',
          properties: { reason: suspendReasonSchema },
        },
      },
      responses: { 200: { description: 'The suspended tenant.' } },
      handler: async ({ c, params, body, principal }) =>
        c.json(await asBody(() => tenants.suspend(params.tenantId, body.reason, actorOf(c, principal)))),
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, TenantParams>({
      method: 'post',
      path: `${BASE}/:tenantId/reactivate`,
      summary: 'Reactivate a suspended tenant',
      tags: TAGS,
      access: 'admin',
      request: { params: tenantParams },
      responses: { 200: { description: 'The active tenant.' } },
      handler: async ({ c, params, principal }) =>
        c.json(await tenants.reactivate(params.tenantId, actorOf(c, principal))),
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, TenantParams>({
      method: 'post',
      path: `${BASE}/:tenantId/exports`,
      summary: 'Export all of a tenant’s data as a downloadable archive (.tar.gz of JSON lines)',
      tags: TAGS,
      access: 'admin',
      request: { params: tenantParams },
      responses: { 201: { description: 'The archive: name, bytes, sha256, and the url to download it from.' } },
      handler: async ({ c, params, principal }) => {
        const archive = await tenants.exportData(params.tenantId, exportsDir, actorOf(c, principal));
        return c.json(
          {
            name: archive.name,
            bytes: archive.bytes,
            sha256: archive.sha256,
            url: `${BASE}/${params.tenantId}/exports/${archive.name}`,
          },
          201,
        );
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, TenantParams & { name: string }>({
      method: 'get',
      path: `${BASE}/:tenantId/exports/:name`,
      summary: 'Download an export of a tenant’s data',
      tags: TAGS,
      access: 'admin',
      request: {
        params: {
          type: 'object',
          properties: {
            tenantId: tenantParam,
            name: { type: 'string', pattern: ARCHIVE_NAME.source, description: 'The archive’s file name.' },
          },
        },
      },
      responses: { 200: { description: 'The archive (application/gzip).' } },
      handler: async ({ params }) => {
        const file = await archivePath(exportsDir, params.tenantId, params.name);
        const { size } = await stat(file);
        return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
          headers: {
            'content-type': 'application/gzip',
            'content-length': String(size),
            'content-disposition': `attachment; filename="${params.name}"`,
            'cache-control': 'no-store',
          },
        });
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, TenantParams>({
      method: 'delete',
      path: `${BASE}/:tenantId`,
      summary:
        'Close a tenant (soft delete, after an export): it serves nobody, its hostnames are freed, its data kept',
      tags: TAGS,
      access: 'admin',
      request: { params: tenantParams },
      responses: { 200: { description: 'The closed tenant.' } },
      handler: async ({ c, params, principal }) => c.json(await tenants.close(params.tenantId, actorOf(c, principal))),
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/platform/plans',
      summary: 'SaaS plans and the modules each lets its tenants switch on',
      tags: TAGS,
      access: 'admin',
      responses: { 200: { description: '{ items }.' } },
      handler: async ({ c }) => c.json({ items: await plans.list() }),
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { planId: string }>({
      method: 'get',
      path: '/api/v1/platform/plans/:planId',
      summary: 'A SaaS plan',
      tags: TAGS,
      access: 'admin',
      request: { params: { type: 'object', properties: { planId: planIdSchema } } },
      responses: { 200: { description: 'The plan.' } },
      handler: async ({ c, params }) => c.json(await plans.get(params.planId)),
    }),
  );

  routes.add(
    defineRoute<Omit<PlanInput, 'id'>, Record<string, never>, { planId: string }>({
      method: 'put',
      path: '/api/v1/platform/plans/:planId',
      summary: 'Create or replace a SaaS plan',
      tags: TAGS,
      access: 'admin',
      request: { params: { type: 'object', properties: { planId: planIdSchema } }, body: planBodySchema },
      responses: { 200: { description: 'The plan as it now is.' } },
      handler: async ({ c, params, body, principal }) =>
        c.json(await asBody(() => plans.upsert({ id: params.planId, ...body }, actorOf(c, principal)))),
    }),
  );
}

/** The operator as the audit log records them. */
function actorOf(c: Context, principal: Principal | undefined): AuditActor {
  return {
    type: 'operator',
    ...(principal?.kind === 'operator' && principal.userId ? { id: principal.userId } : {}),
    requestId: c.get('requestId') as string | undefined,
  };
}

/** Field problems the services find (pointers into their input) point into the request body. */
async function asBody<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError(
      e.message,
      e.errors.map((p) => ({
        pointer: p.pointer.startsWith('/body') ? p.pointer : `/body${p.pointer === '/' ? '' : p.pointer}`,
        detail: p.detail,
      })),
    );
  }
}

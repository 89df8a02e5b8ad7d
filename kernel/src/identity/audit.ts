// The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). Services write
// a row for each change they make, with before/after, in the change's own transaction; the
// HTTP layer adds one per mutating request (who, tenant, route, outcome, from where), so even
// a refused attempt is on record. Tenant admins read their tenant's rows; the operator all.
import type { Database, Tx } from '../db/database.ts';
import type { RequestIdentity } from '../http/app.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import type { Logger } from '../log.ts';
import type { Principal } from './principal.ts';

/** One entry, as services and the HTTP layer write it. */
export interface AuditEntry {
  readonly tenantId: string | null;
  readonly actorType: string;
  readonly actorId?: string | null;
  /** What was done: `tenant.suspend`, `POST /api/v1/users`… */
  readonly action: string;
  readonly target?: string | null;
  readonly data?: Record<string, unknown>;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly requestId?: string | null;
  readonly ip?: string | null;
}

/** Appends `entry` (inside `q`'s transaction when it is one). */
export async function appendAudit(q: Pick<Tx, 'query'>, entry: AuditEntry): Promise<void> {
  await q.query(
    `insert into kernel.audit_log (tenant_id, actor_type, actor_id, action, target, data, before, after, request_id, ip)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10)`,
    [
      entry.tenantId,
      entry.actorType,
      entry.actorId ?? null,
      entry.action,
      entry.target ?? null,
      JSON.stringify(entry.data ?? {}),
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
      entry.requestId ?? null,
      entry.ip ?? null,
    ],
  );
}

/** The actor columns of a principal. */
export function actorOf(principal: Principal): { actorType: string; actorId: string | null } {
  switch (principal.kind) {
    case 'operator':
      return { actorType: 'operator', actorId: principal.userId ?? null };
    case 'api-key':
      return { actorType: 'api-key', actorId: principal.keyId };
    case 'user':
      return { actorType: `user:${principal.portal}`, actorId: principal.userId };
  }
}

/** What the HTTP layer knows of a finished mutating request. */
export interface RequestRecord {
  readonly identity: RequestIdentity;
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly ip: string | undefined;
}

/** Writes one row per mutating request by a known caller; a failure to write is logged, never hidden. */
export function requestAuditor(db: Database, log: Logger): (record: RequestRecord) => Promise<void> {
  return async (r) => {
    const principal = r.identity.principal;
    if (!principal) return;
    try {
      await appendAudit(db, {
        tenantId: r.identity.tenantId ?? null,
        ...actorOf(principal),
        action: `${r.method} ${r.route}`,
        target: r.path,
        data: { status: r.status },
        requestId: r.requestId ?? null,
        ip: r.ip ?? null,
      });
    } catch (e) {
      log.error({ err: e, requestId: r.requestId }, 'could not write the audit row of a request');
    }
  };
}

interface AuditRow {
  id: string;
  at: string;
  tenant_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target: string | null;
  data: unknown;
  before: unknown;
  after: unknown;
  request_id: string | null;
  ip: string | null;
}

const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'Rows to answer, newest first.' },
    before: { type: 'integer', minimum: 1, description: 'Only rows older than this id (the next page).' },
    action: { type: 'string', maxLength: 200, description: 'Only rows whose action starts with this.' },
  },
} as const;

async function readAudit(
  db: Database,
  tenantId: string | null,
  q: { limit?: number; before?: number; action?: string },
): Promise<{ items: unknown[]; next?: number }> {
  const limit = q.limit ?? 100;
  const rows = await db.query<AuditRow>(
    `select id::text, at, tenant_id, actor_type, actor_id, action, target, data, before, after, request_id, ip
     from kernel.audit_log
     where ($1::uuid is null or tenant_id = $1) and ($2::bigint is null or id < $2)
       and ($3::text is null or starts_with(action, $3))
     order by audit_log.id desc limit $4`,
    [tenantId, q.before ?? null, q.action ?? null, limit],
  );
  const items = rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    tenantId: r.tenant_id,
    actor: { type: r.actor_type, id: r.actor_id },
    action: r.action,
    target: r.target,
    data: r.data,
    before: r.before,
    after: r.after,
    requestId: r.request_id,
    ip: r.ip,
  }));
  const last = items.at(-1);
  return rows.length === limit && last ? { items, next: last.id } : { items };
}

/** Tenant admins read their tenant's audit log; the operator reads everyone's. */
export function registerAuditRoutes(routes: HttpRoutes, db: Database): void {
  routes.add(
    defineRoute<unknown, { limit?: number; before?: number; action?: string }>({
      method: 'get',
      path: '/api/v1/audit',
      summary: "The tenant's audit log, newest first",
      tags: ['audit'],
      access: { permission: 'kernel.audit.read' },
      request: { query: auditQuery },
      responses: { 200: { description: 'Audit rows of the caller’s tenant only.' } },
      handler: async ({ c, query, tenantId }) => c.json(await readAudit(db, tenantId as string, query)),
    }),
  );
  routes.add(
    defineRoute<unknown, { limit?: number; before?: number; action?: string; tenantId?: string }>({
      method: 'get',
      path: '/api/v1/platform/audit',
      summary: 'The whole installation’s audit log (operator), optionally of one tenant',
      tags: ['audit', 'platform'],
      access: 'admin',
      request: {
        query: {
          ...auditQuery,
          properties: {
            ...auditQuery.properties,
            tenantId: { type: 'string', format: 'uuid', description: 'Only this tenant’s rows.' },
          },
        },
      },
      responses: { 200: { description: 'Audit rows.' } },
      handler: async ({ c, query }) => c.json(await readAudit(db, query.tenantId ?? null, query)),
    }),
  );
}

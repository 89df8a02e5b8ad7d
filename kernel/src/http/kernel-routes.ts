// The kernel's own routes: probes, metrics, the OpenAPI document, and the admin API for
// dead-lettered events and jobs.
import type { Database } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import type { EventDispatcher } from '../events/dispatcher.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Metrics } from './metrics.ts';
import { defineRoute, type HttpRoutes } from './routes.ts';

/** The job the bulk replay route enqueues. */
export const REPLAY_DEAD_LETTERS_JOB = 'kernel.dead-letters.replay';

export interface KernelRouteDependencies {
  readonly db: Database;
  readonly queue: JobQueue;
  readonly dispatcher: EventDispatcher;
  readonly metrics: Metrics;
  readonly version: string;
  /** False once shutdown has begun: /readyz then answers 503 so load balancers drain us. */
  readonly accepting: () => boolean;
}

const uuid = { type: 'string', format: 'uuid' } as const;

const deadLetterSchema = {
  type: 'object',
  required: ['id', 'eventId', 'eventName', 'subscriber', 'attempts', 'lastError', 'deadAt', 'payload'],
  properties: {
    id: { ...uuid, description: 'Dead letter id.' },
    eventId: { ...uuid, description: 'The event that could not be delivered.' },
    eventName: { type: 'string', description: 'Its event type.' },
    subscriber: { type: 'string', description: 'The subscriber that kept failing.' },
    tenantId: { type: ['string', 'null'], description: 'Tenant of the event, if any.' },
    attempts: { type: 'integer', description: 'Deliveries tried.' },
    lastError: { type: 'string', description: 'The last failure.' },
    deadAt: { type: 'string', format: 'date-time', description: 'When it was given up.' },
    payload: { type: 'object', description: 'The event payload.' },
  },
} as const;

export function registerKernelRoutes(routes: HttpRoutes, deps: KernelRouteDependencies): void {
  routes.add(
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      tags: ['probes'],
      access: 'public',
      responses: { 200: { description: 'Alive.' } },
      handler: ({ c }) => c.json({ status: 'ok' }),
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database and the job queue answer',
      tags: ['probes'],
      access: 'public',
      responses: { 200: { description: 'Ready.' } },
      handler: async ({ c }) => {
        const checks = await Promise.all([
          check('database', () => deps.db.ping()),
          check('queue', () => deps.queue.ping()),
          check('accepting', async () => {
            if (!deps.accepting()) throw new Error('shutting down');
          }),
        ]);
        const ready = checks.every((x) => x.ok);
        return c.json({ status: ready ? 'ready' : 'unavailable', checks }, ready ? 200 : 503);
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tags: ['probes'],
      access: 'public',
      responses: { 200: { description: 'Metrics in the Prometheus text format.' } },
      handler: async ({ c }) =>
        c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }),
    }),
  );

  routes.add(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags: ['meta'],
      access: 'public',
      responses: { 200: { description: 'The document.' } },
      handler: ({ c }) => c.json(routes.openApi({ title: 'DotMac API', version: deps.version })),
    }),
  );

  routes.add(
    defineRoute<unknown, { subscriber?: string; limit: number }>({
      method: 'get',
      path: '/api/v1/admin/dead-letters',
      summary: 'Events a subscriber kept failing on, oldest first',
      tags: ['admin'],
      access: 'admin',
      request: {
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            subscriber: { type: 'string', minLength: 1, description: 'Only this subscriber’s dead letters.' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Most entries returned.' },
          },
        },
      },
      responses: {
        200: {
          description: 'Open dead letters.',
          schema: { type: 'object', properties: { items: { type: 'array', items: deadLetterSchema } } },
        },
      },
      handler: async ({ c, query }) => c.json({ items: await deps.dispatcher.deadLetters(query) }),
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { id: string }>({
      method: 'post',
      path: '/api/v1/admin/dead-letters/:id/replay',
      summary: 'Deliver one dead-lettered event to its subscriber again',
      tags: ['admin'],
      access: 'admin',
      request: {
        params: { type: 'object', properties: { id: { ...uuid, description: 'Dead letter id.' } }, required: ['id'] },
      },
      responses: { 200: { description: 'Queued for delivery again.' } },
      handler: async ({ c, params }) => {
        await deps.dispatcher.replay({ id: params.id });
        return c.json({ replayed: 1 });
      },
    }),
  );

  routes.add(
    defineRoute<{ subscriber?: string; eventName?: string }>({
      method: 'post',
      path: '/api/v1/admin/dead-letters/replay',
      summary: 'Replay every open dead letter matching a filter, in the background',
      tags: ['admin'],
      access: 'admin',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            subscriber: { type: 'string', minLength: 1, description: 'Only this subscriber’s dead letters.' },
            eventName: { type: 'string', minLength: 1, description: 'Only dead letters of this event type.' },
          },
        },
      },
      responses: { 202: { description: 'A job was enqueued; follow it at /api/v1/admin/jobs/{id}.' } },
      handler: async ({ c, body }) => {
        const jobId = await deps.queue.enqueue(REPLAY_DEAD_LETTERS_JOB, body);
        return c.json({ jobId, status: `/api/v1/admin/jobs/${jobId}` }, 202);
      },
    }),
  );

  routes.add(
    defineRoute<unknown, Record<string, never>, { id: string }>({
      method: 'get',
      path: '/api/v1/admin/jobs/:id',
      summary: 'State of a background job',
      tags: ['admin'],
      access: 'admin',
      request: {
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, description: 'Job id.' } } },
      },
      responses: { 200: { description: 'The job.' } },
      handler: async ({ c, params }) => {
        const status = await deps.queue.status(params.id);
        if (!status)
          throw new NotFoundError(`no job ${params.id} (finished jobs are kept for a while, then forgotten)`);
        return c.json(status);
      },
    }),
  );
}

async function check(
  name: string,
  probe: () => Promise<void>,
): Promise<{ name: string; ok: boolean; detail?: string }> {
  try {
    await probe();
    return { name, ok: true };
  } catch (e) {
    return { name, ok: false, detail: (e as Error).message };
  }
}

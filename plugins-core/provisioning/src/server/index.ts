// dotmac.provisioning: turns a subscriber's service into what the network needs, and keeps it so.
// The service lifecycle is the pure state machine of machine.ts; this shell turns the
// subscription.* and service.* events (event-inputs.ts), the access credentials (access.ts) and
// the routes into its inputs, stores each transition with its history row and its event in one
// transaction (store.ts), and lets the apply-service job (apply.ts) converge the network through
// dotmac.network and dotmac.radius. The reconcile job (reconcile.ts) compares the two sides.
// Every "now" comes from ctx.clock, so tests can move time.
import { definePlugin, type PluginContext, type PluginEvent, RouteError, type RouteRequest } from '@dotmac/sdk';
import { type AccessBody, setAccess } from './access.ts';
import { APPLY_JOB, applyService, enqueueApply, identityOf, storeInput } from './apply.ts';
import { type EventIntent, intentOf } from './event-inputs.ts';
import { begin, type Outcome, step } from './machine.ts';
import { findReconciliation, listReconciliations, reconcile } from './reconcile.ts';
import { readSettings } from './settings.ts';
import {
  BadCursorError,
  findService,
  hasCredentials,
  historyEntry,
  isLostRace,
  type ListQuery,
  listServices,
  processedEvent,
  recentHistory,
  servicesPaidBy,
  toResource,
  toService,
  wasProcessed,
  writeService,
} from './store.ts';

type Caller = RouteRequest['caller'];

/** Tries of an event's write that lost to a concurrent one, before the delivery is failed (and retried). */
const EVENT_TRIES = 3;

const nowOf = async (ctx: PluginContext) => (await ctx.clock.now()).toISOString();

/** Who is asking, as the history records it. */
function actorOf(caller: Caller): string {
  switch (caller.kind) {
    case 'user':
      return `user ${caller.userId} (${caller.portal})`;
    case 'api-key':
      return `API key ${caller.keyId}`;
    case 'operator':
      return 'the operator';
    case 'anonymous':
      return 'anonymous';
  }
}

/** Reconciliation reports name every service of the tenant: staff only, never a customer's portal. */
function requireStaff(caller: Caller): void {
  if (caller.kind === 'user' && caller.portal !== 'admin') {
    throw new RouteError(403, 'reconciliations are for staff: they list every service of the tenant');
  }
}

/** A bad cursor as the caller gets it: 400 naming the query parameter. */
async function withCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (e) {
    if (!(e instanceof BadCursorError)) throw e;
    throw new RouteError(400, `cursor ${e.message}`, [{ pointer: '/query/cursor', detail: e.message }]);
  }
}

/** Makes sure a service in provisioning has its next apply run enqueued (an event delivered again). */
async function ensureApplying(ctx: PluginContext, subscriptionId: string): Promise<void> {
  const row = await findService(ctx, subscriptionId);
  if (row?.state === 'provisioning') await enqueueApply(ctx, subscriptionId, row.revision, row.attempts + 1);
}

/**
 * Handles `event` for one service, once: the transition, its history row, the state-changed
 * event and the mark that the event was handled, in one transaction; then the apply run it
 * calls for. A write that lost to a concurrent one is computed again from the fresh row.
 */
async function handleFor(
  ctx: PluginContext,
  event: PluginEvent,
  subscriptionId: string,
  intent: Exclude<EventIntent, { kind: 'ignored' }>,
): Promise<void> {
  const now = await nowOf(ctx);
  for (let i = 0; i < EVENT_TRIES; i++) {
    if (await wasProcessed(ctx, event.id, subscriptionId)) {
      await ensureApplying(ctx, subscriptionId);
      return;
    }
    const row = await findService(ctx, subscriptionId);
    const handled = processedEvent(ctx, event.id, subscriptionId, event.name, now);
    let outcome: Outcome;
    if (row) outcome = step(toService(row), intent.input);
    else if (intent.kind === 'subscription') outcome = begin(intent.input, await hasCredentials(ctx, subscriptionId));
    else outcome = { service: null, changed: false, apply: false, note: 'provisioning does not know this service' };
    // Who the service belongs to: as stored, or as the subscription event says (a billing event
    // never starts a service).
    const identity = row
      ? identityOf(row)
      : intent.kind === 'subscription'
        ? { subscriptionId, accountId: intent.accountId, payerId: intent.payerId }
        : undefined;
    try {
      if (outcome.changed && outcome.service !== null && identity) {
        const stored = await writeService(ctx, {
          identity,
          previous: row ?? null,
          service: outcome.service,
          entry: { step: event.name, outcome: 'ok', detail: outcome.note },
          now,
          eventId: event.id,
          before: [handled],
          // Credentials set before activation belong to the account from now on (the portal's scope).
          after: row
            ? []
            : [
                {
                  sql: 'update access_credentials set customer_id = $2 where subscription_id = $1 and customer_id is null',
                  params: [subscriptionId, identity.accountId],
                },
              ],
        });
        if (outcome.apply) await enqueueApply(ctx, subscriptionId, stored.revision, stored.attempts + 1);
      } else if (row) {
        const ignored = historyEntry(
          ctx,
          identityOf(row),
          { step: event.name, outcome: 'ignored', detail: outcome.note },
          row.state,
          now,
          event.id,
        );
        await ctx.db.transaction([handled, ignored]);
      } else {
        await ctx.db.query(handled.sql, handled.params);
        await ctx.log.info(`${event.name} ignored for subscription ${subscriptionId}: ${outcome.note}`);
      }
      return;
    } catch (e) {
      if (!isLostRace(e)) throw e;
    }
  }
  throw new Error(`service ${subscriptionId} kept changing while ${event.name} ${event.id} was handled`);
}

async function onEvent(ctx: PluginContext, event: PluginEvent): Promise<void> {
  const settings = await readSettings(ctx);
  const intent = intentOf(event.name, event.payload, event.occurredAt, settings);
  if (intent.kind === 'ignored') return;
  const targets =
    intent.kind === 'subscription'
      ? [intent.subscriptionId]
      : intent.subscriptionIds.length > 0
        ? intent.subscriptionIds
        : await servicesPaidBy(ctx, intent.accountId);
  for (const subscriptionId of targets) await handleFor(ctx, event, subscriptionId, intent);
}

/** POST /services/:subscriptionId/retry: a failed service is applied again, from its first attempt. */
async function retry(ctx: PluginContext, subscriptionId: string, caller: Caller) {
  const row = await findService(ctx, subscriptionId);
  if (!row) throw new RouteError(404, `provisioning knows no service ${subscriptionId}`);
  if (row.state !== 'failed') {
    throw new RouteError(409, `service ${subscriptionId} is ${row.state}: only a failed service is retried`);
  }
  const stored = await storeInput(ctx, row, { kind: 'reapply' }, await nowOf(ctx), (outcome) => ({
    step: 'retry',
    outcome: 'ok',
    detail: `retried by ${actorOf(caller)}: ${outcome.note}`,
  }));
  if (!stored) throw new RouteError(409, `service ${subscriptionId} changed while this request ran; read it again`);
  await enqueueApply(ctx, subscriptionId, stored.row.revision, 1);
  return toResource(stored.row, await recentHistory(ctx, subscriptionId));
}

export default definePlugin({
  routes: {
    'GET /services': async (ctx, { query }) => {
      const page = await withCursor(() => listServices(ctx, query as ListQuery));
      return { items: page.items.map((row) => toResource(row)), nextCursor: page.nextCursor };
    },

    'GET /services/:subscriptionId': async (ctx, { params }) => {
      const row = await findService(ctx, params.subscriptionId);
      if (!row) throw new RouteError(404, `provisioning knows no service ${params.subscriptionId}`);
      return toResource(row, await recentHistory(ctx, params.subscriptionId));
    },

    'PUT /services/:subscriptionId/access': async (ctx, { params, body }) =>
      setAccess(ctx, params.subscriptionId, body as AccessBody, await readSettings(ctx)),

    'POST /services/:subscriptionId/retry': (ctx, { params, caller }) => retry(ctx, params.subscriptionId, caller),

    'POST /reconciliations': async (ctx, { body, caller }) => {
      requireStaff(caller);
      const { fix = false } = (body ?? {}) as { fix?: boolean };
      return reconcile(ctx, { fix, trigger: 'request' });
    },

    'GET /reconciliations': async (ctx, { query, caller }) => {
      requireStaff(caller);
      return withCursor(() => listReconciliations(ctx, query as { limit?: number; cursor?: string }));
    },

    'GET /reconciliations/:reconciliationId': async (ctx, { params, caller }) => {
      requireStaff(caller);
      const found = await findReconciliation(ctx, params.reconciliationId);
      if (!found) throw new RouteError(404, `there is no reconciliation ${params.reconciliationId}`);
      return found;
    },
  },

  onEvent,

  jobs: {
    [APPLY_JOB]: (ctx, data) => applyService(ctx, (data as { subscriptionId: string }).subscriptionId),

    // Hourly, and on demand ({ fix }): the cron run fixes when the tenant's reconcileFix says so.
    reconcile: async (ctx, data) => {
      const asked = (data ?? {}) as { fix?: boolean };
      const fix = asked.fix ?? (await readSettings(ctx)).reconcileFix;
      await reconcile(ctx, { fix, trigger: 'schedule' });
    },
  },
});

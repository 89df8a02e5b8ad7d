// dotmac.subscriptions: a customer's services. The lifecycle is the pure state machine of
// lifecycle.ts; this shell reads the subscription, the account and the plans, asks the machine,
// and stores each accepted transition with its history row and its one event in one
// transaction. Every "now" comes from ctx.clock, so tests can move time.
import { definePlugin, type PluginContext, type PluginEvent, RouteError, type RouteRequest } from '@dotmac/sdk';
import {
  createReaders,
  type PlanVersion,
  planTermsOf,
  priceIn,
  type Readers,
  requireForSale,
} from './accounts-and-plans.ts';
import { eventFor } from './events.ts';
import {
  apply,
  type CancelWhen,
  type ChangeWhen,
  type Command,
  create,
  type Refusal,
  type Subscription,
  type SuspendReason,
  type Transition,
} from './lifecycle.ts';
import { planDirection } from './pricing.ts';
import { recurringRevenue, requireStaffPortal } from './revenue.ts';
import { requireResellerListScope, requireVisible } from './scope.ts';
import {
  type Actor,
  BadCursorError,
  dueSubscriptions,
  findSubscription,
  isLostRace,
  type ListQuery,
  listHistory,
  listSubscriptions,
  repriceCandidates,
  type SubscriptionRow,
  storeTransition,
  toResource,
  toSubscription,
} from './store.ts';

type Caller = RouteRequest['caller'];

/** Due subscriptions one run of apply-scheduled-changes handles; it enqueues itself for the rest. */
const DUE_BATCH = 50;
/** Subscriptions one reprice run handles; the reprice-subscriptions job carries on with the rest. */
const REPRICE_BATCH = 50;
const SCHEDULE: Actor = { kind: 'schedule' };

const nowOf = async (ctx: PluginContext) => (await ctx.clock.now()).toISOString();

/** Who is calling, as the history records it. */
function actorOf(caller: Caller): Actor {
  switch (caller.kind) {
    case 'user':
      return { kind: 'user', userId: caller.userId, portal: caller.portal };
    case 'api-key':
      return { kind: 'api-key', keyId: caller.keyId };
    case 'operator':
      return { kind: 'operator' };
    case 'anonymous':
      throw new RouteError(401, 'sign in to change subscriptions');
  }
}

/** A refused command as the caller gets it: 409 for the state, 400 naming the field at fault. */
function refuse(refusal: Refusal): never {
  if (refusal.kind === 'invalid') {
    const pointer = refusal.field === undefined ? [] : [{ pointer: `/body/${refusal.field}`, detail: refusal.detail }];
    throw new RouteError(400, refusal.detail, pointer);
  }
  throw new RouteError(409, refusal.detail);
}

/** Stores an accepted transition with its event; a transition that lost a race is refused (409). */
async function commit(
  ctx: PluginContext,
  transition: Transition,
  actor: Actor,
  now: string,
  readers: Readers,
): Promise<SubscriptionRow> {
  const event = await eventFor(transition, now, readers);
  try {
    return await storeTransition(ctx, transition, event, actor, now);
  } catch (e) {
    if (!isLostRace(e)) throw e;
    throw new RouteError(
      409,
      `subscription ${transition.next.id} changed while this request ran (it is no longer at revision ${transition.previous?.revision}); read it again and retry`,
    );
  }
}

/** Applies the scheduled changes and cancellation of `row` that fell due by `now`, one transition each. */
async function applyDueChanges(
  ctx: PluginContext,
  row: SubscriptionRow,
  now: string,
  readers: Readers,
): Promise<SubscriptionRow> {
  let current = row;
  for (;;) {
    const outcome = apply(toSubscription(current), { kind: 'apply-due' }, now);
    if (!outcome.ok) return current;
    current = await commit(ctx, outcome, SCHEDULE, now, readers);
  }
}

/**
 * Runs a command on subscription `id`: what fell due is applied first, then `commandFor`
 * builds the command from the subscription as it is now (reading what it needs).
 */
async function runCommand(
  ctx: PluginContext,
  id: string,
  caller: Caller,
  commandFor: (subscription: Subscription, readers: Readers, now: string) => Command | Promise<Command>,
) {
  const actor = actorOf(caller);
  const now = await nowOf(ctx);
  const readers = createReaders(ctx);
  const found = await findSubscription(ctx, id);
  if (!found) throw new RouteError(404, `there is no subscription ${id}`);
  await requireVisible(ctx, caller, found.customer_id, `subscription ${id}`);
  const subscription = toSubscription(await applyDueChanges(ctx, found, now, readers));
  const command = await commandFor(subscription, readers, now);
  const outcome = apply(subscription, command, now);
  if (!outcome.ok) refuse(outcome);
  if (command.kind === 'activate' || command.kind === 'resume') {
    const account = await readers.account(subscription.accountId);
    if (account.status === 'terminated') {
      throw new RouteError(422, `cannot ${command.kind} subscription ${id}: account ${account.number} is terminated`);
    }
  }
  return toResource(await commit(ctx, outcome, actor, now, readers), now);
}

/** A new plan version for existing subscribers (catalog.plan-version-scheduled), and who scheduled it. */
interface Reprice {
  readonly planId: string;
  readonly version: number;
  readonly effectiveFrom: string;
  /** The catalog.plan-version-scheduled event it comes from. */
  readonly eventId: string;
  /** Where the previous run stopped: the last subscription id it handled. */
  readonly after: string | null;
}

/**
 * Schedules a reprice on subscription `row`: what fell due is applied first, then the lifecycle
 * decides (a refusal, such as a cancelled subscription or one scheduled to cancel before then,
 * leaves it as it is). A transition that lost a race to another is computed again.
 */
async function repriceOne(
  ctx: PluginContext,
  row: SubscriptionRow,
  target: PlanVersion,
  reprice: Reprice,
  now: string,
  readers: Readers,
): Promise<void> {
  const actor: Actor = { kind: 'event', eventName: 'catalog.plan-version-scheduled', eventId: reprice.eventId };
  let current: SubscriptionRow | undefined = row;
  for (let attempt = 0; current && attempt < 3; attempt++) {
    const subscription = toSubscription(await applyDueChanges(ctx, current, now, readers));
    const account = await readers.account(subscription.accountId);
    const from = await readers.plan(subscription.plan);
    const direction = planDirection(
      { amount: priceIn(from, account.currency), billingCycle: from.billingCycle },
      { amount: priceIn(target, account.currency), billingCycle: target.billingCycle },
    );
    const command: Command = {
      kind: 'reprice',
      to: planTermsOf(target),
      direction,
      effectiveAt: reprice.effectiveFrom,
    };
    const outcome = apply(subscription, command, now);
    if (!outcome.ok) {
      await ctx.log.info(`reprice to version ${target.version} not scheduled: ${outcome.detail}`, {
        subscriptionId: subscription.id,
      });
      return;
    }
    try {
      await storeTransition(ctx, outcome, await eventFor(outcome, now, readers), actor, now);
      return;
    } catch (e) {
      if (!isLostRace(e)) throw e;
      current = await findSubscription(ctx, subscription.id);
    }
  }
  if (current) throw new Error(`subscription ${current.id} kept changing while its reprice was scheduled`);
}

/**
 * One run of a reprice: the next REPRICE_BATCH subscriptions of the plan, each scheduled to move
 * to the new version; the reprice-subscriptions job carries on with the rest. Idempotent: a
 * subscription repriced to the version before (its history says so) is not met again, and the
 * lifecycle refuses one already on, or scheduled to, that version or a later one.
 */
async function repriceRun(ctx: PluginContext, reprice: Reprice): Promise<void> {
  const now = await nowOf(ctx);
  const readers = createReaders(ctx);
  let target: PlanVersion;
  try {
    target = await readers.plan({ planId: reprice.planId, version: reprice.version });
  } catch (e) {
    if (!(e instanceof RouteError && e.status === 422)) throw e;
    await ctx.log.warn(`reprice of plan ${reprice.planId}: ${e.message}`, { eventId: reprice.eventId });
    return;
  }
  // The catalog cancelled the version meanwhile, or it never applied to existing subscribers.
  if (target.appliesToExisting === false || target.status === 'cancelled') {
    await ctx.log.info(`plan ${reprice.planId} version ${reprice.version} moves no existing subscriber`, {
      eventId: reprice.eventId,
    });
    return;
  }
  const rows = await repriceCandidates(ctx, reprice.planId, reprice.version, reprice.after, REPRICE_BATCH + 1);
  const failures: string[] = [];
  for (const row of rows.slice(0, REPRICE_BATCH)) {
    try {
      await repriceOne(ctx, row, target, reprice, now, readers);
    } catch (e) {
      // What the dependencies cannot back (no price in the account's currency) is skipped, not
      // retried; anything else (a lost race, an unavailable plugin) fails the run, to be run again.
      if (e instanceof RouteError && e.status === 422) {
        await ctx.log.warn(`reprice to version ${reprice.version} not scheduled: ${e.message}`, {
          subscriptionId: row.id,
        });
      } else {
        failures.push(`subscription ${row.id}: ${(e as Error).message}`);
      }
    }
  }
  const last = rows[REPRICE_BATCH - 1];
  if (rows.length > REPRICE_BATCH && last) {
    await ctx.jobs.enqueue(
      'reprice-subscriptions',
      { ...reprice, after: last.id },
      { key: `reprice-${reprice.planId}-${reprice.version}-${last.id}` },
    );
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} reprice(s) could not be scheduled: ${failures.join('; ')}`);
  }
}

/** catalog.plan-version-scheduled's payload. */
interface PlanVersionScheduled {
  readonly planId: string;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly noticeDays: number;
  readonly appliesToExisting?: boolean;
}

async function onPlanVersionScheduled(ctx: PluginContext, event: PluginEvent): Promise<void> {
  const payload = event.payload as unknown as PlanVersionScheduled;
  // The catalog publishes it only for versions applying to existing subscribers; should it say otherwise, obey.
  if (payload.appliesToExisting === false) return;
  await repriceRun(ctx, {
    planId: payload.planId,
    version: payload.version,
    effectiveFrom: payload.effectiveFrom,
    eventId: event.id,
    after: null,
  });
}

/** POST /subscriptions body. */
interface NewSubscription {
  readonly accountId: string;
  readonly planId: string;
  readonly version?: number;
}

async function createSubscription(ctx: PluginContext, body: NewSubscription, caller: Caller) {
  const actor = actorOf(caller);
  // The kernel would refuse the row anyway; say why.
  if (caller.kind === 'user' && caller.portal === 'customer' && caller.subjectId !== body.accountId) {
    throw new RouteError(403, 'a customer orders services for their own account only', [
      { pointer: '/body/accountId', detail: 'is not your account' },
    ]);
  }
  await requireVisible(ctx, caller, body.accountId, `account ${body.accountId}`);
  const now = await nowOf(ctx);
  const readers = createReaders(ctx);
  const account = await readers.account(body.accountId, '/body/accountId');
  if (account.status === 'terminated') {
    throw new RouteError(422, `account ${account.number} is terminated: it cannot order services`, [
      { pointer: '/body/accountId', detail: 'is a terminated account' },
    ]);
  }
  const plan = await readers.plan({ planId: body.planId, version: body.version, at: now }, '/body/planId');
  requireForSale(plan, '/body/planId');
  priceIn(plan, account.currency, '/body/planId');
  const [made] = await ctx.db.query<{ id: string }>('select gen_random_uuid()::text as id');
  if (!made) throw new Error('the database answered no id');
  const transition = create({ id: made.id, accountId: account.id, plan: planTermsOf(plan), now });
  return toResource(await commit(ctx, transition, actor, now, readers), now);
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

export default definePlugin({
  routes: {
    'GET /subscriptions': async (ctx, { query, caller }) => {
      await requireResellerListScope(ctx, caller, (query as ListQuery).accountId);
      const now = await nowOf(ctx);
      const page = await withCursor(() => listSubscriptions(ctx, query as ListQuery));
      return { items: page.items.map((row) => toResource(row, now)), nextCursor: page.nextCursor };
    },

    'POST /subscriptions': (ctx, { body, caller }) => createSubscription(ctx, body as NewSubscription, caller),

    'GET /stats/mrr': (ctx, { caller }) => {
      requireStaffPortal(caller);
      return recurringRevenue(ctx);
    },

    'GET /subscriptions/:subscriptionId': async (ctx, { params, caller }) => {
      const row = await findSubscription(ctx, params.subscriptionId);
      if (!row) throw new RouteError(404, `there is no subscription ${params.subscriptionId}`);
      await requireVisible(ctx, caller, row.customer_id, `subscription ${params.subscriptionId}`);
      return toResource(row, await nowOf(ctx));
    },

    'GET /subscriptions/:subscriptionId/history': async (ctx, { params, query, caller }) => {
      const row = await findSubscription(ctx, params.subscriptionId);
      if (!row) throw new RouteError(404, `there is no subscription ${params.subscriptionId}`);
      await requireVisible(ctx, caller, row.customer_id, `subscription ${params.subscriptionId}`);
      return withCursor(() => listHistory(ctx, params.subscriptionId, query as { limit?: number; cursor?: string }));
    },

    'POST /subscriptions/:subscriptionId/activate': (ctx, { params, body, caller }) => {
      const { at } = (body ?? {}) as { at?: string };
      return runCommand(ctx, params.subscriptionId, caller, () => ({ kind: 'activate', ...(at && { at }) }));
    },

    'POST /subscriptions/:subscriptionId/change-plan': (ctx, { params, body, caller }) => {
      const request = body as { planId: string; version?: number; when?: ChangeWhen };
      return runCommand(ctx, params.subscriptionId, caller, async (subscription, readers, now) => {
        const account = await readers.account(subscription.accountId);
        const current = await readers.plan(subscription.plan);
        const target = await readers.plan(
          { planId: request.planId, version: request.version, at: now },
          '/body/planId',
        );
        // A hidden plan keeps serving those on it (a new version of it is fine), but takes no one new.
        if (target.planId !== current.planId) requireForSale(target, '/body/planId');
        const direction = planDirection(
          { amount: priceIn(current, account.currency), billingCycle: current.billingCycle },
          { amount: priceIn(target, account.currency, '/body/planId'), billingCycle: target.billingCycle },
        );
        return { kind: 'change-plan', to: planTermsOf(target), direction, ...(request.when && { when: request.when }) };
      });
    },

    'POST /subscriptions/:subscriptionId/suspend': (ctx, { params, body, caller }) => {
      const { reason, note } = body as { reason: SuspendReason; note?: string };
      return runCommand(ctx, params.subscriptionId, caller, () => ({ kind: 'suspend', reason, ...(note && { note }) }));
    },

    'POST /subscriptions/:subscriptionId/resume': (ctx, { params, body, caller }) => {
      const { reason = 'manual' } = (body ?? {}) as { reason?: SuspendReason };
      return runCommand(ctx, params.subscriptionId, caller, () => ({ kind: 'resume', reason }));
    },

    'POST /subscriptions/:subscriptionId/cancel': (ctx, { params, body, caller }) => {
      const { when } = (body ?? {}) as { when?: CancelWhen };
      return runCommand(ctx, params.subscriptionId, caller, () => ({ kind: 'cancel', ...(when && { when }) }));
    },
  },

  async onEvent(ctx, event) {
    if (event.name === 'catalog.plan-version-scheduled') await onPlanVersionScheduled(ctx, event);
  },

  jobs: {
    // The rest of a reprice that one run did not finish (see repriceRun).
    'reprice-subscriptions': (ctx, data) => repriceRun(ctx, data as Reprice),

    // Idempotent: what is applied is no longer due, and a transition computed from a stale
    // revision is refused. A subscription that fails is retried with the job.
    'apply-scheduled-changes': async (ctx) => {
      const now = await nowOf(ctx);
      const readers = createReaders(ctx);
      const due = await dueSubscriptions(ctx, now, DUE_BATCH + 1);
      const failures: string[] = [];
      for (const row of due.slice(0, DUE_BATCH)) {
        try {
          await applyDueChanges(ctx, row, now, readers);
        } catch (e) {
          failures.push(`subscription ${row.id}: ${(e as Error).message}`);
        }
      }
      if (due.length > DUE_BATCH) await ctx.jobs.enqueue('apply-scheduled-changes', null, { key: `due-${now}` });
      if (failures.length > 0) {
        throw new Error(`${failures.length} scheduled change(s) could not be applied: ${failures.join('; ')}`);
      }
    },
  },
});

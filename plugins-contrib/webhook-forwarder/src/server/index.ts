// Webhook forwarder: each event the tenant chose is POSTed, signed, to the URL it configured; a
// failed delivery fails the event's handling, so the kernel retries it with backoff and
// dead-letters it after its last attempt. Every attempt is recorded for GET /deliveries.
import { definePlugin, RouteError } from '@dotmac/sdk';
import { type Attempt, deliver, type ForwarderConfig } from './delivery.ts';
import { matchesPattern } from './event-patterns.ts';

/** A deliveries row; the timestamp arrives as a string (rows cross the sandbox boundary as JSON). */
interface DeliveryRow {
  readonly delivery_id: string;
  readonly event: string;
  readonly url: string;
  readonly delivered: boolean;
  readonly status_code: number | null;
  readonly error: string | null;
  readonly attempted_at: string;
}

/** GET /deliveries query, as plugin.json's schema validated it (limit defaulted and coerced). */
interface DeliveriesQuery {
  readonly outcome?: 'delivered' | 'failed';
  readonly limit: number;
}

/** How long attempts are kept. */
const KEEP_DAYS = 30;

const toAttempt = (row: DeliveryRow): Attempt => ({
  deliveryId: row.delivery_id,
  event: row.event,
  url: row.url,
  delivered: row.delivered,
  statusCode: row.status_code,
  error: row.error,
  attemptedAt: new Date(row.attempted_at).toISOString(),
});

export default definePlugin({
  async onEvent(ctx, event) {
    const config = await ctx.config.get<ForwarderConfig>();
    if (!config.url || config.enabled === false) return;
    if (!(config.events ?? []).some((pattern) => matchesPattern(pattern, event.name))) return;
    const attempt = await deliver(ctx, config.url, {
      id: event.id,
      type: event.name,
      occurredAt: event.occurredAt,
      tenant: event.tenantId,
      data: event.payload,
    });
    if (!attempt.delivered) {
      throw new Error(`${event.name} ${event.id} was not delivered to ${attempt.url}: ${attempt.error}`);
    }
  },

  routes: {
    'GET /deliveries': async (ctx, request) => {
      const query = request.query as unknown as DeliveriesQuery;
      const delivered = query.outcome === undefined ? null : query.outcome === 'delivered';
      const rows = await ctx.db.query<DeliveryRow>(
        `select delivery_id, event, url, delivered, status_code, error, attempted_at from deliveries
          where ($1::boolean is null or delivered = $1) order by attempted_at desc, id desc limit $2`,
        [delivered, query.limit],
      );
      return { items: rows.map(toAttempt) };
    },

    // A receiver's refusal is this route's answer (delivered: false), not an error of the route.
    'POST /test-deliveries': async (ctx) => {
      const config = await ctx.config.get<ForwarderConfig>();
      if (!config.url) {
        throw new RouteError(409, 'no webhook URL is configured: the operator sets url in this plugin’s config first');
      }
      const [made] = await ctx.db.query<{ id: string }>('select gen_random_uuid()::text as id');
      if (!made) throw new Error('the database answered no id');
      const now = await ctx.clock.now();
      const envelope = {
        id: made.id,
        type: 'webhook.test',
        occurredAt: now.toISOString(),
        tenant: ctx.tenantId,
        data: { message: 'A test delivery from DotMac: your receiver is reachable.' },
      };
      return deliver(ctx, config.url, envelope, { evenIfUnreachable: true });
    },
  },

  jobs: {
    'prune-deliveries': async (ctx) => {
      const now = await ctx.clock.now();
      const before = new Date(now.getTime() - KEEP_DAYS * 24 * 3600_000).toISOString();
      const [pruned] = await ctx.db.query<{ count: number }>(
        'with gone as (delete from deliveries where attempted_at < $1 returning 1) select count(*)::int as count from gone',
        [before],
      );
      if (pruned?.count) await ctx.log.info('delivery attempts forgotten', { count: pruned.count, before });
    },
  },
});

// Delivers committed outbox events to subscribers, at least once, with retries, exponential
// backoff and a dead-letter table. State lives in PostgreSQL (kernel.event_delivery), so a
// dispatcher killed mid-delivery loses nothing: its claim expires and another takes it over.
import type pg from 'pg';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { Tokens } from '../tokens.ts';
import { type EventBus, type EventEnvelope, OUTBOX_CHANNEL } from './bus.ts';

const FAN_OUT_BATCH = 500;
const CLAIM_BATCH = 200;
/** Deliveries one dispatcher runs at once; a slow subscriber holds one slot, not the loop. */
const MAX_IN_FLIGHT = 256;
const IDLE_POLL_MS = 1000;
const MAX_BACKOFF_MS = 3_600_000;

/** Delay before retry number `attempt` (1-based): doubles each time, ±20% jitter, capped. */
export function retryDelayMs(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

interface ClaimedDelivery {
  event_id: string;
  subscriber: string;
  attempts: number;
  name: string;
  tenant_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
}

/** One entry of the dead-letter table, as the admin API shows it. */
export interface DeadLetterView {
  readonly id: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly subscriber: string;
  readonly tenantId: string | null;
  readonly attempts: number;
  readonly lastError: string;
  readonly deadAt: string;
  readonly payload: Record<string, unknown>;
}

@injectable()
export class EventDispatcher {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private listener: pg.PoolClient | undefined;
  private unsubscribeWake: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private acks: ClaimedDelivery[] = [];
  private ackFlush: Promise<void> | undefined;
  /** Deliveries this dispatcher is running, whose leases it keeps renewing. */
  private readonly leases = new Map<string, ClaimedDelivery>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @inject(Tokens.Database) private readonly db: Database,
    @inject(Tokens.EventBus) private readonly bus: EventBus,
    @inject(Tokens.Config) private readonly config: Config,
    @inject(Tokens.Logger) private readonly log: Logger,
  ) {}

  /** Starts the delivery loop; it wakes on commits in this process and NOTIFY from others. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribeWake = this.bus.onWake(() => this.wake());
    if (this.db.kind === 'postgresql') await this.listen();
    this.loop = this.run();
  }

  /** Stops claiming new work and waits for the deliveries in flight to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribeWake?.();
    this.wake();
    await this.loop;
    if (this.listener) {
      await this.listener.query(`unlisten ${OUTBOX_CHANNEL}`).catch(() => undefined);
      this.listener.release();
      this.listener = undefined;
    }
  }

  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /**
   * One pass: fans new outbox events out to subscribers, then delivers what is due and waits
   * for those deliveries. Returns how many it attempted. Safe to run concurrently in many processes.
   */
  async dispatchOnce(): Promise<number> {
    await this.fanOut();
    const claimed = await this.claimDue(CLAIM_BATCH);
    await Promise.all(claimed.map((d) => this.deliver(d)));
    return claimed.length;
  }

  /** The loop: keeps up to MAX_IN_FLIGHT deliveries running, claiming more as slots free up. */
  private async run(): Promise<void> {
    while (this.running) {
      this.pendingWake = false;
      let claimed = 0;
      try {
        await this.fanOut();
        const free = MAX_IN_FLIGHT - this.inFlight.size;
        if (free > 0) {
          const batch = await this.claimDue(Math.min(free, CLAIM_BATCH));
          for (const d of batch) this.track(d);
          claimed = batch.length;
        }
      } catch (e) {
        this.log.error({ err: e }, 'event dispatch pass failed; retrying');
      }
      if (claimed === 0 && this.running && !this.pendingWake) await this.sleep(IDLE_POLL_MS);
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private track(d: ClaimedDelivery): void {
    const atCapacity = () => this.inFlight.size >= MAX_IN_FLIGHT;
    const delivery: Promise<void> = this.deliver(d)
      .catch((e) =>
        this.log.error({ err: e, eventId: d.event_id, subscriber: d.subscriber }, 'recording a delivery failed'),
      )
      .finally(() => {
        const wasFull = atCapacity();
        this.inFlight.delete(delivery);
        if (wasFull) this.wake();
      });
    this.inFlight.add(delivery);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private async listen(): Promise<void> {
    const pool = await this.db.pool();
    this.listener = await pool.connect();
    this.listener.on('notification', () => this.wake());
    await this.listener.query(`listen ${OUTBOX_CHANNEL}`);
  }

  /** Creates one pending delivery per (new event, matching subscriber) and marks the events dispatched. */
  private async fanOut(): Promise<void> {
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const events = await tx.query<{ id: string; name: string }>(
          `select id, name from kernel.outbox_event where dispatched_at is null
           order by seq limit $1 for update skip locked`,
          [FAN_OUT_BATCH],
        );
        if (events.length === 0) return 0;
        const eventIds: string[] = [];
        const subscribers: string[] = [];
        for (const event of events) {
          for (const subscriber of this.bus.subscribersOf(event.name)) {
            eventIds.push(event.id);
            subscribers.push(subscriber);
          }
        }
        if (eventIds.length > 0) {
          await tx.query(
            `insert into kernel.event_delivery (event_id, subscriber)
             select * from unnest($1::uuid[], $2::text[]) on conflict do nothing`,
            [eventIds, subscribers],
          );
        }
        await tx.query(`update kernel.outbox_event set dispatched_at = now() where id = any($1::uuid[])`, [
          events.map((e) => e.id),
        ]);
        return events.length;
      });
      if (n < FAN_OUT_BATCH) return;
    }
  }

  /** Claims up to `limit` due deliveries for this process's subscribers, each with a lease. */
  private async claimDue(limit: number): Promise<ClaimedDelivery[]> {
    const known = this.bus.subscriberIds();
    if (known.length === 0) return [];
    return this.db.query<ClaimedDelivery>(
      `with due as (
         select event_id, subscriber from kernel.event_delivery
         where status = 'pending' and next_attempt_at <= now()
           and (locked_until is null or locked_until < now())
           and subscriber = any($1::text[])
         order by next_attempt_at limit $2
         for update skip locked
       ), claimed as (
         update kernel.event_delivery d
         set attempts = d.attempts + 1, locked_until = now() + make_interval(secs => $3::double precision / 1000)
         from due where d.event_id = due.event_id and d.subscriber = due.subscriber
         returning d.event_id, d.subscriber, d.attempts
       )
       select c.event_id, c.subscriber, c.attempts, o.name, o.tenant_id, o.payload, o.occurred_at
       from claimed c join kernel.outbox_event o on o.id = c.event_id`,
      [known, limit, this.config.EVENT_LEASE_MS],
    );
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const subscriber = this.bus.subscriber(d.subscriber);
    const event: EventEnvelope = {
      id: d.event_id,
      name: d.name,
      tenantId: d.tenant_id,
      payload: d.payload,
      occurredAt: new Date(d.occurred_at).toISOString(),
    };
    const log = this.log.child({
      eventId: event.id,
      event: event.name,
      subscriber: d.subscriber,
      tenantId: event.tenantId,
    });
    this.hold(d);
    try {
      try {
        if (!subscriber) throw new Error(`subscriber ${d.subscriber} is no longer registered`);
        await subscriber.handle(event);
      } catch (e) {
        await this.recordFailure(d, e, log);
        return;
      }
      await this.acknowledge(d);
    } finally {
      this.release(d);
    }
  }

  /**
   * Keeps the lease of a running delivery alive (renewed every third of EVENT_LEASE_MS), so a
   * handler slower than the lease is not taken over while it runs; only a dead dispatcher's are.
   */
  private hold(d: ClaimedDelivery): void {
    this.leases.set(`${d.event_id}/${d.subscriber}`, d);
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => void this.renewLeases(), Math.max(100, this.config.EVENT_LEASE_MS / 3));
      this.heartbeat.unref();
    }
  }

  private release(d: ClaimedDelivery): void {
    this.leases.delete(`${d.event_id}/${d.subscriber}`);
    if (this.leases.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private async renewLeases(): Promise<void> {
    const held = [...this.leases.values()];
    if (held.length === 0) return;
    try {
      await this.db.query(
        `update kernel.event_delivery d set locked_until = now() + make_interval(secs => $4::double precision / 1000)
         from unnest($1::uuid[], $2::text[], $3::int[]) as held(event_id, subscriber, attempts)
         where d.event_id = held.event_id and d.subscriber = held.subscriber and d.attempts = held.attempts
           and d.status = 'pending'`,
        [
          held.map((h) => h.event_id),
          held.map((h) => h.subscriber),
          held.map((h) => h.attempts),
          this.config.EVENT_LEASE_MS,
        ],
      );
    } catch (e) {
      this.log.warn({ err: e, deliveries: held.length }, 'renewing delivery leases failed; will retry');
    }
  }

  /**
   * Marks a delivery done. Deliveries finishing in the same turn of the event loop share one
   * UPDATE (one commit for many events); the promise settles when that batch is recorded.
   */
  private acknowledge(d: ClaimedDelivery): Promise<void> {
    this.acks.push(d);
    this.ackFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const batch = this.acks;
      this.acks = [];
      this.ackFlush = undefined;
      // Fenced on `attempts`: a dispatcher whose lease was taken over does not overwrite the newer claim.
      return this.db
        .query(
          `update kernel.event_delivery d
           set status = 'delivered', delivered_at = now(), locked_until = null, last_error = null
           from unnest($1::uuid[], $2::text[], $3::int[]) as done(event_id, subscriber, attempts)
           where d.event_id = done.event_id and d.subscriber = done.subscriber and d.attempts = done.attempts
             and d.status = 'pending'`,
          [batch.map((b) => b.event_id), batch.map((b) => b.subscriber), batch.map((b) => b.attempts)],
        )
        .then(() => undefined);
    });
    return this.ackFlush;
  }

  private async recordFailure(d: ClaimedDelivery, error: unknown, log: Logger): Promise<void> {
    const message = describeError(error);
    if (d.attempts >= this.config.EVENT_MAX_ATTEMPTS) {
      log.error({ err: error, attempts: d.attempts }, 'event delivery failed for the last time: dead-lettered');
      await this.db.transaction(async (tx) => {
        const moved = await tx.query(
          `update kernel.event_delivery set status = 'dead', locked_until = null, last_error = $4
           where event_id = $1 and subscriber = $2 and attempts = $3 and status = 'pending' returning event_id`,
          [d.event_id, d.subscriber, d.attempts, message],
        );
        if (moved.length === 0) return;
        await tx.query(
          `insert into kernel.dead_letter (event_id, subscriber, event_name, tenant_id, attempts, last_error)
           values ($1, $2, $3, $4, $5, $6)`,
          [d.event_id, d.subscriber, d.name, d.tenant_id, d.attempts, message],
        );
      });
      return;
    }
    const delayMs = retryDelayMs(this.config.EVENT_BACKOFF_MS, d.attempts);
    log.warn({ err: error, attempts: d.attempts, retryInMs: delayMs }, 'event delivery failed; will retry');
    await this.db.query(
      `update kernel.event_delivery
       set next_attempt_at = now() + make_interval(secs => $4::double precision / 1000), locked_until = null, last_error = $5
       where event_id = $1 and subscriber = $2 and attempts = $3 and status = 'pending'`,
      [d.event_id, d.subscriber, d.attempts, delayMs, message],
    );
  }

  /** Open dead letters, oldest first. */
  async deadLetters(filter: { subscriber?: string; limit?: number } = {}): Promise<DeadLetterView[]> {
    const rows = await this.db.query<{
      id: string;
      event_id: string;
      event_name: string;
      subscriber: string;
      tenant_id: string | null;
      attempts: number;
      last_error: string;
      dead_at: Date;
      payload: Record<string, unknown>;
    }>(
      `select l.id, l.event_id, l.event_name, l.subscriber, l.tenant_id, l.attempts, l.last_error, l.dead_at, o.payload
       from kernel.dead_letter l join kernel.outbox_event o on o.id = l.event_id
       where l.replayed_at is null and ($1::text is null or l.subscriber = $1)
       order by l.dead_at, l.id limit $2`,
      [filter.subscriber ?? null, filter.limit ?? 100],
    );
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventName: r.event_name,
      subscriber: r.subscriber,
      tenantId: r.tenant_id,
      attempts: r.attempts,
      lastError: r.last_error,
      deadAt: new Date(r.dead_at).toISOString(),
      payload: r.payload,
    }));
  }

  /**
   * Puts dead-lettered deliveries back in the queue with a fresh set of attempts. With `id`,
   * exactly that one (NotFoundError if it is not open); otherwise all open ones matching.
   * Returns how many were replayed.
   */
  async replay(filter: { id?: string; subscriber?: string; eventName?: string }): Promise<number> {
    const n = await this.db.transaction(async (tx) => {
      const letters = await tx.query<{ event_id: string; subscriber: string }>(
        `update kernel.dead_letter set replayed_at = now()
         where replayed_at is null and ($1::uuid is null or id = $1) and ($2::text is null or subscriber = $2)
           and ($3::text is null or event_name = $3)
         returning event_id, subscriber`,
        [filter.id ?? null, filter.subscriber ?? null, filter.eventName ?? null],
      );
      if (letters.length > 0) {
        await tx.query(
          `update kernel.event_delivery d set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null
           from unnest($1::uuid[], $2::text[]) as r(event_id, subscriber)
           where d.event_id = r.event_id and d.subscriber = r.subscriber`,
          [letters.map((l) => l.event_id), letters.map((l) => l.subscriber)],
        );
        await tx.query(`select pg_notify($1, '')`, [OUTBOX_CHANNEL]);
        tx.afterCommit(() => this.bus.wake());
      }
      return letters.length;
    });
    if (filter.id && n === 0) throw new NotFoundError(`no open dead letter ${filter.id}`);
    return n;
  }

  /** Seconds since the oldest event not yet delivered to every subscriber was committed (0 when none). */
  async lagSeconds(): Promise<number> {
    const [row] = await this.db.query<{ lag: number | null }>(
      `select extract(epoch from now() - least(
         (select min(created_at) from kernel.outbox_event where dispatched_at is null),
         (select min(o.created_at) from kernel.event_delivery d join kernel.outbox_event o on o.id = d.event_id
          where d.status = 'pending')))::double precision as lag`,
    );
    return Math.max(0, Number(row?.lag ?? 0));
  }
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `thrown value: ${String(error)}`;
  return text.slice(0, 2000);
}

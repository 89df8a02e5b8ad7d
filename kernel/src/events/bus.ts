// The event bus: typed publish into the transactional outbox, and in-process subscriptions
// that the dispatcher delivers to at least once.
import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { Clock } from '../clock.ts';
import type { Tx } from '../db/database.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { Tokens } from '../tokens.ts';
import type { EventSchemas } from './schemas.ts';

/** An event as stored and delivered. `id` is stable across redeliveries: use it to dedupe. */
export interface EventEnvelope<P = Record<string, unknown>> {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string | null;
  readonly payload: P;
  readonly occurredAt: string;
}

/** What a publisher says happened. */
export interface NewEvent<P = Record<string, unknown>> {
  readonly name: string;
  readonly payload: P;
  readonly tenantId?: string | null;
}

/** A named consumer of events whose names match its patterns. */
export interface Subscriber {
  /** Stable id: delivery state is kept per subscriber id, so renaming one re-delivers nothing. */
  readonly id: string;
  /** Patterns over dotted names: `*` matches one word, a trailing `**` one or more words. */
  readonly patterns: readonly string[];
  /** Handles one event; throwing schedules a retry. May run more than once per event. */
  handle(event: EventEnvelope): Promise<void>;
}

const SUBSCRIBER_ID = /^[a-z0-9][a-z0-9._:-]{0,127}$/;
const PATTERN = /^(\*|\*\*|[a-z][a-z0-9-]*)(\.(\*|\*\*|[a-z][a-z0-9-]*))*$/;

/** The NOTIFY channel that wakes dispatchers in other processes when an outbox row commits. */
export const OUTBOX_CHANNEL = 'dotmac_outbox';

/** True when dotted `name` matches `pattern` (`*` one word; trailing `**` one or more words). */
export function matchesPattern(pattern: string, name: string): boolean {
  const p = pattern.split('.');
  const n = name.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '**') return i === p.length - 1 && n.length > i;
    if (i >= n.length || (p[i] !== '*' && p[i] !== n[i])) return false;
  }
  return p.length === n.length;
}

@injectable()
export class EventBus {
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly wakeListeners = new Set<() => void>();

  constructor(
    @inject(Tokens.EventSchemas) readonly schemas: EventSchemas,
    @inject(Tokens.Clock) private readonly clock: Clock,
  ) {}

  /**
   * Validates the event and writes it to the outbox inside `tx`: it is delivered if and only
   * if `tx` commits.
   */
  async publish<P extends Record<string, unknown>>(tx: Tx, event: NewEvent<P>): Promise<EventEnvelope<P>> {
    const [envelope] = await this.publishAll(tx, [event]);
    return envelope as EventEnvelope<P>;
  }

  /**
   * Validates every event, then writes them all to the outbox inside `tx` in one statement (a
   * billing run's thousand invoice.issued events are one round trip, not a thousand), in order.
   * None is written if one is invalid.
   */
  async publishAll<P extends Record<string, unknown>>(
    tx: Tx,
    events: readonly NewEvent<P>[],
  ): Promise<EventEnvelope<P>[]> {
    for (const event of events) this.schemas.validate(event.name, event.payload);
    const occurredAt = this.clock.now().toISOString();
    const envelopes = events.map(
      (event): EventEnvelope<P> => ({
        id: randomUUID(),
        name: event.name,
        tenantId: event.tenantId ?? null,
        payload: event.payload,
        occurredAt,
      }),
    );
    if (envelopes.length === 0) return envelopes;
    // `ordinality` keeps the order: outbox sequence numbers follow the order of `events`.
    await tx.query(
      `insert into kernel.outbox_event (id, name, tenant_id, payload, occurred_at)
       select (e->>'id')::uuid, e->>'name', (e->>'tenant_id')::uuid, e->'payload', (e->>'occurred_at')::timestamptz
         from jsonb_array_elements($1::jsonb) with ordinality as t(e, n)
        order by n`,
      [
        JSON.stringify(
          envelopes.map((e) => ({
            id: e.id,
            name: e.name,
            tenant_id: e.tenantId,
            payload: e.payload,
            occurred_at: e.occurredAt,
          })),
        ),
      ],
    );
    // NOTIFY is transactional: dispatchers in other processes hear it only on commit. One per
    // transaction is enough (PostgreSQL folds identical ones anyway) and saves a round trip per event.
    tx.beforeCommit(OUTBOX_CHANNEL, async () => {
      await tx.query(`select pg_notify($1, '')`, [OUTBOX_CHANNEL]);
    });
    tx.afterCommit(() => this.wake());
    return envelopes;
  }

  /** Registers a subscriber; its id must be unique in this process. */
  subscribe(subscriber: Subscriber): void {
    if (!SUBSCRIBER_ID.test(subscriber.id)) {
      throw new ValidationError(`subscriber id ${JSON.stringify(subscriber.id)} is not valid`, [
        { pointer: '/id', detail: 'must be lowercase letters, digits and . _ : - (at most 128)' },
      ]);
    }
    // `**` only as the last word: anywhere else it would never match (`a.**.**` ends in `**` too).
    const bad = subscriber.patterns.find((p) => !PATTERN.test(p) || p.split('.').slice(0, -1).includes('**'));
    if (bad !== undefined || subscriber.patterns.length === 0) {
      throw new ValidationError(`subscriber ${subscriber.id} has an invalid pattern ${JSON.stringify(bad ?? '')}`, [
        { pointer: '/patterns', detail: 'each must be dotted words, `*`, or a trailing `**`' },
      ]);
    }
    if (this.subscribers.has(subscriber.id))
      throw new ConflictError(`subscriber ${subscriber.id} is already registered`);
    this.subscribers.set(subscriber.id, subscriber);
  }

  unsubscribe(id: string): void {
    this.subscribers.delete(id);
  }

  subscriber(id: string): Subscriber | undefined {
    return this.subscribers.get(id);
  }

  subscriberIds(): string[] {
    return [...this.subscribers.keys()];
  }

  /** Ids of the subscribers whose patterns match `name`. */
  subscribersOf(name: string): string[] {
    return [...this.subscribers.values()]
      .filter((s) => s.patterns.some((p) => matchesPattern(p, name)))
      .map((s) => s.id);
  }

  /** Called after a publishing transaction commits in this process. */
  onWake(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  wake(): void {
    for (const listener of this.wakeListeners) listener();
  }
}

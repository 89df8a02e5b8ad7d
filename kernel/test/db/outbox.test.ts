// The transactional outbox and its dispatcher, on the database this project runs on.
import type { EventEnvelope, Kernel } from '@dotmac/kernel';
import { EventDispatcher, ValidationError } from '@dotmac/kernel';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bootTestKernel, type TestKernel } from '../../../test/support/kernel.ts';

const pingSchema = {
  $id: 'test.ping',
  type: 'object',
  additionalProperties: false,
  required: ['n'],
  properties: { n: { type: 'integer', minimum: 0 } },
};

let t: TestKernel;
let kernel: Kernel;
const received = new Map<string, EventEnvelope[]>();
let failing = new Set<string>();

function recorder(id: string, patterns: string[]) {
  received.set(id, []);
  kernel.bus.subscribe({
    id,
    patterns,
    async handle(event) {
      if (failing.has(id)) throw new Error(`${id} is down`);
      received.get(id)?.push(event);
    },
  });
}

async function publish(n: number, tenantId: string | null = null) {
  return kernel.db.transaction((tx) => kernel.bus.publish(tx, { name: 'test.ping', payload: { n }, tenantId }));
}

/** Runs dispatch passes until nothing is due (retries are 5 ms apart in tests). */
async function drain(maxPasses = 200) {
  for (let i = 0; i < maxPasses; i++) {
    if ((await kernel.dispatcher.dispatchOnce()) === 0) {
      const [row] = await kernel.db.query<{ due: number }>(
        `select count(*)::int as due from kernel.event_delivery where status = 'pending'`,
      );
      if (row?.due === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

beforeAll(async () => {
  t = await bootTestKernel({ env: { EVENT_MAX_ATTEMPTS: '3' } });
  kernel = t.kernel;
  kernel.bus.schemas.register(pingSchema);
  recorder('test.a', ['test.*']);
  recorder('test.b', ['test.ping']);
  recorder('test.other', ['billing.**']);
  kernel.bus.schemas.register({ $id: 'test.gate', type: 'object' });
  kernel.bus.subscribe({ id: 'test.gated', patterns: ['test.gate'], handle: () => gate.wait() });
});

/** Holds the `test.gated` subscriber inside its handler until opened. */
const gate = {
  entered: false,
  entries: 0,
  waiters: [] as Array<() => void>,
  open() {
    for (const resolve of this.waiters.splice(0)) resolve();
  },
  wait(): Promise<void> {
    this.entered = true;
    this.entries++;
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  },
};

afterAll(async () => {
  await t?.dispose();
});

beforeEach(async () => {
  for (const list of received.values()) list.length = 0;
  failing = new Set();
  await drain();
});

describe(`event bus on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('an event committed in a transaction reaches every matching subscriber, and no other', async () => {
    const event = await publish(1, '6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e01');
    await drain();
    expect(received.get('test.a')?.map((e) => e.id)).toEqual([event.id]);
    expect(received.get('test.b')?.map((e) => e.id)).toEqual([event.id]);
    expect(received.get('test.other')).toEqual([]);
    expect(received.get('test.a')?.[0]).toMatchObject({
      name: 'test.ping',
      payload: { n: 1 },
      tenantId: '6f1f7b7e-6a51-4c39-9f3e-2f1c7a1d9e01',
    });
  });

  test('an event published in a rolled-back transaction is never delivered', async () => {
    let id = '';
    await expect(
      kernel.db.transaction(async (tx) => {
        id = (await kernel.bus.publish(tx, { name: 'test.ping', payload: { n: 2 } })).id;
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    await drain();
    expect(received.get('test.a')).toEqual([]);
    expect(await kernel.db.query('select id from kernel.outbox_event where id = $1', [id])).toEqual([]);
  });

  test('a payload that breaks its schema is refused naming the field, and nothing is written', async () => {
    const before = await kernel.db.query<{ n: number }>('select count(*)::int as n from kernel.outbox_event');
    const error = await publish(-1).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ pointer: '/payload/n', detail: 'must be >= 0' }]);
    const unknown = await kernel.db
      .transaction((tx) => kernel.bus.publish(tx, { name: 'test.unknown', payload: {} }))
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as Error).message).toContain('unknown event type test.unknown');
    const after = await kernel.db.query<{ n: number }>('select count(*)::int as n from kernel.outbox_event');
    expect(after).toEqual(before);
  });

  test('a subscriber that fails is retried with backoff and gets the event once it recovers', async () => {
    failing.add('test.b');
    const event = await publish(3);
    await kernel.dispatcher.dispatchOnce();
    const [row] = await kernel.db.query<{ attempts: number; status: string; last_error: string }>(
      `select attempts, status, last_error from kernel.event_delivery where event_id = $1 and subscriber = 'test.b'`,
      [event.id],
    );
    expect(row).toMatchObject({ attempts: 1, status: 'pending', last_error: 'Error: test.b is down' });
    failing.delete('test.b');
    await drain();
    expect(received.get('test.b')?.map((e) => e.id)).toEqual([event.id]);
    expect(received.get('test.a')?.map((e) => e.id)).toEqual([event.id]);
  });

  test('a subscriber that keeps failing ends in the dead-letter table, and a replay delivers it', async () => {
    failing.add('test.b');
    const event = await publish(4);
    await drain();
    const letters = await kernel.dispatcher.deadLetters({ subscriber: 'test.b' });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      eventId: event.id,
      eventName: 'test.ping',
      subscriber: 'test.b',
      attempts: 3,
      lastError: 'Error: test.b is down',
      payload: { n: 4 },
    });
    expect(received.get('test.a')?.map((e) => e.id)).toEqual([event.id]);

    failing.delete('test.b');
    expect(await kernel.dispatcher.replay({ id: letters[0]?.id })).toBe(1);
    await drain();
    expect(received.get('test.b')?.map((e) => e.id)).toEqual([event.id]);
    expect(await kernel.dispatcher.deadLetters({ subscriber: 'test.b' })).toEqual([]);
    // test.a got it exactly once: replaying one subscriber's letter does not re-deliver to others.
    expect(received.get('test.a')?.map((e) => e.id)).toEqual([event.id]);
  });

  test('replaying a dead letter that is not open is a not-found error', async () => {
    await expect(kernel.dispatcher.replay({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(
      'no open dead letter',
    );
  });

  test('a hundred events in one transaction are all delivered once to each subscriber', async () => {
    await kernel.db.transaction(async (tx) => {
      for (let n = 0; n < 100; n++) await kernel.bus.publish(tx, { name: 'test.ping', payload: { n } });
    });
    await drain();
    expect(
      received
        .get('test.a')
        ?.map((e) => e.payload.n)
        .sort((a, b) => Number(a) - Number(b)),
    ).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(received.get('test.b')).toHaveLength(100);
  });

  test('events published together are written in one statement, in their order, and none if one is invalid', async () => {
    const [before] = await kernel.db.query<{ n: number }>('select count(*)::int as n from kernel.outbox_event');
    const published = await kernel.db.transaction((tx) =>
      kernel.bus.publishAll(
        tx,
        Array.from({ length: 50 }, (_, n) => ({ name: 'test.ping', payload: { n } })),
      ),
    );
    const rows = await kernel.db.query<{ id: string; n: number }>(
      "select id::text, (payload->>'n')::int as n from kernel.outbox_event order by seq desc limit 50",
    );
    expect(rows.reverse()).toEqual(published.map((e, n) => ({ id: e.id, n })));
    await expect(
      kernel.db.transaction((tx) =>
        kernel.bus.publishAll(tx, [
          { name: 'test.ping', payload: { n: 1 } },
          { name: 'test.ping', payload: { n: 'not a number' } },
        ]),
      ),
    ).rejects.toThrow();
    const [after] = await kernel.db.query<{ n: number }>('select count(*)::int as n from kernel.outbox_event');
    expect(after?.n).toBe((before?.n ?? 0) + 50);
    await drain();
  });

  test('two dispatchers racing over the same events deliver each one once', async () => {
    const second = kernel.container.resolve(EventDispatcher);
    expect(second).not.toBe(kernel.dispatcher);
    for (let n = 0; n < 20; n++) await publish(n);
    await Promise.all([kernel.dispatcher.dispatchOnce(), second.dispatchOnce(), kernel.dispatcher.dispatchOnce()]);
    await drain();
    expect(received.get('test.a')).toHaveLength(20);
    expect(new Set(received.get('test.a')?.map((e) => e.id)).size).toBe(20);
  });

  test('the running dispatcher delivers a committed event without being polled', async () => {
    await kernel.dispatcher.start();
    try {
      const event = await publish(7);
      await expect.poll(() => received.get('test.a')?.map((e) => e.id), { timeout: 5000 }).toEqual([event.id]);
    } finally {
      await kernel.dispatcher.stop();
    }
  });

  test('a subscriber stuck in its handler does not hold back deliveries to the others', async () => {
    await kernel.dispatcher.start();
    try {
      await kernel.db.transaction((tx) => kernel.bus.publish(tx, { name: 'test.gate', payload: {} }));
      await expect.poll(() => gate.entered, { timeout: 5000 }).toBe(true);
      const event = await publish(8);
      await expect.poll(() => received.get('test.b')?.map((e) => e.id), { timeout: 5000 }).toEqual([event.id]);
    } finally {
      gate.open();
      await kernel.dispatcher.stop();
    }
  });

  test('a delivery slower than its lease is not taken over by another dispatcher while it runs', async () => {
    gate.entered = false;
    gate.entries = 0;
    const other = kernel.container.resolve(EventDispatcher);
    await kernel.dispatcher.start();
    try {
      await kernel.db.transaction((tx) => kernel.bus.publish(tx, { name: 'test.gate', payload: {} }));
      await expect.poll(() => gate.entered, { timeout: 5000 }).toBe(true);
      await new Promise((r) => setTimeout(r, 2500)); // EVENT_LEASE_MS is 1000 in tests
      await other.dispatchOnce();
      expect(gate.entries).toBe(1);
    } finally {
      gate.open();
      await kernel.dispatcher.stop();
    }
    const states = await kernel.db.query<{ status: string; attempts: number }>(
      `select d.status, d.attempts from kernel.event_delivery d join kernel.outbox_event o on o.id = d.event_id
       where d.subscriber = 'test.gated' order by o.seq desc limit 1`,
    );
    expect(states).toEqual([{ status: 'delivered', attempts: 1 }]);
  });
});

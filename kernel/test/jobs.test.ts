// The job queue contract, run against both adapters: BullMQ on a real Redis, and in-process.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '../../test/support/services.ts';
import { UnavailableError } from '../src/errors.ts';
import { BullMqJobQueue } from '../src/jobs/bullmq.ts';
import { InProcessJobQueue } from '../src/jobs/in-process.ts';
import type { Job, JobQueue } from '../src/jobs/queue.ts';
import { createLogger } from '../src/log.ts';

const log = createLogger('silent');

interface Adapter {
  readonly kind: JobQueue['kind'];
  /** A new queue on `prefix`; BullMQ queues on one prefix share their jobs, like the processes of one deployment. */
  open(prefix: string): JobQueue;
}

const adapters: Adapter[] = [
  { kind: 'in-process', open: () => new InProcessJobQueue(log) },
  { kind: 'bullmq', open: (prefix) => new BullMqJobQueue(TEST_REDIS_URL, prefix, log) },
];

/** Long enough for a worker to have picked up a job it was going to run. */
const SETTLE_MS = 500;
const POLL = { timeout: 10_000, interval: 25 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const usedPrefixes: string[] = [];

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    for (const prefix of usedPrefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
});

/** Names of the Redis connections whose name starts with `namePrefix`. */
async function clientsNamed(namePrefix: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const list = (await redis.client('LIST')) as string;
    return [...list.matchAll(/ name=(\S*)/g)].map((m) => m[1] ?? '').filter((name) => name.startsWith(namePrefix));
  } finally {
    redis.disconnect();
  }
}

describe.each(adapters)('$kind job queue', ({ kind, open }) => {
  let prefix: string;
  let opened: JobQueue[];
  /** Releases every held handler after the test, so none outlives it. */
  let releases: Array<() => void>;

  /** A queue on this test's prefix, closed after the test. */
  function queue(): JobQueue {
    const q = open(prefix);
    opened.push(q);
    return q;
  }

  /** A promise a handler awaits to stay running until the test calls `release`. */
  function hold(): { promise: Promise<void>; release: () => void } {
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    releases.push(release);
    return { promise, release };
  }

  beforeEach(() => {
    prefix = uniqueQueuePrefix();
    usedPrefixes.push(prefix);
    opened = [];
    releases = [];
  });

  afterEach(async () => {
    for (const release of releases) release();
    await Promise.all(opened.map((q) => q.close(5_000)));
  });

  test('reports which adapter it is', () => {
    expect(queue().kind).toBe(kind);
  });

  test('an enqueued job runs once with the data it was enqueued with, and reports its result', async () => {
    const q = queue();
    const seen: Job<{ n: number }>[] = [];
    q.define<{ n: number }>('test.double', async (job) => {
      seen.push(job);
      return { doubled: job.data.n * 2 };
    });
    await q.startWorkers();

    const data = { n: 21 };
    const id = await q.enqueue('test.double', data);
    data.n = 0; // the job keeps what it was given

    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'completed' });
    expect(await q.status(id)).toEqual({
      id,
      name: 'test.double',
      state: 'completed',
      attempts: 1,
      result: { doubled: 42 },
    });
    await sleep(SETTLE_MS);
    expect(seen).toEqual([{ id, name: 'test.double', data: { n: 21 }, attempt: 1 }]);
  });

  test('the status of a job the queue does not hold is undefined', async () => {
    const q = queue();
    q.define('test.noop', async () => undefined);
    expect(await q.status('no-such-job')).toBeUndefined();
  });

  test('a job enqueued before startWorkers waits, then runs once workers start', async () => {
    const q = queue();
    let runs = 0;
    q.define('test.early', async () => {
      runs++;
    });
    const id = await q.enqueue('test.early', {});

    await sleep(SETTLE_MS);
    expect(runs).toBe(0);
    expect(await q.status(id)).toMatchObject({ state: 'waiting', attempts: 0 });

    await q.startWorkers();
    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'completed' });
    expect(runs).toBe(1);
  });

  if (kind === 'bullmq')
    test('a queue without workers only enqueues; a worker process on the same prefix runs the job', async () => {
      const api = queue();
      let apiRuns = 0;
      api.define('test.split', async () => {
        apiRuns++;
      });
      const id = await api.enqueue('test.split', { from: 'api' });
      await sleep(SETTLE_MS);
      expect(await api.status(id)).toMatchObject({ state: 'waiting' });

      const worker = queue();
      const seen: unknown[] = [];
      worker.define('test.split', async (job) => {
        seen.push(job.data);
        return 'done';
      });
      await worker.startWorkers();

      await expect.poll(() => api.status(id), POLL).toMatchObject({ state: 'completed', result: 'done' });
      expect(seen).toEqual([{ from: 'api' }]);
      expect(apiRuns).toBe(0);
    });

  test('enqueueing a jobId the queue still holds returns the same id and runs the job once', async () => {
    const q = queue();
    let runs = 0;
    q.define('test.dedup', async () => {
      runs++;
    });
    await q.startWorkers();

    const first = await q.enqueue('test.dedup', { v: 1 }, { jobId: 'invoice-2024-07-42' });
    const second = await q.enqueue('test.dedup', { v: 2 }, { jobId: 'invoice-2024-07-42' });
    expect(first).toBe('invoice-2024-07-42');
    expect(second).toBe(first);
    await expect.poll(() => q.status(first), POLL).toMatchObject({ state: 'completed' });

    const third = await q.enqueue('test.dedup', { v: 3 }, { jobId: 'invoice-2024-07-42' });
    expect(third).toBe(first);
    await sleep(SETTLE_MS);
    expect(runs).toBe(1);
  });

  test('any string works as a jobId, including natural keys with colons and plain numbers', async () => {
    const q = queue();
    const seen: string[] = [];
    q.define('test.keys', async (job) => {
      seen.push(job.id);
    });
    await q.startWorkers();

    const ids = ['invoice:2024-07:42', '42', 'a%3Ab', 'with space/and#hash'];
    for (const jobId of ids) expect(await q.enqueue('test.keys', {}, { jobId })).toBe(jobId);
    for (const id of ids) await expect.poll(() => q.status(id), POLL).toMatchObject({ id, state: 'completed' });
    expect(seen.sort()).toEqual([...ids].sort());
    expect(await q.enqueue('test.keys', {}, { jobId: '42' })).toBe('42');
    await sleep(SETTLE_MS);
    expect(seen).toHaveLength(ids.length);
  });

  test('a delayed job does not run before its delay, and runs after it', async () => {
    const q = queue();
    let ranAt: number | undefined;
    q.define('test.later', async () => {
      ranAt = Date.now();
    });
    await q.startWorkers();

    const enqueuedAt = Date.now();
    const id = await q.enqueue('test.later', {}, { delayMs: 1500 });
    expect(await q.status(id)).toMatchObject({ state: 'delayed' });
    expect((await q.counts()).delayed).toBe(1);

    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'completed' });
    expect(ranAt).toBeDefined();
    expect((ranAt ?? 0) - enqueuedAt).toBeGreaterThanOrEqual(1500);
  });

  test('a running job is active on its first attempt', async () => {
    const q = queue();
    const held = hold();
    q.define('test.held', async () => {
      await held.promise;
    });
    await q.startWorkers();

    const id = await q.enqueue('test.held', {});
    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'active' });
    expect(await q.status(id)).toEqual({ id, name: 'test.held', state: 'active', attempts: 1 });
    expect((await q.counts()).active).toBe(1);
    held.release();
    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'completed' });
  });

  test('a job delayed by weeks stays delayed', async () => {
    const q = queue();
    let runs = 0;
    q.define('test.renewal', async () => {
      runs++;
    });
    await q.startWorkers();

    const id = await q.enqueue('test.renewal', {}, { delayMs: 30 * 24 * 3600_000 });
    await sleep(SETTLE_MS);
    expect(await q.status(id)).toMatchObject({ state: 'delayed' });
    expect(runs).toBe(0);
  });

  test('a handler that keeps failing is tried `attempts` times, then the job fails with its error', async () => {
    const q = queue();
    const attempts: number[] = [];
    q.define(
      'test.broken',
      async (job) => {
        attempts.push(job.attempt);
        throw new Error(`the billing API said no (attempt ${job.attempt})`);
      },
      { attempts: 3, backoffMs: 20 },
    );
    await q.startWorkers();

    const id = await q.enqueue('test.broken', {});
    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'failed' });
    expect(await q.status(id)).toMatchObject({
      state: 'failed',
      attempts: 3,
      error: 'the billing API said no (attempt 3)',
    });
    await sleep(SETTLE_MS);
    expect(attempts).toEqual([1, 2, 3]);
  });

  test('a handler that fails once and then succeeds completes on attempt 2', async () => {
    const q = queue();
    const attempts: number[] = [];
    q.define(
      'test.flaky',
      async (job) => {
        attempts.push(job.attempt);
        if (job.attempt === 1) throw new Error('timeout talking to the router');
        return 'ok';
      },
      { attempts: 3, backoffMs: 20 },
    );
    await q.startWorkers();

    const id = await q.enqueue('test.flaky', {});
    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'completed' });
    expect(await q.status(id)).toEqual({ id, name: 'test.flaky', state: 'completed', attempts: 2, result: 'ok' });
    expect(attempts).toEqual([1, 2]);
  });

  test('a scheduled job runs on its cron pattern and stops once unscheduled', async () => {
    const q = queue();
    const seen: unknown[] = [];
    q.define('test.tick', async (job) => {
      seen.push(job.data);
    });
    await q.startWorkers();

    await q.schedule('test:every-second', '* * * * * *', 'test.tick', { source: 'cron' });
    await expect.poll(() => seen.length, { ...POLL, timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toEqual({ source: 'cron' });

    await q.unschedule('test:every-second');
    await sleep(SETTLE_MS); // a run already released when unscheduling may still finish
    const runs = seen.length;
    await sleep(2_500);
    expect(seen.length).toBe(runs);
  });

  test('scheduling an existing scheduler id replaces its schedule', async () => {
    const q = queue();
    const seen: Array<{ v: number }> = [];
    q.define<{ v: number }>('test.tock', async (job) => {
      seen.push(job.data);
    });
    await q.startWorkers();

    await q.schedule('test-replaced', '* * * * * *', 'test.tock', { v: 1 });
    await q.schedule('test-replaced', '* * * * * *', 'test.tock', { v: 2 });
    await expect.poll(() => seen.filter((d) => d.v === 2).length, { ...POLL, timeout: 5_000 }).toBeGreaterThan(1);

    await q.unschedule('test-replaced');
    await sleep(SETTLE_MS);
    const runs = seen.length;
    await sleep(2_500);
    expect(seen.length).toBe(runs); // no first schedule left behind
  });

  test('a scheduled job is retried like an enqueued one', async () => {
    const q = queue();
    const attempts: number[] = [];
    q.define(
      'test.scheduled-flaky',
      async (job) => {
        attempts.push(job.attempt);
        if (job.attempt === 1) throw new Error('RADIUS server busy');
      },
      { attempts: 2, backoffMs: 20 },
    );
    await q.startWorkers();

    await q.schedule('test-retried', '* * * * * *', 'test.scheduled-flaky', {});
    await expect.poll(() => attempts, { ...POLL, timeout: 5_000 }).toContain(2);
    await q.unschedule('test-retried');
  });

  test('no more jobs of a name run at once than its concurrency', async () => {
    const q = queue();
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    q.define(
      'test.slow',
      async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(200);
        inFlight--;
        done++;
      },
      { concurrency: 2 },
    );
    await q.startWorkers();

    for (let i = 0; i < 5; i++) await q.enqueue('test.slow', { i });
    await expect.poll(() => done, POLL).toBe(5);
    expect(maxInFlight).toBe(2);
  });

  test('starting workers twice does not raise concurrency', async () => {
    const q = queue();
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    q.define('test.single', async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(100);
      inFlight--;
      done++;
    });
    await q.startWorkers();
    await q.startWorkers();

    for (let i = 0; i < 4; i++) await q.enqueue('test.single', { i });
    await expect.poll(() => done, POLL).toBe(4);
    expect(maxInFlight).toBe(1);
  });

  test('a job name defined after workers started runs too', async () => {
    const q = queue();
    q.define('test.first', async () => undefined);
    await q.startWorkers();

    q.define('test.late-plugin', async (job) => `ran ${job.name}`);
    const id = await q.enqueue('test.late-plugin', {});
    await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'completed', result: 'ran test.late-plugin' });
  });

  test('defining a job name twice is refused', () => {
    const q = queue();
    q.define('test.twice', async () => undefined);
    expect(() => q.define('test.twice', async () => undefined)).toThrow(/test.twice is already defined/);
  });

  test('counts reflect waiting, completed and failed jobs', async () => {
    const q = queue();
    q.define(
      'test.counted',
      async (job: Job<{ fail: boolean }>) => {
        if (job.data.fail) throw new Error('asked to fail');
      },
      { attempts: 1 },
    );
    for (let i = 0; i < 3; i++) await q.enqueue('test.counted', { fail: i === 0 });
    await q.enqueue('test.counted', { fail: false }, { delayMs: 60_000 });
    expect(await q.counts()).toEqual({ waiting: 3, delayed: 1, active: 0, completed: 0, failed: 0 });

    await q.startWorkers();
    await expect.poll(() => q.counts(), POLL).toEqual({ waiting: 0, delayed: 1, active: 0, completed: 2, failed: 1 });
  });

  test('ping resolves while the backend answers', async () => {
    const q = queue();
    await expect(q.ping()).resolves.toBeUndefined();
  });

  test('close waits for a running job to finish', async () => {
    const q = queue();
    const held = hold();
    let started = false;
    let finished = false;
    q.define('test.long', async () => {
      started = true;
      await held.promise;
      finished = true;
    });
    await q.startWorkers();
    await q.enqueue('test.long', {});
    await expect.poll(() => started, POLL).toBe(true);

    const closing = q.close(10_000);
    setTimeout(held.release, 300);
    await closing;
    expect(finished).toBe(true);
  });

  test('close gives up on a job that outlives its timeout', async () => {
    const q = queue();
    const held = hold();
    let started = false;
    let finished = false;
    q.define('test.stuck', async () => {
      started = true;
      await held.promise;
      finished = true;
    });
    await q.startWorkers();
    await q.enqueue('test.stuck', {});
    await expect.poll(() => started, POLL).toBe(true);

    await q.close(200);
    expect(finished).toBe(false);
  });

  if (kind === 'bullmq')
    test('close releases every Redis connection it opened', async () => {
      const q = queue();
      q.define('test.quick', async () => 'done');
      await q.startWorkers();
      const id = await q.enqueue('test.quick', {});
      await expect.poll(() => q.status(id), POLL).toMatchObject({ state: 'completed' });
      expect(await clientsNamed(`${prefix}:`)).not.toEqual([]);

      await q.close(5_000);
      await expect.poll(() => clientsNamed(`${prefix}:`), POLL).toEqual([]);
    });

  if (kind === 'bullmq')
    test('ping fails fast with UnavailableError, without the password, while Redis is unreachable', async () => {
      const q = new BullMqJobQueue('redis://dotmac:s3cret-pw@127.0.0.1:1', prefix, log);
      opened.push(q);
      for (let i = 0; i < 2; i++) {
        const error = await q.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as Error).message).toContain('127.0.0.1:1');
        expect((error as Error).message).not.toContain('s3cret-pw');
      }
    }, 15_000);

  if (kind === 'in-process')
    test('a closed queue refuses new jobs and fails ping', async () => {
      const q = queue();
      await q.close(1_000);
      await expect(q.enqueue('test.late', {})).rejects.toThrow(/closed/);
      await expect(q.schedule('test-late', '* * * * * *', 'test.late', {})).rejects.toThrow(/closed/);
      await expect(q.ping()).rejects.toThrow(/closed/);
    });
});

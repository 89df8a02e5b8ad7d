// The BullMQ job queue: jobs in Redis, run by worker processes on any number of machines.
// One BullMQ queue per job name, so each name has its own concurrency and a flood of one
// kind of job does not starve the others.
import { randomUUID } from 'node:crypto';
import { type Job as BullJob, type JobSchedulerTemplateOptions, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ConflictError, UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type EnqueueOptions,
  type JobCounts,
  type JobDefinition,
  type JobHandler,
  type JobQueue,
  type JobState,
  type JobStatus,
  KEEP_COMPLETED,
  KEEP_FAILED,
} from './queue.ts';

/** How long a readiness check waits for Redis (ioredis would hold the PING until Redis is back). */
const PING_TIMEOUT_MS = 2000;

export class BullMqJobQueue implements JobQueue {
  readonly kind = 'bullmq';
  private readonly connection: Redis;
  private readonly handlers = new Map<string, { handler: JobHandler; definition: JobDefinition }>();
  private readonly queues = new Map<string, Queue>();
  /** The worker of each job name, once workers have started. */
  private readonly workers = new Map<string, Worker>();
  private working = false;
  /** Which job name's queue holds each repeatable job declared by this process. */
  private readonly schedulerQueues = new Map<string, string>();

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    // Named after the prefix, as BullMQ names its own, so CLIENT LIST shows whose connections they are.
    this.connection = new Redis(redisUrl, {
      maxRetriesPerRequest: null,
      lazyConnect: true,
      connectionName: `${prefix}:jobs`,
    });
    this.connection.on('error', (e) => this.log.warn({ err: e }, 'redis connection error'));
  }

  define<D>(name: string, handler: JobHandler<D>, definition: JobDefinition = {}): void {
    if (this.handlers.has(name)) throw new ConflictError(`job ${name} is already defined`);
    this.handlers.set(name, { handler: handler as JobHandler, definition });
    if (this.working) this.startWorker(name);
  }

  async enqueue<D>(name: string, data: D, options: EnqueueOptions = {}): Promise<string> {
    const job = await this.queue(name).add(name, data, {
      ...this.jobOptions(name),
      jobId: toBullId(options.jobId ?? randomUUID()),
      delay: options.delayMs,
    });
    if (!job.id) throw new UnavailableError(`queue did not assign an id to job ${name}`);
    return fromBullId(job.id);
  }

  async schedule<D>(schedulerId: string, cron: string, name: string, data: D): Promise<void> {
    await this.queue(name).upsertJobScheduler(
      schedulerId,
      { pattern: cron },
      { name, data, opts: this.jobOptions(name) },
    );
    this.schedulerQueues.set(schedulerId, name);
  }

  async unschedule(schedulerId: string): Promise<void> {
    const known = this.schedulerQueues.get(schedulerId);
    const names = known ? [known] : this.names();
    for (const name of names) await this.queue(name).removeJobScheduler(schedulerId);
    this.schedulerQueues.delete(schedulerId);
  }

  async status(jobId: string): Promise<JobStatus | undefined> {
    for (const name of this.names()) {
      const job: BullJob | undefined = await this.queue(name).getJob(toBullId(jobId));
      if (!job) continue;
      const state = await job.getState();
      return {
        id: jobId,
        name: job.name,
        state: toState(state),
        // attemptsMade counts finished runs; a running job is on its next one, as its handler sees.
        attempts: job.attemptsMade + (state === 'active' ? 1 : 0),
        result: job.returnvalue ?? undefined,
        error: state === 'completed' ? undefined : job.failedReason || undefined,
      };
    }
    return undefined;
  }

  async counts(): Promise<JobCounts> {
    const total: JobCounts = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
    for (const name of this.names()) {
      const c = await this.queue(name).getJobCounts(
        'waiting',
        'prioritized',
        'delayed',
        'active',
        'completed',
        'failed',
      );
      total.waiting += (c.waiting ?? 0) + (c.prioritized ?? 0);
      total.delayed += c.delayed ?? 0;
      total.active += c.active ?? 0;
      total.completed += c.completed ?? 0;
      total.failed += c.failed ?? 0;
    }
    return total;
  }

  async startWorkers(): Promise<void> {
    this.working = true;
    for (const name of this.handlers.keys()) this.startWorker(name);
    await Promise.all([...this.workers.values()].map((w) => w.waitUntilReady()));
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.connectAndPing(), timeout]);
    } catch (e) {
      throw new UnavailableError(`redis does not answer at ${redact(this.redisUrl)}: ${(e as Error).message}`, {
        cause: e,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    this.working = false;
    const workers = [...this.workers.values()];
    const graceful = Promise.allSettled(workers.map((w) => w.close()));
    if ((await Promise.race([graceful, timeout])) === 'timeout') {
      // close(true) would only return the graceful close already under way, so cut the connections.
      this.log.warn('job workers did not finish in time; disconnecting them (their jobs will run again)');
      await Promise.allSettled(workers.map((w) => w.disconnect()));
    }
    clearTimeout(timer);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }

  /** Starts the worker for jobs of `name`, unless it runs already. */
  private startWorker(name: string): void {
    const defined = this.handlers.get(name);
    if (!defined || this.workers.has(name)) return;
    const { handler, definition } = defined;
    const worker = new Worker(
      name,
      async (job) =>
        handler({ id: fromBullId(job.id ?? ''), name: job.name, data: job.data, attempt: job.attemptsMade + 1 }),
      { connection: this.connection, prefix: this.prefix, concurrency: definition.concurrency ?? 1 },
    );
    worker.on('failed', (job, err) =>
      this.log.warn({ err, job: name, jobId: job?.id, attempt: job?.attemptsMade }, 'job failed'),
    );
    worker.on('error', (err) => this.log.error({ err, job: name }, 'job worker error'));
    this.workers.set(name, worker);
  }

  private async connectAndPing(): Promise<void> {
    if (this.connection.status === 'wait') await this.connection.connect();
    await this.connection.ping();
  }

  /** Retries and retention for jobs of `name`, whether enqueued or scheduled. */
  private jobOptions(name: string): JobSchedulerTemplateOptions {
    const definition = this.handlers.get(name)?.definition ?? {};
    return {
      attempts: definition.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: definition.backoffMs ?? DEFAULT_BACKOFF_MS },
      removeOnComplete: { count: KEEP_COMPLETED },
      removeOnFail: { count: KEEP_FAILED },
    };
  }

  private names(): string[] {
    return [...new Set([...this.handlers.keys(), ...this.queues.keys()])];
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', (e) => this.log.warn({ err: e, queue: name }, 'job queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }
}

function toState(state: string): JobState {
  if (state === 'completed' || state === 'failed' || state === 'active' || state === 'delayed') return state;
  return 'waiting';
}

/**
 * The id BullMQ stores for our job id. BullMQ refuses ids that read as integers or hold a
 * colon, but ours may be any string (`invoice:42`), so `%` and `:` are escaped and an
 * integer gets a `%23` mark; callers only ever see their own id.
 */
function toBullId(id: string): string {
  const escaped = id.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
  return `${Number.parseInt(escaped, 10)}` === escaped ? `%23${escaped}` : escaped;
}

function fromBullId(id: string): string {
  return id.replace(/^%23/, '').replace(/%(25|3A)/g, (c) => (c === '%25' ? '%' : ':'));
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

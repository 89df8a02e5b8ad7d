// The BullMQ job queue: jobs in Redis, run by worker processes on any number of machines.
// One BullMQ queue per job name, so each name has its own concurrency and a flood of one
// kind of job does not starve the others.
import { randomUUID } from 'node:crypto';
import { type Job as BullJob, Queue, Worker } from 'bullmq';
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

export class BullMqJobQueue implements JobQueue {
  readonly kind = 'bullmq';
  private readonly connection: Redis;
  private readonly handlers = new Map<string, { handler: JobHandler; definition: JobDefinition }>();
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  /** Which job name's queue holds each repeatable job declared by this process. */
  private readonly schedulerQueues = new Map<string, string>();

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.connection.on('error', (e) => this.log.warn({ err: e }, 'redis connection error'));
  }

  define<D>(name: string, handler: JobHandler<D>, definition: JobDefinition = {}): void {
    if (this.handlers.has(name)) throw new ConflictError(`job ${name} is already defined`);
    this.handlers.set(name, { handler: handler as JobHandler, definition });
  }

  async enqueue<D>(name: string, data: D, options: EnqueueOptions = {}): Promise<string> {
    const definition = this.handlers.get(name)?.definition ?? {};
    const job = await this.queue(name).add(name, data, {
      jobId: options.jobId ?? randomUUID(),
      delay: options.delayMs,
      attempts: definition.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: definition.backoffMs ?? DEFAULT_BACKOFF_MS },
      removeOnComplete: { count: KEEP_COMPLETED },
      removeOnFail: { count: KEEP_FAILED },
    });
    if (!job.id) throw new UnavailableError(`queue did not assign an id to job ${name}`);
    return job.id;
  }

  async schedule<D>(schedulerId: string, cron: string, name: string, data: D): Promise<void> {
    await this.queue(name).upsertJobScheduler(schedulerId, { pattern: cron }, { name, data });
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
      const job: BullJob | undefined = await this.queue(name).getJob(jobId);
      if (!job) continue;
      const state = await job.getState();
      return {
        id: jobId,
        name: job.name,
        state: toState(state),
        attempts: job.attemptsMade,
        result: job.returnvalue ?? undefined,
        error: job.failedReason || undefined,
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
    for (const [name, { handler, definition }] of this.handlers) {
      const worker = new Worker(
        name,
        async (job) => handler({ id: job.id ?? '', name: job.name, data: job.data, attempt: job.attemptsMade + 1 }),
        { connection: this.connection.duplicate(), prefix: this.prefix, concurrency: definition.concurrency ?? 1 },
      );
      worker.on('failed', (job, err) =>
        this.log.warn({ err, job: name, jobId: job?.id, attempt: job?.attemptsMade }, 'job failed'),
      );
      worker.on('error', (err) => this.log.error({ err, job: name }, 'job worker error'));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  async ping(): Promise<void> {
    try {
      if (this.connection.status === 'wait') await this.connection.connect();
      await this.connection.ping();
    } catch (e) {
      throw new UnavailableError(`redis does not answer at ${redact(this.redisUrl)}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const graceful = Promise.all(this.workers.map((w) => w.close()));
    if ((await Promise.race([graceful, timeout])) === 'timeout') {
      this.log.warn('job workers did not finish in time; closing them (their jobs will run again)');
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
    clearTimeout(timer);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
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

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

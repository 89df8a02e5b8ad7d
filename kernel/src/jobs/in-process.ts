// The in-process job queue: the single-process default (no Redis). Jobs live in memory, so
// jobs not yet run when the process stops are lost; repeatable jobs are re-declared at boot.
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { ConflictError } from '../errors.ts';
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

/** The longest delay setTimeout takes; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  id: string;
  name: string;
  data: unknown;
  state: JobState;
  attempts: number;
  notBefore: number;
  result?: unknown;
  error?: string;
}

export class InProcessJobQueue implements JobQueue {
  readonly kind = 'in-process';
  private readonly handlers = new Map<string, { handler: JobHandler; definition: JobDefinition }>();
  private readonly jobs = new Map<string, Entry>();
  private readonly schedulers = new Map<string, Cron>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly active = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private working = false;
  private closed = false;

  constructor(private readonly log: Logger) {}

  define<D>(name: string, handler: JobHandler<D>, definition: JobDefinition = {}): void {
    if (this.handlers.has(name)) throw new ConflictError(`job ${name} is already defined`);
    this.handlers.set(name, { handler: handler as JobHandler, definition });
    this.pump();
  }

  async enqueue<D>(name: string, data: D, options: EnqueueOptions = {}): Promise<string> {
    if (this.closed) throw new ConflictError('the job queue is closed');
    const id = options.jobId ?? randomUUID();
    if (this.jobs.has(id)) return id;
    const delay = Math.max(0, options.delayMs ?? 0);
    this.jobs.set(id, {
      id,
      name,
      data: structuredClone(data),
      state: delay > 0 ? 'delayed' : 'waiting',
      attempts: 0,
      notBefore: Date.now() + delay,
    });
    if (delay > 0) this.after(delay, id);
    this.pump();
    return id;
  }

  async schedule<D>(schedulerId: string, cron: string, name: string, data: D): Promise<void> {
    if (this.closed) throw new ConflictError('the job queue is closed');
    await this.unschedule(schedulerId);
    const job = new Cron(cron, { protect: true }, () => {
      void this.enqueue(name, data).catch((e) => this.log.error({ err: e, schedulerId }, 'scheduled job not enqueued'));
    });
    this.schedulers.set(schedulerId, job);
  }

  async unschedule(schedulerId: string): Promise<void> {
    this.schedulers.get(schedulerId)?.stop();
    this.schedulers.delete(schedulerId);
  }

  async status(jobId: string): Promise<JobStatus | undefined> {
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    return {
      id: job.id,
      name: job.name,
      state: job.state,
      attempts: job.attempts,
      result: job.result,
      error: job.error,
    };
  }

  async counts(): Promise<JobCounts> {
    const counts: JobCounts = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
    for (const job of this.jobs.values()) counts[job.state]++;
    return counts;
  }

  async startWorkers(): Promise<void> {
    this.working = true;
    this.pump();
  }

  async ping(): Promise<void> {
    if (this.closed) throw new ConflictError('the job queue is closed');
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.working = false;
    for (const cron of this.schedulers.values()) cron.stop();
    this.schedulers.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.running]), timeout]);
    clearTimeout(timer);
  }

  /** Makes the delayed job `id` wait once its `notBefore` has come. */
  private after(ms: number, id: string): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        const job = this.jobs.get(id);
        if (job?.state !== 'delayed') return;
        const left = job.notBefore - Date.now();
        if (left > 0) return this.after(left, id);
        job.state = 'waiting';
        this.pump();
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    this.timers.add(timer);
  }

  /** Starts every waiting job whose handler has a free slot. */
  private pump(): void {
    if (!this.working) return;
    for (const job of this.jobs.values()) {
      if (job.state !== 'waiting') continue;
      const defined = this.handlers.get(job.name);
      if (!defined) continue;
      const busy = this.active.get(job.name) ?? 0;
      if (busy >= (defined.definition.concurrency ?? 1)) continue;
      this.active.set(job.name, busy + 1);
      job.state = 'active';
      job.attempts++;
      const run = this.run(job, defined.handler, defined.definition).finally(() => {
        this.running.delete(run);
        this.active.set(job.name, (this.active.get(job.name) ?? 1) - 1);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(job: Entry, handler: JobHandler, definition: JobDefinition): Promise<void> {
    try {
      job.result = await handler({
        id: job.id,
        name: job.name,
        data: structuredClone(job.data),
        attempt: job.attempts,
      });
      job.state = 'completed';
      job.error = undefined;
      this.trim('completed', KEEP_COMPLETED);
    } catch (e) {
      job.error = e instanceof Error ? e.message : String(e);
      const attempts = definition.attempts ?? DEFAULT_ATTEMPTS;
      if (job.attempts < attempts && !this.closed) {
        const delay = (definition.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (job.attempts - 1);
        job.state = 'delayed';
        job.notBefore = Date.now() + delay;
        this.after(delay, job.id);
        this.log.warn({ err: e, job: job.name, jobId: job.id, attempt: job.attempts }, 'job failed; will retry');
      } else {
        job.state = 'failed';
        this.log.error({ err: e, job: job.name, jobId: job.id, attempt: job.attempts }, 'job failed for good');
        this.trim('failed', KEEP_FAILED);
      }
    }
  }

  /** Forgets the oldest finished jobs beyond `keep` (Map order is insertion order). */
  private trim(state: 'completed' | 'failed', keep: number): void {
    let count = 0;
    for (const job of this.jobs.values()) if (job.state === state) count++;
    for (const [id, job] of this.jobs) {
      if (count <= keep) break;
      if (job.state === state) {
        this.jobs.delete(id);
        count--;
      }
    }
  }
}

// The job queue: one interface, two adapters (BullMQ on Redis; in-process).

/** A job as its handler sees it. */
export interface Job<D = unknown> {
  readonly id: string;
  readonly name: string;
  readonly data: D;
  /** 1 on the first run, 2 on the first retry, ... */
  readonly attempt: number;
}

/** Runs one job; throwing retries it (up to `attempts`). Must be idempotent: it may run again. */
export type JobHandler<D = unknown> = (job: Job<D>) => Promise<unknown>;

export interface JobDefinition {
  /** Jobs of this name run at most this many at once per process. */
  readonly concurrency?: number;
  /** Runs tried before the job fails for good. */
  readonly attempts?: number;
  /** First retry delay; doubles with each retry. */
  readonly backoffMs?: number;
}

export interface EnqueueOptions {
  /** Dedup key: enqueueing an id that the queue still holds returns the existing job. */
  readonly jobId?: string;
  /** Run no earlier than this many ms from now. */
  readonly delayMs?: number;
}

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

export interface JobStatus {
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  readonly attempts: number;
  readonly result?: unknown;
  readonly error?: string;
}

export type JobCounts = Record<JobState, number>;

export interface JobQueue {
  /** Which adapter this is. */
  readonly kind: 'bullmq' | 'in-process';
  /** Declares the handler for jobs of `name` (needed where jobs run, harmless elsewhere). */
  define<D>(name: string, handler: JobHandler<D>, definition?: JobDefinition): void;
  /** Adds a job; returns its id. */
  enqueue<D>(name: string, data: D, options?: EnqueueOptions): Promise<string>;
  /** Creates or replaces the repeatable job `schedulerId` that enqueues `name` on a cron pattern. */
  schedule<D>(schedulerId: string, cron: string, name: string, data: D): Promise<void>;
  /** Removes a repeatable job. */
  unschedule(schedulerId: string): Promise<void>;
  /** The job's state, or undefined once the queue no longer holds it. */
  status(jobId: string): Promise<JobStatus | undefined>;
  counts(): Promise<JobCounts>;
  /** Starts running jobs in this process. */
  startWorkers(): Promise<void>;
  /** Throws unless the queue's backend answers. */
  ping(): Promise<void>;
  /** Stops taking jobs, waits for running ones (up to `timeoutMs`), closes connections. */
  close(timeoutMs: number): Promise<void>;
}

/** Completed and failed jobs kept for status look-ups and dedup, per adapter. */
export const KEEP_COMPLETED = 1000;
export const KEEP_FAILED = 5000;
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;

// Plugin jobs on the kernel's job queue: each job a plugin declares becomes a queue job
// `plugin.<id>.<job>` run in the plugin's sandbox for one tenant; a declared cron pattern
// becomes a kernel schedule that enqueues the job for every tenant with the plugin on.
import { randomUUID } from 'node:crypto';
import { Entry } from '@dotmac/schemas/contract/entries';
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { PluginEnablement } from './enablement.ts';
import type { PluginSandbox } from './sandbox/index.ts';

/** A plugin job as it sits on the queue: which tenant it runs for and the plugin's data. */
export interface PluginJobData {
  readonly tenantId: string;
  readonly data: unknown;
}

/** How the plugin asks for a job (the `jobs.enqueue` capability's options). */
export interface PluginEnqueueOptions {
  /** Run no sooner than this many milliseconds from now. */
  readonly delayMs?: number;
  /** Idempotency key: the same key for the same tenant and job enqueues it once while the queue holds it. */
  readonly key?: string;
}

/** Queue name of a plugin's job. */
export const pluginJobName = (pluginId: string, job: string) => `plugin.${pluginId}.${job}`;
/** Queue name (and schedule id) of the job that fans a cron run out to the tenants. */
export const pluginCronName = (pluginId: string, job: string) => `plugin.${pluginId}.${job}.cron`;

/** A job for a tenant that has the plugin off waits this long, then looks again (paused, not lost). */
export const PAUSED_RECHECK_MS = 60_000;
/** Longest delay a plugin may ask for. */
const MAX_DELAY_MS = 30 * 24 * 3600_000;
const KEY = /^[A-Za-z0-9._:-]{1,128}$/;

export class PluginJobs {
  private readonly declared = new Map<string, PluginManifest>();
  /** The sandbox serving each plugin now: an upgrade swaps it under the same queue handlers. */
  private readonly sandboxes = new Map<string, PluginSandbox>();
  /** Queue names already defined in this process (a queue defines a name once). */
  private readonly defined = new Set<string>();
  private scheduling = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly enablement: PluginEnablement,
    private readonly log: Logger,
  ) {}

  /**
   * Defines the queue handlers of `manifest`'s jobs, run in `sandbox`; registering a plugin
   * again (an upgrade) points its jobs at the new sandbox and declaration.
   */
  register(manifest: PluginManifest, sandbox: PluginSandbox): void {
    this.declared.set(manifest.id, manifest);
    this.sandboxes.set(manifest.id, sandbox);
    for (const job of manifest.capabilities?.jobs ?? []) {
      const name = pluginJobName(manifest.id, job.name);
      if (!this.defined.has(name)) {
        this.defined.add(name);
        this.queue.define<PluginJobData>(
          name,
          async ({ data: { tenantId, data } }) => {
            this.declaration(manifest.id, job.name);
            if (!(await this.enablement.isEnabled(tenantId, manifest.id))) {
              const id = await this.queue.enqueue(name, { tenantId, data }, { delayMs: PAUSED_RECHECK_MS });
              return { paused: true, requeued: id };
            }
            await (this.sandboxes.get(manifest.id) as PluginSandbox).invoke(tenantId, Entry.job(job.name), data);
            return { ran: true };
          },
          { concurrency: job.concurrency ?? 1, attempts: job.attempts ?? 3 },
        );
      }
      const cronName = pluginCronName(manifest.id, job.name);
      if (job.cron && !this.defined.has(cronName)) {
        this.defined.add(cronName);
        this.queue.define(cronName, async (cron) => ({
          enqueued: (await this.fanOut(manifest.id, job.name, cron.id)).length,
        }));
      }
    }
  }

  /** Forgets an uninstalled plugin and takes its cron jobs off the schedule; queued jobs fail as not installed. */
  async unregister(pluginId: string): Promise<void> {
    const manifest = this.declared.get(pluginId);
    this.declared.delete(pluginId);
    this.sandboxes.delete(pluginId);
    if (manifest && this.scheduling) await this.unscheduleCrons(manifest, new Set());
  }

  /** Puts every declared cron job on the queue's schedule (done by processes that run workers). */
  async schedule(): Promise<void> {
    this.scheduling = true;
    for (const manifest of this.declared.values()) await this.scheduleOf(manifest);
  }

  /**
   * Schedules the cron jobs of a plugin installed (or upgraded: `replaced`) while this process
   * runs workers; a cron job the new version no longer has comes off the schedule.
   */
  async scheduleInstalled(manifest: PluginManifest, replaced?: PluginManifest): Promise<void> {
    if (!this.scheduling) return;
    await this.scheduleOf(manifest);
    if (replaced) {
      const kept = new Set((manifest.capabilities?.jobs ?? []).filter((j) => j.cron).map((j) => j.name));
      await this.unscheduleCrons(replaced, kept);
    }
  }

  private async unscheduleCrons(manifest: PluginManifest, kept: ReadonlySet<string>): Promise<void> {
    for (const job of manifest.capabilities?.jobs ?? []) {
      if (job.cron && !kept.has(job.name)) await this.queue.unschedule(pluginCronName(manifest.id, job.name));
    }
  }

  private async scheduleOf(manifest: PluginManifest): Promise<void> {
    for (const job of manifest.capabilities?.jobs ?? []) {
      if (!job.cron) continue;
      const name = pluginCronName(manifest.id, job.name);
      await this.queue.schedule(name, job.cron, name, {});
    }
  }

  /** Enqueues `job` of `pluginId` for `tenantId` (the `jobs.enqueue` capability); answers the job id. */
  async enqueue(
    pluginId: string,
    tenantId: string,
    job: string,
    data: unknown,
    options: PluginEnqueueOptions = {},
  ): Promise<string> {
    this.declaration(pluginId, job);
    if (options.delayMs !== undefined && !(Number.isInteger(options.delayMs) && options.delayMs >= 0)) {
      throw new ValidationError(`job ${job}: delayMs must be a whole number of milliseconds`, [
        { pointer: '/args/delayMs', detail: 'must be an integer >= 0' },
      ]);
    }
    if ((options.delayMs ?? 0) > MAX_DELAY_MS) {
      throw new ValidationError(`job ${job}: delayMs is more than 30 days`, [
        { pointer: '/args/delayMs', detail: `must be at most ${MAX_DELAY_MS}` },
      ]);
    }
    if (options.key !== undefined && !KEY.test(options.key)) {
      throw new ValidationError(`job ${job}: key must be 1-128 letters, digits, . _ : or -`, [
        { pointer: '/args/key', detail: 'must match ^[A-Za-z0-9._:-]{1,128}$' },
      ]);
    }
    const name = pluginJobName(pluginId, job);
    // The key is scoped to the tenant: one tenant's key can never collide with another's job.
    const jobId = options.key === undefined ? undefined : `${name}.${tenantId}.${options.key}`;
    return this.queue.enqueue<PluginJobData>(name, { tenantId, data }, { jobId, delayMs: options.delayMs });
  }

  /** Runs a cron job's fan-out now: enqueues `job` for each tenant with the plugin on; answers the job ids. */
  runCron(pluginId: string, job: string): Promise<string[]> {
    const declaration = this.declaration(pluginId, job);
    if (!declaration.cron) throw new NotFoundError(`plugin ${pluginId} declares no cron for job ${job}`);
    return this.fanOut(pluginId, job, `manual.${randomUUID()}`);
  }

  private async fanOut(pluginId: string, job: string, runId: string): Promise<string[]> {
    const tenants = await this.enablement.tenantsWith(pluginId);
    const ids: string[] = [];
    // One job per tenant and run: a retried fan-out does not enqueue a tenant twice.
    for (const tenantId of tenants) {
      ids.push(
        await this.queue.enqueue<PluginJobData>(
          pluginJobName(pluginId, job),
          { tenantId, data: null },
          { jobId: `${pluginCronName(pluginId, job)}.${runId}.${tenantId}` },
        ),
      );
    }
    if (tenants.length) this.log.debug({ plugin: pluginId, job, tenants: tenants.length }, 'cron job fanned out');
    return ids;
  }

  private declaration(pluginId: string, job: string) {
    const manifest = this.declared.get(pluginId);
    if (!manifest) throw new NotFoundError(`plugin ${pluginId} is not installed`);
    const declaration = (manifest.capabilities?.jobs ?? []).find((j) => j.name === job);
    if (!declaration) {
      throw new NotFoundError(
        `plugin ${pluginId}@${manifest.version} declares no job ${job} (it declares: ${
          (manifest.capabilities?.jobs ?? []).map((j) => j.name).join(', ') || 'none'
        })`,
      );
    }
    return declaration;
  }
}

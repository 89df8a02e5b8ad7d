// One isolate of a plugin version and the tenant contexts in it. Every piece of plugin code runs
// in a task this class starts with a timeout, so it can classify each failure (timeout, memory,
// unhandled rejection) and charge each task's CPU time to the tenant it ran for.
import ivm from 'isolated-vm';
import type { Logger } from '../../log.ts';
import { BOOTSTRAP_SOURCE } from './bootstrap.ts';
import type { HostRouter } from './bridge.ts';
import { type FaultKind, PluginFaultError, PluginUnavailableError } from './errors.ts';
import { type ContextHost, TenantContext } from './tenant-context.ts';

/** What the isolate needs to know; fixed for the life of the sandbox. */
export interface IsolateConfig {
  readonly pluginId: string;
  readonly version: string;
  readonly code: string;
  readonly memoryMb: number;
  readonly callTimeoutMs: number;
  readonly idleMs: number;
  readonly maxMessageBytes: number;
  readonly maxPendingHostCalls: number;
  readonly router: HostRouter;
  readonly log: Logger;
}

/** One fault, as the sandbox records it (breaker, stats, log). */
export interface FaultReport {
  readonly error: PluginFaultError;
  /** The plugin's stack, when it reported one. */
  readonly stack?: string;
}

/** What the isolate reports to its sandbox. */
export interface IsolateEvents {
  fault(report: FaultReport): void;
  /** V8 lost control of the isolate; the process should be restarted soon. */
  catastrophe(detail: string): void;
  cpu(tenantId: string, nanoseconds: number): void;
  unhandledRejection(tenantId: string, detail: string): void;
}

/** Why an isolate was discarded. */
export type RetireCause =
  | {
      readonly kind: 'fault';
      readonly error: PluginFaultError;
      /** The context at fault, when known; its calls (or only `callId`) fail with `error`. */
      readonly context?: TenantContext;
      readonly callId?: number;
    }
  | { readonly kind: 'idle' | 'closed' | 'degraded' };

const TIMED_OUT = 'Script execution timed out.';

/**
 * Charges isolate CPU time to tasks. The isolate runs its tasks one at a time, in the order they
 * were started, so the CPU used since the previous task finished belongs to the task finishing now.
 */
class CpuMeter {
  private running = 0;
  private mark = 0n;

  constructor(private readonly isolate: ivm.Isolate) {}

  /** Tasks started and not finished yet. */
  get pending(): boolean {
    return this.running > 0;
  }

  start(): void {
    if (this.running++ === 0) this.mark = this.read() ?? this.mark;
  }

  /** Nanoseconds to charge to the task that just finished. */
  finish(): number {
    this.running--;
    const now = this.read();
    if (now === undefined) return 0;
    const used = now - this.mark;
    this.mark = now;
    return Number(used);
  }

  private read(): bigint | undefined {
    try {
      return this.isolate.cpuTime;
    } catch {
      return undefined; // disposed
    }
  }
}

interface Scripts {
  readonly bootstrap: ivm.Script;
  readonly bundle: ivm.Script;
}

/** An isolate with the plugin's bundle compiled once, and one lazily created context per tenant. */
export class PluginIsolate implements ContextHost {
  private readonly isolate: ivm.Isolate;
  private readonly cpu: CpuMeter;
  private scripts: Promise<Scripts> | undefined;
  /** Contexts by tenant, including those still being created. */
  private readonly contexts = new Map<string, Promise<TenantContext>>();
  /** Contexts whose bootstrap has started, so retire() can reach them. */
  private readonly live = new Set<TenantContext>();
  /** Contexts released on their own (idle, failed to load) that are still settling host calls. */
  private readonly closing = new Set<Promise<void>>();
  private retiredBy: RetireCause | undefined;
  private retiring: Promise<void> | undefined;

  readonly callTimeoutMs: number;
  readonly idleMs: number;
  readonly maxMessageBytes: number;
  readonly maxPendingHostCalls: number;
  readonly router: HostRouter;
  readonly log: Logger;

  constructor(
    private readonly config: IsolateConfig,
    private readonly events: IsolateEvents,
  ) {
    this.callTimeoutMs = config.callTimeoutMs;
    this.idleMs = config.idleMs;
    this.maxMessageBytes = config.maxMessageBytes;
    this.maxPendingHostCalls = config.maxPendingHostCalls;
    this.router = config.router;
    this.log = config.log;
    this.isolate = new ivm.Isolate({
      memoryLimit: config.memoryMb,
      onCatastrophicError: (message) => this.events.catastrophe(message),
    });
    this.cpu = new CpuMeter(this.isolate);
  }

  /** True once this isolate is being (or has been) discarded; the sandbox then starts a new one. */
  get retired(): boolean {
    return this.retiredBy !== undefined;
  }

  /** V8's heap statistics of this isolate (heap used and limit, memory outside the heap). */
  heapStatistics(): Promise<ivm.HeapStatistics> {
    return this.isolate.getHeapStatistics();
  }

  /** Tenants whose context is alive. */
  tenants(): string[] {
    return [...this.live].map((context) => context.tenantId);
  }

  /** The tenant's context, created (bootstrap, then the bundle) on first use. */
  contextFor(tenantId: string): Promise<TenantContext> {
    let context = this.contexts.get(tenantId);
    if (!context) {
      context = this.createContext(tenantId);
      this.contexts.set(tenantId, context);
      context.catch(() => {
        if (this.contexts.get(tenantId) === context) this.contexts.delete(tenantId);
      });
    }
    return context;
  }

  /**
   * Discards the isolate: calls in flight fail at once (the faulty call with its fault, the
   * others as interrupted), then each context waits for its pending host calls, then the isolate
   * is disposed. Calling it again returns the same promise.
   */
  retire(cause: RetireCause): Promise<void> {
    if (this.retiring) return this.retiring;
    this.retiredBy = cause;
    for (const context of this.live)
      context.failCalls((callId, entry) => this.errorAfterRetire(cause, context, callId, entry));
    this.retiring = (async () => {
      await Promise.all([...[...this.live].map((context) => context.close()), ...this.closing]);
      this.live.clear();
      this.contexts.clear();
      if (!this.isolate.isDisposed) this.isolate.dispose();
      this.log.debug({ reason: cause.kind }, 'plugin isolate disposed');
    })();
    return this.retiring;
  }

  // ---- ContextHost -----------------------------------------------------------------------

  get working(): boolean {
    return this.cpu.pending;
  }

  runTask(context: TenantContext, args: [string, number, string, string?]): void {
    const dispatch = context.dispatch;
    if (!dispatch || this.retiredBy) return;
    void this.timed(context.tenantId, () =>
      dispatch.apply(undefined, args, { arguments: { copy: true }, timeout: this.callTimeoutMs }),
    ).catch((error: unknown) => this.taskFailed(context, error));
  }

  callTimedOut(context: TenantContext, callId: number, entry: string): void {
    const detail = `no answer within ${this.callTimeoutMs} ms`;
    const error = new PluginFaultError(context.site(entry), 'timeout', detail);
    this.fault({ kind: 'fault', error, context, callId });
  }

  refusal(context: TenantContext, entry: string): Error {
    return this.errorAfterRetire(this.retiredBy ?? { kind: 'closed' }, context, 0, entry);
  }

  callFaulted(error: PluginFaultError, stack: string): void {
    this.events.fault({ error, stack });
  }

  idle(context: TenantContext): void {
    if (context.busy || this.retiredBy) return;
    this.live.delete(context);
    this.contexts.delete(context.tenantId);
    this.release(context);
    // An isolate nobody uses gives its memory back; the next call starts a new one.
    if (!this.live.size && !this.contexts.size) void this.retire({ kind: 'idle' });
  }

  // ---- internals -------------------------------------------------------------------------

  private async createContext(tenantId: string): Promise<TenantContext> {
    const envelope = { pluginId: this.config.pluginId, version: this.config.version, tenantId };
    const site = { ...envelope };
    let context: TenantContext | undefined;
    try {
      const scripts = await this.compile();
      this.throwIfRetired(site);
      context = new TenantContext(ivm, await this.isolate.createContext(), envelope, this);
      this.live.add(context);
      const created = context;
      const bootstrap = await this.timed(tenantId, () =>
        scripts.bootstrap.run(created.context, { reference: true, timeout: this.callTimeoutMs }),
      );
      context.dispatch = await this.timed(tenantId, () =>
        bootstrap.apply(undefined, [created.bridge, tenantId, this.maxMessageBytes, this.maxPendingHostCalls], {
          result: { reference: true },
          timeout: this.callTimeoutMs,
        }),
      );
      bootstrap.release();
      await this.timed(tenantId, () => scripts.bundle.run(created.context, { timeout: this.callTimeoutMs }));
      this.throwIfRetired(site);
      return context;
    } catch (error) {
      if (context) {
        this.live.delete(context);
        this.release(context);
      }
      throw this.loadFailed(site, error);
    }
  }

  /** Closes a context that leaves on its own; retire() still waits for it before disposing. */
  private release(context: TenantContext): void {
    const closing = context.close();
    this.closing.add(closing);
    void closing.then(() => this.closing.delete(closing));
  }

  private compile(): Promise<Scripts> {
    if (!this.scripts) {
      const { pluginId, version, code } = this.config;
      this.scripts = Promise.all([
        this.isolate.compileScript(BOOTSTRAP_SOURCE, { filename: 'dotmac:bootstrap' }),
        this.isolate.compileScript(code, { filename: `plugin:${pluginId}@${version}` }),
      ]).then(([bootstrap, bundle]) => ({ bootstrap, bundle }));
      // A bundle that does not compile is retried on the next context, and counted each time.
      this.scripts.catch(() => {
        this.scripts = undefined;
      });
    }
    return this.scripts;
  }

  /** Runs one isolate task and charges its CPU time to the tenant. */
  private async timed<T>(tenantId: string, task: () => Promise<T>): Promise<T> {
    this.cpu.start();
    try {
      return await task();
    } finally {
      this.events.cpu(tenantId, this.cpu.finish());
    }
  }

  /** Turns a failure while creating a context into the error its callers get. */
  private loadFailed(site: { pluginId: string; version: string; tenantId: string }, error: unknown): Error {
    if (error instanceof PluginUnavailableError) return error;
    if (this.retiredBy) return this.interrupted(site);
    const kind = this.classify(error);
    if (kind === 'timeout' || kind === 'memory') {
      const fault = new PluginFaultError(site, kind, this.faultDetail(kind, 'loading the bundle'));
      this.fault({ kind: 'fault', error: fault });
      return fault;
    }
    const fault = new PluginFaultError(site, 'load', describeHostSide(error));
    this.events.fault({ error: fault, stack: error instanceof Error ? error.stack : undefined });
    return fault;
  }

  /** A task (call start or host answer) failed. */
  private taskFailed(context: TenantContext, error: unknown): void {
    if (this.retiredBy || context.isClosed) return; // we discarded it; its calls already have their errors
    const kind = this.classify(error);
    if (kind === 'timeout' || kind === 'memory') {
      const fault = new PluginFaultError(
        context.site(context.soleEntry()),
        kind,
        this.faultDetail(kind, 'running its code'),
      );
      this.fault({ kind: 'fault', error: fault, context });
      return;
    }
    // The task itself cannot throw (the bootstrap catches everything); what ivm reports after
    // it is a promise the plugin rejected and never handled during that task.
    this.events.unhandledRejection(context.tenantId, describeHostSide(error));
  }

  private classify(error: unknown): FaultKind | undefined {
    if (this.isolate.isDisposed) return 'memory';
    if (error instanceof Error && error.message === TIMED_OUT) return 'timeout';
    return undefined;
  }

  private faultDetail(kind: 'timeout' | 'memory', doing: string): string {
    return kind === 'timeout'
      ? `still ${doing} after ${this.callTimeoutMs} ms`
      : `the isolate used more than ${this.config.memoryMb} MB while ${doing}`;
  }

  /** A fault that costs the isolate: report it once, then retire. */
  private fault(cause: RetireCause & { kind: 'fault' }): void {
    if (this.retiredBy) return;
    this.events.fault({ error: cause.error });
    void this.retire(cause);
  }

  private errorAfterRetire(cause: RetireCause, context: TenantContext, callId: number, entry: string): Error {
    if (
      cause.kind === 'fault' &&
      cause.context === context &&
      (cause.callId === undefined || cause.callId === callId)
    ) {
      const { error } = cause;
      return new PluginFaultError(context.site(entry), error.kind, error.detail);
    }
    if (cause.kind === 'closed')
      return new PluginUnavailableError(context.site(entry), 'closed', 'the sandbox was closed');
    if (cause.kind === 'degraded')
      return new PluginUnavailableError(context.site(entry), 'degraded', 'the plugin was marked degraded');
    return this.interrupted(context.site(entry));
  }

  private interrupted(site: { pluginId: string; version: string; tenantId: string; entry?: string }) {
    return new PluginUnavailableError(
      site,
      'interrupted',
      'its sandbox restarted after a fault in another call; retry it',
    );
  }

  private throwIfRetired(site: { pluginId: string; version: string; tenantId: string }): void {
    if (this.retiredBy) throw this.interrupted(site);
  }
}

/** A readable one-liner for an error ivm copied out of the isolate (any thrown value). */
function describeHostSide(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `threw a non-Error value: ${String(error)}`;
  } catch {
    return 'threw a value that cannot be printed';
  }
}

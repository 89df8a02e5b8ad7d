// PluginSandbox: runs one plugin version's code for many tenants, each in its own context, and
// keeps the host safe from it (time, memory, faults, the bridge). See docs/adr/0005-sandbox.md.
import { type Clock, systemClock } from '../../clock.ts';
import { type FieldProblem, ValidationError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { type BreakerPolicy, type BreakerSnapshot, CircuitBreaker, DEFAULT_BREAKER_POLICY } from './breaker.ts';
import { type CallerScope, DEFAULT_MAX_MESSAGE_BYTES, encodePayload, type HostRouter } from './bridge.ts';
import { type CallSite, PluginPayloadError, PluginUnavailableError } from './errors.ts';
import { type FaultReport, type IsolateConfig, PluginIsolate } from './plugin-isolate.ts';

/** How to run one plugin version. */
export interface PluginSandboxOptions {
  /** The plugin's id, e.g. `dotmac.billing`; named in every error and log line. */
  readonly pluginId: string;
  readonly version: string;
  /** The plugin bundle: a classic script that calls `dotmac.register(handlers)` once. */
  readonly code: string;
  /** Memory limit of the isolate, in MiB (at least 8). */
  readonly memoryMb: number;
  /** Longest a call may take, host calls included; also the limit for loading the bundle. */
  readonly callTimeoutMs: number;
  /** A tenant's context is released after this long without calls. */
  readonly idleMs: number;
  /** Serves the plugin's capability calls (everything but `log`, which the sandbox serves). */
  readonly host: HostRouter;
  /** Fault and plugin log lines go here, with `plugin` and `pluginVersion` bound. */
  readonly log: Logger;
  /** Largest payload, result, host call or host answer, in UTF-8 bytes of JSON. Default 1 MiB. */
  readonly maxMessageBytes?: number;
  /** Host calls one tenant context may have pending at once. Default 64. */
  readonly maxPendingHostCalls?: number;
  /** When repeated faults mark the plugin degraded. Default 5 faults in 60 s. */
  readonly breaker?: BreakerPolicy;
  /** Time for the breaker's window. */
  readonly clock?: Clock;
}

/** Usage of one tenant since the sandbox was created. */
export interface TenantStats {
  readonly tenantId: string;
  /** CPU time the isolate spent on this tenant's calls, in milliseconds. */
  readonly cpuMs: number;
  readonly calls: number;
  readonly faults: number;
  /** Promises the plugin rejected and never handled (logged; they do not fail calls). */
  readonly unhandledRejections: number;
  readonly contextAlive: boolean;
}

/** What an admin API or the metrics show about one plugin version. */
export interface SandboxStats {
  readonly pluginId: string;
  readonly version: string;
  /** `degraded`: the breaker is open and calls fail fast until `reset()`. */
  readonly state: 'ready' | 'degraded' | 'closed';
  readonly breaker: BreakerSnapshot;
  readonly isolateAlive: boolean;
  /** Isolates started so far (the first one, and one after each restart). */
  readonly isolateStarts: number;
  readonly contextsAlive: number;
  readonly tenants: readonly TenantStats[];
}

/** V8's heap statistics of an isolate, as isolated-vm reports them. */
export type IsolateHeapStatistics = Awaited<ReturnType<PluginIsolate['heapStatistics']>>;

type MutableTenantStats = { -readonly [K in keyof TenantStats]: TenantStats[K] };

const DEFAULT_MAX_PENDING_HOST_CALLS = 64;

/** One plugin version's sandbox: one isolate, one context per tenant. */
/** The tenant a bundle check starts its context for: no tenant's data is ever reachable from it. */
const PROBE_TENANT = '00000000-0000-0000-0000-000000000000';

export class PluginSandbox {
  private readonly config: IsolateConfig;
  private readonly breaker: CircuitBreaker;
  private readonly log: Logger;
  private isolate: PluginIsolate | undefined;
  private isolateStarts = 0;
  private closed = false;
  private readonly usage = new Map<string, MutableTenantStats>();

  constructor(options: PluginSandboxOptions) {
    checkOptions(options);
    this.log = options.log.child({ plugin: options.pluginId, pluginVersion: options.version });
    this.config = {
      pluginId: options.pluginId,
      version: options.version,
      code: options.code,
      memoryMb: options.memoryMb,
      callTimeoutMs: options.callTimeoutMs,
      idleMs: options.idleMs,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      maxPendingHostCalls: options.maxPendingHostCalls ?? DEFAULT_MAX_PENDING_HOST_CALLS,
      router: options.host,
      log: this.log,
    };
    this.breaker = new CircuitBreaker(options.breaker ?? DEFAULT_BREAKER_POLICY, options.clock ?? systemClock);
  }

  /**
   * Calls the plugin's handler `entry` for `tenantId` with `payload` (JSON) and resolves to its
   * JSON answer. Fails with PluginFaultError when the plugin is at fault (threw, timed out, out
   * of memory, bad answer), PluginUnavailableError when it cannot serve (degraded, restarted
   * mid-call, closed), PluginPayloadError when the payload cannot be sent. `caller`: the portal
   * user the call serves; the call's capability requests run in that user's scope.
   */
  async invoke(tenantId: string, entry: string, payload: unknown, caller?: CallerScope): Promise<unknown> {
    const site: CallSite = { pluginId: this.config.pluginId, version: this.config.version, tenantId, entry };
    if (typeof tenantId !== 'string' || !tenantId || typeof entry !== 'string' || !entry) {
      throw new ValidationError(`invalid call to plugin ${site.pluginId}@${site.version}`, [
        ...(typeof tenantId === 'string' && tenantId
          ? []
          : [{ pointer: '/tenantId', detail: 'must be a non-empty string' }]),
        ...(typeof entry === 'string' && entry ? [] : [{ pointer: '/entry', detail: 'must be a non-empty string' }]),
      ]);
    }
    if (this.closed) throw new PluginUnavailableError(site, 'closed', 'the sandbox was closed');
    if (this.breaker.isOpen) throw this.degraded(site);
    const encoded = encodePayload(payload, this.config.maxMessageBytes);
    if ('problem' in encoded) throw new PluginPayloadError(site, encoded.problem, encoded.detail);
    this.tenant(tenantId).calls++;
    const context = await this.currentIsolate().contextFor(tenantId);
    return context.call(entry, encoded.text, caller);
  }

  /**
   * Loads the plugin's bundle once in a throwaway sandbox and closes it: a bundle that does not
   * compile or throws while starting is refused before it serves anyone (install, upgrade).
   */
  static async check(options: PluginSandboxOptions): Promise<void> {
    const probe = new PluginSandbox(options);
    try {
      await probe.currentIsolate().contextFor(PROBE_TENANT);
    } finally {
      await probe.close();
    }
  }

  /** How long one call may run: a replaced sandbox has finished its calls after this long. */
  get callTimeoutMs(): number {
    return this.config.callTimeoutMs;
  }

  /** Usage per tenant and the breaker's state. */
  stats(): SandboxStats {
    const alive = new Set(this.isolate && !this.isolate.retired ? this.isolate.tenants() : []);
    return {
      pluginId: this.config.pluginId,
      version: this.config.version,
      state: this.closed ? 'closed' : this.breaker.isOpen ? 'degraded' : 'ready',
      breaker: this.breaker.snapshot(),
      isolateAlive: this.isolate !== undefined && !this.isolate.retired,
      isolateStarts: this.isolateStarts,
      contextsAlive: alive.size,
      tenants: [...this.usage.values()].map((usage) => ({ ...usage, contextAlive: alive.has(usage.tenantId) })),
    };
  }

  /**
   * V8's heap statistics of the running isolate (`used_heap_size`, `heap_size_limit`, …), or
   * undefined while none runs (before the first call, after going idle, degraded or closed).
   */
  async heapStatistics(): Promise<IsolateHeapStatistics | undefined> {
    const isolate = this.isolate;
    if (!isolate || isolate.retired) return undefined;
    return isolate.heapStatistics();
  }

  /** Closes the breaker: a degraded plugin is served again (an admin action). */
  reset(): void {
    const wasOpen = this.breaker.isOpen;
    this.breaker.reset();
    if (wasOpen) this.log.info('plugin reset by an admin; calls are served again');
  }

  /** Stops serving: calls in flight fail as interrupted, pending host calls settle, the isolate is disposed. */
  async close(): Promise<void> {
    this.closed = true;
    const isolate = this.isolate;
    this.isolate = undefined;
    await isolate?.retire({ kind: 'closed' });
  }

  private currentIsolate(): PluginIsolate {
    if (!this.isolate || this.isolate.retired) {
      this.isolate = new PluginIsolate(this.config, {
        fault: (report) => this.recordFault(report),
        catastrophe: (detail) => this.recordCatastrophe(detail),
        cpu: (tenantId, ns) => {
          this.tenant(tenantId).cpuMs += ns / 1e6;
        },
        unhandledRejection: (tenantId, detail) => {
          this.tenant(tenantId).unhandledRejections++;
          this.log.warn({ tenantId, detail }, `plugin ${this.label} left a promise rejection unhandled: ${detail}`);
        },
      });
      this.isolateStarts++;
    }
    return this.isolate;
  }

  private recordFault({ error, stack }: FaultReport): void {
    const { tenantId, entry } = error.site;
    this.tenant(tenantId).faults++;
    this.log.error({ tenantId, entry, fault: error.kind, err: error, pluginStack: stack || undefined }, error.message);
    if (this.breaker.recordFault(error.message)) {
      const { faults, windowMs } = this.breaker.policy;
      this.degrade(`${faults} faults within ${windowMs / 1000} s`);
    }
  }

  private recordCatastrophe(detail: string): void {
    this.log.fatal({ detail }, `plugin ${this.label}: V8 lost control of its isolate; restart this process soon`);
    this.breaker.trip(`V8 catastrophic error: ${detail}`);
    this.degrade('a catastrophic V8 error');
  }

  private degrade(after: string): void {
    this.log.error(
      { breaker: this.breaker.snapshot() },
      `plugin ${this.label} is degraded after ${after}; calls fail fast until an admin resets it`,
    );
    const isolate = this.isolate;
    this.isolate = undefined;
    void isolate?.retire({ kind: 'degraded' });
  }

  private degraded(site: CallSite): PluginUnavailableError {
    const { recentFaults, lastFault } = this.breaker.snapshot();
    return new PluginUnavailableError(
      site,
      'degraded',
      `it is degraded after ${recentFaults} faults (last: ${lastFault ?? 'unknown'}); calls fail fast until an admin resets it`,
    );
  }

  private tenant(tenantId: string): MutableTenantStats {
    let usage = this.usage.get(tenantId);
    if (!usage) {
      usage = { tenantId, cpuMs: 0, calls: 0, faults: 0, unhandledRejections: 0, contextAlive: false };
      this.usage.set(tenantId, usage);
    }
    return usage;
  }

  private get label(): string {
    return `${this.config.pluginId}@${this.config.version}`;
  }
}

function checkOptions(options: PluginSandboxOptions): void {
  const problems: FieldProblem[] = [];
  const need = (ok: boolean, pointer: string, detail: string) => {
    if (!ok) problems.push({ pointer, detail });
  };
  need(typeof options.pluginId === 'string' && options.pluginId.length > 0, '/pluginId', 'must be a non-empty string');
  need(typeof options.version === 'string' && options.version.length > 0, '/version', 'must be a non-empty string');
  need(typeof options.code === 'string', '/code', 'must be the bundle source');
  need(Number.isInteger(options.memoryMb) && options.memoryMb >= 8, '/memoryMb', 'must be an integer of at least 8');
  need(options.callTimeoutMs > 0, '/callTimeoutMs', 'must be a positive number of milliseconds');
  need(options.idleMs > 0, '/idleMs', 'must be a positive number of milliseconds');
  need(typeof options.host === 'function', '/host', 'must be a HostRouter function');
  const max = options.maxMessageBytes;
  need(
    max === undefined || (Number.isInteger(max) && max >= 1024),
    '/maxMessageBytes',
    'must be an integer of at least 1024',
  );
  const pending = options.maxPendingHostCalls;
  need(
    pending === undefined || (Number.isInteger(pending) && pending >= 1),
    '/maxPendingHostCalls',
    'must be an integer of at least 1',
  );
  if (problems.length)
    throw new ValidationError(`invalid sandbox options for plugin ${String(options.pluginId)}`, problems);
}

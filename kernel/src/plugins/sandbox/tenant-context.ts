// One tenant's context inside a plugin's isolate: its own globals, its own copy of the bundle,
// its calls in flight and the host calls it is waiting for. Identity is bound here, once.
import type ivm from 'isolated-vm';
import { ConflictError, DotmacError, NotFoundError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import {
  answerHostRequest,
  type CallEnvelope,
  type CallerScope,
  decodeCallResult,
  type HostRequest,
  type HostRouter,
} from './bridge.ts';
import { type CallSite, PluginFaultError } from './errors.ts';

/** What a tenant context needs from the isolate that holds it. */
export interface ContextHost {
  readonly callTimeoutMs: number;
  readonly idleMs: number;
  readonly maxMessageBytes: number;
  readonly maxPendingHostCalls: number;
  readonly router: HostRouter;
  readonly log: Logger;
  /** True while the isolate has tasks running or queued (any tenant's). */
  readonly working: boolean;
  /** Runs one timed task in `context` (a call start or a host answer). */
  runTask(context: TenantContext, args: [op: string, id: number, a: string, b?: string]): void;
  /** The call `callId` of `context` ran out of time while the isolate was not running it. */
  callTimedOut(context: TenantContext, callId: number, entry: string): void;
  /** The error for a call that arrives after the context was closed. */
  refusal(context: TenantContext, entry: string): Error;
  /** A call failed because of the plugin (threw, or answered badly). */
  callFaulted(error: PluginFaultError, stack: string): void;
  /** The context has had no calls for `idleMs`. */
  idle(context: TenantContext): void;
}

interface PendingCall {
  readonly entry: string;
  /** The portal user the call serves; its host calls run in that user's scope. */
  readonly caller: CallerScope | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const LOG_LEVELS = new Set(['info', 'warn', 'error']);

/** A tenant's context; made by PluginIsolate, which runs its tasks. */
export class TenantContext {
  readonly envelope: CallEnvelope;
  /** Host function the bootstrap holds in its closure; the only way out of the context. */
  readonly bridge: ivm.Reference<(kind: unknown, id: unknown, text: unknown) => void>;
  /** The bootstrap's dispatch function; set once the bootstrap ran. */
  dispatch: ivm.Reference | undefined;

  private readonly calls = new Map<number, PendingCall>();
  private readonly hostCalls = new Set<Promise<void>>();
  private readonly aborter = new AbortController();
  private lastCallId = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    ivmModule: typeof ivm,
    readonly context: ivm.Context,
    envelope: CallEnvelope,
    private readonly host: ContextHost,
  ) {
    this.envelope = Object.freeze({ ...envelope });
    this.bridge = new ivmModule.Reference((kind: unknown, id: unknown, text: unknown) => this.receive(kind, id, text));
  }

  get tenantId(): string {
    return this.envelope.tenantId;
  }

  /** True once the context stopped taking calls and answers. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls in flight. */
  get busy(): boolean {
    return this.calls.size > 0;
  }

  /** Calls handler `entry` with the payload (JSON text); resolves to the handler's JSON answer. */
  call(entry: string, payloadJson: string, caller?: CallerScope): Promise<unknown> {
    if (this.closed) return Promise.reject(this.host.refusal(this, entry));
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const id = ++this.lastCallId;
    const started = performance.now();
    const timeout = this.host.callTimeoutMs;
    // When time is up while the isolate is still running some task, that task may be another
    // tenant's, which the isolate's own per-task timeout is about to stop and blame; wait for it
    // (up to a second call timeout) so a call stuck behind it is not blamed in its place.
    const expire = () => {
      const call = this.calls.get(id);
      if (!call) return;
      if (this.host.working && performance.now() - started < 2 * timeout) call.timer = setTimeout(expire, 20);
      else this.host.callTimedOut(this, id, entry);
    };
    const answer = new Promise<unknown>((resolve, reject) => {
      this.calls.set(id, { entry, caller, resolve, reject, timer: setTimeout(expire, timeout) });
    });
    this.host.runTask(this, ['call', id, entry, payloadJson]);
    return answer;
  }

  /** The handler running, when exactly one call is in flight (to name it in a fault). */
  soleEntry(): string | undefined {
    if (this.calls.size !== 1) return undefined;
    for (const call of this.calls.values()) return call.entry;
    return undefined;
  }

  /** Fails every call in flight; `errorFor` picks each call's error. */
  failCalls(errorFor: (callId: number, entry: string) => Error): void {
    for (const [id, call] of this.calls) this.settle(id, call, () => call.reject(errorFor(id, call.entry)));
  }

  /**
   * Stops the context: no more answers go in, routers see the abort signal, and this resolves
   * once every host call it started has settled (or after one call timeout, whichever is first),
   * so the isolate can then be released without a host promise still aiming at it.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.aborter.abort(new Error(`the context of tenant ${this.tenantId} is being discarded`));
    if (this.hostCalls.size) {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.host.callTimeoutMs);
      });
      await Promise.race([Promise.allSettled(this.hostCalls), giveUp]);
      clearTimeout(timer);
      if (this.hostCalls.size) {
        this.host.log.warn(
          { tenantId: this.tenantId, pending: this.hostCalls.size },
          'host calls still pending when the plugin context was discarded; their answers will be dropped',
        );
      }
    }
    for (const handle of [this.dispatch, this.bridge, this.context]) {
      try {
        handle?.release();
      } catch {
        // already gone with its isolate
      }
    }
  }

  /** The call's site, for errors. */
  site(entry?: string): CallSite {
    return { ...this.envelope, entry };
  }

  private settle(id: number, call: PendingCall, done: () => void): void {
    clearTimeout(call.timer);
    this.calls.delete(id);
    done();
    if (!this.calls.size && !this.closed) {
      this.idleTimer = setTimeout(() => this.host.idle(this), this.host.idleMs);
      this.idleTimer.unref();
    }
  }

  /** A message from the bootstrap. Runs on the host's event loop; must never throw. */
  private receive(kind: unknown, id: unknown, text: unknown): void {
    if (this.closed || typeof id !== 'number' || !Number.isSafeInteger(id)) return;
    if (kind === 'result') this.finishCall(id, text);
    else if (kind === 'request') this.serveHostCall(id, text);
  }

  private finishCall(id: number, text: unknown): void {
    const call = this.calls.get(id);
    if (!call) return;
    const outcome = decodeCallResult(text, this.host.maxMessageBytes);
    if (outcome.ok) {
      this.settle(id, call, () => call.resolve(outcome.value));
      return;
    }
    const error = new PluginFaultError(this.site(call.entry), outcome.kind, `${outcome.name}: ${outcome.message}`);
    this.settle(id, call, () => call.reject(error));
    this.host.callFaulted(error, outcome.stack);
  }

  private serveHostCall(id: number, text: unknown): void {
    if (this.hostCalls.size >= this.host.maxPendingHostCalls) {
      const refusal = JSON.stringify([false, 'RangeError', 'dotmac.host: too many host calls pending']);
      this.host.runTask(this, ['reply', id, refusal]);
      return;
    }
    const work = answerHostRequest(
      text,
      (request) => this.route(request),
      this.host.maxMessageBytes,
      (error, request) =>
        this.host.log.error(
          { tenantId: this.tenantId, capability: request.capability, method: request.method, err: error },
          'host failed to serve a plugin capability call',
        ),
    ).then((answer) => {
      if (!this.closed) this.host.runTask(this, ['reply', id, answer]);
    });
    const forget = () => {
      this.hostCalls.delete(work);
    };
    this.hostCalls.add(work);
    work.then(forget, forget);
  }

  private async route(request: HostRequest): Promise<unknown> {
    if (request.capability !== 'log') {
      // A capability is used within a call, in its caller's scope: a context kept from an
      // earlier call (a customer's, say) cannot act once that call has ended.
      const call = this.calls.get(request.callId);
      if (!call) {
        throw new ConflictError(
          `${request.capability}.${request.method} was called after the handler's call ended; await capability calls before returning`,
        );
      }
      try {
        return await this.host.router(
          call.caller ? { ...this.envelope, caller: call.caller } : this.envelope,
          request.capability,
          request.method,
          request.args,
          this.aborter.signal,
        );
      } catch (error) {
        // Refusals go back to the plugin; the operator sees them too: an attack shows up here.
        if (error instanceof DotmacError) {
          this.host.log.warn(
            { tenantId: this.tenantId, capability: request.capability, method: request.method, refusal: error.type },
            `${request.capability}.${request.method} refused: ${error.message}`,
          );
        }
        throw error;
      }
    }
    const level = request.method;
    if (!LOG_LEVELS.has(level)) throw new NotFoundError(`log has no level "${level}"; use info, warn or error`);
    const args = (request.args ?? {}) as { message?: unknown; data?: unknown };
    const message = typeof args.message === 'string' ? args.message : JSON.stringify(args.message ?? '');
    this.host.log[level as 'info' | 'warn' | 'error']({ tenantId: this.tenantId, data: args.data }, message);
    return null;
  }
}

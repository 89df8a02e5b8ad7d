// The errors a sandboxed call can end with. Every message names the plugin, its version and
// the tenant, because whoever reads it (an operator, a log search) needs to know whose code failed.
import { DotmacError } from '../../errors.ts';

/** How a call into a plugin went wrong. */
export type FaultKind =
  /** The handler threw or rejected (any value, not only an Error). */
  | 'threw'
  /** The handler returned something that cannot cross the bridge (not JSON, or too large). */
  | 'bad-result'
  /** The bundle failed to load into a new tenant context (syntax error, threw at top level). */
  | 'load'
  /** The call ran longer than the plugin's call timeout; the isolate was discarded. */
  | 'timeout'
  /** The isolate went over its memory limit; the isolate was discarded. */
  | 'memory';

/** Who, where: the identity every sandbox error carries. */
export interface CallSite {
  readonly pluginId: string;
  readonly version: string;
  readonly tenantId: string;
  /** The handler called, when the error belongs to one call. */
  readonly entry?: string;
}

const plugin = (site: CallSite) => `plugin ${site.pluginId}@${site.version}`;
const where = (site: CallSite) =>
  site.entry === undefined ? `for tenant ${site.tenantId}` : `in "${site.entry}" for tenant ${site.tenantId}`;

/** A plugin call failed because of the plugin: it threw, timed out, ran out of memory or answered badly. */
export class PluginFaultError extends DotmacError {
  override readonly type = 'plugin-fault';
  override readonly title = 'Plugin failed';

  constructor(
    readonly site: CallSite,
    readonly kind: FaultKind,
    /** What the plugin reported (its error's name and message), or what the sandbox saw. */
    readonly detail: string,
  ) {
    super(faultMessage(site, kind, detail));
  }
}

function faultMessage(site: CallSite, kind: FaultKind, detail: string): string {
  switch (kind) {
    case 'threw':
      return `${plugin(site)} failed ${where(site)}: ${detail}`;
    case 'bad-result':
      return `${plugin(site)} answered ${where(site)} with an unusable value: ${detail}`;
    case 'load':
      return `${plugin(site)} could not be loaded ${where(site)}: ${detail}`;
    case 'timeout':
      return `${plugin(site)} ran out of time ${where(site)}: ${detail}; its sandbox was restarted`;
    case 'memory':
      return `${plugin(site)} went over its memory limit ${where(site)}: ${detail}; its sandbox was restarted`;
  }
}

/** Why a sandbox refused or dropped a call that was not itself at fault. */
export type UnavailableReason =
  /** The circuit breaker is open: calls fail fast until an admin resets the plugin. */
  | 'degraded'
  /** The isolate was restarted (after a fault in another call, or on close) while this call ran. */
  | 'interrupted'
  /** The sandbox was closed. */
  | 'closed';

/** The plugin cannot serve this call right now; the call itself did nothing wrong. */
export class PluginUnavailableError extends DotmacError {
  override readonly status = 503;
  override readonly type = 'plugin-unavailable';
  override readonly title = 'Plugin unavailable';

  constructor(
    readonly site: CallSite,
    readonly reason: UnavailableReason,
    detail: string,
  ) {
    super(`${plugin(site)} cannot serve ${where(site)}: ${detail}`);
  }
}

/**
 * The caller (the kernel) passed a payload that cannot cross the bridge: too large (413), or not
 * JSON (500, a bug in the caller). Not the plugin's fault, so it never counts against it.
 */
export class PluginPayloadError extends DotmacError {
  override readonly status: number;
  override readonly type = 'plugin-payload';
  override readonly title = 'Payload cannot be sent to the plugin';

  constructor(
    readonly site: CallSite,
    readonly problem: 'too-large' | 'not-json',
    detail: string,
  ) {
    super(`cannot call ${plugin(site)} ${where(site)}: ${detail}`);
    this.status = problem === 'too-large' ? 413 : 500;
  }
}

// The plugin sandbox: isolated-vm isolates with one context per tenant, and the JSON bridge.
export { type BreakerPolicy, type BreakerSnapshot, DEFAULT_BREAKER_POLICY } from './breaker.ts';
export { type CallEnvelope, type CallerScope, DEFAULT_MAX_MESSAGE_BYTES, type HostRouter } from './bridge.ts';
export {
  type CallSite,
  type FaultKind,
  PluginFaultError,
  PluginPayloadError,
  PluginUnavailableError,
  type UnavailableReason,
} from './errors.ts';
export { PluginSandbox, type PluginSandboxOptions, type SandboxStats, type TenantStats } from './sandbox.ts';

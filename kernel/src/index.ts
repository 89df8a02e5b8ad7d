// The kernel's public surface for the SDK, plugins-host code and tests.
import 'reflect-metadata';

export { type Clock, systemClock } from './clock.ts';
export { type Config, loadConfig } from './config.ts';
export { Database, type DatabaseKind, type Tx } from './db/database.ts';
export { createScratchDatabase, type ScratchDatabase, withoutPassword } from './db/scratch.ts';
export * from './errors.ts';
export { EventBus, type EventEnvelope, matchesPattern, type NewEvent, type Subscriber } from './events/bus.ts';
export { type DeadLetterView, EventDispatcher, retryDelayMs } from './events/dispatcher.ts';
export { EVENT_NAME, EventSchemas } from './events/schemas.ts';
export { createApp, readRawBody } from './http/app.ts';
export { Metrics } from './http/metrics.ts';
export { PROBLEM_CONTENT_TYPE, type Problem } from './http/problem.ts';
export { defineRoute, HttpRoutes, type RouteDefinition } from './http/routes.ts';
export type * from './jobs/queue.ts';
export { KERNEL_VERSION, Kernel, type KernelModule, type KernelOptions, type KernelRole } from './kernel.ts';
export { createLogger, type Logger } from './log.ts';
export * from './plugins/db/index.ts';
export { type Actor, PluginEnablement, type TenantPlugin } from './plugins/enablement.ts';
export {
  MANIFEST_FILE,
  PLUGIN_ID,
  type PluginManifest,
  parseManifest,
  pinnedMajor,
  readManifest,
} from './plugins/manifest.ts';
export * from './plugins/package.ts';
export {
  type DiscoveredPlugin,
  dependantsOf,
  discoverPlugins,
  PluginResolutionError,
  resolvePlugins,
} from './plugins/resolver.ts';
export * from './plugins/sandbox/index.ts';
export { runProcess } from './process.ts';
export { Tokens } from './tokens.ts';
export { compileSchema, type JsonSchema, toFieldProblems, validateOrThrow } from './validation.ts';

// @dotmac/sdk: what a plugin's server code imports. Everything here also runs inside the
// sandbox (plain ECMAScript, no Node APIs): it is bundled into the plugin's dist/server.js.
export {
  CAPABILITY_METHODS,
  type Capability,
  type CapabilityCall,
  type CapabilityWire,
  type EgressAnswer,
  type EgressRequest,
  type EnqueueOptions,
  type OutgoingEvent,
  type SqlStatement,
} from './capabilities.ts';
export {
  type ClockClient,
  type ConfigClient,
  createPluginContext,
  type DbClient,
  type EventsClient,
  type FetchInit,
  type FetchResponse,
  type JobsClient,
  type LogClient,
  type PluginContext,
  type SandboxContext,
  type SecretsClient,
  type ServicesClient,
} from './context.ts';
export {
  type DotmacPlugin,
  definePlugin,
  type EntryHandler,
  type EventHandler,
  type JobHandler,
  type PluginDefinition,
  type PluginEvent,
  RouteError,
  type RouteHandler,
  type RouteParams,
  type RouteRequest,
  type ServiceHandler,
} from './define-plugin.ts';
export {
  Entry,
  type EventOutcome,
  HTTP_METHODS,
  type HttpMethod,
  type ParsedEntry,
  PROBLEM_KEY,
  parseEntry,
  parseRouteKey,
  type RouteKey,
  type RouteProblem,
} from './entries.ts';

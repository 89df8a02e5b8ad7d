// DI tokens for every kernel service. Constructors take them with explicit @inject(Token),
// which works the same under tsc, tsx and vitest (no reliance on emitted type metadata).
import type { InjectionToken } from 'tsyringe';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { EventBus } from './events/bus.ts';
import type { EventDispatcher } from './events/dispatcher.ts';
import type { EventSchemas } from './events/schemas.ts';
import type { Metrics } from './http/metrics.ts';
import type { HttpRoutes } from './http/routes.ts';
import type { Identity } from './identity/index.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Logger } from './log.ts';
import type { PluginHost } from './plugins/host.ts';
import type { PluginInstaller } from './plugins/installer.ts';

export const Tokens = {
  Config: Symbol('Config') as InjectionToken<Config>,
  Logger: Symbol('Logger') as InjectionToken<Logger>,
  Clock: Symbol('Clock') as InjectionToken<Clock>,
  Database: Symbol('Database') as InjectionToken<Database>,
  EventSchemas: Symbol('EventSchemas') as InjectionToken<EventSchemas>,
  EventBus: Symbol('EventBus') as InjectionToken<EventBus>,
  EventDispatcher: Symbol('EventDispatcher') as InjectionToken<EventDispatcher>,
  JobQueue: Symbol('JobQueue') as InjectionToken<JobQueue>,
  Metrics: Symbol('Metrics') as InjectionToken<Metrics>,
  HttpRoutes: Symbol('HttpRoutes') as InjectionToken<HttpRoutes>,
  PluginHost: Symbol('PluginHost') as InjectionToken<PluginHost>,
  PluginInstaller: Symbol('PluginInstaller') as InjectionToken<PluginInstaller>,
  Identity: Symbol('Identity') as InjectionToken<Identity>,
} as const;

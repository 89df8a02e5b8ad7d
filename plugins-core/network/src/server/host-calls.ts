// The sandbox refuses a capability call while 64 of the tenant's are pending (a RangeError in
// the plugin), and every request of one tenant runs in the same context. A burst (a thousand
// allocations at once) would hit that wall, so every call goes through one queue here, which
// lets at most MAX_PENDING out at a time and the rest wait their turn, in order.
import type { PluginContext } from '@dotmac/sdk';

/** Capability calls of this tenant in flight at most; below the sandbox's 64, with room to spare. */
const MAX_PENDING = 48;

let pending = 0;
const waiting: Array<() => void> = [];

/** Runs `call` when a slot is free; the slot passes straight to the next in line when it ends. */
async function inTurn<T>(call: () => Promise<T>): Promise<T> {
  if (pending < MAX_PENDING) pending++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await call();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else pending--;
  }
}

/** `ctx` with its capability calls queued (see above); any capability this plugin does not use passes as it is. */
export function queued(ctx: PluginContext): PluginContext {
  const log = (level: 'info' | 'warn' | 'error') => (message: string, data?: unknown) =>
    inTurn(() => ctx.log[level](message, data));
  return Object.freeze({
    ...ctx,
    db: Object.freeze({
      query: <Row>(sql: string, params?: readonly unknown[]) => inTurn(() => ctx.db.query<Row>(sql, params)),
      transaction: (...args: Parameters<PluginContext['db']['transaction']>) =>
        inTurn(() => ctx.db.transaction(...args)),
    }),
    events: Object.freeze({
      publish: (...args: Parameters<PluginContext['events']['publish']>) => inTurn(() => ctx.events.publish(...args)),
    }),
    jobs: Object.freeze({
      enqueue: (...args: Parameters<PluginContext['jobs']['enqueue']>) => inTurn(() => ctx.jobs.enqueue(...args)),
    }),
    config: Object.freeze({ get: <Config>() => inTurn(() => ctx.config.get<Config>()) }),
    secrets: Object.freeze({ get: (name: string) => inTurn(() => ctx.secrets.get(name)) }),
    fetch: (...args: Parameters<PluginContext['fetch']>) => inTurn(() => ctx.fetch(...args)),
    services: Object.freeze({
      call: <Output>(target: string, input?: unknown) => inTurn(() => ctx.services.call<Output>(target, input)),
    }),
    log: Object.freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
    clock: Object.freeze({ now: () => inTurn(() => ctx.clock.now()) }),
  });
}

// What the sandbox specs and the hostile-plugin suite (test/hostile) share: a sandbox with a captured log and a
// recording host router, and a probe that measures whether the host stays responsive.
import { pino } from 'pino';
import { afterEach, expect } from 'vitest';
import type { HostRouter } from '../../kernel/src/plugins/sandbox/bridge.ts';
import { PluginSandbox, type PluginSandboxOptions } from '../../kernel/src/plugins/sandbox/sandbox.ts';

/** One log line, parsed. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** One capability call the host router received. */
export interface RoutedCall {
  readonly tenantId: string;
  readonly pluginId: string;
  readonly capability: string;
  readonly method: string;
  readonly args: unknown;
  /** The portal user the call serves, as the host bound it. */
  readonly caller?: unknown;
}

export interface TestSandbox {
  readonly sandbox: PluginSandbox;
  /** Every line logged so far. */
  readonly lines: LogLine[];
  /** Every capability call routed to the host so far. */
  readonly routed: RoutedCall[];
}

const opened: PluginSandbox[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((sandbox) => sandbox.close()));
});

/**
 * The default router answers `echo.*` with what it got and the envelope's identity, and
 * `clock.now` with a fixed time; anything else is refused with an error the plugin sees.
 */
export const echoRouter: HostRouter = async (envelope, capability, method, args) => {
  if (capability === 'echo') return { args, tenantId: envelope.tenantId, pluginId: envelope.pluginId, method };
  if (capability === 'clock' && method === 'now') return '2026-01-01T00:00:00.000Z';
  throw new Error(`no capability ${capability}.${method}`);
};

/** A sandbox for `code`, closed after the test; its log lines and routed calls are captured. */
export function startSandbox(code: string, options: Partial<PluginSandboxOptions> = {}): TestSandbox {
  const lines: LogLine[] = [];
  const routed: RoutedCall[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const router = options.host ?? echoRouter;
  const sandbox = new PluginSandbox({
    pluginId: 'test.plugin',
    version: '1.0.0',
    code,
    memoryMb: 32,
    callTimeoutMs: 300,
    idleMs: 60_000,
    log,
    ...options,
    host: (envelope, capability, method, args, signal) => {
      routed.push({
        tenantId: envelope.tenantId,
        pluginId: envelope.pluginId,
        capability,
        method,
        args,
        caller: envelope.caller,
      });
      return router(envelope, capability, method, args, signal);
    },
  });
  opened.push(sandbox);
  return { sandbox, lines, routed };
}

/** The error `promise` rejects with (fails the test if it fulfils). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    expect.fail(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    return error as Error;
  }
}

/** Log lines at error level (50) or above whose message contains `text`. */
export function errorsLogged(lines: readonly LogLine[], text: string): LogLine[] {
  return lines.filter((line) => line.level >= 50 && line.msg.includes(text));
}

/** A well-behaved plugin: `ping` answers at once. Used as the other tenant's or plugin's traffic. */
export const BYSTANDER = `dotmac.register({ async ping(payload) { return { pong: payload } } });`;

/** What the host did while an attack ran. */
export interface Responsiveness {
  /** Worst delay of a 10 ms host timer beyond its 10 ms, while the attack ran. */
  readonly worstTimerLagMs: number;
  /** Slowest answer of another plugin's sandbox, called every 20 ms while the attack ran. */
  readonly worstBystanderMs: number;
  /** Bystander calls that completed during the attack. */
  readonly bystanderCalls: number;
}

/**
 * Runs `attack` while a 10 ms host timer ticks and another plugin's sandbox is called in a loop;
 * returns how the attack ended and how responsive the host was meanwhile.
 */
export async function whileAttacking<T>(
  attack: () => Promise<T>,
): Promise<{ outcome: PromiseSettledResult<T>; responsiveness: Responsiveness }> {
  const bystander = startSandbox(BYSTANDER, { pluginId: 'test.bystander' }).sandbox;
  await bystander.invoke('other-tenant', 'ping', 0); // warm: isolate and context exist before the attack
  let done = false;
  let worstTimerLagMs = 0;
  let worstBystanderMs = 0;
  let bystanderCalls = 0;
  const ticking = (async () => {
    while (!done) {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
      worstTimerLagMs = Math.max(worstTimerLagMs, performance.now() - started - 10);
    }
  })();
  const serving = (async () => {
    for (let i = 1; !done; i++) {
      const started = performance.now();
      await bystander.invoke('other-tenant', 'ping', i);
      worstBystanderMs = Math.max(worstBystanderMs, performance.now() - started);
      bystanderCalls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const [outcome] = await Promise.allSettled([attack()]);
  done = true;
  await Promise.all([ticking, serving]);
  return {
    outcome: outcome as PromiseSettledResult<T>,
    responsiveness: { worstTimerLagMs, worstBystanderMs, bystanderCalls },
  };
}

/** The host answered timers within 200 ms and another plugin within 250 ms throughout. */
export function expectResponsive(responsiveness: Responsiveness): void {
  expect(responsiveness.worstTimerLagMs).toBeLessThan(200);
  expect(responsiveness.worstBystanderMs).toBeLessThan(250);
  expect(responsiveness.bystanderCalls).toBeGreaterThan(0);
}

// A native test double for plugin unit tests: calls a plugin's entries in this process with a
// context that records capability calls and answers them from a table. It is not the sandbox;
// `dotmac-plugin test` (a real sandbox and database) comes later.
import type { SandboxContext } from './context.ts';
import type { DotmacPlugin } from './define-plugin.ts';

/** One capability call a handler made. */
export interface RecordedCall {
  /** Capability name (`db`). */
  readonly capability: string;
  /** Method name (`query`). */
  readonly method: string;
  /** The JSON arguments. */
  readonly args: unknown;
}

/** Answers capability calls by `capability.method`; a function gets the args. */
export type TestAnswers = Readonly<Record<string, unknown>>;

/** A recording context and what it recorded. */
export interface TestContext {
  /** Pass this as the handler's context. */
  readonly context: SandboxContext;
  /** Every capability call so far, logging included. */
  readonly calls: readonly RecordedCall[];
}

/** A context for `tenantId` whose capability calls are recorded and answered from `answers`. */
export function createTestContext(tenantId: string, answers: TestAnswers = {}): TestContext {
  const calls: RecordedCall[] = [];
  const call = async (capability: string, method: string, args: unknown) => {
    calls.push({ capability, method, args: JSON.parse(JSON.stringify(args ?? null)) });
    const answer = answers[`${capability}.${method}`];
    return typeof answer === 'function' ? await answer(args) : (answer ?? null);
  };
  const log = (level: string) => (message: string, data?: unknown) => call('log', level, { message, data });
  return {
    context: { tenantId, call, log: { info: log('info'), warn: log('warn'), error: log('error') } },
    calls,
  };
}

/** Calls `plugin`'s handler `entry` with `payload`, as the host would; the answer goes through JSON. */
export async function invokeEntry(
  plugin: DotmacPlugin,
  entry: string,
  payload: unknown,
  context: SandboxContext,
): Promise<unknown> {
  const handler = plugin.entries[entry];
  if (!handler) {
    throw new Error(`no handler named "${entry}"; the plugin has: ${Object.keys(plugin.entries).join(', ') || 'none'}`);
  }
  const answer = await handler(JSON.parse(JSON.stringify(payload ?? null)), context);
  return JSON.parse(JSON.stringify(answer ?? null));
}

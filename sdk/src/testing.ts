// @dotmac/sdk/testing: two ways to test a plugin.
// - The testbed (`createTestbed`): the built plugin in the real kernel and sandbox, against a
//   real database, with an injectable clock; what `dotmac-plugin test` runs.
// - A native test double (`createTestContext`, `invokeEntry`): calls a plugin's entries in this
//   process with a context that records capability calls and answers them from a table; a unit
//   test of handler logic, without sandbox or database.
import { decodeBase64, encodeBase64 } from './base64.ts';
import type { DatagramAnswer, DatagramRequest } from './capabilities.ts';
import type { SandboxContext } from './context.ts';
import type { DotmacPlugin } from './define-plugin.ts';
import type { Testbed, TestbedOptions } from './testbed.ts';

export type {
  Delivery,
  LogLine,
  RecordedEvent,
  RequestOptions,
  Testbed,
  TestbedOptions,
  TestClock,
  TestResponse,
  WaitOptions,
} from './testbed.ts';

/**
 * Starts the kernel with the built plugin loaded (and the plugins of `options.with`), on a
 * database of its own: embedded PGlite in a temp folder, or a fresh database on the PostgreSQL
 * server `$DOTMAC_TEST_DATABASE_URL` names. Close it when done. The process must run with
 * `--no-node-snapshot` (isolated-vm needs it), as `dotmac-plugin test` runs its tests.
 */
export async function createTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  // Imported here, so that unit tests using only the test double never load the kernel.
  const { startTestbed } = await import('./testbed.ts');
  return startTestbed(options);
}

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

/** What a call the table does not answer gets: null, but a datagram gets no reply (as on a timeout). */
const DEFAULT_ANSWERS: TestAnswers = { 'egress.datagram': { payload: null } };

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
    const answer = answers[`${capability}.${method}`] ?? DEFAULT_ANSWERS[`${capability}.${method}`];
    return typeof answer === 'function' ? await answer(args) : (answer ?? null);
  };
  const log = (level: string) => (message: string, data?: unknown) => call('log', level, { message, data });
  return {
    context: { tenantId, call, log: { info: log('info'), warn: log('warn'), error: log('error') } },
    calls,
  };
}

/** Where a datagram was sent. */
export interface DatagramDestination {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs?: number;
}

/**
 * An `egress.datagram` answer for `createTestContext`'s table, in bytes rather than base64:
 * `respond` gets the bytes the plugin sent and where to, and returns the reply's bytes, or null
 * for no reply (the plugin sees a timeout).
 */
export function answerDatagram(
  respond: (bytes: Uint8Array, to: DatagramDestination) => Uint8Array | null | Promise<Uint8Array | null>,
): (args: DatagramRequest) => Promise<DatagramAnswer> {
  return async ({ payload, ...to }) => {
    const reply = await respond(decodeBase64(payload), to);
    return { payload: reply === null ? null : encodeBase64(reply) };
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

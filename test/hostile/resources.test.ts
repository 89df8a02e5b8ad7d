// Hostile plugins that attack time, memory and the host's attention. Each attack fails its own
// call, is logged with the plugin id, and the host keeps answering (timers, another plugin).
import { describe, expect, test } from 'vitest';
import { PluginFaultError } from '../../kernel/src/plugins/sandbox/errors.ts';
import { errorsLogged, expectResponsive, startSandbox, whileAttacking } from '../support/sandbox.ts';

const PLUGIN = 'hostile.resources@1.0.0';

/** Starts the hostile plugin, runs `entry` while measuring the host, and checks the call failed with `kind`. */
async function attack(code: string, entry: string, kind: PluginFaultError['kind'], options = {}) {
  const { sandbox, lines } = startSandbox(code, { pluginId: 'hostile.resources', ...options });
  const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', entry, null));
  expect(outcome.status).toBe('rejected');
  const error = (outcome as PromiseRejectedResult).reason as Error;
  expect(error).toBeInstanceOf(PluginFaultError);
  expect((error as PluginFaultError).kind).toBe(kind);
  expect(error.message).toContain(`plugin ${PLUGIN}`);
  const logged = errorsLogged(lines, `plugin ${PLUGIN}`);
  expect(logged.length).toBeGreaterThan(0);
  expect(logged[0]).toMatchObject({ plugin: 'hostile.resources', tenantId: 'attacker', entry });
  expectResponsive(responsiveness);
  return { sandbox, error, lines };
}

/** After an attack, the same plugin serves the next call (in a fresh isolate if it had to). */
async function expectRecovered(sandbox: { invoke: (t: string, e: string, p: unknown) => Promise<unknown> }) {
  await expect(sandbox.invoke('next-tenant', 'ping', null)).resolves.toBe('pong');
}

const withPing = (handlers: string) => `dotmac.register({ ${handlers}, async ping() { return 'pong' } });`;

describe('time', () => {
  test('a plugin that loops forever fails its call with a timeout and the host keeps serving', async () => {
    const { sandbox, error } = await attack(withPing('async loop() { for (;;) {} }'), 'loop', 'timeout');
    expect(error.message).toContain('still running its code after 300 ms');
    await expectRecovered(sandbox);
  });

  test('a plugin that loops forever through microtasks fails its call with a timeout and the host keeps serving', async () => {
    const { sandbox } = await attack(withPing('async loop() { for (;;) await null }'), 'loop', 'timeout');
    await expectRecovered(sandbox);
  });

  test('a plugin that loops forever through host calls fails its call with a timeout and the host keeps serving', async () => {
    const { sandbox } = await attack(
      withPing(`async loop(_, ctx) { for (;;) await ctx.call('clock', 'now', {}) }`),
      'loop',
      'timeout',
    );
    await expectRecovered(sandbox);
  });

  test('a bundle that loops forever while loading fails the call with a timeout and the host keeps serving', async () => {
    const { sandbox, lines } = startSandbox('for (;;) {}', { pluginId: 'hostile.resources' });
    const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', 'any', null));
    const error = (outcome as PromiseRejectedResult).reason as PluginFaultError;
    expect(error).toBeInstanceOf(PluginFaultError);
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain(
      `plugin ${PLUGIN} ran out of time for tenant attacker: still loading the bundle after 300 ms`,
    );
    expect(errorsLogged(lines, `plugin ${PLUGIN}`)[0]).toMatchObject({
      plugin: 'hostile.resources',
      tenantId: 'attacker',
    });
    expectResponsive(responsiveness);
  });

  test('a plugin that blocks on Atomics.wait fails its call with a timeout and the host keeps serving', async () => {
    const { sandbox } = await attack(
      withPing('async block() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) }'),
      'block',
      'timeout',
    );
    await expectRecovered(sandbox);
  });

  test('a plugin cannot schedule code to run after its call: async WebAssembly runs inside the call, finalizers and waitAsync are gone', async () => {
    const { sandbox } = startSandbox(
      withPing(`async look() {
        return [typeof FinalizationRegistry, typeof Atomics.waitAsync, typeof WebAssembly.compileStreaming];
      }`),
      { pluginId: 'hostile.resources' },
    );
    expect(await sandbox.invoke('attacker', 'look', null)).toEqual(['undefined', 'undefined', 'undefined']);
    // Unpatched, the continuation would run in a task of V8's own, with no timeout, after the call returned.
    const { error } = await attack(
      withPing(`async background() {
        WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => { for (;;) {} });
        return 'returned';
      }`),
      'background',
      'timeout',
    );
    expect(error.message).toContain('after 300 ms');
  });

  test('WebAssembly still works inside a call', async () => {
    const { sandbox } = startSandbox(
      withPing(`async wasm() {
        const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
        const module = await WebAssembly.compile(bytes);
        const { instance } = await WebAssembly.instantiate(bytes);
        return [module instanceof WebAssembly.Module, instance instanceof WebAssembly.Instance];
      }`),
      { pluginId: 'hostile.resources' },
    );
    expect(await sandbox.invoke('t1', 'wasm', null)).toEqual([true, true]);
  });
});

describe('memory', () => {
  test('a plugin that allocates without bound fails its call with a memory fault and recovers in a new isolate', async () => {
    const { sandbox, error } = await attack(
      withPing('async hoard() { const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length)) }'),
      'hoard',
      'memory',
      // Generous time, so that on a loaded machine the memory limit (not the clock) stops it.
      { callTimeoutMs: 10_000 },
    );
    expect(error.message).toContain('more than 32 MB');
    await expectRecovered(sandbox);
    expect(sandbox.stats().isolateStarts).toBe(2);
  });

  test('a plugin that allocates ArrayBuffers without bound fails its call and the host keeps serving', async () => {
    const { sandbox, lines } = startSandbox(
      withPing('async buffers() { const kept = []; for (;;) kept.push(new ArrayBuffer(8 * 1024 * 1024)) }'),
      { pluginId: 'hostile.resources', callTimeoutMs: 10_000 },
    );
    const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', 'buffers', null));
    const error = (outcome as PromiseRejectedResult).reason as PluginFaultError;
    expect(error).toBeInstanceOf(PluginFaultError);
    // V8 either refuses the allocation (RangeError, the call threw) or the isolate hits its limit.
    expect(['threw', 'memory']).toContain(error.kind);
    expect(errorsLogged(lines, `plugin ${PLUGIN}`).length).toBeGreaterThan(0);
    expectResponsive(responsiveness);
    await expectRecovered(sandbox);
  });

  test('a plugin that recurses without bound fails its call with a RangeError and the host keeps serving', async () => {
    const { sandbox, error } = await attack(
      withPing('async recurse() { const down = (n) => down(n + 1) + 1; return down(0) }'),
      'recurse',
      'threw',
    );
    expect(error.message).toContain('RangeError: Maximum call stack size exceeded');
    await expectRecovered(sandbox);
    expect(sandbox.stats().isolateStarts).toBe(1);
  });

  test('a plugin that returns a huge value fails its call and the host never receives it', async () => {
    const { sandbox, error } = await attack(
      withPing(`async huge() { return Array.from({ length: 200000 }, (_, i) => ({ i, pad: 'xxxxxxxxxxxxxxxx' })) }`),
      'huge',
      'bad-result',
    );
    expect(error.message).toMatch(
      /the handler returned \d+ characters of JSON; one message across the bridge may be at most 1048576 bytes/,
    );
    await expectRecovered(sandbox);
  });

  test('a plugin that returns a cyclic value fails its call and the host keeps serving', async () => {
    const { sandbox, error } = await attack(
      withPing(`async cyclic() { const a = { name: 'a' }; a.self = a; return a }`),
      'cyclic',
      'bad-result',
    );
    expect(error.message).toContain('is not JSON: Converting circular structure to JSON');
    await expectRecovered(sandbox);
  });
});

describe('attention', () => {
  test('a plugin that floods the host with calls is held to its pending limit and the host keeps serving', async () => {
    const { sandbox, lines } = startSandbox(
      withPing(`async flood(_, ctx) {
        let refused = 0;
        const calls = [];
        for (let i = 0; i < 10000; i++) calls.push(ctx.log.info('spam ' + i).catch(() => { refused++ }));
        await Promise.all(calls);
        throw new Error(refused + ' host calls refused');
      }`),
      { pluginId: 'hostile.resources' },
    );
    const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', 'flood', null));
    expect(((outcome as PromiseRejectedResult).reason as Error).message).toContain('9936 host calls refused');
    expect(lines.filter((line) => line.msg.startsWith('spam '))).toHaveLength(64);
    expect(errorsLogged(lines, `plugin ${PLUGIN}`).length).toBeGreaterThan(0);
    expectResponsive(responsiveness);
    await expectRecovered(sandbox);
  });
});

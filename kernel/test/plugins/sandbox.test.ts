// Specification of the plugin sandbox: one isolate per plugin version, one context per tenant,
// a JSON-only bridge with identity bound by the host, and faults that cost only their own call.
import { describe, expect, test, vi } from 'vitest';
import { errorsLogged, rejectionOf, startSandbox } from '../../../test/support/sandbox.ts';
import { ValidationError } from '../../src/errors.ts';
import { PluginFaultError, PluginPayloadError, PluginUnavailableError } from '../../src/plugins/sandbox/errors.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ECHO = `dotmac.register({
  async echo(payload, ctx) { return { payload, tenantId: ctx.tenantId } },
  async boom() { throw new TypeError('no invoice 42') },
})`;

const COUNTER = `
let count = 0;
dotmac.register({ async increment() { count += 1; return count } });`;

describe('calls', () => {
  test('a registered handler gets the payload and its answer comes back as JSON', async () => {
    const { sandbox } = startSandbox(ECHO);
    const payload = { id: 7, tags: ['a', 'b'], nested: { ok: true, none: null }, text: 'é€😀' };
    await expect(sandbox.invoke('t1', 'echo', payload)).resolves.toEqual({ payload, tenantId: 't1' });
  });

  test('a handler that throws fails that call with a PluginFaultError naming the plugin, and the next call works', async () => {
    const { sandbox, lines } = startSandbox(ECHO);
    const error = await rejectionOf(sandbox.invoke('t1', 'boom', {}));
    expect(error).toBeInstanceOf(PluginFaultError);
    expect(error.message).toBe('plugin test.plugin@1.0.0 failed in "boom" for tenant t1: TypeError: no invoice 42');
    expect(errorsLogged(lines, 'no invoice 42')[0]).toMatchObject({
      plugin: 'test.plugin',
      tenantId: 't1',
      fault: 'threw',
    });
    expect(errorsLogged(lines, 'no invoice 42')[0]?.pluginStack).toContain('plugin:test.plugin@1.0.0');
    await expect(sandbox.invoke('t1', 'echo', 1)).resolves.toEqual({ payload: 1, tenantId: 't1' });
    expect(sandbox.stats().isolateStarts).toBe(1);
  });

  test('calling a handler the bundle did not register names the ones it did', async () => {
    const { sandbox } = startSandbox(ECHO);
    const error = await rejectionOf(sandbox.invoke('t1', 'refund', {}));
    expect(error.message).toContain('no handler named "refund"; the bundle registered: echo, boom');
  });

  test('a bundle that never registers, or does not compile, fails its calls with the reason', async () => {
    const silent = startSandbox('const x = 1;').sandbox;
    expect((await rejectionOf(silent.invoke('t1', 'echo', {}))).message).toContain('never called dotmac.register');
    const broken = startSandbox('dotmac.register({ async a( { }').sandbox;
    const error = await rejectionOf(broken.invoke('t1', 'a', {}));
    expect(error).toBeInstanceOf(PluginFaultError);
    expect((error as PluginFaultError).kind).toBe('load');
    expect(error.message).toMatch(/^plugin test.plugin@1.0.0 could not be loaded for tenant t1: SyntaxError/);
  });

  test('a bundle that throws at load time fails the call with what it threw', async () => {
    const { sandbox } = startSandbox(`throw new RangeError('missing config')`);
    const error = await rejectionOf(sandbox.invoke('t1', 'a', {}));
    expect(error.message).toBe(
      'plugin test.plugin@1.0.0 could not be loaded for tenant t1: RangeError: missing config',
    );
  });

  test('dotmac is frozen and fixed, and register can be called only once', async () => {
    const { sandbox } = startSandbox(`
      dotmac.register({ async look() {
        dotmac.register = null;
        globalThis.dotmac = null;
        return [Object.isFrozen(dotmac), delete globalThis.dotmac, typeof dotmac.register];
      } });`);
    expect(await sandbox.invoke('t1', 'look', null)).toEqual([true, false, 'function']);
    const twice = startSandbox(`dotmac.register({ async a() {} }); dotmac.register({ async b() {} });`).sandbox;
    const error = await rejectionOf(twice.invoke('t1', 'a', {}));
    expect(error.message).toContain('dotmac.register(handlers) was already called; call it once, with every handler');
  });

  test('invoke refuses an empty tenant or entry', async () => {
    const { sandbox } = startSandbox(ECHO);
    await expect(sandbox.invoke('', 'echo', {})).rejects.toBeInstanceOf(ValidationError);
    await expect(sandbox.invoke('t1', '', {})).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('tenants', () => {
  test("each tenant has its own context: tenant A's module state is invisible to tenant B", async () => {
    const { sandbox } = startSandbox(COUNTER);
    expect(await sandbox.invoke('a', 'increment', null)).toBe(1);
    expect(await sandbox.invoke('a', 'increment', null)).toBe(2);
    expect(await sandbox.invoke('a', 'increment', null)).toBe(3);
    expect(await sandbox.invoke('b', 'increment', null)).toBe(1);
    expect(await sandbox.invoke('a', 'increment', null)).toBe(4);
    expect(sandbox.stats()).toMatchObject({ contextsAlive: 2, isolateStarts: 1 });
  });

  test('globals a tenant changes stay in its context', async () => {
    const { sandbox } = startSandbox(`dotmac.register({
      async poison() { Array.prototype.includes = () => true; globalThis.shared = 'a'; return 'done' },
      async look() { return { includes: [1].includes(2), shared: globalThis.shared ?? null } },
    })`);
    await sandbox.invoke('a', 'poison', null);
    expect(await sandbox.invoke('a', 'look', null)).toEqual({ includes: true, shared: 'a' });
    expect(await sandbox.invoke('b', 'look', null)).toEqual({ includes: false, shared: null });
  });

  test('a context unused for idleMs is released, so its state starts over', async () => {
    const { sandbox } = startSandbox(COUNTER, { idleMs: 50 });
    expect(await sandbox.invoke('a', 'increment', null)).toBe(1);
    expect(await sandbox.invoke('a', 'increment', null)).toBe(2);
    await sleep(200);
    expect(sandbox.stats().contextsAlive).toBe(0);
    expect(sandbox.stats().isolateAlive).toBe(false);
    expect(await sandbox.invoke('a', 'increment', null)).toBe(1);
  });

  test('a context with a call in flight is not evicted', async () => {
    const { sandbox } = startSandbox(
      `dotmac.register({ async slow(_, ctx) { await ctx.call('wait', 'ms', 150); return 'finished' } })`,
      { idleMs: 30, callTimeoutMs: 1000, host: async () => sleep(150) },
    );
    await expect(sandbox.invoke('a', 'slow', null)).resolves.toBe('finished');
  });
});

describe('bridge', () => {
  test('the host router gets the tenant from the envelope, whatever tenant the plugin claims', async () => {
    const { sandbox, routed } = startSandbox(`dotmac.register({
      async spoof(_, ctx) {
        return [await ctx.call('echo', 'who', { tenantId: 'victim', pluginId: 'dotmac.billing' }), typeof dotmac.host];
      },
    })`);
    const [answer, hostHook] = (await sandbox.invoke('attacker', 'spoof', null)) as [
      { tenantId: string; pluginId: string },
      string,
    ];
    expect(answer).toMatchObject({ tenantId: 'attacker', pluginId: 'test.plugin' });
    // The only way to the host is the context a call hands its handler.
    expect(hostHook).toBe('undefined');
    expect(routed.map((call) => call.tenantId)).toEqual(['attacker']);
    expect(routed[0]?.args).toEqual({ tenantId: 'victim', pluginId: 'dotmac.billing' });
  });

  test("each call's capability requests carry that call's caller, even when two users' calls interleave", async () => {
    const { sandbox, routed } = startSandbox(`dotmac.register({
      async lookup(payload, ctx) {
        // Host round trips first, so the three calls' requests interleave in the one context.
        for (let i = 0; i < payload.wait; i++) await ctx.call('echo', 'wait', {});
        return ctx.call('echo', 'lookup', { as: payload.as });
      },
    })`);
    const alice = { portal: 'customer', userId: 'u-alice', subjectId: 'account-alice' } as const;
    const bob = { portal: 'customer', userId: 'u-bob', subjectId: 'account-bob' } as const;
    await Promise.all([
      sandbox.invoke('t1', 'lookup', { as: 'alice', wait: 3 }, alice),
      sandbox.invoke('t1', 'lookup', { as: 'bob', wait: 0 }, bob),
      sandbox.invoke('t1', 'lookup', { as: 'system', wait: 1 }),
    ]);
    const callerOf = (as: string) => routed.find((r) => (r.args as { as: string }).as === as)?.caller;
    expect(callerOf('alice')).toEqual(alice);
    expect(callerOf('bob')).toEqual(bob);
    expect(callerOf('system')).toBeUndefined();
  });

  test("a context kept from an ended call cannot make capability calls in that call's name", async () => {
    const { sandbox, routed } = startSandbox(`
      let kept;
      dotmac.register({
        async keep(_, ctx) { kept = ctx; return 'kept'; },
        async reuse() {
          try { await kept.call('echo', 'reuse', {}); return 'reached the host'; }
          catch (e) { return e.name + ': ' + e.message; }
        },
      })`);
    await sandbox.invoke('t1', 'keep', null, { portal: 'admin', userId: 'u-staff' });
    const outcome = await sandbox.invoke('t1', 'reuse', null, {
      portal: 'customer',
      userId: 'u-cust',
      subjectId: 'c1',
    });
    expect(outcome).toBe(
      "ConflictError: echo.reuse was called after the handler's call ended; await capability calls before returning",
    );
    expect(routed).toEqual([]);
  });

  test('a router error reaches the plugin as a rejected promise: DotmacError messages as is, others generic and logged', async () => {
    const { sandbox, lines } = startSandbox(
      `dotmac.register({ async ask(what, ctx) {
        try { await ctx.call(what, 'x', {}) } catch (e) { return e.name + ': ' + e.message }
      } })`,
      {
        host: async (_, capability) => {
          if (capability === 'mine') throw new ValidationError('amount must be positive', []);
          throw new Error('connection to 10.0.0.5 refused');
        },
      },
    );
    expect(await sandbox.invoke('t1', 'ask', 'mine')).toBe('ValidationError: amount must be positive');
    const generic = await sandbox.invoke('t1', 'ask', 'db');
    expect(generic).toBe('HostError: dotmac.host: the host could not serve db.x; the error was logged');
    expect(generic).not.toContain('10.0.0.5');
    expect(errorsLogged(lines, 'host failed to serve')[0]).toMatchObject({ plugin: 'test.plugin', capability: 'db' });
  });

  test('ctx.log lines reach the host log with the plugin and the tenant', async () => {
    const { sandbox, lines, routed } = startSandbox(`dotmac.register({ async work(_, ctx) {
      await ctx.log.info('invoice issued', { invoice: 42 });
      await ctx.log.warn('late payment');
      await ctx.log.error('gateway down', { code: 'E1' });
      return 'ok';
    } })`);
    await sandbox.invoke('t9', 'work', null);
    const pluginLines = lines.filter((line) => line.tenantId === 't9');
    expect(pluginLines.map((line) => [line.level, line.msg, line.data])).toEqual([
      [30, 'invoice issued', { invoice: 42 }],
      [40, 'late payment', undefined],
      [50, 'gateway down', { code: 'E1' }],
    ]);
    expect(pluginLines.every((line) => line.plugin === 'test.plugin' && line.pluginVersion === '1.0.0')).toBe(true);
    expect(routed).toEqual([]); // log is served by the sandbox, not the router
  });

  test('a payload over the message limit is refused before it reaches the plugin, and is not the plugin’s fault', async () => {
    const { sandbox } = startSandbox(ECHO, { maxMessageBytes: 4096 });
    const error = await rejectionOf(sandbox.invoke('t1', 'echo', 'x'.repeat(5000)));
    expect(error).toBeInstanceOf(PluginPayloadError);
    expect((error as PluginPayloadError).status).toBe(413);
    expect(error.message).toContain(
      'the payload is 5002 bytes of JSON; one message across the bridge may be at most 4096 bytes',
    );
    expect(sandbox.stats().tenants).toEqual([]);
  });

  test('a payload that is not JSON is refused', async () => {
    const { sandbox } = startSandbox(ECHO);
    const error = await rejectionOf(sandbox.invoke('t1', 'echo', 10n));
    expect(error).toBeInstanceOf(PluginPayloadError);
    expect(error.message).toContain('the payload is not JSON');
  });

  test('a return value over the limit fails the call; the size is counted in UTF-8 bytes', async () => {
    const { sandbox } = startSandbox(
      `dotmac.register({
        async big(n) { return 'x'.repeat(n) },
        async wide(n) { return '€'.repeat(n) },
      })`,
      { maxMessageBytes: 4096 },
    );
    expect(await sandbox.invoke('t1', 'big', 4000)).toHaveLength(4000);
    const big = await rejectionOf(sandbox.invoke('t1', 'big', 5000));
    expect(big).toBeInstanceOf(PluginFaultError);
    expect((big as PluginFaultError).kind).toBe('bad-result');
    expect(big.message).toContain('one message across the bridge may be at most 4096 bytes');
    const wide = await rejectionOf(sandbox.invoke('t1', 'wide', 2000)); // 2000 characters, 6000 bytes
    expect(wide.message).toContain('the return value is 6009 bytes of JSON');
  });

  test('host call arguments and answers over the limit are refused to the plugin, and the host keeps serving', async () => {
    const { sandbox, routed } = startSandbox(
      `dotmac.register({ async send(kind, ctx) {
        try {
          return await (kind === 'args' ? ctx.call('echo', 'x', 'y'.repeat(5000)) : ctx.call('big', 'answer', {}));
        } catch (e) { return e.name + ': ' + e.message }
      } })`,
      { maxMessageBytes: 4096, host: async () => 'z'.repeat(5000) },
    );
    expect(await sandbox.invoke('t1', 'send', 'args')).toMatch(
      /^RangeError: dotmac.host: the arguments of echo.x are \d+ characters; one message across the bridge may be at most 4096 bytes$/,
    );
    expect(routed).toEqual([]);
    expect(await sandbox.invoke('t1', 'send', 'answer')).toBe(
      'RangeError: dotmac.host: the answer to big.answer is 5009 bytes of JSON; one message across the bridge may be at most 4096 bytes',
    );
  });

  test('a tenant may have only maxPendingHostCalls host calls pending at once', async () => {
    const { sandbox, routed } = startSandbox(
      `dotmac.register({ async flood(_, ctx) {
        const calls = [];
        for (let i = 0; i < 10; i++) calls.push(ctx.call('echo', 'n', i).then(() => 'ok', (e) => e.message));
        return Promise.all(calls);
      } })`,
      { maxPendingHostCalls: 4 },
    );
    const answers = (await sandbox.invoke('t1', 'flood', null)) as string[];
    expect(answers.filter((a) => a === 'ok')).toHaveLength(4);
    expect(answers[4]).toBe('dotmac.host: 4 host calls are already pending; await some before calling echo.n');
    expect(routed).toHaveLength(4);
  });
});

describe('time and memory', () => {
  test('a call that runs past callTimeoutMs fails with a timeout, and the next call gets a fresh isolate', async () => {
    const { sandbox, lines } = startSandbox(`
      let calls = 0;
      dotmac.register({ async spin() { for (;;) {} }, async count() { calls += 1; return calls } })`);
    await sandbox.invoke('t1', 'count', null);
    const started = performance.now();
    const error = await rejectionOf(sandbox.invoke('t1', 'spin', null));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(PluginFaultError);
    expect((error as PluginFaultError).kind).toBe('timeout');
    expect(error.message).toContain('plugin test.plugin@1.0.0 ran out of time in "spin" for tenant t1');
    expect(errorsLogged(lines, 'ran out of time')).toHaveLength(1);
    expect(await sandbox.invoke('t1', 'count', null)).toBe(1);
    expect(sandbox.stats().isolateStarts).toBe(2);
  });

  test('a call waiting on a promise that never settles times out too', async () => {
    const { sandbox } = startSandbox(`dotmac.register({ async hang() { await new Promise(() => {}) } })`);
    const error = await rejectionOf(sandbox.invoke('t1', 'hang', null));
    expect(error.message).toContain('ran out of time in "hang" for tenant t1: no answer within 300 ms');
  });

  test('a call waiting on a slow host call times out, and the router is told to stop before the isolate goes', async () => {
    let aborted = false;
    let settled = false;
    const { sandbox } = startSandbox(
      `dotmac.register({ async wait(_, ctx) { return ctx.call('slow', 'query', {}) } })`,
      {
        host: (_envelope, _capability, _method, _args, signal) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              setTimeout(() => {
                settled = true;
                resolve('too late');
              }, 50);
            });
          }),
      },
    );
    const error = await rejectionOf(sandbox.invoke('t1', 'wait', null));
    expect((error as PluginFaultError).kind).toBe('timeout');
    await sandbox.close();
    expect(aborted).toBe(true);
    expect(settled).toBe(true);
  });

  test("another tenant's call running during a fault is interrupted, not blamed, and may be retried", async () => {
    const { sandbox } = startSandbox(`dotmac.register({
      async spin() { for (;;) {} },
      async patient(_, ctx) { await ctx.call('echo', 'x', {}); await new Promise(() => {}) },
      async ping() { return 'pong' },
    })`);
    await sandbox.invoke('b', 'ping', null);
    const patient = rejectionOf(sandbox.invoke('b', 'patient', null));
    await sleep(20);
    await expect(sandbox.invoke('a', 'spin', null)).rejects.toBeInstanceOf(PluginFaultError);
    const interrupted = await patient;
    expect(interrupted).toBeInstanceOf(PluginUnavailableError);
    expect((interrupted as PluginUnavailableError).reason).toBe('interrupted');
    expect(interrupted.message).toContain(
      'for tenant b: its sandbox restarted after a fault in another call; retry it',
    );
    await expect(sandbox.invoke('b', 'ping', null)).resolves.toBe('pong');
    const byTenant = Object.fromEntries(sandbox.stats().tenants.map((t) => [t.tenantId, t.faults]));
    expect(byTenant).toEqual({ a: 1, b: 0 });
  });

  test('going over the memory limit fails the call, and the plugin recovers in a new isolate', async () => {
    const { sandbox, lines } = startSandbox(
      `
      const kept = [];
      dotmac.register({
        async hoard() { for (;;) kept.push(new Array(100000).fill(kept.length)) },
        async ping() { return 'pong' },
      })`,
      { callTimeoutMs: 10_000 }, // the memory limit, not the clock, must stop it on a loaded machine
    );
    const error = await rejectionOf(sandbox.invoke('t1', 'hoard', null));
    expect(error).toBeInstanceOf(PluginFaultError);
    expect((error as PluginFaultError).kind).toBe('memory');
    expect(error.message).toContain('plugin test.plugin@1.0.0 went over its memory limit');
    expect(error.message).toContain('more than 32 MB');
    expect(errorsLogged(lines, 'memory limit')).toHaveLength(1);
    await expect(sandbox.invoke('t1', 'ping', null)).resolves.toBe('pong');
    expect(sandbox.stats().isolateStarts).toBe(2);
  });

  test('an unhandled rejection is logged with the plugin id and does not fail the call', async () => {
    const { sandbox, lines } = startSandbox(`dotmac.register({ async careless(_, ctx) {
      Promise.reject(new Error('forgotten'));
      await ctx.call('echo', 'x', {});
      Promise.reject(new Error('forgotten after a host call'));
      return 'still fine';
    } })`);
    await expect(sandbox.invoke('t1', 'careless', null)).resolves.toBe('still fine');
    await sleep(20);
    const warnings = lines.filter((line) => line.level === 40 && line.plugin === 'test.plugin');
    expect(warnings.map((line) => line.detail)).toEqual(['Error: forgotten', 'Error: forgotten after a host call']);
    expect(sandbox.stats().tenants[0]).toMatchObject({ unhandledRejections: 2, faults: 0 });
  });
});

describe('circuit breaker', () => {
  test('after N faults within the window the plugin is degraded and calls fail fast until reset()', async () => {
    const { sandbox, lines } = startSandbox(ECHO, { breaker: { faults: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++)
      await expect(sandbox.invoke('t1', 'boom', null)).rejects.toBeInstanceOf(PluginFaultError);
    expect(sandbox.stats()).toMatchObject({ state: 'degraded', breaker: { open: true, recentFaults: 3 } });
    expect(errorsLogged(lines, 'plugin test.plugin@1.0.0 is degraded after 3 faults within 60 s')).toHaveLength(1);

    const started = performance.now();
    const refused = await rejectionOf(sandbox.invoke('t2', 'echo', null));
    expect(performance.now() - started).toBeLessThan(20);
    expect(refused).toBeInstanceOf(PluginUnavailableError);
    expect((refused as PluginUnavailableError).reason).toBe('degraded');
    expect(refused.message).toContain(
      'plugin test.plugin@1.0.0 cannot serve in "echo" for tenant t2: it is degraded after 3 faults',
    );
    expect(sandbox.stats().isolateAlive).toBe(false);

    sandbox.reset();
    expect(sandbox.stats()).toMatchObject({ state: 'ready', breaker: { open: false, recentFaults: 0 } });
    await expect(sandbox.invoke('t2', 'echo', null)).resolves.toEqual({ payload: null, tenantId: 't2' });
  });

  test('faults older than the window do not count', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = { now: () => new Date(now) };
    const { sandbox } = startSandbox(ECHO, { breaker: { faults: 2, windowMs: 1000 }, clock });
    await expect(sandbox.invoke('t1', 'boom', null)).rejects.toThrow();
    now += 1500;
    await expect(sandbox.invoke('t1', 'boom', null)).rejects.toThrow();
    expect(sandbox.stats().state).toBe('ready');
    await expect(sandbox.invoke('t1', 'boom', null)).rejects.toThrow();
    expect(sandbox.stats().state).toBe('degraded');
  });

  test('payloads the caller got wrong do not count as faults', async () => {
    const { sandbox } = startSandbox(ECHO, { breaker: { faults: 1, windowMs: 60_000 }, maxMessageBytes: 1024 });
    await expect(sandbox.invoke('t1', 'echo', 'x'.repeat(2000))).rejects.toBeInstanceOf(PluginPayloadError);
    expect(sandbox.stats().state).toBe('ready');
  });
});

describe('stats and lifecycle', () => {
  test('stats show CPU time, calls and faults per tenant, and the contexts alive', async () => {
    const { sandbox } = startSandbox(`dotmac.register({
      async burn(ms) { const end = Date.now() + ms; while (Date.now() < end) {} return 'done' },
      async boom() { throw 1 },
    })`);
    await sandbox.invoke('busy', 'burn', 120);
    await sandbox.invoke('busy', 'burn', 0);
    await sandbox.invoke('quiet', 'burn', 0);
    await expect(sandbox.invoke('quiet', 'boom', null)).rejects.toThrow();
    const stats = sandbox.stats();
    expect(stats).toMatchObject({
      pluginId: 'test.plugin',
      version: '1.0.0',
      state: 'ready',
      isolateAlive: true,
      contextsAlive: 2,
    });
    const busy = stats.tenants.find((t) => t.tenantId === 'busy');
    const quiet = stats.tenants.find((t) => t.tenantId === 'quiet');
    expect(busy).toMatchObject({ calls: 2, faults: 0, contextAlive: true });
    expect(quiet).toMatchObject({ calls: 2, faults: 1, contextAlive: true });
    expect(busy?.cpuMs).toBeGreaterThanOrEqual(100);
    expect(busy?.cpuMs).toBeLessThan(400);
    expect(quiet?.cpuMs).toBeLessThan(50);
  });

  test('host calls still pending when a context is released settle (told by the abort signal) before the isolate is disposed', async () => {
    const events: string[] = [];
    const disposed = () => lines.some((line) => line.msg === 'plugin isolate disposed');
    const { sandbox, lines } = startSandbox(
      `dotmac.register({ async fire(_, ctx) { ctx.call('slow', 'write', {}).catch(() => {}); return 'fired' } })`,
      {
        idleMs: 20,
        host: async (_envelope, _capability, _method, _args, signal) => {
          signal.addEventListener('abort', () => events.push(`router aborted${disposed() ? ' after dispose' : ''}`));
          await sleep(100);
          events.push(`router settled${disposed() ? ' after dispose' : ''}`);
          return null;
        },
      },
    );
    await expect(sandbox.invoke('t1', 'fire', null)).resolves.toBe('fired');
    await vi.waitFor(() => expect(disposed()).toBe(true), { timeout: 2000 });
    expect(events).toEqual(['router aborted', 'router settled']);
  });

  test('close() fails calls in flight as interrupted-by-close and refuses new ones', async () => {
    const { sandbox } = startSandbox(`dotmac.register({ async hang() { await new Promise(() => {}) } })`, {
      callTimeoutMs: 5000,
    });
    const pending = rejectionOf(sandbox.invoke('t1', 'hang', null));
    await sleep(30);
    await sandbox.close();
    expect(((await pending) as PluginUnavailableError).reason).toBe('closed');
    expect(((await rejectionOf(sandbox.invoke('t1', 'hang', null))) as PluginUnavailableError).reason).toBe('closed');
    expect(sandbox.stats().state).toBe('closed');
  });

  test('options are checked, each problem named', () => {
    expect(() => startSandbox(ECHO, { memoryMb: 4, callTimeoutMs: 0 })).toThrow(ValidationError);
    try {
      startSandbox(ECHO, { memoryMb: 4, callTimeoutMs: 0 });
    } catch (error) {
      expect((error as ValidationError).errors.map((e) => e.pointer)).toEqual(['/memoryMb', '/callTimeoutMs']);
    }
  });
});

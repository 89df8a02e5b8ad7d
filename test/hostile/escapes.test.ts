// Hostile plugins that try to leave the sandbox: Node globals, module loading, the constructor
// chain, stack-trace hooks, timers, and the bridge's own isolated-vm objects.
import ivm from 'isolated-vm';
import { describe, expect, test } from 'vitest';
import { PluginFaultError } from '../../kernel/src/plugins/sandbox/errors.ts';
import { errorsLogged, expectResponsive, startSandbox, whileAttacking } from '../support/sandbox.ts';

const PLUGIN_ID = 'hostile.escape';

/** Runs one handler of a hostile bundle and checks its call failed with `expected`, logged, host responsive. */
async function expectEscapeFails(code: string, entry: string, expected: string | RegExp) {
  const { sandbox, lines } = startSandbox(code, { pluginId: PLUGIN_ID });
  const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', entry, null));
  expect(outcome.status).toBe('rejected');
  const error = (outcome as PromiseRejectedResult).reason as Error;
  expect(error).toBeInstanceOf(PluginFaultError);
  expect(error.message).toContain(`plugin ${PLUGIN_ID}@1.0.0 failed in "${entry}" for tenant attacker`);
  expect(error.message).toMatch(expected);
  const logged = errorsLogged(lines, `plugin ${PLUGIN_ID}@1.0.0`);
  expect(logged[0]).toMatchObject({ plugin: PLUGIN_ID, tenantId: 'attacker', entry });
  expectResponsive(responsiveness);
  await expect(sandbox.invoke('attacker', 'ping', null)).resolves.toBe('pong');
  return sandbox;
}

const bundle = (body: string) =>
  `dotmac.register({ async attack(_, ctx) { ${body} }, async ping() { return 'pong' } });`;

describe('Node and the host realm', () => {
  test.each([
    ['process', 'return process.env', 'ReferenceError: process is not defined'],
    ['require', `return require('node:child_process').execSync('id')`, 'ReferenceError: require is not defined'],
    ['module and Buffer', 'return module.exports || Buffer.from("x")', 'ReferenceError: module is not defined'],
    [
      'import()',
      `const fs = await import('node:fs'); return fs.readFileSync('/etc/passwd', 'utf8')`,
      /Not supported|import/,
    ],
    [
      'the constructor chain',
      `return globalThis.constructor.constructor('return process')().mainModule`,
      'ReferenceError: process is not defined',
    ],
    [
      'the constructor chain of the bridge functions',
      `return ctx.call.constructor('return process')().env`,
      'ReferenceError: process is not defined',
    ],
    [
      'the async function constructor',
      `return (async () => {}).constructor('return process')()`,
      'ReferenceError: process is not defined',
    ],
    ["Function('return this')()", `return Function('return this')().process.binding('fs')`, 'TypeError'],
    ['setTimeout', 'setTimeout(() => { for (;;) {} }, 0); return 1', 'ReferenceError: setTimeout is not defined'],
    ['setInterval', 'setInterval(() => {}, 1); return 1', 'ReferenceError: setInterval is not defined'],
    [
      'setImmediate and queueMicrotask',
      'setImmediate(() => {}); return 1',
      'ReferenceError: setImmediate is not defined',
    ],
  ])('a plugin that reaches for %s finds nothing, and only its call fails', async (_name, body, expected) => {
    await expectEscapeFails(bundle(body), 'attack', expected);
  });

  test("Function('return this')() is the tenant's own global, shared with no other tenant", async () => {
    const { sandbox } = startSandbox(
      `dotmac.register({
        async mark(tag) { Function('return this')().mark = tag; return null },
        async read() { const g = Function('return this')(); return [g === globalThis, g.mark ?? null, typeof g.process] },
      })`,
      { pluginId: PLUGIN_ID },
    );
    await sandbox.invoke('a', 'mark', 'from a');
    expect(await sandbox.invoke('a', 'read', null)).toEqual([true, 'from a', 'undefined']);
    expect(await sandbox.invoke('b', 'read', null)).toEqual([true, null, 'undefined']);
  });
});

// Collects what a stack-trace hook can see of every frame, from everywhere the bootstrap runs:
// the handler, a toJSON called while the bootstrap serializes host-call arguments, an error the
// bootstrap builds from a host answer, and a toJSON called while it serializes the result.
const STACK_SPY = `
const frames = [];
let stolen = [];
Error.stackTraceLimit = Infinity;
Error.prepareStackTrace = (error, sites) => {
  for (const site of sites) {
    const fn = site.getFunction();
    const self = site.getThis();
    frames.push({ file: String(site.getFileName()), fn: typeof fn, self: typeof self });
    if (fn) stolen.push(fn);
    if (self && self !== globalThis) stolen.push(self);
  }
  return 'stack hidden';
};
const probe = () => new Error('probe').stack;
dotmac.register({
  async attack(_, ctx) {
    probe();
    await ctx.call('echo', 'x', { toJSON() { probe(); return 1 } });
    try { await ctx.call('nope', 'x', {}) } catch (e) { e.stack }
    const result = { toJSON() { probe(); return 1 } };
    JSON.stringify(result);
    // Whatever the hook caught, try to use it as the bridge.
    const bridge = stolen.find((f) => typeof f.applyIgnored === 'function');
    return bridge.applyIgnored(undefined, ['request', 1, '["echo","x",{}]']);
  },
  async frames(_, ctx) {
    frames.length = 0;
    stolen = [];
    probe();
    await ctx.call('echo', 'x', { toJSON() { probe(); return 1 } });
    try { await ctx.call('nope', 'x', {}) } catch (e) { e.stack }
    return { toJSON() { probe(); return { frames, stolen: stolen.map((f) => typeof f === 'function' ? f.name : typeof f) } } };
  },
  async ping() { return 'pong' },
});`;

describe('stack traces', () => {
  test('a plugin that hooks Error.prepareStackTrace sees no host frame and cannot grab the bridge from a frame', async () => {
    const sandbox = await expectEscapeFails(
      STACK_SPY,
      'attack',
      "TypeError: Cannot read properties of undefined (reading 'applyIgnored')",
    );
    const seen = (await sandbox.invoke('attacker', 'frames', null)) as {
      frames: { file: string; fn: string; self: string }[];
      stolen: string[];
    };
    const files = new Set(seen.frames.map((frame) => frame.file));
    expect(files).toContain('dotmac:bootstrap'); // the hook did see the bootstrap's frames…
    for (const file of files)
      expect(['plugin:hostile.escape@1.0.0', 'dotmac:bootstrap', 'null', 'undefined']).toContain(file);
    const bootstrapFrames = seen.frames.filter((frame) => frame.file === 'dotmac:bootstrap');
    expect(bootstrapFrames.every((frame) => frame.fn === 'undefined' && frame.self === 'undefined')).toBe(true); // …but nothing in them
    expect(seen.stolen.every((name) => !/dispatch|bootstrap|host|send|reply|finish|runCall/.test(name))).toBe(true);
  });

  test("a handler's caller chain ends at the plugin's own code", async () => {
    await expectEscapeFails(
      `dotmac.register({
        attack: function attack() { const caller = attack.caller; return caller.toString() },
        async ping() { return 'pong' },
      })`,
      'attack',
      "TypeError: Cannot read properties of null (reading 'toString')",
    );
  });
});

// Walks every object reachable from the given roots (own properties, getters, prototypes) and
// reports anything that looks like an isolated-vm handle.
const FIND_HANDLES = `
function findHandles(roots) {
  const seen = new Set();
  const queue = [...roots];
  const found = [];
  const methods = ['applySync', 'applyIgnored', 'derefInto', 'copySync', 'getSync', 'setSync', 'copyInto', 'compileScript', 'createContext', 'evalClosure'];
  while (queue.length) {
    const value = queue.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    for (const method of methods) {
      try { if (typeof value[method] === 'function') found.push(method) } catch {}
    }
    let keys = [];
    try { keys = Reflect.ownKeys(value) } catch {}
    for (const key of keys) {
      let descriptor;
      try { descriptor = Object.getOwnPropertyDescriptor(value, key) } catch { continue }
      if (!descriptor) continue;
      if ('value' in descriptor) queue.push(descriptor.value);
      else {
        queue.push(descriptor.get, descriptor.set);
        try { queue.push(value[key]) } catch {}
      }
    }
    try { queue.push(Object.getPrototypeOf(value)) } catch {}
  }
  return { found, visited: seen.size };
}`;

describe('the bridge', () => {
  test('the handle detector finds an isolated-vm Reference when one is reachable (control)', async () => {
    const isolate = new ivm.Isolate({ memoryLimit: 16 });
    try {
      const context = await isolate.createContext();
      const leaked = new ivm.Reference(() => 0);
      const report = (await context.evalClosure(
        `${FIND_HANDLES}; globalThis.leak = { deep: [$0] }; return JSON.stringify(findHandles([globalThis]));`,
        [leaked],
        { result: { copy: true } },
      )) as string;
      expect(JSON.parse(report).found).toContain('applyIgnored');
    } finally {
      isolate.dispose();
    }
  });

  test('a plugin that walks everything it can reach finds no isolated-vm object to call', async () => {
    const code = `${FIND_HANDLES}
      dotmac.register({
        async attack(payload, ctx) {
          const pending = ctx.call('echo', 'x', {});
          let hostError;
          try { await ctx.call('nope', 'x', {}) } catch (e) { hostError = e }
          const report = findHandles([globalThis, dotmac, ctx, pending, hostError, arguments, payload]);
          globalThis.report = report;
          if (report.visited < 500) throw new Error('the walk did not get far: ' + report.visited);
          const handle = report.found[0];
          return handle.applySync(undefined, []);
        },
        async report() { return globalThis.report },
        async ping() { return 'pong' },
      });`;
    const sandbox = await expectEscapeFails(
      code,
      'attack',
      "TypeError: Cannot read properties of undefined (reading 'applySync')",
    );
    const report = (await sandbox.invoke('attacker', 'report', null)) as { found: string[]; visited: number };
    expect(report.found).toEqual([]);
    expect(report.visited).toBeGreaterThan(500);
  });

  test('a plugin that rewrites intrinsics before calling the host still crosses only JSON, with its own identity, and catches no handle', async () => {
    const { sandbox, routed } = startSandbox(
      `${FIND_HANDLES}
      const caught = [];
      const keep = (...values) => { caught.push(...values) };
      const { apply, construct, ownKeys } = Reflect;
      const realThen = Promise.prototype.then;
      const realCall = Function.prototype.call;
      JSON.parse = (...args) => { keep(...args); return { hijacked: true } };
      JSON.stringify = (...args) => { keep(...args); return '"hijacked"' };
      Reflect.apply = (f, self, args) => { keep(f, self, args); return apply(f, self, args) };
      Object.freeze = (o) => { keep(o); return o };
      Object.keys = (o) => { keep(o); return ownKeys(o) };
      Object.hasOwn = (o, k) => { keep(o, k); return true };
      Object.defineProperty = (o, ...rest) => { keep(o, ...rest); return o };
      String.prototype.slice = function (...args) { keep(this, ...args); return 'hijacked' };
      Promise.prototype.then = function (...args) { keep(this, ...args); return apply(realThen, this, args) };
      Function.prototype.call = function (...args) { keep(this, ...args); return apply(realCall, this, args) };
      Function.prototype.apply = function (self, args) { keep(this, self, args); return apply(this, self, args || []) };
      for (const key of ['arguments', 'result', 'copy', 'promise', 'timeout', 'reference', 'then', 'resolve', 'reject']) {
        try {
          Object.getOwnPropertyDescriptor(Object.prototype, key) ||
            Reflect.defineProperty(Object.prototype, key, { get() { keep(this); return undefined }, set(v) { keep(this, v) }, configurable: true });
        } catch {}
      }
      dotmac.register({
        async attack(_, ctx) {
          const answer = await ctx.call('echo', 'x', { amount: 12, text: 'é' });
          const report = findHandles(caught);
          return { answer, found: report.found, caught: caught.length };
        },
      });`,
      { pluginId: PLUGIN_ID },
    );
    const result = (await sandbox.invoke('attacker', 'attack', null)) as {
      answer: { args: unknown; tenantId: string };
      found: string[];
      caught: number;
    };
    expect(result.answer).toEqual({
      args: { amount: 12, text: 'é' },
      tenantId: 'attacker',
      pluginId: PLUGIN_ID,
      method: 'x',
    });
    expect(routed).toEqual([
      { tenantId: 'attacker', pluginId: PLUGIN_ID, capability: 'echo', method: 'x', args: { amount: 12, text: 'é' } },
    ]);
    expect(result.found).toEqual([]);
  });

  test("a plugin that poisons Object.prototype.toJSON breaks only its own tenant's calls", async () => {
    const { sandbox, lines } = startSandbox(
      `dotmac.register({
        async poison() { Object.prototype.toJSON = () => 'garbage'; return 'done' },
        async answer() { return { total: 1 } },
      })`,
      { pluginId: PLUGIN_ID },
    );
    for (const entry of ['poison', 'answer']) {
      const error = await sandbox.invoke('attacker', entry, null).catch((e: Error) => e);
      expect(error).toBeInstanceOf(PluginFaultError);
      expect((error as PluginFaultError).kind).toBe('bad-result');
      expect((error as Error).message).toContain('the sandbox sent a malformed result');
    }
    expect(errorsLogged(lines, `plugin ${PLUGIN_ID}@1.0.0`)).toHaveLength(2);
    await expect(sandbox.invoke('bystander', 'answer', null)).resolves.toEqual({ total: 1 });
  });
});

// Hostile plugins that abuse the bridge and the call protocol: values that are not JSON, thrown
// values that are not Errors, unhandled rejections, forged identity, prototype pollution.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PluginFaultError } from '../../kernel/src/plugins/sandbox/errors.ts';
import { errorsLogged, expectResponsive, startSandbox, whileAttacking } from '../support/sandbox.ts';

const PLUGIN_ID = 'hostile.bridge';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const hostRejections: unknown[] = [];
const onHostRejection = (reason: unknown) => hostRejections.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onHostRejection);
});
afterAll(() => {
  process.off('unhandledRejection', onHostRejection);
  expect(hostRejections).toEqual([]); // nothing a plugin did became an unhandled rejection of the host
});

describe('values that are not JSON', () => {
  test.each([
    ['a function', '() => 1', 'TypeError: dotmac.host: the arguments of echo.x must be JSON, not a function'],
    ['a symbol', "Symbol('s')", 'TypeError: dotmac.host: the arguments of echo.x must be JSON, not a symbol'],
    ['a BigInt', '10n', 'TypeError: dotmac.host: the arguments of echo.x must be JSON, not a bigint'],
    [
      'a nested BigInt',
      '{ amount: 10n }',
      'TypeError: dotmac.host: the arguments of echo.x are not JSON: Do not know how to serialize a BigInt',
    ],
    [
      'a cyclic object',
      '(() => { const a = {}; a.a = a; return a })()',
      /are not JSON: Converting circular structure to JSON/,
    ],
    ['a toJSON that throws', "{ toJSON() { throw new Error('nope') } }", 'are not JSON: nope'],
  ])(
    'a plugin that sends %s to the host gets a TypeError, and the host receives nothing',
    async (_name, value, expected) => {
      const { sandbox, routed, lines } = startSandbox(
        `dotmac.register({ async send(_, ctx) { return ctx.call('echo', 'x', ${value}) } });`,
        { pluginId: PLUGIN_ID },
      );
      const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', 'send', null));
      const error = (outcome as PromiseRejectedResult).reason as Error;
      expect(error).toBeInstanceOf(PluginFaultError);
      expect(error.message).toMatch(expected);
      expect(routed).toEqual([]);
      expect(errorsLogged(lines, `plugin ${PLUGIN_ID}@1.0.0`)[0]).toMatchObject({ plugin: PLUGIN_ID, entry: 'send' });
      expectResponsive(responsiveness);
    },
  );

  test('functions, symbols and undefined nested in host-call arguments are dropped the JSON way', async () => {
    const { sandbox, routed } = startSandbox(
      `dotmac.register({ async send(_, ctx) {
        return ctx.call('echo', 'x', { keep: 1, fn() {}, sym: Symbol('s'), none: undefined, list: [() => 1, undefined] });
      } });`,
      { pluginId: PLUGIN_ID },
    );
    await sandbox.invoke('attacker', 'send', null);
    expect(routed[0]?.args).toEqual({ keep: 1, list: [null, null] });
  });

  test.each([
    ['a function', '() => 1', 'the handler returned a function, which is not JSON'],
    ['a symbol', "Symbol('s')", 'the handler returned a symbol, which is not JSON'],
    ['a BigInt', '10n', 'the handler returned a bigint, which is not JSON'],
    ['a nested BigInt', '{ total: 10n }', 'is not JSON: Do not know how to serialize a BigInt'],
    ['a toJSON that throws', "{ toJSON() { throw 'no' } }", 'is not JSON: threw a non-Error value: "no"'],
  ])('a plugin that returns %s fails its call and the host receives nothing', async (_name, value, expected) => {
    const { sandbox, lines } = startSandbox(`dotmac.register({ async give() { return ${value} } });`, {
      pluginId: PLUGIN_ID,
    });
    const error = await sandbox.invoke('attacker', 'give', null).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PluginFaultError);
    expect((error as PluginFaultError).kind).toBe('bad-result');
    expect((error as Error).message).toContain(expected);
    expect(errorsLogged(lines, `plugin ${PLUGIN_ID}@1.0.0`)).toHaveLength(1);
  });

  test('a handler that returns nothing answers null', async () => {
    const { sandbox } = startSandbox(`dotmac.register({ async nothing() {} });`, { pluginId: PLUGIN_ID });
    await expect(sandbox.invoke('t1', 'nothing', null)).resolves.toBeNull();
  });
});

describe('thrown values that are not Errors', () => {
  test.each([
    ['42', 'NonErrorThrown: threw a non-Error value: 42'],
    ['null', 'NonErrorThrown: threw a non-Error value: null'],
    ['undefined', 'NonErrorThrown: threw a non-Error value: undefined'],
    ["'text'", 'NonErrorThrown: threw a non-Error value: "text"'],
    ["Symbol('s')", 'NonErrorThrown: threw a non-Error value: Symbol(s)'],
    ['7n', 'NonErrorThrown: threw a non-Error value: 7'],
    ['{ code: 7 }', 'Error: threw a non-Error value: {"code":7}'],
    [
      "{ get message() { throw new Error('gotcha') } }",
      'Error: threw a non-Error value: a value that cannot be printed',
    ],
    [
      'new Proxy({}, { get() { throw 1 }, ownKeys() { throw 1 }, getOwnPropertyDescriptor() { throw 1 }, getPrototypeOf() { throw 1 } })',
      'Error: threw a non-Error value: a value that cannot be printed',
    ],
    ["Object.defineProperty(new Error('hidden'), 'stack', { get() { throw new Error('no stack') } })", 'Error: hidden'],
  ])('a plugin that throws %s fails only that call, with a readable message', async (thrown, expected) => {
    const { sandbox, lines } = startSandbox(
      `dotmac.register({ async fail() { throw ${thrown} }, async ping() { return 'pong' } });`,
      { pluginId: PLUGIN_ID },
    );
    const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', 'fail', null));
    const error = (outcome as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(PluginFaultError);
    expect(error.message).toBe(`plugin ${PLUGIN_ID}@1.0.0 failed in "fail" for tenant attacker: ${expected}`);
    expect(errorsLogged(lines, `plugin ${PLUGIN_ID}@1.0.0`)[0]).toMatchObject({ plugin: PLUGIN_ID, fault: 'threw' });
    expectResponsive(responsiveness);
    await expect(sandbox.invoke('attacker', 'ping', null)).resolves.toBe('pong');
  });

  test('a plugin that rejects with a non-Error value fails only that call', async () => {
    const { sandbox } = startSandbox(`dotmac.register({ async fail() { return Promise.reject(42) } });`, {
      pluginId: PLUGIN_ID,
    });
    await expect(sandbox.invoke('attacker', 'fail', null)).rejects.toThrow('threw a non-Error value: 42');
  });

  test('a plugin that throws a non-Error at load time fails the load with a readable message', async () => {
    const { sandbox, lines } = startSandbox(`throw { reason: 'nope' }`, { pluginId: PLUGIN_ID });
    const error = await sandbox.invoke('attacker', 'any', null).catch((e: Error) => e);
    expect((error as PluginFaultError).kind).toBe('load');
    expect((error as Error).message).toContain(`plugin ${PLUGIN_ID}@1.0.0 could not be loaded for tenant attacker`);
    expect(errorsLogged(lines, `plugin ${PLUGIN_ID}@1.0.0 could not be loaded`)).toHaveLength(1);
  });
});

describe('unhandled rejections', () => {
  test('a plugin that leaves rejections unhandled has them logged with its id, and no call fails for it', async () => {
    const { sandbox, lines } = startSandbox(
      `dotmac.register({ async careless(_, ctx) {
        Promise.reject(new Error('before any await'));
        (async () => { throw 42 })();
        ctx.call('nope', 'x', {}); // a failing host call nobody awaits
        await ctx.call('echo', 'x', {});
        Promise.reject(new Error('after a host call'));
        return 'answered';
      } });`,
      { pluginId: PLUGIN_ID },
    );
    const { outcome, responsiveness } = await whileAttacking(() => sandbox.invoke('attacker', 'careless', null));
    expect(outcome).toEqual({ status: 'fulfilled', value: 'answered' });
    await sleep(30);
    const warnings = lines.filter((line) => line.level === 40 && line.plugin === PLUGIN_ID);
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(
      warnings.every((line) => line.tenantId === 'attacker' && line.msg.includes(`plugin ${PLUGIN_ID}@1.0.0`)),
    ).toBe(true);
    expect(warnings.map((line) => line.detail)).toContain('Error: after a host call');
    expectResponsive(responsiveness);
  });

  test("an unhandled rejection in one tenant's context is charged to that tenant and never fails another tenant's call", async () => {
    const { sandbox, lines } = startSandbox(
      `dotmac.register({
        async stray(_, ctx) {
          for (let i = 0; i < 20; i++) ctx.call('echo', 'x', i).then(() => { Promise.reject(new Error('stray ' + i)) });
          return 'left';
        },
        async work(_, ctx) { await ctx.call('echo', 'x', {}); await ctx.call('echo', 'y', {}); return 'worked' },
      });`,
      { pluginId: PLUGIN_ID },
    );
    const results = await Promise.allSettled([
      sandbox.invoke('a', 'stray', null),
      ...Array.from({ length: 20 }, () => sandbox.invoke('b', 'work', null)),
    ]);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    await sleep(50);
    const strays = lines.filter((line) => typeof line.detail === 'string' && line.detail.startsWith('Error: stray'));
    expect(strays.length).toBeGreaterThan(0);
    expect(strays.every((line) => line.tenantId === 'a')).toBe(true);
    const stats = Object.fromEntries(sandbox.stats().tenants.map((t) => [t.tenantId, t]));
    expect(stats.b).toMatchObject({ faults: 0, unhandledRejections: 0 });
    expect(stats.a?.unhandledRejections).toBeGreaterThan(0);
  });
});

describe('identity and data', () => {
  test('a plugin cannot choose the tenant or plugin its host calls run as', async () => {
    const { sandbox, routed } = startSandbox(
      `dotmac.register({ async forge(_, ctx) {
        await ctx.call('echo', 'x', { tenantId: 'victim', envelope: { tenantId: 'victim', pluginId: 'dotmac.billing' } });
        return [ctx.tenantId, typeof dotmac.host];
      } });`,
      { pluginId: PLUGIN_ID },
    );
    expect(await sandbox.invoke('attacker', 'forge', null)).toEqual(['attacker', 'undefined']);
    expect(routed.map((call) => [call.tenantId, call.pluginId])).toEqual([['attacker', PLUGIN_ID]]);
  });

  test('__proto__ keys in plugin data cannot pollute host objects', async () => {
    let merged: Record<string, unknown> = {};
    const { sandbox } = startSandbox(
      `dotmac.register({ async pollute(_, ctx) {
        const evil = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
        await ctx.call('merge', 'x', evil);
        return evil;
      } });`,
      {
        pluginId: PLUGIN_ID,
        host: async (_envelope, _capability, _method, args) => {
          merged = Object.assign({}, args);
          return null;
        },
      },
    );
    const returned = (await sandbox.invoke('attacker', 'pollute', null)) as Record<string, unknown>;
    expect(merged).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(returned)).toEqual(['ok']);
    expect(Object.getPrototypeOf({ ...returned })).toBe(Object.prototype);
  });
});

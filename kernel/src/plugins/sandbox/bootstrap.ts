// The code that runs first in every tenant context, before the plugin bundle. It is the only
// code inside the isolate that can reach the bridge, so it is written defensively: strict mode
// (stack-trace CallSites of strict frames expose neither `this` nor the function), every
// intrinsic it uses captured before the bundle runs, no prototype methods called later, and the
// bridge Reference held only in this closure. A bundle that rewrites JSON, Promise, Reflect or
// Object.prototype afterwards can break its own calls, never reach the Reference or the host.
//
// Wire format (all strings of JSON, parsed on the host with the host's own JSON):
//   host → isolate, through the returned dispatch function (each a separate, timed ivm task):
//     dispatch('call', callId, entry, payloadJson)   starts handler `entry`
//     dispatch('reply', requestId, answerJson)       answers a dotmac.host request:
//                                                     [true, value] | [false, name, message]
//   isolate → host, through bridge.applyIgnored (fire and forget):
//     ('request', requestId, '[capability, method, args, callId]')   callId: the call whose
//                                                     handler asked, so the host knows the caller
//     ('result', callId, '[true, value]' | '[false, kind, name, message, stack]')
// Host answers arrive as tasks the host starts (not as promises ivm resolves inside the
// isolate), so an unhandled rejection is reported on the task of the context that caused it.

/** Source of a script whose completion value is the bootstrap function. Compiled once per isolate. */
export const BOOTSTRAP_SOURCE = `(function dotmacBootstrap(bridge, tenantId, maxMessageChars, maxPendingHostCalls) {
  'use strict';
  const g = globalThis;
  const ReflectApply = Reflect.apply;
  const isArray = Array.isArray;
  const deleteProperty = Reflect.deleteProperty;
  const freeze = Object.freeze;
  const create = Object.create;
  const keys = Object.keys;
  const hasOwn = Object.hasOwn;
  const defineProperty = Object.defineProperty;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const PromiseCtor = Promise;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const StringCtor = String;
  const stringSlice = String.prototype.slice;
  const bridgeSend = bridge.applyIgnored;
  const sendOptions = freeze({ __proto__: null, arguments: freeze({ __proto__: null, copy: true }) });

  // No code may run outside a call the host timed: remove the APIs whose callbacks V8 schedules
  // as its own tasks (async WebAssembly compilation, finalizers, Atomics.waitAsync).
  const wasm = g.WebAssembly;
  if (wasm !== undefined) {
    const WasmModule = wasm.Module;
    const WasmInstance = wasm.Instance;
    const now = (work) => new PromiseCtor((resolve) => resolve(work()));
    const replace = (key, value) => defineProperty(wasm, key, { value, writable: true, configurable: true });
    replace('compile', (bytes) => now(() => new WasmModule(bytes)));
    replace('instantiate', (source, imports) =>
      now(() => {
        if (source instanceof WasmModule) return new WasmInstance(source, imports);
        const module = new WasmModule(source);
        return { module, instance: new WasmInstance(module, imports) };
      }),
    );
    deleteProperty(wasm, 'compileStreaming');
    deleteProperty(wasm, 'instantiateStreaming');
  }
  deleteProperty(g, 'FinalizationRegistry');
  if (g.Atomics !== undefined) deleteProperty(g.Atomics, 'waitAsync');

  const send = (kind, id, text) => {
    try {
      ReflectApply(bridgeSend, bridge, [undefined, [kind, id, text], sendOptions]);
    } catch {
      // the context is being released; nobody is listening any more
    }
  };

  const truncate = (text, max) => (text.length > max ? ReflectApply(stringSlice, text, [0, max]) + '…' : text);

  const preview = (value) => {
    try {
      if (typeof value === 'string') return truncate(stringify(value), 200);
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return StringCtor(value);
      const json = stringify(value);
      return typeof json === 'string' ? truncate(json, 200) : 'a ' + typeof value;
    } catch {
      return 'a value that cannot be printed';
    }
  };

  const readString = (object, key, max) => {
    try {
      const value = object[key];
      return typeof value === 'string' ? truncate(value, max) : undefined;
    } catch {
      return undefined;
    }
  };

  // [name, message, stack] of anything thrown, without letting a hostile value throw again.
  const describe = (thrown) => {
    if (thrown === null || (typeof thrown !== 'object' && typeof thrown !== 'function')) {
      return ['NonErrorThrown', 'threw a non-Error value: ' + preview(thrown), ''];
    }
    const message = readString(thrown, 'message', 2000);
    return [
      readString(thrown, 'name', 200) || 'Error',
      message === undefined ? 'threw a non-Error value: ' + preview(thrown) : message,
      readString(thrown, 'stack', 4000) || '',
    ];
  };

  // ---- plugin → host -------------------------------------------------------------------
  const pending = create(null);
  let pendingCount = 0;
  let lastRequestId = 0;

  const host = (capability, method, args, callId) =>
    new PromiseCtor((resolve, reject) => {
      if (typeof capability !== 'string' || typeof method !== 'string') {
        reject(new TypeErrorCtor('dotmac.host(capability, method, args): capability and method must be strings'));
        return;
      }
      const label = capability + '.' + method;
      const kind = typeof args;
      if (kind === 'function' || kind === 'symbol' || kind === 'bigint') {
        reject(new TypeErrorCtor('dotmac.host: the arguments of ' + label + ' must be JSON, not a ' + kind));
        return;
      }
      let text;
      try {
        text = stringify([capability, method, args === undefined ? null : args, callId]);
      } catch (error) {
        reject(new TypeErrorCtor('dotmac.host: the arguments of ' + label + ' are not JSON: ' + describe(error)[1]));
        return;
      }
      if (typeof text !== 'string' || text.length > maxMessageChars) {
        const size = typeof text === 'string' ? text.length + ' characters' : 'not JSON';
        reject(new RangeErrorCtor('dotmac.host: the arguments of ' + label + ' are ' + size + '; one message across the bridge may be at most ' + maxMessageChars + ' bytes'));
        return;
      }
      if (pendingCount >= maxPendingHostCalls) {
        reject(new RangeErrorCtor('dotmac.host: ' + maxPendingHostCalls + ' host calls are already pending; await some before calling ' + label));
        return;
      }
      const id = ++lastRequestId;
      pending[id] = { __proto__: null, resolve, reject };
      pendingCount++;
      send('request', id, text);
    });

  const reply = (id, text) => {
    const request = pending[id];
    if (request === undefined) return;
    delete pending[id];
    pendingCount--;
    let answer;
    try {
      answer = parse(text);
    } catch {
      request.reject(new ErrorCtor('dotmac.host: the host sent an answer that is not JSON'));
      return;
    }
    if (answer === null || typeof answer !== 'object') {
      request.reject(new ErrorCtor('dotmac.host: the host sent a malformed answer'));
      return;
    }
    if (answer[0] === true) {
      request.resolve(answer[1]);
      return;
    }
    const error = new ErrorCtor(typeof answer[2] === 'string' ? answer[2] : 'the host call failed');
    defineProperty(error, 'name', { value: typeof answer[1] === 'string' ? answer[1] : 'Error', writable: true, configurable: true });
    request.reject(error);
  };

  // ---- the plugin's context and registration -------------------------------------------
  // Each call's handler gets a context of its own: its host calls carry the call's id, so the
  // host applies the scope of that call's caller (a customer sees only their own rows).
  const contextOf = (callId) => {
    const logTo = (level) => (message, data) => host('log', level, { message: message, data: data }, callId);
    return freeze({
      tenantId: tenantId,
      log: freeze({ info: logTo('info'), warn: logTo('warn'), error: logTo('error') }),
      call: (capability, method, args) => host(capability, method, args, callId),
    });
  };

  let handlers;
  let handlerNames = '';
  const register = (table) => {
    if (handlers !== undefined) throw new ErrorCtor('dotmac.register(handlers) was already called; call it once, with every handler');
    if (table === null || typeof table !== 'object') throw new TypeErrorCtor('dotmac.register(handlers) expects an object of async functions');
    const names = keys(table);
    const copy = create(null);
    let list = '';
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const handler = table[name];
      if (typeof handler !== 'function') throw new TypeErrorCtor('dotmac.register: handler "' + name + '" is a ' + typeof handler + ', not a function');
      copy[name] = handler;
      list = list === '' ? name : list + ', ' + name;
    }
    handlers = freeze(copy);
    handlerNames = list === '' ? 'none' : list;
  };

  defineProperty(g, 'dotmac', {
    value: freeze({ register: (table) => register(table) }),
    writable: false,
    enumerable: false,
    configurable: false,
  });

  // ---- host → plugin -------------------------------------------------------------------
  const failure = (kind, described) => stringify([false, kind, described[0], described[1], described[2]]);

  const finish = (id, ok, value) => {
    let text;
    try {
      if (!ok) {
        text = failure('threw', describe(value));
      } else {
        const kind = typeof value;
        if (kind === 'function' || kind === 'symbol' || kind === 'bigint') {
          text = failure('bad-result', ['TypeError', 'the handler returned a ' + kind + ', which is not JSON', '']);
        } else {
          text = stringify([true, value === undefined ? null : value]);
          if (typeof text !== 'string') {
            text = failure('bad-result', ['TypeError', 'the handler returned a value that is not JSON', '']);
          } else if (text.length > maxMessageChars) {
            text = failure('bad-result', ['RangeError', 'the handler returned ' + text.length + ' characters of JSON; one message across the bridge may be at most ' + maxMessageChars + ' bytes', '']);
          }
        }
      }
    } catch (error) {
      text = failure('bad-result', ['TypeError', 'the handler returned a value that is not JSON: ' + describe(error)[1], '']);
    }
    send('result', id, text);
  };

  // 'events' (a batch) runs the bundle's 'event' handler on each event in order; one event's
  // failure is reported for it alone, as { ok: false, error }.
  const eventsFrom = (single) => async (events, context) => {
    if (!isArray(events)) throw new TypeErrorCtor('events: the host sent a batch that is not an array');
    const outcomes = [];
    for (let i = 0; i < events.length; i++) {
      try {
        await ReflectApply(single, undefined, [events[i], context]);
        outcomes[i] = { ok: true };
      } catch (error) {
        const [name, message] = describe(error);
        outcomes[i] = { ok: false, error: name + ': ' + message };
      }
    }
    return outcomes;
  };

  const handlerFor = (entry) => {
    if (handlers === undefined) throw new ErrorCtor('the bundle never called dotmac.register(handlers)');
    if (entry === 'events' && !hasOwn(handlers, entry) && hasOwn(handlers, 'event')) return eventsFrom(handlers.event);
    if (!hasOwn(handlers, entry)) throw new ErrorCtor('no handler named "' + entry + '"; the bundle registered: ' + handlerNames);
    return handlers[entry];
  };

  const runCall = async (id, entry, payloadJson) => {
    let ok = true;
    let value;
    try {
      value = await ReflectApply(handlerFor(entry), undefined, [parse(payloadJson), contextOf(id)]);
    } catch (error) {
      ok = false;
      value = error;
    }
    finish(id, ok, value);
  };

  return function dispatch(op, id, a, b) {
    if (op === 'call') runCall(id, a, b);
    else if (op === 'reply') reply(id, a);
  };
})`;

// The tokens of a portal: sign-in stores the refresh token, refreshes are serialised (refresh
// tokens rotate; a reused one ends the session), a refused refresh signs out.
import { describe, expect, it } from 'vitest';
import { readSession, writeSession } from '../src/session/stored-sessions.ts';
import { type LockRunner, TokenKeeper } from '../src/session/token-keeper.ts';

function memoryStore() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

/** A kernel's auth routes in memory: refresh tokens work once; a reused one is refused. */
function fakeAuth() {
  let issued = 0;
  const valid = new Set<string>();
  const calls: string[] = [];
  const pair = () => {
    issued++;
    valid.add(`r${issued}`);
    return { accessToken: `a${issued}`, refreshToken: `r${issued}`, expiresIn: 900 };
  };
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = String(input);
    calls.push(path);
    const body = init?.body ? JSON.parse(String(init.body)) : {};
    await new Promise((resolve) => setTimeout(resolve, 5));
    const json = (status: number, value: unknown) =>
      new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/problem+json' } });
    if (path.endsWith('/login')) {
      if (body.password !== 'right')
        return json(401, { title: 'Unauthorized', status: 401, detail: 'email or password is incorrect' });
      return json(200, pair());
    }
    if (path.endsWith('/refresh')) {
      if (!valid.delete(body.refreshToken)) return json(401, { title: 'Unauthorized', status: 401, detail: 'reused' });
      return json(200, pair());
    }
    return new Response(null, { status: 204 });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('TokenKeeper', () => {
  it('signs in: the refresh token is stored, the access token kept in memory', async () => {
    const store = memoryStore();
    const auth = fakeAuth();
    const keeper = new TokenKeeper({ portal: 'admin', store, fetch: auth.fetch });
    await keeper.signIn({ email: 'a@b.c', password: 'right', tenant: 'riverside' });
    expect(readSession(store, 'admin')).toEqual({ refreshToken: 'r1', tenant: 'riverside' });
    expect(await keeper.accessToken()).toBe('a1');
    expect(auth.calls).toEqual(['/api/v1/auth/login']);
  });

  it('refuses a wrong password with the server’s problem', async () => {
    const keeper = new TokenKeeper({ portal: 'admin', store: memoryStore(), fetch: fakeAuth().fetch });
    await expect(keeper.signIn({ email: 'a@b.c', password: 'wrong' })).rejects.toMatchObject({
      status: 401,
      problem: { detail: 'email or password is incorrect' },
    });
  });

  it('serialises concurrent refreshes: many 401s, one refresh, the session survives', async () => {
    const store = memoryStore();
    const auth = fakeAuth();
    const keeper = new TokenKeeper({ portal: 'admin', store, fetch: auth.fetch });
    await keeper.signIn({ email: 'a@b.c', password: 'right' });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => keeper.refreshAfterUnauthorized('a1')));
    expect(new Set(tokens)).toEqual(new Set(['a2']));
    expect(auth.calls.filter((c) => c.endsWith('/refresh'))).toHaveLength(1);
    // A late 401 for the old token does not refresh again: the token already changed.
    expect(await keeper.refreshAfterUnauthorized('a1')).toBe('a2');
    expect(auth.calls.filter((c) => c.endsWith('/refresh'))).toHaveLength(1);
    expect(readSession(store, 'admin')?.refreshToken).toBe('r2');
  });

  it('two tabs sharing storage and a lock never reuse a refresh token', async () => {
    const store = memoryStore();
    const auth = fakeAuth();
    let queue = Promise.resolve();
    const lock: LockRunner = (_, work) => {
      const run = queue.then(work);
      queue = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    };
    const first = new TokenKeeper({ portal: 'admin', store, fetch: auth.fetch, lock });
    await first.signIn({ email: 'a@b.c', password: 'right' });
    const second = new TokenKeeper({ portal: 'admin', store, fetch: auth.fetch, lock });
    const [a, b] = await Promise.all([first.refresh(), second.refresh()]);
    expect([a, b]).toEqual(['a2', 'a3']);
    expect(readSession(store, 'admin')?.refreshToken).toBe('r3');
  });

  it('restores a session from storage after a reload', async () => {
    const store = memoryStore();
    const auth = fakeAuth();
    await new TokenKeeper({ portal: 'customer', store, fetch: auth.fetch }).signIn({
      email: 'a@b.c',
      password: 'right',
    });
    const reloaded = new TokenKeeper({ portal: 'customer', store, fetch: auth.fetch });
    expect(reloaded.hasStoredSession()).toBe(true);
    expect(await reloaded.restore()).toBe(true);
    expect(await reloaded.accessToken()).toBe('a2');
  });

  it('refreshes ahead of expiry', async () => {
    let now = 0;
    const scheduled: number[] = [];
    const auth = fakeAuth();
    const keeper = new TokenKeeper({
      portal: 'admin',
      store: memoryStore(),
      fetch: auth.fetch,
      now: () => now,
      schedule: (_, delay) => {
        scheduled.push(delay);
        return () => {};
      },
    });
    await keeper.signIn({ email: 'a@b.c', password: 'right' });
    expect(scheduled).toEqual([840_000]);
    now = 880_000; // 20 s before expiry: the token is renewed before it is used.
    expect(await keeper.accessToken()).toBe('a2');
  });

  it('a refused refresh ends the session: storage cleared, the shell told', async () => {
    const store = memoryStore();
    const auth = fakeAuth();
    let ended = 0;
    const keeper = new TokenKeeper({ portal: 'admin', store, fetch: auth.fetch, onSessionEnded: () => ended++ });
    writeSession(store, 'admin', { refreshToken: 'stolen-and-reused', tenant: null });
    expect(await keeper.restore()).toBe(false);
    expect(readSession(store, 'admin')).toBeUndefined();
    expect(ended).toBe(1);
    expect(await keeper.accessToken()).toBeNull();
  });

  it('signs out: the server is told and storage forgets the session', async () => {
    const store = memoryStore();
    const auth = fakeAuth();
    const keeper = new TokenKeeper({ portal: 'admin', store, fetch: auth.fetch });
    await keeper.signIn({ email: 'a@b.c', password: 'right' });
    await keeper.signOut();
    expect(auth.calls.at(-1)).toBe('/api/v1/auth/logout');
    expect(readSession(store, 'admin')).toBeUndefined();
    expect(await keeper.accessToken()).toBeNull();
  });
});

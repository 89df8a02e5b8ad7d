// Specification of plugin egress: a request reaches only a declared host and port, on public
// addresses (or networks the operator allows), over the socket to the address that was checked.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { EgressAnswer, EgressRequest } from '@dotmac/schemas/contract/capabilities';
import type { EgressRule } from '@dotmac/schemas/types/plugin-manifest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  createEgressFetch,
  EgressFailedError,
  type EgressPolicy,
  EgressRefusedError,
  isPublicAddress,
} from '../../src/plugins/egress.ts';

const LABEL = 'plugin dotmac.test@1.0.0';

/** One request the local server received. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const seen: Seen[] = [];
let server: Server;
let port: number;

/** The local server's routes: each path plays one kind of remote. */
function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? 0);
  switch (path) {
    case '/echo':
      res.setHeader('X-Multi', ['a', 'b']);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ method: req.method, body, custom: req.headers['x-custom'] ?? null, text: 'é€' }));
      return;
    case '/redirect':
      res.writeHead(302, { Location: 'https://elsewhere.example.test/' }).end('moved');
      return;
    case '/chunked':
      // No content-length: the size is only known by counting what arrives.
      for (let i = 0; i < size; i += 100) res.write('x'.repeat(Math.min(100, size - i)));
      res.end();
      return;
    case '/declared':
      // Announces `size` bytes, sends one, then waits: only the announcement can be judged.
      res.writeHead(200, { 'Content-Length': size }).write('y');
      return;
    case '/stall':
      res.writeHead(200, { 'Content-Length': 1000 }).write('partial');
      return; // never ends
    case '/silent':
      return; // never answers
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      route(req, res, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

/** A lookup answering made-up names from `table`, like DNS would; unknown names fail like ENOTFOUND. */
function names(table: Record<string, readonly string[]>): NonNullable<EgressPolicy['lookup']> {
  return async (host) => {
    const addresses = table[host];
    if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** The local test server's policy: http allowed, loopback allowed, names from `table`. */
function localPolicy(table: Record<string, readonly string[]>, extra: EgressPolicy = {}): EgressPolicy {
  return { allowHttp: true, allowNetworks: ['127.0.0.0/8'], lookup: names(table), ...extra };
}

const rule = (host: string, ports?: number[]): EgressRule =>
  ports ? { host, ports: [...ports] as [number] } : { host };

/** Fetches `request` for a plugin declaring api.example.test on the local port. */
function fetchLocal(request: EgressRequest, extra: EgressPolicy = {}): Promise<EgressAnswer> {
  const fetch = createEgressFetch(
    LABEL,
    [rule('api.example.test', [port])],
    localPolicy({ 'api.example.test': ['127.0.0.1'] }, extra),
  );
  return fetch(request);
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, got an answer');
}

/** Expects `promise` to be refused with a message starting with the label and containing each of `parts`. */
async function expectRefused(promise: Promise<unknown>, ...parts: string[]): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(EgressRefusedError);
  expect(error.message.startsWith(`${LABEL} `)).toBe(true);
  for (const part of parts) expect(error.message).toContain(part);
}

/** Expects `promise` to fail (not be refused) with a message starting with the label and containing `part`. */
async function expectFailed(promise: Promise<unknown>, part: string): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(EgressFailedError);
  expect(error.message.startsWith(`${LABEL}: `)).toBe(true);
  expect(error.message).toContain(part);
}

/** How many requests reached the local server while `work` ran. */
async function hitsDuring(work: () => Promise<unknown>): Promise<number> {
  const before = seen.length;
  await work();
  return seen.length - before;
}

describe('requests that reach the host', () => {
  test('a GET to a declared host reaches it and answers status, lowercase headers (repeats joined) and UTF-8 body', async () => {
    const answer = await fetchLocal({ url: `http://api.example.test:${port}/echo?q=1` });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-multi']).toBe('a, b');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(Object.keys(answer.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(JSON.parse(answer.body)).toEqual({ method: 'GET', body: '', custom: null, text: 'é€' });
    const request = seen.at(-1);
    expect(request?.url).toBe('/echo?q=1');
    expect(request?.headers.host).toBe(`api.example.test:${port}`);
  });

  test('a POST carries its body and headers to the host', async () => {
    const answer = await fetchLocal({
      url: `http://api.example.test:${port}/echo`,
      method: 'post',
      headers: { 'X-Custom': 'hello', 'Content-Type': 'application/json' },
      body: '{"amount":"12.50"}',
    });
    expect(JSON.parse(answer.body)).toMatchObject({ method: 'POST', body: '{"amount":"12.50"}', custom: 'hello' });
    expect(seen.at(-1)?.headers['content-type']).toBe('application/json');
  });

  test('a redirect is answered as it is, location included, and not followed', async () => {
    let answer: EgressAnswer | undefined;
    const hits = await hitsDuring(async () => {
      answer = await fetchLocal({ url: `http://api.example.test:${port}/redirect` });
    });
    expect(hits).toBe(1);
    expect(answer?.status).toBe(302);
    expect(answer?.headers.location).toBe('https://elsewhere.example.test/');
    expect(answer?.body).toBe('moved');
  });

  test('the connection goes to the address that was checked: a name that rebinds after the check cannot redirect it', async () => {
    const lookup = vi
      .fn<NonNullable<EgressPolicy['lookup']>>()
      .mockResolvedValueOnce([{ address: '127.0.0.1', family: 4 }])
      .mockResolvedValue([{ address: '10.0.0.1', family: 4 }]);
    const fetch = createEgressFetch(LABEL, [rule('api.example.test', [port])], {
      allowHttp: true,
      allowNetworks: ['127.0.0.1/32'],
      lookup,
    });
    const hits = await hitsDuring(async () => {
      const answer = await fetch({ url: `http://api.example.test:${port}/echo` });
      expect(answer.status).toBe(200);
    });
    expect(hits).toBe(1);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup).toHaveBeenCalledWith('api.example.test');
  });

  test('each request opens its own connection: a socket kept alive for one check never serves another', async () => {
    await fetchLocal({ url: `http://api.example.test:${port}/echo` });
    // Gives a kept-alive socket time to return to a pool, were there one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Same host and port, now resolving to 127.0.0.2, where nothing listens.
    const fetch = createEgressFetch(LABEL, [rule('api.example.test', [port])], {
      allowHttp: true,
      allowNetworks: ['127.0.0.2/32'],
      lookup: names({ 'api.example.test': ['127.0.0.2'] }),
    });
    const hits = await hitsDuring(() =>
      expectFailed(fetch({ url: `http://api.example.test:${port}/echo` }), `ECONNREFUSED 127.0.0.2:${port}`),
    );
    expect(hits).toBe(0);
  });

  test('https sends the declared host name as TLS server name, and an unverifiable handshake fails the request', async () => {
    const serverNames: string[] = [];
    const tls = createTlsServer({
      SNICallback: (name, callback) => {
        serverNames.push(name);
        callback(new Error('no certificate here'));
      },
    });
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const tlsPort = (tls.address() as AddressInfo).port;
    try {
      const fetch = createEgressFetch(
        LABEL,
        [rule('secure.example.test', [tlsPort])],
        localPolicy({ 'secure.example.test': ['127.0.0.1'] }),
      );
      const error = await rejectionOf(fetch({ url: `https://secure.example.test:${tlsPort}/` }));
      expect(error).toBeInstanceOf(EgressFailedError);
      expect(error.message).toContain(`${LABEL}: fetching https://secure.example.test:${tlsPort}/ failed: `);
      expect(serverNames).toEqual(['secure.example.test']);
    } finally {
      tls.close();
    }
  });
});

describe('hosts and ports', () => {
  test('a host the manifest does not declare is refused before it is resolved', async () => {
    const lookup = vi.fn(names({ 'other.example.test': ['127.0.0.1'] }));
    const fetch = createEgressFetch(LABEL, [rule('api.example.test', [port])], { ...localPolicy({}), lookup });
    await expectRefused(
      fetch({ url: `http://other.example.test:${port}/echo` }),
      'its manifest declares no egress rule for other.example.test',
    );
    expect(lookup).not.toHaveBeenCalled();
  });

  test('a *. rule matches any subdomain, at any depth, but not the bare domain', async () => {
    const table = {
      'sub.example.test': ['127.0.0.1'],
      'a.b.example.test': ['127.0.0.1'],
      'example.test': ['127.0.0.1'],
    };
    const fetch = createEgressFetch(LABEL, [rule('*.example.test', [port])], localPolicy(table));
    await expect(fetch({ url: `http://sub.example.test:${port}/echo` })).resolves.toMatchObject({ status: 200 });
    await expect(fetch({ url: `http://A.B.Example.Test:${port}/echo` })).resolves.toMatchObject({ status: 200 });
    await expectRefused(fetch({ url: `http://example.test:${port}/echo` }), 'no egress rule for example.test');
    await expectRefused(fetch({ url: `http://badexample.test:${port}/echo` }), 'no egress rule for badexample.test');
    await expectRefused(fetch({ url: `http://.example.test:${port}/echo` }), 'no egress rule for .example.test');
  });

  test('an exact rule matches its host case-insensitively', async () => {
    await expect(fetchLocal({ url: `http://API.Example.TEST:${port}/echo` })).resolves.toMatchObject({ status: 200 });
  });

  test('IP-literal URLs are refused in every spelling, even on an allowed network', async () => {
    const fetch = createEgressFetch(LABEL, [rule('api.example.test', [port])], localPolicy({}));
    const hits = await hitsDuring(async () => {
      await expectRefused(fetch({ url: `http://127.0.0.1:${port}/echo` }), '127.0.0.1 is an IP address');
      await expectRefused(fetch({ url: `http://2130706433:${port}/echo` }), '127.0.0.1 is an IP address');
      await expectRefused(fetch({ url: `http://[::1]:${port}/echo` }), '[::1] is an IP address');
    });
    expect(hits).toBe(0);
  });

  test('a port the rule does not list is refused, naming the declared ones', async () => {
    await expectRefused(
      fetchLocal({ url: `http://api.example.test:${port + 1}/echo` }),
      `port ${port + 1} is not declared for api.example.test (declared: ${port})`,
    );
  });

  test('a rule without ports allows 443 for https and 80 for http only', async () => {
    const lookup = vi.fn(names({ 'api.example.test': ['127.0.0.1'] }));
    const fetch = createEgressFetch(LABEL, [rule('api.example.test')], { ...localPolicy({}), lookup });
    await expectRefused(
      fetch({ url: `http://api.example.test:${port}/` }),
      `port ${port} is not declared`,
      '(declared: 80)',
    );
    await expectRefused(
      fetch({ url: 'https://api.example.test:8443/' }),
      'port 8443 is not declared',
      '(declared: 443)',
    );
    expect(lookup).not.toHaveBeenCalled();
  });
});

describe('a URL the tenant configured (config rules)', () => {
  const webhook = (table: Record<string, readonly string[]> = {}, extra: EgressPolicy = {}) =>
    createEgressFetch(LABEL, [{ config: 'url' }], localPolicy(table, extra));

  test('any path on the configured scheme, host and port is reached, an IP address included', async () => {
    const fetch = webhook();
    const configured = [`http://127.0.0.1:${port}/hooks/isp-a?token=1`];
    await expect(
      fetch({ url: `http://127.0.0.1:${port}/echo`, method: 'POST', body: 'hi' }, configured),
    ).resolves.toMatchObject({ status: 200 });
    const named = webhook({ 'hooks.example.test': ['127.0.0.1'] });
    await expect(
      named({ url: `http://HOOKS.example.test:${port}/echo` }, [`http://hooks.example.test:${port}/in`]),
    ).resolves.toMatchObject({ status: 200 });
  });

  test('another host, port or scheme than the configured URL is refused, naming the config property', async () => {
    const fetch = webhook({ 'other.example.test': ['127.0.0.1'] });
    const configured = [`http://127.0.0.1:${port}/in`];
    const hits = await hitsDuring(async () => {
      await expectRefused(fetch({ url: `http://127.0.0.1:${port + 1}/in` }, configured), 'IP address');
      await expectRefused(
        fetch({ url: `http://other.example.test:${port}/in` }, configured),
        'no egress rule for other.example.test, and it is not the URL the tenant set in config url',
      );
      await expectRefused(fetch({ url: `https://127.0.0.1:${port}/in` }, configured), 'IP address');
      // Without a configured URL (the tenant has set none) nothing is reachable.
      await expectRefused(fetch({ url: `http://127.0.0.1:${port}/in` }), 'IP address');
    });
    expect(hits).toBe(0);
  });

  test('the address rules still hold: loopback needs the operator’s allowance, http too', async () => {
    const configured = [`http://127.0.0.1:${port}/in`];
    const strict = createEgressFetch(LABEL, [{ config: 'url' }], { allowHttp: true });
    await expectRefused(
      strict({ url: `http://127.0.0.1:${port}/in` }, configured),
      '127.0.0.1 is not a public address',
    );
    await expectRefused(
      strict({ url: `http://[::1]:${port}/in` }, [`http://[::1]:${port}/`]),
      '::1 is not a public address',
    );
    const httpsOnly = createEgressFetch(LABEL, [{ config: 'url' }], { allowNetworks: ['127.0.0.0/8'] });
    await expectRefused(httpsOnly({ url: `http://127.0.0.1:${port}/in` }, configured), 'https URLs only');
    const named = webhook({ 'inside.example.test': ['10.0.0.5'] });
    await expectRefused(
      named({ url: `http://inside.example.test:${port}/in` }, [`http://inside.example.test:${port}/in`]),
      'inside.example.test resolves to 10.0.0.5',
    );
  });

  test('a configured value that is not an http(s) URL allows nothing', async () => {
    const fetch = webhook();
    for (const configured of ['not a url', `ftp://127.0.0.1:${port}/`, '']) {
      await expectRefused(fetch({ url: `http://127.0.0.1:${port}/in` }, [configured]), 'IP address');
    }
  });
});

describe('addresses', () => {
  test('a declared host on loopback is refused, naming the address, unless the operator allows its network', async () => {
    const fetch = createEgressFetch(LABEL, [rule('api.example.test', [port])], {
      allowHttp: true,
      lookup: names({ 'api.example.test': ['127.0.0.1'] }),
    });
    const hits = await hitsDuring(() =>
      expectRefused(
        fetch({ url: `http://api.example.test:${port}/echo` }),
        'api.example.test resolves to 127.0.0.1, which is not a public address',
      ),
    );
    expect(hits).toBe(0);
  });

  test.each([['169.254.169.254'], ['10.1.2.3'], ['::1'], ['::ffff:127.0.0.1'], ['100.64.0.1']])(
    'a name resolving to %s is refused',
    async (address) => {
      const fetch = createEgressFetch(LABEL, [rule('inside.example.test')], {
        lookup: names({ 'inside.example.test': [address] }),
      });
      await expectRefused(
        fetch({ url: 'https://inside.example.test/' }),
        `resolves to ${address}, which is not a public`,
      );
    },
  );

  test('without an injected lookup, names go through the system resolver: localhost is refused as loopback', async () => {
    const fetch = createEgressFetch(LABEL, [rule('localhost', [port])], { allowHttp: true });
    await expectRefused(
      fetch({ url: `http://localhost:${port}/echo` }),
      'localhost resolves to ',
      'not a public address',
    );
  });

  test('a name resolving to one public and one private address is refused', async () => {
    const fetch = createEgressFetch(LABEL, [rule('mixed.example.test')], {
      lookup: names({ 'mixed.example.test': ['93.184.216.34', '127.0.0.1'] }),
    });
    await expectRefused(fetch({ url: 'https://mixed.example.test/' }), 'resolves to 127.0.0.1');
  });

  test('an allowed network admits only its own range', async () => {
    const fetch = createEgressFetch(LABEL, [rule('api.example.test', [port])], {
      allowHttp: true,
      allowNetworks: ['127.0.0.2/32'],
      lookup: names({ 'api.example.test': ['127.0.0.1'] }),
    });
    await expectRefused(fetch({ url: `http://api.example.test:${port}/echo` }), 'resolves to 127.0.0.1');
  });

  test('a name that does not resolve fails with the resolver’s reason', async () => {
    const fetch = createEgressFetch(LABEL, [rule('gone.example.test')], { lookup: names({}) });
    await expectFailed(
      fetch({ url: 'https://gone.example.test/' }),
      'cannot resolve gone.example.test: getaddrinfo ENOTFOUND',
    );
  });

  test('an allowNetworks entry that is not a CIDR range is a configuration error', () => {
    expect(() => createEgressFetch(LABEL, [], { allowNetworks: ['127.0.0.1/33'] })).toThrow(/127\.0\.0\.1\/33/);
    expect(() => createEgressFetch(LABEL, [], { allowNetworks: ['localhost/8'] })).toThrow(/localhost\/8/);
  });
});

describe('the request a plugin may send', () => {
  test('http is refused unless the operator allows it', async () => {
    const fetch = createEgressFetch(LABEL, [rule('api.example.test', [port])], {
      allowNetworks: ['127.0.0.0/8'],
      lookup: names({ 'api.example.test': ['127.0.0.1'] }),
    });
    await expectRefused(
      fetch({ url: `http://api.example.test:${port}/echo` }),
      'egress allows https URLs only, not http',
    );
  });

  test('other schemes are refused even with http allowed', async () => {
    await expectRefused(
      fetchLocal({ url: 'ftp://api.example.test/' }),
      'egress allows https and http URLs only, not ftp',
    );
  });

  test('a URL that does not parse is refused', async () => {
    await expectRefused(
      fetchLocal({ url: 'api.example.test/echo' }),
      '"api.example.test/echo": it is not an absolute URL',
    );
  });

  test('a URL with a user name or password is refused', async () => {
    await expectRefused(
      fetchLocal({ url: `http://user:secret@api.example.test:${port}/echo` }),
      'carries a user name or password',
    );
  });

  test('a method outside GET HEAD POST PUT PATCH DELETE is refused', async () => {
    await expectRefused(
      fetchLocal({ url: `http://api.example.test:${port}/echo`, method: 'TRACE' }),
      'method TRACE is not one of GET, HEAD, POST, PUT, PATCH, DELETE',
    );
  });

  test('a body over 1 MiB is refused; one of exactly 1 MiB is sent', async () => {
    const url = `http://api.example.test:${port}/echo`;
    await expectRefused(
      fetchLocal({ url, method: 'POST', body: 'z'.repeat(1024 * 1024 + 1) }),
      'the body is larger than 1048576 bytes',
    );
    const answer = await fetchLocal({ url, method: 'POST', body: 'z'.repeat(1024 * 1024) });
    expect(JSON.parse(answer.body).body).toHaveLength(1024 * 1024);
  });

  test.each([['Host'], ['connection'], ['Transfer-Encoding'], ['content-length']])(
    'the plugin may not set the %s header',
    async (name) => {
      await expectRefused(
        fetchLocal({ url: `http://api.example.test:${port}/echo`, headers: { [name]: 'x' } }),
        `header ${name} is set by the kernel, not plugins`,
      );
    },
  );

  test('headers must map names to strings, and be valid HTTP', async () => {
    const url = `http://api.example.test:${port}/echo`;
    const numeric = { url, headers: { 'x-count': 3 } } as unknown as EgressRequest;
    await expectRefused(fetchLocal(numeric), 'header x-count is not a string');
    await expectRefused(
      fetchLocal({ url, headers: { 'x-split': 'a\r\nInjected: yes' } }),
      'header x-split is not valid HTTP',
    );
    await expectRefused(fetchLocal({ url, headers: { 'bad name': 'x' } }), 'header bad name is not valid HTTP');
  });
});

describe('answers that fail', () => {
  test('a response over maxResponseBytes fails naming the limit; one of exactly the limit is answered', async () => {
    const limit = { maxResponseBytes: 1000 };
    await expectFailed(
      fetchLocal({ url: `http://api.example.test:${port}/chunked?bytes=1001` }, limit),
      'larger than 1000 bytes (egress maxResponseBytes)',
    );
    const answer = await fetchLocal({ url: `http://api.example.test:${port}/chunked?bytes=1000` }, limit);
    expect(answer.body).toHaveLength(1000);
  });

  test('a response announcing more than maxResponseBytes fails at once, without waiting for its body', async () => {
    const started = Date.now();
    await expectFailed(
      fetchLocal({ url: `http://api.example.test:${port}/declared?bytes=5000` }, { maxResponseBytes: 1000 }),
      'larger than 1000 bytes (egress maxResponseBytes)',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a host that never answers fails after timeoutMs', async () => {
    const started = Date.now();
    await expectFailed(
      fetchLocal({ url: `http://api.example.test:${port}/silent` }, { timeoutMs: 200 }),
      'no complete answer within 200 ms (egress timeoutMs)',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a body that stalls after the headers fails after timeoutMs: the limit covers the whole request', async () => {
    await expectFailed(
      fetchLocal({ url: `http://api.example.test:${port}/stall` }, { timeoutMs: 200 }),
      'no complete answer within 200 ms',
    );
  });

  test('a resolver that never answers fails after timeoutMs', async () => {
    const fetch = createEgressFetch(LABEL, [rule('slow.example.test')], {
      timeoutMs: 200,
      lookup: () => new Promise(() => undefined),
    });
    await expectFailed(fetch({ url: 'https://slow.example.test/' }), 'no complete answer within 200 ms');
  });

  test('a refused connection fails with the cause’s message', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const fetch = createEgressFetch(
      LABEL,
      [rule('api.example.test', [closedPort])],
      localPolicy({ 'api.example.test': ['127.0.0.1'] }),
    );
    const error = await rejectionOf(fetch({ url: `http://api.example.test:${closedPort}/` }));
    expect(error).toBeInstanceOf(EgressFailedError);
    expect(error.message).toBe(
      `${LABEL}: fetching http://api.example.test:${closedPort}/ failed: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  test('messages name the URL without its query string, which may carry keys', async () => {
    await expectRefused(
      fetchLocal({ url: `http://api.example.test:${port + 1}/v1/charges?api_key=sk_live_123` }),
      `may not fetch http://api.example.test:${port + 1}/v1/charges: `,
    );
    const error = await rejectionOf(fetchLocal({ url: `http://api.example.test:${port + 1}/v1?api_key=sk_live_123` }));
    expect(error.message).not.toContain('sk_live_123');
  });
});

describe('isPublicAddress', () => {
  const NON_PUBLIC_V4: readonly (readonly [string, number])[] = [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
    ['255.255.255.255', 32],
  ];
  // Arithmetic over 32-bit numbers: an oracle independent of the BlockList under test.
  const toNumber = (dotted: string) => dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const toDotted = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
  const inRange = (n: number, [base, bits]: readonly [string, number]) =>
    Math.floor(n / 2 ** (32 - bits)) === Math.floor(toNumber(base) / 2 ** (32 - bits));
  const anyIPv4 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
  const nonPublicIPv4 = fc
    .constantFrom(...NON_PUBLIC_V4)
    .chain(([base, bits]) =>
      fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => toNumber(base) + offset),
    );

  test('every address inside a non-public IPv4 range is not public', () => {
    fc.assert(fc.property(nonPublicIPv4, (n) => isPublicAddress(toDotted(n)) === false));
  });

  test('every IPv4 address outside the non-public ranges is public', () => {
    const outside = anyIPv4.filter((n) => !NON_PUBLIC_V4.some((range) => inRange(n, range)));
    fc.assert(fc.property(outside, (n) => isPublicAddress(toDotted(n)) === true));
  });

  test('an IPv4-mapped IPv6 address, in either spelling, is judged as its IPv4', () => {
    fc.assert(
      fc.property(fc.oneof(anyIPv4, nonPublicIPv4), (n) => {
        const hex = `::ffff:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
        const expected = isPublicAddress(toDotted(n));
        return isPublicAddress(`::ffff:${toDotted(n)}`) === expected && isPublicAddress(hex) === expected;
      }),
    );
  });

  test.each([
    ['::', false],
    ['::1', false],
    ['0:0:0:0:0:0:0:1', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['fe80::1%eth0', false],
    ['2606:4700:4700::1111%eth0', false],
    ['ff02::1', false],
    ['2001:db8::1', false],
    ['64:ff9b::7f00:1', false],
    ['2606:4700:4700::1111', true],
    ['2a00:1450:4001:80b::200e', true],
    ['8.8.8.8', true],
    ['api.example.test', false],
    ['', false],
  ] as const)('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

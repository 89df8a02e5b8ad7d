// The API client: token, JSON, problem+json as ApiError, one refresh and retry on 401, downloads.
import { describe, expect, it } from 'vitest';
import { createApiClient, fillPath, urlOf } from '../src/api/api-client.ts';
import { ApiError } from '../src/api/api-error.ts';
import { filenameOfContentDisposition } from '../src/api/content-disposition.ts';
import type { TokenSource } from '../src/api/token-source.ts';

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

/** A fetch answering from `answer` and recording what was sent. */
function recordingFetch(answer: (sent: Sent, index: number) => Response) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const record: Sent = {
      url: String(input),
      method: init?.method ?? 'GET',
      authorization: headers.authorization,
      body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
    };
    sent.push(record);
    return answer(record, sent.length - 1);
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

function tokens(current: string, renewed: string | null): TokenSource & { refreshes: number } {
  const source = {
    refreshes: 0,
    token: current,
    async accessToken() {
      return source.token;
    },
    async refreshAfterUnauthorized() {
      source.refreshes++;
      if (renewed) source.token = renewed;
      return renewed;
    },
  };
  return source;
}

const json = (body: unknown, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('createApiClient', () => {
  it('sends JSON with the Bearer token under its base and parses the JSON answer', async () => {
    const { fetch, sent } = recordingFetch(() => json({ id: '1' }, 201));
    const api = createApiClient('/api/v1/p/dotmac.customers', { tokens: tokens('t1', null), fetch });
    const created = await api.post('/accounts', { name: 'Ada' }, { query: { dryRun: false, skip: undefined } });
    expect(created).toEqual({ id: '1' });
    expect(sent[0]).toEqual({
      url: '/api/v1/p/dotmac.customers/accounts?dryRun=false',
      method: 'POST',
      authorization: 'Bearer t1',
      body: { name: 'Ada' },
    });
  });

  it('turns a problem+json answer into an ApiError with its field errors', async () => {
    const problem = {
      title: 'Invalid input',
      status: 400,
      errors: [{ pointer: '/body/email', detail: 'is required' }],
    };
    const { fetch } = recordingFetch(() => json(problem, 400, 'application/problem+json'));
    const api = createApiClient('/api/v1', { tokens: tokens('t1', null), fetch });
    const error = await api.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).fieldErrors()).toEqual({ email: 'is required' });
  });

  it('on 401 refreshes once and sends again with the new token', async () => {
    const source = tokens('old', 'new');
    const { fetch, sent } = recordingFetch((s) =>
      s.authorization === 'Bearer new' ? json({ ok: true }) : json({ title: 'Unauthorized', status: 401 }, 401),
    );
    const api = createApiClient('/api/v1', { tokens: source, fetch });
    expect(await api.get('/auth/me')).toEqual({ ok: true });
    expect(sent.map((s) => s.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(source.refreshes).toBe(1);
  });

  it('gives up after one refresh: a second 401 is the answer', async () => {
    const source = tokens('old', 'new');
    const { fetch, sent } = recordingFetch(() => json({ title: 'Unauthorized', status: 401 }, 401));
    const api = createApiClient('/api/v1', { tokens: source, fetch });
    await expect(api.get('/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(sent).toHaveLength(2);
    expect(source.refreshes).toBe(1);
  });

  it('reports a network failure as an ApiError with status 0', async () => {
    const fetch = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof globalThis.fetch;
    const api = createApiClient('/api/v1', { tokens: tokens('t', null), fetch });
    await expect(api.get('/x')).rejects.toMatchObject({ status: 0, problem: { detail: 'Failed to fetch' } });
  });

  it('answers undefined for 204', async () => {
    const { fetch } = recordingFetch(() => new Response(null, { status: 204 }));
    const api = createApiClient('/api/v1', { tokens: tokens('t', null), fetch });
    expect(await api.delete('/x/1')).toBeUndefined();
  });

  it('fills a typed route’s parameters, encoded', async () => {
    const { fetch, sent } = recordingFetch(() => json({}));
    const api = createApiClient<{ 'GET /accounts/:id': { response: object } }>('/b', {
      tokens: tokens('t', null),
      fetch,
    });
    await api.call('GET /accounts/:id', { params: { id: 'a/b' } });
    expect(sent[0]?.url).toBe('/b/accounts/a%2Fb');
    expect(() => fillPath('/x/:id')).toThrow(/needs the parameter id/);
  });

  it('downloads a file under the name the server gives', async () => {
    const { fetch } = recordingFetch(
      () =>
        new Response('%PDF', {
          headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="INV-1.pdf"' },
        }),
    );
    const saved: string[] = [];
    const api = createApiClient('/b', { tokens: tokens('t', null), fetch, save: (_, name) => saved.push(name) });
    await api.download('/invoices/1/pdf');
    await api.download('/invoices/1/pdf', 'mine.pdf');
    expect(saved).toEqual(['INV-1.pdf', 'mine.pdf']);
  });
});

describe('urlOf and Content-Disposition', () => {
  it('appends to an existing query', () => {
    expect(urlOf('/b', '/x?a=1', { b: 2 })).toBe('/b/x?a=1&b=2');
  });

  it('prefers filename* and unescapes quoted names', () => {
    expect(filenameOfContentDisposition(`attachment; filename="a.pdf"; filename*=UTF-8''fa%C3%A7ture.pdf`)).toBe(
      'façture.pdf',
    );
    expect(filenameOfContentDisposition('attachment; filename="a \\"b\\".csv"')).toBe('a "b".csv');
    expect(filenameOfContentDisposition('attachment; filename=plain.txt')).toBe('plain.txt');
    expect(filenameOfContentDisposition('inline')).toBeUndefined();
  });
});

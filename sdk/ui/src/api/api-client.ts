// The API client plugin screens use: JSON in and out, the user's Bearer token, problem+json
// answers as ApiError, one refresh and retry on 401, and file downloads.
import { ApiError, isAbort } from './api-error.ts';
import { filenameOfContentDisposition } from './content-disposition.ts';
import type { TokenSource } from './token-source.ts';

/** Request options: query parameters (undefined values are left out). */
export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined | null>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/**
 * Route types a plugin may declare for a typed client:
 * `{ 'GET /accounts': { query: {q?: string}; response: Page<Account> }, 'POST /accounts': { body: NewAccount; response: Account } }`.
 */
export type RouteTypes = Record<
  string,
  { readonly query?: object; readonly body?: unknown; readonly response: unknown }
>;

/** An API client bound to a base path, sending the signed-in user's token (refreshed when it expires). */
export interface ApiClient<R extends RouteTypes = RouteTypes> {
  /** The base path, e.g. /api/v1/p/dotmac.billing. */
  readonly base: string;
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  patch<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  delete<T>(path: string, options?: RequestOptions): Promise<T>;
  /** Typed call: `call('GET /accounts/:id', { params: { id } })`. */
  call<K extends keyof R & string>(
    route: K,
    input?: {
      readonly params?: Readonly<Record<string, string>>;
      readonly query?: R[K]['query'];
      readonly body?: R[K]['body'];
    },
  ): Promise<R[K]['response']>;
  /** Fetches a file with the user's token and saves it (PDF, CSV) under `filename` or the server's name. */
  download(path: string, filename?: string): Promise<void>;
}

/** What the client needs besides its base path (shell-only). */
export interface ApiClientOptions {
  readonly tokens: TokenSource;
  /** The fetch to use (tests); the global one by default. */
  readonly fetch?: typeof fetch;
  /** Saves a downloaded file; by default through an object URL and a temporary link. */
  readonly save?: (blob: Blob, filename: string) => void;
}

/** `base` + `path` with the query parameters that have a value. */
export function urlOf(base: string, path: string, query?: RequestOptions['query']): string {
  const joined = path === '' ? base : `${base.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.append(key, String(value));
  }
  const search = params.toString();
  if (!search) return joined;
  return `${joined}${joined.includes('?') ? '&' : '?'}${search}`;
}

/** `/accounts/:id` with `{ id: '42' }` → `/accounts/42` (each value URL-encoded). */
export function fillPath(pattern: string, params: Readonly<Record<string, string>> = {}): string {
  return pattern.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`the route ${pattern} needs the parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** Creates a client for the routes under `base` (shell-only: screens get theirs from useApi). */
export function createApiClient<R extends RouteTypes = RouteTypes>(
  base: string,
  options: ApiClientOptions,
): ApiClient<R> {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  /** Sends with the current token; on 401 refreshes once and sends again. */
  const send = async (method: string, url: string, body: unknown, request?: RequestOptions): Promise<Response> => {
    const attempt = async (token: string | null) => {
      const headers: Record<string, string> = { accept: 'application/json', ...request?.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      try {
        return await doFetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: request?.signal,
        });
      } catch (e) {
        if (isAbort(e)) throw e;
        throw new ApiError({
          title: 'The server could not be reached',
          status: 0,
          detail: e instanceof Error ? e.message : String(e),
        });
      }
    };
    const token = await options.tokens.accessToken();
    const response = await attempt(token);
    if (response.status !== 401) return response;
    const renewed = await options.tokens.refreshAfterUnauthorized(token);
    return renewed ? attempt(renewed) : response;
  };

  const json = async <T>(method: string, path: string, body: unknown, request?: RequestOptions): Promise<T> => {
    const response = await send(method, urlOf(base, path, request?.query), body, request);
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204 || response.status === 205) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json')) return (await response.json()) as T;
    return (await response.text()) as T;
  };

  return {
    base,
    get: (path, request) => json('GET', path, undefined, request),
    post: (path, body, request) => json('POST', path, body, request),
    put: (path, body, request) => json('PUT', path, body, request),
    patch: (path, body, request) => json('PATCH', path, body, request),
    delete: (path, request) => json('DELETE', path, undefined, request),
    call(route, input) {
      const space = route.indexOf(' ');
      if (space < 0) throw new Error(`a route is "METHOD /path", not ${route}`);
      const method = route.slice(0, space).toUpperCase();
      const path = fillPath(route.slice(space + 1), input?.params);
      const query = input?.query as RequestOptions['query'];
      return json(method, path, input?.body, { query });
    },
    async download(path, filename) {
      const response = await send('GET', urlOf(base, path), undefined, { headers: { accept: '*/*' } });
      if (!response.ok) throw await problemOf(response);
      const blob = await response.blob();
      const name =
        filename ??
        filenameOfContentDisposition(response.headers.get('content-disposition')) ??
        path.split('/').filter(Boolean).at(-1) ??
        'download';
      (options.save ?? saveBlob)(blob, name);
    },
  };
}

/** The ApiError of a failed response: its problem+json, or its status line. */
export async function problemOf(response: Response): Promise<ApiError> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body = (await response.json()) as Partial<ApiError['problem']>;
      if (body && typeof body === 'object' && typeof body.title === 'string') {
        return new ApiError({ ...body, title: body.title, status: body.status ?? response.status });
      }
    } catch {
      // Not JSON after all: answer the status line.
    }
  }
  return new ApiError({ title: response.statusText || `HTTP ${response.status}`, status: response.status });
}

/** Saves a blob under `filename` through a temporary link to an object URL. */
function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

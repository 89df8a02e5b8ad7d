// Calls to the HTTP APIs the CLI talks to, a plugin registry and a kernel: JSON or bytes in,
// JSON out, and a problem+json refusal shown to the user as its detail and field problems.
import { CliError } from './errors.ts';

/** A service the CLI calls. */
export interface ApiService {
  /** What the user calls it in messages: `the registry http://127.0.0.1:4873`. */
  readonly name: string;
  /** Its base URL, without a trailing slash. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Shown under a 401 refusal (which token to set). */
  readonly unauthorizedHint?: string;
}

/** One request. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** A JSON body. */
  readonly json?: unknown;
  /** A raw body (a package), sent as application/gzip. */
  readonly gzip?: Uint8Array;
  /** Refusals the caller handles itself: answered instead of thrown. */
  readonly tolerate?: readonly number[];
  /** More headers (a request signature). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The status and the parsed JSON body (undefined when the body is not JSON). */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** A service's URL as given by the user (`--registry`, `--kernel`), checked and without a trailing slash. */
export function serviceUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${flag} ${value} is not a URL; give it as http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`${flag} ${value} is not an http(s) URL`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Sends `request`; a 2xx (or tolerated) answer is returned, any other becomes a CliError. */
export async function callApi<T>(service: ApiService, request: ApiRequest): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {
    accept: 'application/json, application/problem+json',
    ...request.headers,
  };
  if (service.token) headers.authorization = `Bearer ${service.token}`;
  let body: RequestInit['body'];
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.gzip) {
    headers['content-type'] = 'application/gzip';
    body = request.gzip;
  }
  let response: Response;
  try {
    response = await fetch(`${service.url}${request.path}`, { method: request.method, headers, body });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach ${service.name}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.ok || request.tolerate?.includes(response.status)) {
    return { status: response.status, body: parsed as T };
  }
  throw refusal(service, request, response, parsed);
}

interface Problem {
  readonly detail?: string;
  readonly errors?: readonly { pointer?: string; detail?: string }[];
}

/**
 * The lines shown under a refusal's message: one per field problem, except those whose detail
 * the message already says (a package refusal names its file in both).
 */
export function problemLines(message: string, problems: readonly { pointer?: string; detail?: string }[]): string[] {
  return problems
    .filter((p) => !p.detail || !message.includes(p.detail))
    .map((p) => `${p.pointer || '/'}: ${p.detail ?? 'invalid'}`);
}

function refusal(service: ApiService, request: ApiRequest, response: Response, body: unknown): CliError {
  const problem = (body ?? {}) as Problem;
  const details = problemLines(problem.detail ?? '', problem.errors ?? []);
  if (response.status === 401 && service.unauthorizedHint) details.push(service.unauthorizedHint);
  if (typeof problem.detail === 'string' && problem.detail) return new CliError(problem.detail, details);
  return new CliError(
    `${service.name} answered ${response.status} ${response.statusText} to ${request.method} ${request.path}`,
    details,
  );
}

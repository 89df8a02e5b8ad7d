// HTTP requests for tests that must choose the Host header (fetch does not let them): a tenant
// is resolved from the host name its portals answer on.
import { request } from 'node:http';

/** A response, its body parsed as JSON when it is JSON. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are read field by field in assertions
  readonly body: any;
  readonly text: string;
}

export interface HttpCall {
  readonly method?: string;
  /** The Host header (default: the URL's). */
  readonly host?: string;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** Sends one request to `baseUrl` + `path`. */
export function call(baseUrl: string, path: string, init: HttpCall = {}): Promise<HttpAnswer> {
  const url = new URL(path, baseUrl);
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: {
          ...(init.host ? { host: init.host } : {}),
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = /json/.test(res.headers['content-type'] ?? '');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: json && text ? JSON.parse(text) : text,
            text,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

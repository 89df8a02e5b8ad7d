// The one place errors become HTTP responses: RFC 9457 problem+json.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DotmacError, type FieldProblem, TooManyRequestsError } from '../errors.ts';
import type { Logger } from '../log.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://dotmac.dev/problems/';

/** The body of a problem+json response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  errors?: readonly FieldProblem[];
  /** Seconds until a throttled request may be tried again (also the Retry-After header). */
  retryAfter?: number;
}

/** JSON Schema of a problem body, for the OpenAPI document. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'Problem type URI.' },
    title: { type: 'string', description: 'Short summary of the problem type.' },
    status: { type: 'integer', description: 'HTTP status code.' },
    detail: { type: 'string', description: 'What went wrong in this occurrence.' },
    instance: { type: 'string', description: 'The request path.' },
    requestId: { type: 'string', description: 'Id of the request, also in the X-Request-Id header and the logs.' },
    errors: {
      type: 'array',
      description: 'One entry per invalid field.',
      items: {
        type: 'object',
        required: ['pointer', 'detail'],
        properties: {
          pointer: { type: 'string', description: 'JSON pointer to the field, e.g. /body/email.' },
          detail: { type: 'string', description: 'What is wrong with it.' },
        },
      },
    },
  },
} as const;

/** Builds the problem for any thrown value; unexpected errors are logged and not leaked. */
export function toProblem(error: unknown, instance: string, requestId: string | undefined, log: Logger): Problem {
  if (error instanceof DotmacError) {
    if (error.status >= 500) log.error({ err: error }, error.message);
    return {
      type: TYPE_BASE + error.type,
      title: error.title,
      status: error.status,
      detail: error.message,
      instance,
      requestId,
      ...('errors' in error ? { errors: (error as { errors: readonly FieldProblem[] }).errors } : {}),
      ...(error instanceof TooManyRequestsError ? { retryAfter: error.retryAfterSeconds } : {}),
    };
  }
  if (error instanceof HTTPException) {
    return {
      type: TYPE_BASE + (error.status === 413 ? 'too-large' : 'http'),
      title: error.status === 413 ? 'Request too large' : 'Request failed',
      status: error.status,
      detail: error.message || 'request failed',
      instance,
      requestId,
    };
  }
  log.error({ err: error }, 'unhandled error');
  return {
    type: `${TYPE_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail: `an internal error occurred; quote request id ${requestId ?? '(none)'} when reporting it`,
    instance,
    requestId,
  };
}

export function problemResponse(c: Context, problem: Problem): Response {
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  // RFC 9110: a 401 must say which authentication scheme would be accepted.
  if (problem.status === 401) headers['www-authenticate'] = 'Bearer';
  if (problem.retryAfter !== undefined) headers['retry-after'] = String(problem.retryAfter);
  return c.body(JSON.stringify(problem), problem.status as 400, headers);
}

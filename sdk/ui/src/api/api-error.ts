// The one error an API call fails with: the server's problem+json (or a network failure, status 0).
import type { Problem } from '../types.ts';

/** A failed API call: the problem+json the server answered (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  /** Field name → message, from `errors[].pointer` (/body/email → email, /body/address/city → address.city). */
  fieldErrors(): Readonly<Record<string, string>> {
    const fields: Record<string, string> = {};
    for (const { pointer, detail } of this.problem.errors ?? []) {
      const field = fieldOfPointer(pointer);
      if (!field) continue;
      fields[field] = fields[field] ? `${fields[field]}; ${detail}` : detail;
    }
    return fields;
  }
}

/**
 * The dotted field name a problem pointer designates: the first segment (body, query, params,
 * headers) says where, the rest is the field (`/body/address/city` → `address.city`); `/body`
 * alone names no field (empty string). JSON Pointer escapes (~1 for /, ~0 for ~) are undone.
 */
export function fieldOfPointer(pointer: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.slice(1).join('.');
}

/** Any thrown value as an ApiError (an Error's message as the title, status 0). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({ title: message || 'Something went wrong', status: 0 });
}

/** Whether `error` is the rejection of an aborted fetch or signal. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException ? error.name === 'AbortError' : (error as Error)?.name === 'AbortError';
}

// The one error hierarchy of DotMac. HTTP maps it to RFC 9457 problem+json in one
// place (http/problem.ts); everything else throws these and nothing else on purpose.

/** One failing field: a JSON pointer into the input and what is wrong there. */
export interface FieldProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** Base of every error DotMac raises on purpose. */
export class DotmacError extends Error {
  /** HTTP status this error maps to. */
  readonly status: number = 500;
  /** Short, stable problem type slug (becomes the problem `type` URI). */
  readonly type: string = 'internal';
  /** Human title for the problem type. */
  readonly title: string = 'Internal error';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input did not match its schema; names each failing field. */
export class ValidationError extends DotmacError {
  override readonly status = 400;
  override readonly type = 'validation';
  override readonly title = 'Invalid input';
  constructor(
    message: string,
    readonly errors: readonly FieldProblem[],
  ) {
    super(message);
  }
}

/** The caller is not authenticated, or its credentials are not valid (expired, tampered, revoked). */
export class UnauthorizedError extends DotmacError {
  override readonly status = 401;
  override readonly type = 'unauthorized';
  override readonly title = 'Unauthorized';
}

/** The caller is authenticated but may not do this; the message names what is missing. */
export class ForbiddenError extends DotmacError {
  override readonly status = 403;
  override readonly type = 'forbidden';
  override readonly title = 'Forbidden';
}

/** Too many attempts: refused until `retryAfterSeconds` have passed (sent as Retry-After). */
export class TooManyRequestsError extends DotmacError {
  override readonly status = 429;
  override readonly type = 'too-many-requests';
  override readonly title = 'Too many requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The thing asked for does not exist (or is not visible to the caller). */
export class NotFoundError extends DotmacError {
  override readonly status = 404;
  override readonly type = 'not-found';
  override readonly title = 'Not found';
}

/** The request conflicts with the current state. */
export class ConflictError extends DotmacError {
  override readonly status = 409;
  override readonly type = 'conflict';
  override readonly title = 'Conflict';
}

/** The request body is larger than the route accepts. */
export class PayloadTooLargeError extends DotmacError {
  override readonly status = 413;
  override readonly type = 'too-large';
  override readonly title = 'Request too large';
}

/** A dependency (database, queue) cannot serve right now. */
export class UnavailableError extends DotmacError {
  override readonly status = 503;
  override readonly type = 'unavailable';
  override readonly title = 'Service unavailable';
}

/** The process configuration is wrong; lists one problem per key. */
export class ConfigError extends DotmacError {
  override readonly type = 'config';
  override readonly title = 'Invalid configuration';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// How the plugin refuses a request: 400 naming the field at fault, 404 for what the tenant does
// not have, 409 when the data already says otherwise (a duplicate, an overlap, a full pool).
import { RouteError } from '@dotmac/sdk';

/** A field at fault, as a JSON pointer into the request (`/body/managementAddress`), and what is wrong. */
export interface FieldProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** The field a pointer names, for a message (`/body/coordinates/lat` → `coordinates.lat`). */
const fieldOf = (pointer: string) => pointer.replace(/^\/(body|query|params)\//, '').replaceAll('/', '.');

/** Throws a 400 naming each field at fault, when there is any. */
export function refuse(problems: readonly FieldProblem[]): void {
  const [first] = problems;
  if (!first) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new RouteError(400, `${fieldOf(first.pointer)}: ${first.detail}${more}`, [...problems]);
}

/** A 400 naming one field. */
export function badField(pointer: string, detail: string): RouteError {
  return new RouteError(400, `${fieldOf(pointer)}: ${detail}`, [{ pointer, detail }]);
}

/** A 409 naming one field: what it holds is taken, or clashes with what is stored. */
export function conflictOn(pointer: string, detail: string): RouteError {
  return new RouteError(409, detail, [{ pointer, detail }]);
}

/** True when `error` is the database refusing a duplicate of unique index `index` (SQLSTATE 23505). */
export function isDuplicate(error: unknown, index: string): boolean {
  // A refused statement reaches the sandbox as a plain Error carrying PostgreSQL's message and SQLSTATE.
  return error instanceof Error && error.message.includes('SQLSTATE 23505') && error.message.includes(`"${index}"`);
}

/** True when `error` is the database refusing a row others still reference (SQLSTATE 23503). */
export function isStillReferenced(error: unknown): boolean {
  return error instanceof Error && error.message.includes('SQLSTATE 23503');
}

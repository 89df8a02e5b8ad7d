// How the catalog refuses a request: 400 naming every field at fault, 409 when the database
// finds a duplicate another request made first.
import { RouteError } from '@dotmac/sdk';

/** A field at fault, as a JSON pointer into the request (`/body/prices/USD`), and what is wrong. */
export interface FieldProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** Throws a 400 naming each field at fault, when there is any. */
export function refuse(problems: readonly FieldProblem[]): void {
  if (problems.length === 0) return;
  const first = problems[0] as FieldProblem;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new RouteError(400, `${first.pointer.replace(/^\/body\/?/, '') || 'the request'} ${first.detail}${more}`, [
    ...problems,
  ]);
}

/**
 * Runs `work`; when the database refuses it for a unique violation (SQLSTATE 23505: another
 * request took the code or version number first), throws `conflict()` instead.
 */
export async function conflictOnDuplicate<T>(conflict: () => RouteError, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    // The capability error reaches the sandbox as a plain Error; its message carries the SQLSTATE.
    if (e instanceof Error && /SQLSTATE 23505/.test(e.message)) throw conflict();
    throw e;
  }
}

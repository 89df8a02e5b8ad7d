// Field problems the kernel reports inside a hostnames array (/body/hostnames/2) belong to the
// form's one hostnames field, so SchemaForm shows them beside it.
import { ApiError } from '@dotmac/ui';

/** Runs `send`; an ApiError it throws is thrown again with its array pointers folded into their field. */
export async function withFormPointers<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof ApiError) || !error.problem.errors) throw error;
    const errors = error.problem.errors.map((e) => ({
      pointer: e.pointer.replace(/^\/body\/hostnames\/\d+$/, '/body/hostnames'),
      detail: e.pointer.startsWith('/body/hostnames/')
        ? `${e.detail} (hostname ${Number(e.pointer.split('/').at(-1)) + 1})`
        : e.detail,
    }));
    throw new ApiError({ ...error.problem, errors });
  }
}

// An error shown where it happened: the problem's title and detail, announced (role=alert).
import type { ReactNode } from 'react';
import { ApiError } from '../api/api-error.ts';

/** What to say about `error`: a title and, when known, a detail. */
export function describeError(error: unknown): { readonly title: string; readonly detail?: string } {
  if (error instanceof ApiError) {
    const { title, detail } = error.problem;
    return detail ? { title, detail } : { title };
  }
  if (error instanceof Error) return { title: error.message || 'Something went wrong' };
  if (typeof error === 'string' && error) return { title: error };
  return { title: 'Something went wrong' };
}

/** An error shown inline (role=alert): the problem's title and detail. */
export function ErrorNotice(props: { readonly error: unknown }): ReactNode {
  const { title, detail } = describeError(props.error);
  return (
    <div className="dm-error" role="alert">
      <strong className="dm-error__title">{title}</strong>
      {detail ? <span className="dm-error__detail"> {detail}</span> : null}
    </div>
  );
}

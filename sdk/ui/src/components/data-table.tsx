// A table over a cursor-paginated route: loads one page at a time, Previous/Next walk the cursors.
import { type ReactNode, useEffect, useState } from 'react';
import { type ApiError, isAbort, toApiError } from '../api/api-error.ts';
import type { Page } from '../types.ts';
import { Button } from './button.tsx';
import { type CursorStack, currentCursor, FIRST_PAGE, nextPage, pageNumber, previousPage } from './cursor-pages.ts';
import { ErrorNotice } from './error-notice.tsx';

/** A column of a DataTable. */
export interface Column<T> {
  readonly key: string;
  readonly header: string;
  readonly render?: (row: T) => ReactNode;
  readonly align?: 'start' | 'end';
}

interface Loaded<T> {
  readonly page: Page<T> | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
}

/** A table over a cursor-paginated route: loads `pageSize` rows, with Previous/Next. */
export function DataTable<T>(props: {
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly load: (cursor: string | null, pageSize: number, signal: AbortSignal) => Promise<Page<T>>;
  readonly rowKey: (row: T) => string;
  readonly pageSize?: number;
  readonly empty?: ReactNode;
  /** Change to reload from the first page (e.g. a search term). */
  readonly reloadKey?: unknown;
}): ReactNode {
  const pageSize = props.pageSize ?? 25;
  const [stack, setStack] = useState<CursorStack>(FIRST_PAGE);
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState<Loaded<T>>({ page: undefined, error: undefined, loading: true });
  const { load, reloadKey } = props;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new reloadKey starts again from the first page.
  useEffect(() => {
    setStack(FIRST_PAGE);
  }, [reloadKey]);

  const cursor = currentCursor(stack);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is usually a new closure each render; reloadKey says when it means something new.
  useEffect(() => {
    const controller = new AbortController();
    setLoaded((before) => ({ ...before, error: undefined, loading: true }));
    load(cursor, pageSize, controller.signal).then(
      (page) => {
        if (!controller.signal.aborted) setLoaded({ page, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        setLoaded({ page: undefined, error: toApiError(error), loading: false });
      },
    );
    return () => controller.abort();
  }, [cursor, pageSize, attempt, reloadKey]);

  const { page, error, loading } = loaded;
  const rows = page?.items ?? [];
  const next = page?.nextCursor ?? null;
  const alignOf = (column: Column<T>) => (column.align === 'end' ? 'dm-cell--end' : undefined);

  return (
    <div className="dm-table-wrap">
      <table className="dm-table" aria-busy={loading}>
        <caption className="dm-table__caption">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.key} scope="col" className={alignOf(column)}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((column) => (
                <td key={column.key} className={alignOf(column)}>
                  {column.render ? column.render(row) : cellText(row, column.key)}
                </td>
              ))}
            </tr>
          ))}
          {!loading && !error && rows.length === 0 ? (
            <tr>
              <td colSpan={props.columns.length} className="dm-table__empty">
                {props.empty ?? 'Nothing to show.'}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {loading ? (
        <p className="dm-loading" role="status">
          Loading…
        </p>
      ) : null}
      {error ? (
        <div className="dm-table__error">
          <ErrorNotice error={error} />
          <Button onClick={() => setAttempt((n) => n + 1)}>Try again</Button>
        </div>
      ) : null}
      <nav className="dm-pager" aria-label={`${props.caption}: pages`}>
        <Button disabled={loading || pageNumber(stack) === 1} onClick={() => setStack(previousPage)}>
          Previous
        </Button>
        <span className="dm-pager__page">Page {pageNumber(stack)}</span>
        <Button
          disabled={loading || next === null}
          onClick={() => {
            if (next !== null) setStack((before) => nextPage(before, next));
          }}
        >
          Next
        </Button>
      </nav>
    </div>
  );
}

/** A row's value at `key` as text (for columns without a renderer). */
function cellText(row: unknown, key: string): ReactNode {
  const value = (row as Record<string, unknown> | null)?.[key];
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

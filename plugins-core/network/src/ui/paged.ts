// DataTable's loader for dotmac.network's list routes: `limit` and `cursor` as the routes take them.
import type { ApiClient, Page } from '@dotmac/ui';

type Filters = Readonly<Record<string, string | number | boolean | undefined | null>>;

/** Loads one page of `path` with `filters`, as DataTable asks for it. */
export function pagedLoader<T>(api: ApiClient, path: string, filters: Filters = {}) {
  return (cursor: string | null, pageSize: number, signal: AbortSignal): Promise<Page<T>> =>
    api.get<Page<T>>(path, { query: { ...filters, limit: pageSize, cursor }, signal });
}

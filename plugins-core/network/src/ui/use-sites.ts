// The tenant's sites by id, for the device screens: naming a device's site, choosing one.
import { type Page, useApi, useQuery } from '@dotmac/ui';
import type { Site } from './network-types.ts';

/** Sites the pickers offer: the first page, by name (GET /sites answers at most 200). */
const SITES_SHOWN = 200;

/** The sites (by name), reloaded when `reloadKey` changes. */
export function useSites(reloadKey: unknown): readonly Site[] {
  const api = useApi();
  const { data } = useQuery(
    (signal) => api.get<Page<Site>>('/sites', { query: { limit: SITES_SHOWN }, signal }),
    [api, reloadKey],
  );
  return data?.items ?? [];
}

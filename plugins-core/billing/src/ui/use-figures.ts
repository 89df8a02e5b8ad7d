// Loads the dashboard figures (GET /figures), as the signed-in user may see them.
import { useApi, useQuery } from '@dotmac/ui';
import type { BillingFigures } from './resources.ts';

export function useFigures() {
  const api = useApi();
  return useQuery((signal) => api.get<BillingFigures>('/figures', { signal }), []);
}

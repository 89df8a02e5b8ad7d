// Loads billing's view of an account; null when billing has none yet (no service, no charge).
import { ApiError, useApi, useQuery } from '@dotmac/ui';
import type { Account } from './resources.ts';

export function useAccount(accountId: string) {
  const api = useApi();
  return useQuery<Account | null>(
    (signal) =>
      api.get<Account>(`/accounts/${accountId}`, { signal }).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    [accountId],
  );
}

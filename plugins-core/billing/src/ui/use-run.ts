// Follows one billing run: loads it, then asks again every 1.5 s while it is running.
import { type ApiError, useApi } from '@dotmac/ui';
import { useEffect, useState } from 'react';
import type { Run } from './resources.ts';

/** How often a running run is asked for its progress. */
export const POLL_MS = 1500;

export function useRun(
  runId: string | null,
  first?: Run,
): { readonly run: Run | undefined; readonly error: ApiError | undefined } {
  const api = useApi();
  const [run, setRun] = useState<Run | undefined>(first);
  const [error, setError] = useState<ApiError | undefined>(undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `first` only seeds a new run; the id says when to follow another.
  useEffect(() => {
    setRun(first?.id === runId ? first : undefined);
    setError(undefined);
    if (!runId) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      try {
        const latest = await api.get<Run>(`/runs/${runId}`, { signal: controller.signal });
        if (controller.signal.aborted) return;
        setRun(latest);
        setError(undefined);
        if (latest.status === 'running') timer = setTimeout(ask, POLL_MS);
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(e as ApiError);
        // A failed poll (a restart, a blip) is tried again; the run goes on without the page.
        timer = setTimeout(ask, POLL_MS * 2);
      }
    };
    void ask();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [runId, api]);

  return { run, error };
}

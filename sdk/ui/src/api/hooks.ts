// The hooks plugin screens call the API with: clients bound to a plugin's or the kernel's
// routes, and a loader that follows its dependencies.
import { useContext, useEffect, useMemo, useRef, useState } from 'react';
import { PluginIdContext, useShell } from '../shell/shell-context.ts';
import { type ApiClient, createApiClient, type RouteTypes } from './api-client.ts';
import { type ApiError, isAbort, toApiError } from './api-error.ts';

/** The client for a plugin's routes (/api/v1/p/<pluginId>); the default is the plugin rendering the component. */
export function useApi<R extends RouteTypes = RouteTypes>(pluginId?: string): ApiClient<R> {
  const { tokens, apiOrigin = '' } = useShell();
  const current = useContext(PluginIdContext);
  const id = pluginId ?? current;
  if (!id) throw new Error('@dotmac/ui: useApi() needs a plugin id outside a plugin contribution');
  return useMemo(
    () => createApiClient<R>(`${apiOrigin}/api/v1/p/${encodeURIComponent(id)}`, { tokens }),
    [apiOrigin, id, tokens],
  );
}

/** The client for the kernel's own routes (/api/v1: modules, users, roles, audit, platform). */
export function useKernelApi(): ApiClient {
  const { tokens, apiOrigin = '' } = useShell();
  return useMemo(() => createApiClient(`${apiOrigin}/api/v1`, { tokens }), [apiOrigin, tokens]);
}

interface QueryState<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
}

/** Loads data on mount and when `deps` change; `reload()` loads again (keeping the data shown meanwhile). */
export function useQuery<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): { readonly data: T | undefined; readonly error: ApiError | undefined; readonly loading: boolean; reload(): void } {
  const [state, setState] = useState<QueryState<T>>({ data: undefined, error: undefined, loading: true });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reloading = useRef(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load again.
  useEffect(() => {
    const controller = new AbortController();
    const keep = reloading.current;
    reloading.current = false;
    setState((before) => ({ data: keep ? before.data : undefined, error: undefined, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        setState((before) => ({ data: before.data, error: toApiError(error), loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);

  return {
    ...state,
    reload() {
      reloading.current = true;
      setGeneration((n) => n + 1);
    },
  };
}

// What the shell's own components need of the signed-in portal: its UI manifest and the remotes.
import type { UiManifest } from '@dotmac/ui';
import { createContext, useContext } from 'react';
import type { RemoteRegistry } from '../federation/remote-registry.ts';

export interface PortalRuntime {
  readonly manifest: UiManifest;
  readonly registry: RemoteRegistry;
}

export const PortalRuntimeContext = createContext<PortalRuntime | null>(null);

export function usePortalRuntime(): PortalRuntime {
  const runtime = useContext(PortalRuntimeContext);
  if (!runtime) throw new Error('the portal runtime is missing (PortalRuntimeContext)');
  return runtime;
}

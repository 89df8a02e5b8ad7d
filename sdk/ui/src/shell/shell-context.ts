// What the shell hands every plugin screen through React context: the session, the tenant, the
// tokens behind the API client, and how slots are rendered. One instance (a shared singleton).
import { createContext, type ReactNode, useContext } from 'react';
import type { TokenSource } from '../api/token-source.ts';
import type { Portal, Session, SlotName, TenantInfo } from '../types.ts';

/** What `<Slot>` asks the shell to render. */
export interface SlotRequest {
  readonly name: Exclude<SlotName, 'route' | 'nav'>;
  readonly path: string;
  readonly params?: Readonly<Record<string, string>>;
}

/** The shell's side of the contract (shell-only). */
export interface ShellValue {
  readonly portal: Portal;
  readonly session: Session;
  /** Null in the platform portal. */
  readonly tenant: TenantInfo | null;
  readonly tokens: TokenSource;
  /** Renders the contributions to a slot, each in its own error boundary. */
  readonly renderSlot: (request: SlotRequest) => ReactNode;
  /** Prefix of API paths: '' for the same origin (the default). */
  readonly apiOrigin?: string;
}

export const ShellContext = createContext<ShellValue | null>(null);
export const PluginIdContext = createContext<string | null>(null);

/** The shell's value; throws a clear error outside the shell (a screen rendered on its own). */
export function useShell(): ShellValue {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error('@dotmac/ui: this component must render inside the DotMac shell (ShellProvider)');
  return shell;
}

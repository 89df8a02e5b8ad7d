// Who is signed in, which tenant, what they may do, and which plugin is rendering.
import { useContext } from 'react';
import type { Session, TenantInfo } from '../types.ts';
import { PluginIdContext, useShell } from './shell-context.ts';

/** Who is signed in. */
export function useSession(): Session {
  return useShell().session;
}

/** The tenant (locale, currency, branding); null in the platform portal. */
export function useTenant(): TenantInfo | null {
  return useShell().tenant;
}

/** Whether `session` holds `permission` (the operator holds all). */
export function holds(session: Session, permission: string): boolean {
  return session.kind === 'operator' || session.permissions.has(permission);
}

/** Whether the signed-in user holds `permission` (the operator holds all). */
export function useCan(permission: string): boolean {
  return holds(useShell().session, permission);
}

/** The id of the plugin whose contribution is rendering. */
export function usePluginId(): string {
  const pluginId = useContext(PluginIdContext);
  if (!pluginId) throw new Error('@dotmac/ui: usePluginId() outside a plugin contribution (PluginScope)');
  return pluginId;
}

// The providers the shell renders around the portal and around each contribution (shell-only:
// plugin screens never render these).
import type { ReactNode } from 'react';
import { setFormatDefaults } from '../format/format-defaults.ts';
import { PluginIdContext, ShellContext, type ShellValue } from './shell-context.ts';

/**
 * Shell-only: provides the session, tenant, tokens and slot renderer to everything below, and
 * makes the tenant's locale, currency and time zone the defaults of formatMoney and formatDate.
 */
export function ShellProvider({ value, children }: { readonly value: ShellValue; readonly children: ReactNode }) {
  setFormatDefaults({
    locale: value.tenant?.locale,
    currency: value.tenant?.currency,
    timeZone: value.tenant?.timeZone,
  });
  return <ShellContext.Provider value={value}>{children}</ShellContext.Provider>;
}

/** Shell-only: marks the plugin whose contribution renders below (what useApi() and usePluginId() answer). */
export function PluginScope({ pluginId, children }: { readonly pluginId: string; readonly children: ReactNode }) {
  return <PluginIdContext.Provider value={pluginId}>{children}</PluginIdContext.Provider>;
}

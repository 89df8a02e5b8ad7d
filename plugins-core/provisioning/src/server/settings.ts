// The tenant's configuration of the plugin (plugin.json capabilities.config), with its defaults.
import type { PluginContext } from '@dotmac/sdk';
import type { SuspensionMode } from './machine.ts';

export interface Settings {
  /** Delegate an IPv6 prefix too (dotmac.network), besides the IPv4 address. */
  readonly ipv6: boolean;
  /** The access of PUT /services/:id/access when the body names none. */
  readonly accessDefault: 'pppoe' | 'ipoe';
  /** What staff suspension (subscription.suspended, reason manual) does to the subscriber. */
  readonly manualSuspensionMode: SuspensionMode;
  /** The delay before the first retry of a failed apply run, doubling with each retry. */
  readonly retryDelaySeconds: number;
  /** Whether the hourly reconciliation repairs the drift it finds, as POST /reconciliations { fix: true } does. */
  readonly reconcileFix: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  ipv6: false,
  accessDefault: 'pppoe',
  manualSuspensionMode: 'reject',
  retryDelaySeconds: 30,
  reconcileFix: false,
};

/** The tenant's settings; what it has not set takes its default. */
export async function readSettings(ctx: PluginContext): Promise<Settings> {
  const config = await ctx.config.get<Partial<Settings>>();
  return { ...DEFAULT_SETTINGS, ...config };
}

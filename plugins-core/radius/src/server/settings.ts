// The tenant's settings of this plugin, with the manifest's defaults filled in.
import type { PluginContext } from '@dotmac/sdk';
import type { Profile } from './attributes.ts';

export interface Settings {
  readonly replyProfiles: readonly Profile[];
  readonly walledGarden: { readonly downloadKbps: number; readonly uploadKbps: number; readonly addressList: string };
  readonly coaTimeoutMs: number;
  readonly coaAttempts: number;
}

const DEFAULTS: Settings = {
  replyProfiles: ['mikrotik'],
  walledGarden: { downloadKbps: 512, uploadKbps: 256, addressList: 'walled-garden' },
  coaTimeoutMs: 1000,
  coaAttempts: 3,
};

export async function settingsOf(ctx: PluginContext): Promise<Settings> {
  const config = await ctx.config.get<Partial<Settings>>();
  return { ...DEFAULTS, ...config };
}

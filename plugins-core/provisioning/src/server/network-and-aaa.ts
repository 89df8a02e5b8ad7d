// What provisioning asks dotmac.network (addresses) and dotmac.radius (AAA accounts, sessions):
// their exported services, typed as the issue-7 contract states them. A refusal or an outage of
// either comes back as a DependencyError naming the call, which the caller records; it is never
// rethrown into the sandbox as a fault of this plugin.
import type { PluginContext } from '@dotmac/sdk';
import type { AccessState } from './machine.ts';

/** dotmac.network.allocateAddress's answer. */
export interface Allocation {
  readonly assignmentId: string;
  readonly poolId: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** One of dotmac.network.listAssignments' items. */
export interface Assignment {
  readonly assignmentId: string;
  readonly subscriptionId: string;
  readonly poolId: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly address: string;
  readonly prefixLength: number;
  readonly kind: string;
}

/** dotmac.radius.upsertAccount's input. */
export interface AaaAccount {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly access: 'pppoe' | 'ipoe';
  readonly username: string;
  readonly password: string | null;
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly burstKbps: number | null;
  readonly burstThresholdKbps: number | null;
  readonly burstTimeSeconds: number | null;
  readonly framedIp: string | null;
  readonly framedIpv6Prefix: string | null;
  readonly state: AccessState;
  readonly dataCapGb: number | null;
  readonly throttleKbps: number | null;
}

/** dotmac.radius.upsertAccount's answer. */
export interface UpsertAnswer {
  readonly username: string;
  readonly sessions: number;
  readonly actions: readonly ('coa' | 'disconnect')[];
}

/** dotmac.radius.snapshot's answer. */
export interface AaaSnapshot {
  readonly accounts: readonly {
    readonly subscriptionId: string;
    readonly username: string;
    readonly state: AccessState;
    readonly framedIp: string | null;
  }[];
  readonly sessions: readonly {
    readonly subscriptionId: string | null;
    readonly username: string;
    readonly nasAddress: string;
    readonly acctSessionId: string;
    readonly framedIp: string | null;
    readonly startedAt: string;
  }[];
}

/** A call to dotmac.network or dotmac.radius that did not answer. */
export class DependencyError extends Error {
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(`${target} failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'DependencyError';
  }
}

async function call<T>(ctx: PluginContext, target: string, input: unknown): Promise<T> {
  try {
    return await ctx.services.call<T>(target, input);
  } catch (e) {
    throw new DependencyError(target, e);
  }
}

/** The services of dotmac.network and dotmac.radius, for one call of this plugin. */
export function networkAndAaa(ctx: PluginContext) {
  return {
    allocateAddress: (input: { subscriptionId: string; family: 'ipv4' | 'ipv6'; planId?: string }) =>
      call<Allocation>(ctx, 'dotmac.network.allocateAddress', input),
    releaseAddresses: (subscriptionId: string) =>
      call<{ released: number }>(ctx, 'dotmac.network.releaseAddresses', { subscriptionId }),
    listAssignments: async () => (await call<{ items: Assignment[] }>(ctx, 'dotmac.network.listAssignments', {})).items,
    upsertAccount: (account: AaaAccount) => call<UpsertAnswer>(ctx, 'dotmac.radius.upsertAccount', account),
    removeAccount: (subscriptionId: string) =>
      call<{ removed: boolean; sessions: number }>(ctx, 'dotmac.radius.removeAccount', { subscriptionId }),
    snapshot: () => call<AaaSnapshot>(ctx, 'dotmac.radius.snapshot', {}),
  };
}

export type NetworkAndAaa = ReturnType<typeof networkAndAaa>;

// The shapes of dotmac.provisioning's answers the screens read (schemas/service.json and
// schemas/reconciliation.json): the server's own types where it has them (type-only imports,
// nothing of the server code reaches the browser), and the screens' views of services.
import type { ServiceState } from '../server/machine.ts';

export type { DriftKind } from '../server/drift.ts';
export type { ServiceState } from '../server/machine.ts';
/** A reconciliation report (listings leave `items` out) and one disagreement it found. */
export type { Reconciliation, ReportItem as DriftItem } from '../server/reconcile.ts';

/** How a subscriber signs in; never the password. */
export interface AccessCredentials {
  readonly access: 'pppoe' | 'ipoe';
  readonly username: string;
  readonly hasPassword: boolean;
  readonly circuitId: string | null;
  readonly remoteId: string | null;
}

/** A service of the customer: one provisioning knows, or a subscription not activated yet. */
export interface ServiceEntry {
  readonly subscriptionId: string;
  /** The plan's name, when dotmac.subscriptions says it. */
  readonly name: string | undefined;
  /** Null for a subscription provisioning has not seen activated. */
  readonly state: ServiceState | null;
  readonly access: AccessCredentials | null;
}

/** A service as GET /services lists it. */
export interface Service {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly state: ServiceState;
  readonly desired: 'active' | 'suspended' | 'deprovisioned';
  readonly accessState: 'active' | 'walled-garden' | 'rejected';
  readonly plan: { readonly planId: string; readonly downloadKbps: number; readonly uploadKbps: number };
  readonly access: AccessCredentials | null;
  readonly addresses: { readonly ipv4: string | null; readonly ipv6Prefix: string | null };
  readonly attempts: number;
  readonly lastError: string | null;
  readonly stateSince: string;
  readonly updatedAt: string;
}

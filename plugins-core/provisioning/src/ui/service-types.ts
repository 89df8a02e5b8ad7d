// The shapes of dotmac.provisioning's answers the screens read (schemas/service.json and
// schemas/reconciliation.json, the fields shown).

export type ServiceState =
  | 'awaiting-credentials'
  | 'provisioning'
  | 'active'
  | 'suspended'
  | 'deprovisioned'
  | 'failed';

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

export type DriftKind =
  | 'suspended-online'
  | 'suspended-not-walled'
  | 'state-mismatch'
  | 'active-missing'
  | 'orphan-account'
  | 'address-mismatch'
  | 'address-duplicate';

/** One disagreement a reconciliation found, and what fixing did about it. */
export interface DriftItem {
  readonly kind: DriftKind;
  readonly subscriptionId: string | null;
  readonly username?: string;
  readonly detail: string;
  readonly repair: 're-apply' | 'remove-account' | 'reset-account' | 'none';
  readonly fixed: { readonly outcome: 'done' | 'failed' | 'not-fixed'; readonly detail: string } | null;
}

/** A reconciliation report; listings leave `items` out. */
export interface Reconciliation {
  readonly id: string;
  readonly trigger: 'request' | 'schedule';
  readonly fix: boolean;
  readonly status: 'completed' | 'failed';
  readonly error: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly checked: {
    readonly services: number;
    readonly accounts: number;
    readonly sessions: number;
    readonly assignments: number;
  };
  readonly drift: number;
  readonly byKind: Readonly<Partial<Record<DriftKind, number>>>;
  readonly items?: readonly DriftItem[];
}

// The shapes of dotmac.network's answers the screens read (schemas/*.json, the fields shown).

export type SiteKind = 'pop' | 'tower' | 'datacenter' | 'cabinet' | 'customer-premises';

/** A site, as GET /sites answers it (schemas/site.json). */
export interface Site {
  readonly id: string;
  readonly name: string;
  readonly kind: SiteKind;
  readonly address: string | null;
  readonly notes: string | null;
}

/** A device, as GET /devices answers it (schemas/device.json): never its secrets. */
export interface Device {
  readonly id: string;
  readonly name: string;
  readonly kind: 'nas' | 'router' | 'olt' | 'access-point' | 'switch' | 'cpe' | 'other';
  readonly vendor: string;
  readonly model: string | null;
  readonly siteId: string | null;
  readonly managementAddress: string | null;
  readonly status: 'planned' | 'active' | 'maintenance' | 'offline' | 'retired';
  readonly hasRadiusSecret: boolean;
  readonly radiusProfile: string | null;
}

/** How much of a pool is in use (schemas/pool.json `utilisation`). */
export interface Utilisation {
  readonly size: number;
  readonly used: number;
  readonly reserved: number;
  readonly free: number;
  readonly percent: number;
}

/** An address pool, as GET /pools answers it (schemas/pool.json). */
export interface Pool {
  readonly id: string;
  readonly name: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly cidr: string;
  readonly kind: 'dynamic' | 'static';
  readonly assignPrefixLength: number;
  readonly siteId: string | null;
  readonly gateway: string | null;
  readonly utilisation: Utilisation;
}

/** An address (or delegated prefix) held by a subscription (schemas/assignment.json). */
export interface Assignment {
  readonly id: string;
  readonly poolId: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly kind: 'dynamic' | 'static' | 'reservation';
  readonly subscriptionId: string | null;
  readonly address: string;
  readonly prefixLength: number;
  readonly createdAt: string;
}

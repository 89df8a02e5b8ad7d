// The shapes the catalog API answers (schemas/plan.json, schemas/plan-version.json), as the
// screens read them, and how their specs read to people.

export type PlanKind = 'internet' | 'voice' | 'tv' | 'other' | 'addon' | 'one-off';
export type BillingCycle = 'monthly' | 'quarterly' | 'yearly' | 'one-off';

/** schemas/plan-version.json */
export interface PlanVersion {
  readonly planId: string;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly noticeDays: number;
  readonly appliesToExisting: boolean;
  readonly status: 'scheduled' | 'current' | 'superseded' | 'cancelled';
  readonly prices: Readonly<Record<string, string>>;
  readonly billingCycle: BillingCycle;
  readonly payment: 'prepaid' | 'postpaid';
  readonly taxClass: string;
  readonly contractMonths: number;
  readonly internet?: {
    readonly downloadKbps: number;
    readonly uploadKbps: number;
    readonly dataCapGb: number | null;
  } | null;
}

/** schemas/plan.json */
export interface Plan {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly kind: PlanKind;
  readonly visible: boolean;
  readonly forSale: boolean;
  readonly current: PlanVersion | null;
  readonly next: PlanVersion | null;
  readonly createdAt: string;
}

export const CAN_WRITE = 'dotmac.catalog.plans.write';

const PER: Readonly<Record<BillingCycle, string>> = {
  monthly: 'a month',
  quarterly: 'a quarter',
  yearly: 'a year',
  'one-off': 'once',
};

/** "a month", "a quarter", "a year", "once". */
export function perCycle(cycle: BillingCycle): string {
  return PER[cycle];
}

/** A speed in kbit/s as people say it: 100000 → "100 Mbit/s", 1500000 → "1.5 Gbit/s", 512 → "512 kbit/s". */
export function speed(kbps: number): string {
  if (kbps >= 1_000_000) return `${kbps / 1_000_000} Gbit/s`;
  if (kbps >= 1_000) return `${kbps / 1_000} Mbit/s`;
  return `${kbps} kbit/s`;
}

/** "100 Mbit/s down, 20 Mbit/s up", or a dash for plans without internet specs. */
export function speeds(version: PlanVersion | null): string {
  const internet = version?.internet;
  if (!internet) return '—';
  return `${speed(internet.downloadKbps)} down, ${speed(internet.uploadKbps)} up`;
}

/** Where a plan stands, as a status word: for sale, hidden, scheduled (no version in force yet). */
export function planStatus(plan: Plan): string {
  if (plan.forSale) return 'for sale';
  if (!plan.visible) return 'hidden';
  return plan.current === null ? 'scheduled' : 'not for sale';
}

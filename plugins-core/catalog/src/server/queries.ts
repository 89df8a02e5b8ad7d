// How plans and versions are read: the SQL that builds them (a version as one jsonb value, with
// its amounts and where it stands), and the mapping from rows to what the API answers
// (schemas/plan.json, schemas/plan-version.json). Every statement takes now as $1.
import { type Amounts, formatAmounts } from './money.ts';
import type { BillingCycle, FairUse, InternetSpec, Payment, PlanKind, VersionSpec } from './version-spec.ts';

/** Where a version stands now. */
export type VersionStatus = 'scheduled' | 'current' | 'superseded' | 'cancelled';

/** A version as the API answers it (schemas/plan-version.json). */
export interface PlanVersion extends Omit<VersionSpec, 'internet'> {
  readonly planId: string;
  readonly code: string;
  readonly name: string;
  readonly kind: PlanKind;
  readonly visible: boolean;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly noticeDays: number;
  readonly appliesToExisting: boolean;
  readonly status: VersionStatus;
  /** Internet plans only. */
  readonly internet?: InternetSpec;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly cancelledAt: string | null;
}

/** A plan as the API answers it (schemas/plan.json). */
export interface Plan {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly kind: PlanKind;
  readonly visible: boolean;
  readonly forSale: boolean;
  readonly addonFor: readonly PlanKind[];
  readonly current: PlanVersion | null;
  readonly next: PlanVersion | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The id of plan `plan`'s version in force at `at` (SQL expressions): the latest live one by then. */
export const inForceId = (plan: string, at: string) =>
  `(select v.id from plan_versions v
     where v.plan_id = ${plan}.id and v.cancelled_at is null and v.effective_from <= ${at}
     order by v.effective_from desc, v.version desc limit 1)`;

/** The id of plan `plan`'s next version after $1 (now), if one is scheduled. */
const nextId = (plan: string) =>
  `(select v.id from plan_versions v
     where v.plan_id = ${plan}.id and v.cancelled_at is null and v.effective_from > $1
     order by v.effective_from, v.version limit 1)`;

/**
 * Version `v` of plan `p` as one jsonb value (a VersionRow): its columns, its amounts as
 * [purpose, currency, amount text] triples and its status at $1.
 */
export const VERSION_JSON = `jsonb_build_object(
  'planId', p.id, 'code', p.code, 'name', p.name, 'kind', p.kind, 'visible', p.visible,
  'version', v.version, 'effectiveFrom', v.effective_from, 'noticeDays', v.notice_days,
  'appliesToExisting', v.applies_to_existing,
  'status', case
    when v.cancelled_at is not null then 'cancelled'
    when v.effective_from > $1 then 'scheduled'
    when exists (select 1 from plan_versions w
                  where w.plan_id = v.plan_id and w.cancelled_at is null and w.effective_from <= $1
                    and (w.effective_from, w.version) > (v.effective_from, v.version)) then 'superseded'
    else 'current' end,
  'billingCycle', v.billing_cycle, 'payment', v.payment, 'taxClass', v.tax_class,
  'contractMonths', v.contract_months,
  'downloadKbps', v.download_kbps, 'uploadKbps', v.upload_kbps, 'burstKbps', v.burst_kbps,
  'burstThresholdKbps', v.burst_threshold_kbps, 'burstTimeSeconds', v.burst_time_seconds,
  'priority', v.priority, 'dataCapGb', v.data_cap_gb, 'fairUsePolicy', v.fair_use_policy,
  'throttleKbps', v.throttle_kbps,
  'amounts', (select coalesce(jsonb_agg(jsonb_build_array(a.purpose, a.currency, a.amount::text)), '[]'::jsonb)
                from plan_amounts a where a.plan_version_id = v.id),
  'createdAt', v.created_at, 'createdBy', v.created_by, 'cancelledAt', v.cancelled_at)`;

/** The columns of a plan `p` (a PlanRow), with its version in force at $1 and the next one. */
export const PLAN_COLUMNS = `p.id, p.code, p.name, p.description, p.kind, p.visible, p.addon_for, p.created_at, p.updated_at,
  (select ${VERSION_JSON} from plan_versions v where v.id = ${inForceId('p', '$1')}) as current,
  (select ${VERSION_JSON} from plan_versions v where v.id = ${nextId('p')}) as next`;

/** A version as VERSION_JSON builds it. Timestamps are jsonb text, in the session's zone. */
export interface VersionRow {
  readonly planId: string;
  readonly code: string;
  readonly name: string;
  readonly kind: PlanKind;
  readonly visible: boolean;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly noticeDays: number;
  readonly appliesToExisting: boolean;
  readonly status: VersionStatus;
  readonly billingCycle: BillingCycle;
  readonly payment: Payment;
  readonly taxClass: string;
  readonly contractMonths: number;
  readonly downloadKbps: number | null;
  readonly uploadKbps: number | null;
  readonly burstKbps: number | null;
  readonly burstThresholdKbps: number | null;
  readonly burstTimeSeconds: number | null;
  readonly priority: number | null;
  readonly dataCapGb: number | null;
  readonly fairUsePolicy: 'throttle' | 'overage' | null;
  readonly throttleKbps: number | null;
  readonly amounts: readonly (readonly [AmountPurpose, string, string])[];
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly cancelledAt: string | null;
}

/** A plans row as PLAN_COLUMNS selects it. */
export interface PlanRow {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly kind: PlanKind;
  readonly visible: boolean;
  readonly addon_for: readonly PlanKind[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly current: VersionRow | null;
  readonly next: VersionRow | null;
}

/** What an amount of a version is for (plan_amounts.purpose). */
export type AmountPurpose = 'price' | 'early_termination_fee' | 'overage_per_gb';

/** A timestamp, however the database wrote it, as ISO 8601 UTC. */
export const iso = (value: string | Date) => new Date(value).toISOString();

/** A version as the API answers it. */
export function toPlanVersion(row: VersionRow): PlanVersion {
  const amounts: Record<AmountPurpose, Record<string, string>> = {
    price: {},
    early_termination_fee: {},
    overage_per_gb: {},
  };
  for (const [purpose, currency, amount] of row.amounts) amounts[purpose][currency] = amount;
  return {
    planId: row.planId,
    code: row.code,
    name: row.name,
    kind: row.kind,
    visible: row.visible,
    version: row.version,
    effectiveFrom: iso(row.effectiveFrom),
    noticeDays: row.noticeDays,
    appliesToExisting: row.appliesToExisting,
    status: row.status,
    prices: formatAmounts(amounts.price),
    billingCycle: row.billingCycle,
    payment: row.payment,
    taxClass: row.taxClass,
    contractMonths: row.contractMonths,
    earlyTerminationFee: formatAmounts(amounts.early_termination_fee),
    ...(row.kind === 'internet' && { internet: internetOf(row, amounts.overage_per_gb) }),
    createdAt: iso(row.createdAt),
    createdBy: row.createdBy,
    cancelledAt: row.cancelledAt === null ? null : iso(row.cancelledAt),
  };
}

function internetOf(row: VersionRow, overage: Amounts): InternetSpec {
  const fairUse: FairUse | null =
    row.fairUsePolicy === 'throttle'
      ? { policy: 'throttle', throttleKbps: row.throttleKbps as number }
      : row.fairUsePolicy === 'overage'
        ? { policy: 'overage', overagePricePerGb: formatAmounts(overage) }
        : null;
  return {
    downloadKbps: row.downloadKbps as number,
    uploadKbps: row.uploadKbps as number,
    burstKbps: row.burstKbps,
    burstThresholdKbps: row.burstThresholdKbps,
    burstTimeSeconds: row.burstTimeSeconds,
    priority: row.priority as number,
    dataCapGb: row.dataCapGb,
    fairUse,
  };
}

/** A plan as the API answers it. */
export function toPlan(row: PlanRow): Plan {
  const current = row.current === null ? null : toPlanVersion(row.current);
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    kind: row.kind,
    visible: row.visible,
    forSale: row.visible && current !== null,
    addonFor: row.addon_for,
    current,
    next: row.next === null ? null : toPlanVersion(row.next),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** What a version sells and costs, to carry over into the next. */
export function specOf(version: PlanVersion): VersionSpec {
  return {
    prices: version.prices,
    billingCycle: version.billingCycle,
    payment: version.payment,
    taxClass: version.taxClass,
    contractMonths: version.contractMonths,
    earlyTerminationFee: version.earlyTerminationFee,
    internet: version.internet ?? null,
  };
}

/** The first row statement `index` of a transaction answered; throws when it answered none. */
export function firstRow<Row>(results: readonly Record<string, unknown>[][], index: number): Row {
  const row = results[index]?.[0];
  if (row === undefined) throw new Error(`statement ${index + 1} of the transaction answered no row`);
  return row as Row;
}

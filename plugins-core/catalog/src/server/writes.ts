// The statements that store a version and its amounts, for ctx.db.transaction. Amounts go to
// PostgreSQL's numeric as the validated decimal strings they arrived as: nothing is computed.
import type { SqlStatement } from '@dotmac/sdk';
import type { AmountPurpose } from './queries.ts';
import type { VersionSpec } from './version-spec.ts';

/** A version to store. */
export interface NewVersionRow {
  readonly id: string;
  readonly planId: string;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly noticeDays: number;
  readonly appliesToExisting: boolean;
  readonly spec: VersionSpec;
  readonly createdAt: string;
  readonly createdBy: string | null;
}

/** One amount of a version: what it is for, its currency, the decimal string. */
export interface AmountRow {
  readonly purpose: AmountPurpose;
  readonly currency: string;
  readonly amount: string;
}

/** Inserts a version (its amounts go separately, through `insertAmounts`). */
export function insertVersion(tenantId: string, row: NewVersionRow): SqlStatement {
  const internet = row.spec.internet;
  const fairUse = internet?.fairUse ?? null;
  return {
    sql: `insert into plan_versions (id, tenant_id, plan_id, version, effective_from, notice_days, applies_to_existing,
            billing_cycle, payment, tax_class, contract_months, download_kbps, upload_kbps, burst_kbps,
            burst_threshold_kbps, burst_time_seconds, priority, data_cap_gb, fair_use_policy, throttle_kbps,
            created_at, created_by)
          values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
    params: [
      row.id,
      tenantId,
      row.planId,
      row.version,
      row.effectiveFrom,
      row.noticeDays,
      row.appliesToExisting,
      row.spec.billingCycle,
      row.spec.payment,
      row.spec.taxClass,
      row.spec.contractMonths,
      internet?.downloadKbps ?? null,
      internet?.uploadKbps ?? null,
      internet?.burstKbps ?? null,
      internet?.burstThresholdKbps ?? null,
      internet?.burstTimeSeconds ?? null,
      internet?.priority ?? null,
      internet?.dataCapGb ?? null,
      fairUse?.policy ?? null,
      fairUse?.policy === 'throttle' ? fairUse.throttleKbps : null,
      row.createdAt,
      row.createdBy,
    ],
  };
}

/** Inserts the amounts of version `versionId`, all in one statement. */
export function insertAmounts(tenantId: string, versionId: string, amounts: readonly AmountRow[]): SqlStatement {
  return {
    sql: `insert into plan_amounts (tenant_id, plan_version_id, purpose, currency, amount)
          select $1, $2, x.purpose, x.currency, x.amount::numeric
            from jsonb_to_recordset($3::jsonb) as x(purpose text, currency text, amount text)`,
    params: [tenantId, versionId, JSON.stringify(amounts)],
  };
}

/** Every amount of a spec: its prices, early-termination fee and overage price per GB. */
export function amountRows(spec: VersionSpec): AmountRow[] {
  const fairUse = spec.internet?.fairUse;
  const rows = (purpose: AmountPurpose, amounts: Readonly<Record<string, string>>) =>
    Object.entries(amounts).map(([currency, amount]) => ({ purpose, currency, amount }));
  return [
    ...rows('price', spec.prices),
    ...rows('early_termination_fee', spec.earlyTerminationFee),
    ...(fairUse?.policy === 'overage' ? rows('overage_per_gb', fairUse.overagePricePerGb) : []),
  ];
}

-- The catalog: plans (what an ISP sells), their versions (price and spec over time) and the
-- amounts of each version per currency. Like every plugin table each holds tenant_id: the
-- kernel puts row-level security on it, so a tenant only ever sees its own catalog.

-- A plan is the thing sold; what it costs and delivers lives in its versions. Plans are never
-- deleted: hiding one (visible = false) takes it off sale and leaves its subscribers alone.
create table plans (
  id uuid primary key,
  tenant_id uuid not null,
  code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  description text not null default '',
  kind text not null check (kind in ('internet', 'voice', 'tv', 'other', 'addon', 'one-off')),
  visible boolean not null default true,
  -- Add-ons only: the plan kinds they may be added to (a jsonb array of kinds); [] means any.
  addon_for jsonb not null default '[]'::jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- A code names one plan per tenant, whatever its case (FIBRE-100 and fibre-100 are one code).
create unique index plans_code on plans (tenant_id, lower(code));
-- The list's sort orders, each with the id that breaks ties (keyset pagination).
create index plans_by_name on plans (tenant_id, name, id);
create index plans_by_created on plans (tenant_id, created_at, id);

-- One version of a plan: numbered 1, 2, ... and in force from effective_from until the next
-- version's. Versions are never edited; a change is a new version, and a version not yet in
-- force may be cancelled (cancelled_at), never deleted, so numbers are never reused.
create table plan_versions (
  id uuid primary key,
  tenant_id uuid not null,
  plan_id uuid not null references plans (id),
  version integer not null check (version >= 1),
  effective_from timestamptz not null,
  -- Days of notice existing subscribers get before effective_from.
  notice_days integer not null default 0 check (notice_days between 0 and 3650),
  -- true: existing subscribers move to this version at effective_from (the
  -- catalog.plan-version-scheduled event tells them); false: only new subscriptions get it.
  applies_to_existing boolean not null default false,
  billing_cycle text not null check (billing_cycle in ('monthly', 'quarterly', 'yearly', 'one-off')),
  payment text not null check (payment in ('prepaid', 'postpaid')),
  tax_class text not null check (tax_class ~ '^[a-z][a-z0-9_-]{0,39}$'),
  contract_months integer not null default 0 check (contract_months between 0 and 120),
  -- Internet specs, set for internet plans only.
  download_kbps integer check (download_kbps > 0),
  upload_kbps integer check (upload_kbps > 0),
  burst_kbps integer check (burst_kbps > 0),
  burst_threshold_kbps integer check (burst_threshold_kbps > 0),
  burst_time_seconds integer check (burst_time_seconds > 0),
  priority smallint check (priority between 1 and 8),
  data_cap_gb integer check (data_cap_gb > 0),
  fair_use_policy text check (fair_use_policy in ('throttle', 'overage')),
  throttle_kbps integer check (throttle_kbps > 0),
  created_at timestamptz not null,
  -- Who made the version: user:<id>, api-key:<id> or operator.
  created_by text,
  cancelled_at timestamptz,
  unique (plan_id, version),
  check ((download_kbps is null) = (upload_kbps is null)),
  check ((fair_use_policy is null) = (data_cap_gb is null)),
  check ((throttle_kbps is not null) = (fair_use_policy is not distinct from 'throttle'))
);

-- What "the version in force at t" looks up: a plan's live versions by effective date.
create index plan_versions_in_force on plan_versions (plan_id, effective_from, version) where cancelled_at is null;

-- The money of a version, one row per purpose and currency: its price, its early-termination
-- fee, and for capped internet plans the overage price per GB. Amounts are exact decimals
-- (never floats), with at most the currency's minor units, which the plugin checks.
create table plan_amounts (
  tenant_id uuid not null,
  plan_version_id uuid not null references plan_versions (id),
  purpose text not null check (purpose in ('price', 'early_termination_fee', 'overage_per_gb')),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  amount numeric(14, 4) not null check (amount >= 0),
  primary key (plan_version_id, purpose, currency)
);

-- A customer's services, one row per subscription, and the history of every transition. Both
-- tables hold tenant_id (the kernel keeps tenants apart by it) and customer_id, the account the
-- service belongs to: the kernel shows a customer-portal user only their own account's rows.
create table subscriptions (
  id uuid primary key,
  tenant_id uuid not null,
  customer_id text not null,
  status text not null check (status in ('pending', 'active', 'suspended', 'cancelled')),
  -- The plan version in force (dotmac.catalog), and the terms the lifecycle needs from it.
  plan_id uuid not null,
  plan_version integer not null check (plan_version >= 1),
  billing_cycle text not null check (billing_cycle in ('monthly', 'quarterly', 'yearly', 'one-off')),
  contract_months integer not null check (contract_months >= 0),
  -- 1 at creation, one more with each transition: a transition updates the row only at the
  -- revision it was computed from, so two concurrent commands cannot both win.
  revision integer not null check (revision >= 1),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  activated_at timestamptz,
  term_ends_at timestamptz,
  suspended_reason text check (suspended_reason in ('manual', 'dunning')),
  suspended_at timestamptz,
  suspended_note text,
  -- A plan change scheduled for pending_effective_at.
  pending_plan_id uuid,
  pending_plan_version integer,
  pending_billing_cycle text check (pending_billing_cycle in ('monthly', 'quarterly', 'yearly', 'one-off')),
  pending_contract_months integer,
  pending_direction text check (pending_direction in ('upgrade', 'downgrade', 'lateral')),
  pending_effective_at timestamptz,
  -- A cancellation scheduled for the end of the term.
  cancel_at timestamptz,
  cancelled_at timestamptz,
  -- The lifecycle's rules (lifecycle.ts, invariantViolations), kept by the database too.
  check (status <> 'pending' or activated_at is null),
  check (status not in ('active', 'suspended') or activated_at is not null),
  check (
    (status = 'suspended' and suspended_reason is not null and suspended_at is not null)
    or (status <> 'suspended' and suspended_reason is null and suspended_at is null and suspended_note is null)
  ),
  check ((status = 'cancelled') = (cancelled_at is not null)),
  check (cancel_at is null or status in ('active', 'suspended')),
  check (
    (pending_plan_id is null and pending_plan_version is null and pending_billing_cycle is null
      and pending_contract_months is null and pending_direction is null and pending_effective_at is null)
    or (pending_plan_id is not null and pending_plan_version is not null and pending_billing_cycle is not null
      and pending_contract_months is not null and pending_direction is not null and pending_effective_at is not null
      and status in ('active', 'suspended'))
  )
);

-- Listing: by account, by status, by plan, sorted by creation or activation.
create index subscriptions_by_account on subscriptions (tenant_id, customer_id);
create index subscriptions_by_created on subscriptions (tenant_id, created_at, id);
create index subscriptions_by_activated on subscriptions (tenant_id, activated_at, id);
-- What the apply-scheduled-changes job looks for.
create index subscriptions_changes_due on subscriptions (tenant_id, pending_effective_at) where pending_effective_at is not null;
create index subscriptions_cancellations_due on subscriptions (tenant_id, cancel_at) where cancel_at is not null;

-- One row per transition, its revision the subscription's after it: the unique constraint is
-- what refuses the second of two concurrent transitions computed from the same revision.
create table subscription_history (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  subscription_id uuid not null references subscriptions (id),
  revision integer not null check (revision >= 1),
  command text not null,
  from_status text check (from_status in ('pending', 'active', 'suspended', 'cancelled')),
  to_status text not null check (to_status in ('pending', 'active', 'suspended', 'cancelled')),
  -- Who asked: a user, an API key, the operator, or the system (a job).
  actor jsonb not null,
  -- The event published with the transition: its name and payload.
  event text not null,
  payload jsonb not null,
  at timestamptz not null,
  constraint subscription_history_revision unique (subscription_id, revision)
);

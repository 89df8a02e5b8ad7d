-- Reprices: a new version of a plan that the catalog applies to existing subscribers
-- (catalog.plan-version-scheduled) is scheduled on each subscription of the plan as its pending
-- change, marked pending_reprice (applying it keeps the contract term). A pending subscription
-- gets one too, so the scheduled change is no longer for running subscriptions only.
alter table subscriptions add column pending_reprice boolean not null default false;

-- 0001's unnamed check (the sixth table check) that kept pending changes to running subscriptions.
alter table subscriptions drop constraint subscriptions_check5;
alter table subscriptions add constraint subscriptions_pending_change check (
  (pending_plan_id is null and pending_plan_version is null and pending_billing_cycle is null
    and pending_contract_months is null and pending_direction is null and pending_effective_at is null
    and not pending_reprice)
  or (pending_plan_id is not null and pending_plan_version is not null and pending_billing_cycle is not null
    and pending_contract_months is not null and pending_direction is not null and pending_effective_at is not null
    and (status in ('active', 'suspended') or (status = 'pending' and pending_reprice)))
);

-- What the catalog.plan-version-scheduled handler looks for: the plan's subscriptions, by id.
create index subscriptions_by_plan on subscriptions (tenant_id, plan_id, id);

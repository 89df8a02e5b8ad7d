-- Provisioning's tables. Each holds tenant_id (the kernel keeps tenants apart by it); those about a
-- subscriber's service also hold customer_id, the account the service belongs to, so the kernel
-- shows a customer-portal user only their own account's rows.

-- One row per service (subscription) provisioning knows: what it knows of it (plan speeds, the
-- two kinds of suspension, whether it ended), where it is (state) and what it should come to
-- (desired), and what the network gave it.
create table services (
  tenant_id uuid not null,
  subscription_id uuid not null,
  customer_id text not null,
  -- The account that pays for it (billing's requests name the payer).
  payer_id text not null,
  state text not null
    check (state in ('awaiting-credentials', 'provisioning', 'active', 'suspended', 'deprovisioned', 'failed')),
  desired text not null check (desired in ('active', 'suspended', 'deprovisioned')),
  -- The plan's internet service, as the AAA account gets it.
  plan_id uuid not null,
  download_kbps integer not null check (download_kbps >= 1),
  upload_kbps integer not null check (upload_kbps >= 1),
  burst_kbps integer,
  burst_threshold_kbps integer,
  burst_time_seconds integer,
  data_cap_gb integer,
  throttle_kbps integer,
  -- dotmac.subscriptions' suspension (lifted by subscription.resumed) and billing's (lifted by
  -- service.restore-requested), kept apart.
  subscription_suspension text check (subscription_suspension in ('manual', 'dunning')),
  subscription_suspension_mode text check (subscription_suspension_mode in ('walled-garden', 'reject')),
  billing_suspension_mode text check (billing_suspension_mode in ('walled-garden', 'reject')),
  ended text check (ended in ('cancelled', 'terminated')),
  -- When the latest event of each side happened: an older one arriving late changes nothing.
  subscription_as_of timestamptz,
  billing_as_of timestamptz,
  -- The apply generation (one more each time the service must be applied again) and its runs.
  revision integer not null check (revision >= 1),
  attempts integer not null check (attempts between 0 and 5),
  -- One more with every write; each write adds the history row of its version, whose unique
  -- index refuses the second of two writes computed from the same version.
  version integer not null check (version >= 1),
  last_error text,
  -- What dotmac.network assigned: the IPv4 address and the delegated IPv6 prefix (2001:db8::/56).
  ipv4_address text,
  ipv6_prefix text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  state_since timestamptz not null,
  -- When an apply run last converged it, and when one first did.
  applied_at timestamptz,
  provisioned_at timestamptz,
  primary key (tenant_id, subscription_id),
  check ((subscription_suspension is null) = (subscription_suspension_mode is null)),
  check (state <> 'failed' or last_error is not null),
  check (state <> 'deprovisioned' or ended is not null),
  check (state not in ('active', 'suspended') or state = desired)
);

create index services_by_account on services (tenant_id, customer_id);
create index services_by_payer on services (tenant_id, payer_id);
create index services_by_state on services (tenant_id, state);
create index services_by_created on services (tenant_id, created_at, subscription_id);

-- How a subscriber signs in: PPPoE username and password, or IPoE (DHCP option 82). May be set
-- before the subscription is activated (customer_id is null until provisioning learns the account).
create table access_credentials (
  tenant_id uuid not null,
  subscription_id uuid not null,
  customer_id text,
  access text not null check (access in ('pppoe', 'ipoe')),
  username text not null,
  -- Kept because every AAA upsert sends it (RADIUS needs the clear text for CHAP); never answered.
  password text,
  circuit_id text,
  remote_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, subscription_id),
  check (access <> 'pppoe' or password is not null),
  check (access = 'ipoe' or (circuit_id is null and remote_id is null))
);

-- A username signs in one service of the tenant.
create unique index access_credentials_username on access_credentials (tenant_id, username);

-- Every transition and every step of every apply run, oldest first.
create table service_history (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity,
  tenant_id uuid not null,
  customer_id text not null,
  subscription_id uuid not null,
  -- The services row version this entry wrote; null for a step that wrote nothing.
  version integer,
  step text not null,
  outcome text not null check (outcome in ('ok', 'failed', 'compensated', 'ignored')),
  detail text not null,
  attempt integer,
  -- The service's state after this entry.
  state text not null,
  event_id uuid,
  at timestamptz not null
);

create unique index service_history_version on service_history (tenant_id, subscription_id, version)
  where version is not null;
create index service_history_by_service on service_history (tenant_id, subscription_id, seq);

-- The events handled, per service: one delivered again changes nothing.
create table processed_events (
  tenant_id uuid not null,
  event_id uuid not null,
  subscription_id uuid not null,
  name text not null,
  at timestamptz not null,
  primary key (tenant_id, event_id, subscription_id)
);

-- Each reconciliation of what provisioning knows with what dotmac.radius and dotmac.network say.
create table reconciliations (
  id uuid primary key,
  tenant_id uuid not null,
  trigger text not null check (trigger in ('request', 'schedule')),
  fix boolean not null,
  status text not null check (status in ('completed', 'failed')),
  error text,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  services_checked integer not null,
  accounts_checked integer not null,
  sessions_checked integer not null,
  assignments_checked integer not null,
  drift integer not null,
  -- The items' count by kind, and the items.
  by_kind jsonb not null,
  items jsonb not null,
  check (status = 'completed' or error is not null)
);

create index reconciliations_by_started on reconciliations (tenant_id, started_at, id);

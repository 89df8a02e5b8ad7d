-- Outage notices, one row per notice. Like every plugin table it holds tenant_id: the kernel
-- puts row-level security on it, so a tenant only ever sees its own notices.
create table notices (
  id uuid primary key,
  tenant_id uuid not null,
  area text not null,
  message text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  status text not null default 'active' check (status in ('active', 'ended')),
  posted_at timestamptz not null,
  -- Set by the outage.posted handler once the notice is announced.
  announced_at timestamptz,
  -- Set by the expire-notices job once ends_at has passed.
  ended_at timestamptz,
  check (ends_at > starts_at)
);

-- What GET /notices and the expire-notices job look for: a tenant's active notices by end time.
create index notices_active on notices (tenant_id, ends_at) where status = 'active';

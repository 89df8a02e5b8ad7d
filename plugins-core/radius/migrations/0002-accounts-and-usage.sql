-- The plugin's own tables beside FreeRADIUS's (0001): one AAA account per subscription (what
-- provisioning decided, from which the radcheck/radreply/radusergroup rows are written), usage per
-- subscription and day turned from radacct, and the live changes (CoA, Disconnect-Request) sent
-- to NASes. customer_id holds the customer account, so a customer-portal user sees only theirs.
create table accounts (
  tenant_id uuid not null,
  subscription_id uuid not null,
  customer_id text not null,
  access text not null check (access in ('pppoe', 'ipoe')),
  username text not null,
  state text not null check (state in ('active', 'walled-garden', 'rejected')),
  download_kbps integer not null check (download_kbps > 0),
  upload_kbps integer not null check (upload_kbps > 0),
  burst_kbps integer check (burst_kbps > 0),
  burst_threshold_kbps integer check (burst_threshold_kbps > 0),
  burst_time_seconds integer check (burst_time_seconds > 0),
  framed_ip text,
  framed_ipv6_prefix text,
  data_cap_gb integer check (data_cap_gb > 0),
  throttle_kbps integer check (throttle_kbps > 0),
  -- The calendar month (YYYY-MM) whose cap was crossed, while the throttle applies.
  throttled_month text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, subscription_id)
);
-- A username is one subscriber per tenant: FreeRADIUS looks rows up by (tenant, username).
create unique index accounts_username on accounts (tenant_id, username);

-- Bytes per subscription and day (UTC), both directions, summed from the sessions' deltas.
create table usage_daily (
  tenant_id uuid not null,
  subscription_id uuid not null,
  customer_id text not null,
  day date not null,
  bytes numeric(30, 0) not null check (bytes >= 0),
  -- The total billing last took for the day (dotmac.billing.recordUsage): the day goes again while they differ.
  reported_bytes numeric(30, 0) not null default 0,
  primary key (tenant_id, subscription_id, day)
);
create index usage_daily_unreported on usage_daily (tenant_id, day) where bytes <> reported_bytes;

-- How much of each accounting session has been counted into usage_daily: an interim update
-- carries the session's running total, so only what grew since is new.
create table session_usage (
  tenant_id uuid not null,
  radacctid bigint not null,
  counted_bytes numeric(30, 0) not null check (counted_bytes >= 0),
  primary key (tenant_id, radacctid)
);

-- One row per tenant, locked by each accounting ingest: two ingests at once would count the
-- same growth twice.
create table ingest_locks (
  tenant_id uuid primary key
);

-- Live changes sent to NASes (RFC 5176), one per session targeted, and their answers.
create table changes (
  id uuid primary key,
  tenant_id uuid not null,
  subscription_id uuid not null,
  customer_id text not null,
  kind text not null check (kind in ('coa', 'disconnect')),
  reason text not null check (reason in ('speed', 'throttle', 'unthrottle', 'suspend', 'remove', 'staff')),
  nas_address text not null,
  acct_session_id text not null,
  username text not null,
  framed_ip text,
  -- The attributes to send beside the session identification, [{ name, value }].
  attributes jsonb not null,
  status text not null check (status in ('pending', 'ack', 'nak', 'timeout', 'failed')),
  attempts integer not null default 0,
  error_cause text,
  created_at timestamptz not null,
  finished_at timestamptz
);
create index changes_by_subscription on changes (tenant_id, subscription_id, created_at desc);
create index changes_by_created on changes (tenant_id, created_at desc, id);

-- The NAS columns FreeRADIUS does not have: which network device it is, where it takes CoA,
-- and which vendor's attributes it understands.
alter table nas add column device_id uuid;
alter table nas add column coa_port integer not null default 3799 check (coa_port between 1 and 65535);
alter table nas add column profile text not null default 'generic' check (profile in ('mikrotik', 'cisco', 'wispr', 'generic'));

-- One row per delivery attempt, so the ISP's staff can see what reached their receiver and why
-- an attempt failed. Like every plugin table it holds tenant_id, under row-level security.
create table deliveries (
  -- Insertion order: attempts made at the same instant still list newest first.
  id bigint generated always as identity primary key,
  tenant_id uuid not null,
  -- The x-dotmac-delivery header: the event id (the same on every retry), or a fresh id for a test.
  delivery_id text not null,
  event text not null,
  -- Where it was sent, without the query string (which may carry a receiver's token).
  url text not null,
  delivered boolean not null,
  -- The receiver's HTTP status; null when no answer came.
  status_code integer,
  -- Why the attempt failed; null when it was delivered.
  error text,
  attempted_at timestamptz not null,
  check (delivered = (error is null))
);

-- What GET /deliveries and the prune-deliveries job read: a tenant's attempts by time.
create index deliveries_recent on deliveries (tenant_id, attempted_at desc, id desc);

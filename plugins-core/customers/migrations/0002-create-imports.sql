-- CSV imports of customers, as an ISP migrating from another system exports them. The file
-- arrives in parts, a dry run parses and checks every row into import_rows (and every fault
-- into import_problems), and the commit copies the rows into accounts in one statement.
create table imports (
  id uuid primary key,
  tenant_id uuid not null,
  file_name text,
  status text not null check (
    status in ('receiving', 'validating', 'validated', 'invalid', 'committing', 'committed')
  ),
  -- Bumped by every dry run: a job left over from an earlier run finds a newer one and stops.
  run int not null default 0,
  -- Where the dry run is: the next part to read, and the start of a record the previous part cut.
  next_part int not null default 1,
  carry text not null default '',
  carry_line int not null default 1,
  delimiter text,
  header jsonb,
  bytes_done bigint not null default 0,
  rows_read int not null default 0,
  problem_count int not null default 0,
  accounts_created int,
  -- Written by the commit statement, so that the transaction can check it was the one that ran.
  commit_token uuid,
  error text,
  created_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  validated_at timestamptz,
  committed_at timestamptz
);
create index imports_by_created on imports (tenant_id, created_at, id);

create table import_parts (
  tenant_id uuid not null,
  import_id uuid not null references imports (id) on delete cascade,
  n int not null check (n >= 1),
  body text not null,
  bytes int not null,
  primary key (import_id, n)
);

-- One valid row of the file, as it will become an account (and, through plan, a service the
-- subscriptions plugin creates once the import is committed). account_id is chosen here.
create table import_rows (
  tenant_id uuid not null,
  import_id uuid not null references imports (id) on delete cascade,
  line int not null,
  account_id uuid not null default gen_random_uuid(),
  account_number text,
  name text not null,
  kind text not null,
  email text,
  phone text,
  street text,
  city text,
  postal_code text,
  country text,
  lat double precision,
  lon double precision,
  status text not null,
  tags text[] not null default '{}',
  plan text,
  custom jsonb not null default '{}',
  primary key (import_id, line)
);
create index import_rows_by_number on import_rows (import_id, account_number) where account_number is not null;

-- What is wrong with the file: the line (1 is the header), the column and why.
create table import_problems (
  tenant_id uuid not null,
  import_id uuid not null references imports (id) on delete cascade,
  line int not null,
  column_name text not null,
  reason text not null,
  primary key (import_id, line, column_name)
);

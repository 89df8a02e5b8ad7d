-- Customer accounts and what belongs to them. Every table holds tenant_id (the kernel's
-- row-level security keeps tenants apart by it); every account-owned table also holds
-- customer_id, the account id as text, so that a customer-portal user sees only their own rows.

-- The per-tenant counter account numbers come from; bumped in the transaction that uses it.
create table account_counter (
  tenant_id uuid primary key,
  last bigint not null check (last >= 0)
);

create table accounts (
  id uuid primary key,
  tenant_id uuid not null,
  customer_id text not null,
  number text not null,
  kind text not null check (kind in ('residential', 'business')),
  name text not null check (length(name) between 1 and 200),
  status text not null check (status in ('lead', 'active', 'suspended', 'terminated')),
  -- The account that pays for this one; one level only (a payer has no payer).
  parent_id uuid,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  tags text[] not null default '{}',
  custom jsonb not null default '{}',
  -- Contacts' names, emails and phones and the addresses, kept up to date by the plugin in the
  -- transactions that change them, so that one generated tsvector covers all of it.
  search_terms text not null default '',
  search tsvector generated always as (
    to_tsvector(
      'simple'::regconfig,
      regexp_replace(
        number || coalesce(' r' || nullif(reverse(regexp_replace(number, '[^0-9]+', '', 'g')), ''), '')
          || ' ' || name || ' ' || search_terms,
        '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+', ' ', 'g'
      )
    )
  ) stored,
  -- The import that created the account, if one did.
  import_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (tenant_id, id),
  unique (tenant_id, number),
  check (customer_id = id::text),
  check (parent_id is null or parent_id <> id),
  foreign key (tenant_id, parent_id) references accounts (tenant_id, id)
);

create index accounts_by_name on accounts (tenant_id, name, id);
create index accounts_by_created on accounts (tenant_id, created_at, id);
create index accounts_by_status on accounts (tenant_id, status, name, id);
create index accounts_by_parent on accounts (tenant_id, parent_id) where parent_id is not null;
-- Full-text index of the search document. Plugin queries run under row-level security, where
-- PostgreSQL may not use an index through @@ (it is not leakproof); they use search_tokens.
create index accounts_search on accounts using gin (search);

-- The lexemes of accounts.search, one row each: the index plugin queries search through, by
-- prefix ranges on a "C"-collated btree (comparisons that row-level security lets use an index).
create table search_tokens (
  tenant_id uuid not null,
  customer_id text not null,
  account_id uuid not null,
  token text collate "C" not null,
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade
);
-- Covering (customer_id is what the kernel's customer-portal scoping reads), so that a search
-- reads the index alone.
create index search_tokens_by_token on search_tokens (tenant_id, token, account_id) include (customer_id);
create index search_tokens_by_account on search_tokens (account_id);

create table contacts (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  account_id uuid not null,
  name text not null,
  email text,
  phone text,
  role text,
  is_primary boolean not null default false,
  -- Whether this contact may sign in to the customer portal (as a user acting as the account).
  portal_access boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint contacts_portal_needs_email check (not portal_access or email is not null),
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade
);
create index contacts_by_account on contacts (account_id, created_at);
create unique index contacts_one_primary on contacts (account_id) where is_primary;

create table addresses (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  account_id uuid not null,
  kind text not null check (kind in ('service', 'billing')),
  label text,
  street text not null,
  city text not null,
  region text,
  postal_code text,
  country text not null check (country ~ '^[A-Z]{2}$'),
  lat double precision check (lat between -90 and 90),
  lon double precision check (lon between -180 and 180),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint addresses_coordinates_in_pairs check ((lat is null) = (lon is null)),
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade
);
create index addresses_by_account on addresses (account_id, created_at);
create unique index addresses_one_billing on addresses (account_id) where kind = 'billing';

create table notes (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  account_id uuid not null,
  body text not null,
  pinned boolean not null default false,
  author text not null,
  created_at timestamptz not null,
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade
);
create index notes_by_account on notes (account_id, created_at, id);

create table status_history (
  id uuid primary key default gen_random_uuid(),
  -- The order changes were made in, even within one instant.
  seq bigint generated always as identity,
  tenant_id uuid not null,
  customer_id text not null,
  account_id uuid not null,
  from_status text,
  to_status text not null,
  reason text,
  changed_at timestamptz not null,
  changed_by text not null,
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade
);
create index status_history_by_account on status_history (account_id, seq);

-- Custom fields a tenant defines for its accounts; values live in accounts.custom.
create table custom_fields (
  tenant_id uuid not null,
  key text not null,
  label text not null,
  type text not null check (type in ('text', 'number', 'boolean', 'date', 'select')),
  options text[] not null default '{}',
  required boolean not null default false,
  position int not null,
  primary key (tenant_id, key)
);

-- dotmac.billing's own schema. Every table holds tenant_id (the kernel keeps tenants apart by it)
-- and customer_id, the paying account (dotmac.customers): a customer-portal user sees only their
-- own rows. reseller_id, where present, lets a reseller-portal user see their customers' rows.
-- Amounts are numeric with 4 decimals (enough for every ISO 4217 minor unit billing accepts);
-- the plugin rounds them to the currency's minor units before it stores them.

-- The paying account as billing knows it: its billing profile and its unallocated credit.
create table accounts (
  id uuid primary key,
  tenant_id uuid not null,
  customer_id text not null,
  reseller_id text,
  number text not null,
  name text not null,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  -- null: anniversary billing (each service billed on the day it started); 1-28: that day.
  billing_day integer check (billing_day between 1 and 28),
  tax_country text check (tax_country ~ '^[A-Z]{2}$'),
  tax_region text,
  tax_exemption text,
  dunning_excluded boolean not null default false,
  -- Customer credit (overpayments, top-ups, credit notes on paid invoices) not yet applied.
  credit numeric(24, 4) not null default 0 constraint accounts_credit_not_negative check (credit >= 0),
  -- Prepaid wallet: services run while the balance covers them (suspension requested when not).
  prepaid_wallet boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index accounts_by_reseller on accounts (tenant_id, reseller_id) where reseller_id is not null;

-- Subscriptions as billing sees them, kept from dotmac.subscriptions' events.
create table services (
  id uuid primary key,
  tenant_id uuid not null,
  customer_id text not null,
  account_id uuid not null,
  status text not null check (status in ('pending', 'active', 'suspended', 'cancelled')),
  currency text not null,
  -- The plan in force: id, code, name, version, price, billingCycle, payment, taxClass, internet.
  plan jsonb not null,
  activated_at timestamptz,
  -- The next day a recurring invoice is due for it; null when nothing more is billed.
  next_bill_on date,
  -- The day billing resumes from within the current period (after a mid-period change); null: its start.
  bill_from date,
  -- The last day (exclusive) billed for: the end of the last invoiced period.
  billed_until date,
  -- The last day (exclusive) of service after a cancellation; null while it runs.
  ends_on date,
  -- The occurred-at of the last event applied: older events arriving late are ignored.
  event_at timestamptz not null,
  updated_at timestamptz not null
);
create index services_due on services (tenant_id, customer_id, next_bill_on) where next_bill_on is not null;

-- Charges waiting for the next invoice of their account: one-off items, proration credits and
-- charges, fees; and recurring add-ons billed with every period of their service.
create table charges (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  service_id uuid,
  kind text not null check (kind in ('one-off', 'proration', 'fee', 'addon', 'usage', 'adjustment')),
  description text not null,
  quantity numeric(24, 6) not null,
  unit_price numeric(24, 4) not null,
  tax_class text,
  recurring boolean not null default false,
  period_start date,
  period_end date,
  -- The invoice a one-off charge went on; recurring ones are never closed this way.
  invoice_id uuid,
  ended_at timestamptz,
  -- What caused it (an event id and a purpose): the same cause never charges twice.
  source_key text,
  created_at timestamptz not null,
  check (recurring = (kind = 'addon'))
);
create unique index charges_source on charges (tenant_id, source_key) where source_key is not null;
create index charges_open on charges (tenant_id, customer_id) where invoice_id is null and ended_at is null;
-- Which accounts a billing run bills for their one-off charges alone.
create index charges_one_off_due on charges (tenant_id, customer_id)
  where invoice_id is null and not recurring and ended_at is null;

-- Gapless invoice and credit-note numbers: one counter per tenant and kind, moved in the same
-- transaction as the documents it numbers, so a rollback gives the numbers back.
create table sequences (
  tenant_id uuid not null,
  kind text not null check (kind in ('invoice', 'credit-note')),
  last bigint not null default 0,
  primary key (tenant_id, kind)
);

create table invoices (
  id uuid primary key,
  tenant_id uuid not null,
  customer_id text not null,
  reseller_id text,
  kind text not null check (kind in ('invoice', 'credit-note')),
  number text,
  seq bigint,
  status text not null check (status in ('draft', 'issued', 'partially-paid', 'paid', 'void')),
  currency text not null,
  -- The customer as they were when it was made (name, number, address for the document).
  customer jsonb not null,
  credited_invoice_id uuid references invoices (id),
  reason text,
  period_start date,
  period_end date,
  -- '<payer>:<billing day>' for invoices made by billing runs: a period is never invoiced twice.
  cycle_key text,
  run_id uuid,
  issued_at timestamptz,
  due_at timestamptz,
  subtotal numeric(24, 4) not null,
  discount_total numeric(24, 4) not null,
  net_total numeric(24, 4) not null,
  tax_total numeric(24, 4) not null,
  total numeric(24, 4) not null,
  -- Payments, credit and credit notes allocated to it; for a credit note, what of it was used.
  amount_paid numeric(24, 4) not null default 0,
  taxes jsonb not null default '[]',
  tax_exemption text,
  notes text,
  dunning_steps text[] not null default '{}',
  promise_to_pay_until timestamptz,
  overdue_notified_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((status = 'draft') = (number is null)),
  constraint invoices_paid_within_total check (amount_paid >= 0 and amount_paid <= abs(total)),
  check ((kind = 'credit-note') = (credited_invoice_id is not null)),
  constraint invoices_number unique (tenant_id, number),
  constraint invoices_cycle unique (tenant_id, cycle_key)
);
create index invoices_by_customer on invoices (tenant_id, customer_id, issued_at);
create index invoices_by_issue on invoices (tenant_id, issued_at, id);
create index invoices_open on invoices (tenant_id, due_at) where status in ('issued', 'partially-paid');
create index invoices_by_reseller on invoices (tenant_id, reseller_id) where reseller_id is not null;

create table invoice_lines (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  -- Checked at commit: a billing run writes the lines before it numbers their invoices, last,
  -- so that the tenant's number sequence is locked only for the end of the transaction.
  invoice_id uuid not null references invoices (id) deferrable initially deferred,
  position integer not null,
  kind text not null,
  description text not null,
  quantity numeric(24, 6) not null,
  unit_price numeric(24, 4) not null,
  amount numeric(24, 4) not null,
  discount numeric(24, 4) not null,
  net numeric(24, 4) not null,
  tax numeric(24, 4) not null,
  total numeric(24, 4) not null,
  tax_class text,
  taxes jsonb not null default '[]',
  service_id uuid,
  period_start date,
  period_end date,
  unique (invoice_id, position)
);

create table payments (
  id uuid primary key,
  tenant_id uuid not null,
  customer_id text not null,
  reseller_id text,
  kind text not null check (kind in ('payment', 'refund')),
  method text not null check (method in ('cash', 'bank-transfer', 'card', 'mobile-money', 'credit', 'other')),
  -- The payment-provider plugin that took it, when one did.
  provider text,
  currency text not null,
  amount numeric(24, 4) not null check (amount > 0),
  reference text,
  received_at timestamptz not null,
  created_at timestamptz not null
);
create index payments_by_customer on payments (tenant_id, customer_id, received_at);
create index payments_by_date on payments (tenant_id, received_at, id);

-- What paid which invoice: a payment, the account's credit, or a credit note.
create table allocations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  invoice_id uuid not null references invoices (id) deferrable initially deferred,
  source text not null check (source in ('payment', 'credit', 'credit-note')),
  payment_id uuid references payments (id),
  credit_note_id uuid references invoices (id),
  amount numeric(24, 4) not null check (amount > 0),
  at timestamptz not null
);
create index allocations_by_invoice on allocations (invoice_id);

-- The double-entry ledger. Append-only: the plugin never updates or deletes a row; a
-- correction is a reversing entry (reverses_id).
create table journal_entries (
  id uuid primary key,
  tenant_id uuid not null,
  customer_id text not null,
  fact text not null,
  source_id uuid not null,
  currency text not null,
  at timestamptz not null,
  reverses_id uuid references journal_entries (id),
  memo text
);
create index journal_by_customer on journal_entries (tenant_id, customer_id, at);
create table journal_lines (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  entry_id uuid not null references journal_entries (id),
  account text not null check (account in ('receivables', 'revenue', 'tax-payable', 'cash', 'customer-credit', 'discounts')),
  debit numeric(24, 4) not null check (debit >= 0),
  credit numeric(24, 4) not null check (credit >= 0),
  -- On cash lines: the payment method whose clearing account the money went through.
  method text,
  check (debit = 0 or credit = 0)
);
create index journal_lines_by_entry on journal_lines (entry_id);
create index journal_lines_by_customer on journal_lines (tenant_id, customer_id, account);

-- Payment-mutating requests by Idempotency-Key: the same key and body answer the same result.
create table idempotency_keys (
  tenant_id uuid not null,
  key text not null,
  operation text not null,
  request text not null,
  response jsonb not null,
  created_at timestamptz not null,
  primary key (tenant_id, key)
);

-- Usage per service and day (bytes), from the network (radius accounting) or an import.
create table usage_records (
  tenant_id uuid not null,
  customer_id text not null,
  service_id uuid not null,
  day date not null,
  bytes numeric(24, 0) not null check (bytes >= 0),
  primary key (tenant_id, service_id, day)
);

-- Coupons on an account: a discount for a number of cycles (null: for ever).
create table coupons (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  customer_id text not null,
  code text not null,
  discount jsonb not null,
  cycles integer check (cycles is null or cycles >= 1),
  applied_cycles integer not null default 0,
  created_at timestamptz not null,
  check (cycles is null or applied_cycles <= cycles)
);
create index coupons_by_customer on coupons (tenant_id, customer_id);

-- Billing runs: one per request or scheduled day; each partition of the payers is worked
-- through by a chain of chunk jobs, which any worker may take.
create table runs (
  id uuid primary key,
  tenant_id uuid not null,
  billing_day date not null,
  dry_run boolean not null,
  status text not null check (status in ('running', 'done')),
  requested_by jsonb not null,
  payers_due integer not null,
  payers_done integer not null default 0,
  invoices integer not null default 0,
  partitions integer not null,
  -- The partitions whose last chunk is done: the run is done when all are.
  finished_partitions integer[] not null default '{}',
  -- A dry run's invoices as they would be (first ones only).
  preview jsonb not null default '[]',
  problems jsonb not null default '[]',
  started_at timestamptz not null,
  finished_at timestamptz
);
create index runs_by_start on runs (tenant_id, started_at);

-- A run's totals by currency: invoiced, or for a dry run what would be.
create table run_totals (
  tenant_id uuid not null,
  run_id uuid not null references runs (id),
  currency text not null,
  amount numeric(24, 4) not null,
  primary key (run_id, currency)
);

-- Dunning: each step taken, once per invoice.
create table dunning_log (
  tenant_id uuid not null,
  customer_id text not null,
  invoice_id uuid not null references invoices (id),
  step text not null,
  action text not null,
  at timestamptz not null,
  primary key (invoice_id, step)
);

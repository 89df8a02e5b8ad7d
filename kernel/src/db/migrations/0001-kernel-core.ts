import { Migration } from '@mikro-orm/migrations';

/** The kernel's own tables: tenants, plugins, users, audit, outbox and idempotency. */
export class Migration0001KernelCore extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists kernel`);

    this.addSql(`create table kernel.tenant (
      id uuid primary key default gen_random_uuid(),
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text not null check (length(name) between 1 and 200),
      status text not null default 'active' check (status in ('active', 'suspended', 'closed')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);

    this.addSql(`create table kernel.plugin_package (
      plugin_id text not null,
      version text not null,
      manifest jsonb not null,
      checksum text,
      status text not null default 'installed' check (status in ('installed', 'active', 'retired', 'failed')),
      installed_at timestamptz not null default now(),
      primary key (plugin_id, version)
    )`);

    this.addSql(`create table kernel.plugin_installation (
      tenant_id uuid not null references kernel.tenant (id) on delete cascade,
      plugin_id text not null,
      enabled boolean not null default false,
      config jsonb not null default '{}'::jsonb,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, plugin_id)
    )`);

    this.addSql(`create table kernel.app_user (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid references kernel.tenant (id) on delete cascade,
      email text not null,
      display_name text not null default '',
      password_hash text,
      status text not null default 'active' check (status in ('active', 'disabled')),
      created_at timestamptz not null default now()
    )`);
    // A user's email is unique within its tenant; platform operators (no tenant) form one more scope.
    this.addSql(`create unique index app_user_email_per_tenant on kernel.app_user
      (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(email))`);

    this.addSql(`create table kernel.audit_log (
      id bigint generated always as identity primary key,
      at timestamptz not null default now(),
      tenant_id uuid,
      actor_type text not null,
      actor_id text,
      action text not null,
      target text,
      data jsonb not null default '{}'::jsonb,
      request_id text
    )`);
    this.addSql(`create index audit_log_tenant_at on kernel.audit_log (tenant_id, at desc)`);

    // Transactional outbox: a row per published event, written in the publisher's transaction.
    this.addSql(`create table kernel.outbox_event (
      id uuid primary key,
      seq bigint generated always as identity unique,
      name text not null,
      tenant_id uuid,
      payload jsonb not null,
      occurred_at timestamptz not null,
      created_at timestamptz not null default now(),
      dispatched_at timestamptz
    )`);
    this.addSql(`create index outbox_event_undispatched on kernel.outbox_event (seq) where dispatched_at is null`);

    // One row per (event, subscriber): the at-least-once delivery state machine.
    this.addSql(`create table kernel.event_delivery (
      event_id uuid not null references kernel.outbox_event (id) on delete cascade,
      subscriber text not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      locked_until timestamptz,
      last_error text,
      delivered_at timestamptz,
      primary key (event_id, subscriber)
    )`);
    this.addSql(`create index event_delivery_due on kernel.event_delivery (next_attempt_at) where status = 'pending'`);

    this.addSql(`create table kernel.dead_letter (
      id uuid primary key default gen_random_uuid(),
      event_id uuid not null references kernel.outbox_event (id) on delete cascade,
      subscriber text not null,
      event_name text not null,
      tenant_id uuid,
      attempts integer not null,
      last_error text not null,
      dead_at timestamptz not null default now(),
      replayed_at timestamptz
    )`);
    this.addSql(`create index dead_letter_open on kernel.dead_letter (dead_at) where replayed_at is null`);

    this.addSql(`create table kernel.idempotency_key (
      scope text not null,
      key text not null,
      request_hash text not null,
      status integer,
      response jsonb,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (scope, key)
    )`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Identity and tenancy: SaaS plans, tenant profile and hostnames, users of every portal,
 * roles, signing keys, refresh tokens, API keys, one-time tokens, login throttling, and an
 * append-only audit log.
 */
export class Migration0004Identity extends Migration {
  override async up(): Promise<void> {
    // What a tenant's SaaS plan lets it switch on: plugin ids.
    this.addSql(`create table kernel.saas_plan (
      id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name text not null check (length(name) between 1 and 200),
      modules text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);

    this.addSql(`alter table kernel.tenant
      add column currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
      add column time_zone text not null default 'UTC' check (length(time_zone) between 1 and 64),
      add column locale text not null default 'en' check (locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
      add column plan_id text references kernel.saas_plan (id),
      add column suspended_reason text,
      add column closed_at timestamptz`);

    // Each tenant's portals answer on its hostnames (isp.example.net, portal.isp.example.net).
    this.addSql(`create table kernel.tenant_hostname (
      hostname text primary key check (hostname = lower(hostname) and length(hostname) between 1 and 253),
      tenant_id uuid not null references kernel.tenant (id) on delete cascade
    )`);
    this.addSql(`create index tenant_hostname_tenant on kernel.tenant_hostname (tenant_id)`);

    // Users of every portal. Platform operators have no tenant. subject_id is what a customer,
    // reseller or technician login acts as (their account, reseller or technician record), the
    // key of the row scoping plugins get from the kernel.
    this.addSql(`alter table kernel.app_user
      add column portal text not null default 'admin'
        check (portal in ('platform', 'admin', 'customer', 'reseller', 'technician')),
      add column subject_id text,
      add column totp_secret bytea,
      add column totp_enabled boolean not null default false,
      add column password_changed_at timestamptz,
      add column last_login_at timestamptz,
      add column updated_at timestamptz not null default now()`);
    this.addSql(`alter table kernel.app_user drop constraint app_user_status_check`);
    this.addSql(`alter table kernel.app_user add constraint app_user_status_check
      check (status in ('invited', 'active', 'disabled'))`);
    this.addSql(`alter table kernel.app_user add constraint app_user_portal_tenant
      check ((portal = 'platform') = (tenant_id is null))`);
    this.addSql(`drop index kernel.app_user_email_per_tenant`);
    // One login per email in each portal of each tenant (a customer's contacts each have their own).
    this.addSql(`create unique index app_user_email_per_portal on kernel.app_user
      (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), portal, lower(email))`);

    this.addSql(`create table kernel.role (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid references kernel.tenant (id) on delete cascade,
      portal text not null check (portal in ('platform', 'admin', 'customer', 'reseller', 'technician')),
      name text not null check (name ~ '^[a-z][a-z0-9-]{0,62}$'),
      description text not null default '',
      permissions text[] not null default '{}',
      builtin boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((portal = 'platform') = (tenant_id is null))
    )`);
    this.addSql(`create unique index role_name_per_portal on kernel.role
      (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), portal, name)`);
    this.addSql(`create table kernel.user_role (
      user_id uuid not null references kernel.app_user (id) on delete cascade,
      role_id uuid not null references kernel.role (id) on delete cascade,
      primary key (user_id, role_id)
    )`);

    // Access-token signing keys (EdDSA). The private key is encrypted with SECRETS_KEY.
    this.addSql(`create table kernel.signing_key (
      kid text primary key,
      alg text not null check (alg in ('EdDSA')),
      public_jwk jsonb not null,
      private_key bytea not null,
      iv bytea not null check (octet_length(iv) = 12),
      tag bytea not null check (octet_length(tag) = 16),
      created_at timestamptz not null default now(),
      retired_at timestamptz
    )`);

    // Rotating refresh tokens: only a hash is kept; a token used twice revokes its family.
    this.addSql(`create table kernel.refresh_token (
      id uuid primary key default gen_random_uuid(),
      family_id uuid not null,
      user_id uuid not null references kernel.app_user (id) on delete cascade,
      tenant_id uuid references kernel.tenant (id) on delete cascade,
      token_hash bytea not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      revoked_at timestamptz
    )`);
    this.addSql(`create index refresh_token_family on kernel.refresh_token (family_id)`);
    this.addSql(`create index refresh_token_user on kernel.refresh_token (user_id)`);

    // Integration API keys: shown once; the secret is kept as a hash; `prefix` finds the row.
    this.addSql(`create table kernel.api_key (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references kernel.tenant (id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      prefix text not null unique,
      secret_hash bytea not null,
      scopes text[] not null default '{}',
      created_by uuid references kernel.app_user (id) on delete set null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`);
    this.addSql(`create index api_key_tenant on kernel.api_key (tenant_id)`);

    // Invitations and password resets: single use, expiring, stored as hashes.
    this.addSql(`create table kernel.one_time_token (
      token_hash bytea primary key,
      user_id uuid not null references kernel.app_user (id) on delete cascade,
      purpose text not null check (purpose in ('invitation', 'password-reset')),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    )`);

    // Failed sign-ins per account and per address, for throttling and lockout.
    this.addSql(`create table kernel.login_throttle (
      key text primary key,
      failures integer not null default 0,
      window_started_at timestamptz not null,
      locked_until timestamptz
    )`);

    // The audit log is append-only: who, tenant, what, when, from where, before/after.
    this.addSql(`alter table kernel.audit_log
      add column ip text,
      add column before jsonb,
      add column after jsonb`);
    this.addSql(`create function kernel.audit_log_is_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'kernel.audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
      end
    $$`);
    this.addSql(`create trigger audit_log_append_only before update or delete on kernel.audit_log
      for each row execute function kernel.audit_log_is_append_only()`);
    this.addSql(`create trigger audit_log_no_truncate before truncate on kernel.audit_log
      for each statement execute function kernel.audit_log_is_append_only()`);
  }
}

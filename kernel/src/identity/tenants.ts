// Tenants, as the platform operator manages them: create (with the first admin and the modules
// the plan allows), update, suspend, reactivate, export and close; and which tenant a request's
// hostname belongs to. Every change publishes its event and writes its audit row in one transaction.
import type { Clock } from '../clock.ts';
import type { Database, Tx } from '../db/database.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { type Actor, audit, ENABLEMENT_CHANNEL } from '../plugins/enablement.ts';
import { compileSchema, validateOrThrow } from '../validation.ts';
import { appendAudit } from './audit.ts';
import type { InstalledModule, Plans } from './plans.ts';
import { exportTenant, type TenantArchive } from './tenant-export.ts';

export type TenantStatus = 'active' | 'suspended' | 'closed';

/** A tenant as the operator sees it. */
export interface TenantRecord {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  /** Lowercase hostnames its portals answer on; none once closed. */
  readonly hostnames: readonly string[];
  /** Default currency, ISO 4217. */
  readonly currency: string;
  /** IANA time zone, or UTC. */
  readonly timeZone: string;
  /** BCP 47 language tag, canonical form (en, fr-CA). */
  readonly locale: string;
  /** Logo and colours its portals show. */
  readonly branding: TenantBranding;
  readonly planId: string | null;
  readonly status: TenantStatus;
  /** Why it is suspended, as its users are told; null unless suspended. */
  readonly suspendedReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

/** How a tenant's portals look: its logo and colours; null fields use the shell's defaults. */
export interface TenantBranding {
  /** An https URL or a path on this host. */
  readonly logoUrl: string | null;
  /** CSS hex colour, #rrggbb. */
  readonly primaryColor: string | null;
  readonly accentColor: string | null;
}

/** The tenant's first administrator, whom the identity layer invites. */
export interface FirstAdmin {
  readonly email: string;
  readonly displayName?: string;
}

/** What the operator says to create a tenant. */
export interface NewTenant {
  readonly name: string;
  readonly slug: string;
  readonly hostnames: readonly string[];
  readonly currency: string;
  readonly timeZone: string;
  readonly locale: string;
  readonly branding?: Partial<TenantBranding>;
  readonly planId?: string | null;
  readonly admin: FirstAdmin;
}

/** The fields `update` changes; absent ones stay as they are. `planId: null` removes the plan. */
export interface TenantPatch {
  readonly name?: string;
  readonly hostnames?: readonly string[];
  readonly currency?: string;
  readonly timeZone?: string;
  readonly locale?: string;
  /** Replaces the branding; absent fields become null. */
  readonly branding?: Partial<TenantBranding>;
  readonly planId?: string | null;
}

/** What the identity layer does when a tenant is created, inside the creating transaction. */
export interface TenantHooks {
  /** Creates the tenant's roles and invites its first admin; throwing undoes the whole creation. */
  onCreated(tx: Tx, tenant: TenantRecord, admin: FirstAdmin): Promise<void>;
}

/** What the auth layer needs to admit a tenant's users. */
export interface TenantStanding {
  readonly slug: string;
  readonly status: TenantStatus;
  readonly suspendedReason: string | null;
}

/** Who made a change, for the audit log (the address when it came over HTTP). */
export interface AuditActor extends Actor {
  readonly ip?: string;
}

/** One page of tenants; pass `nextCursor` back as `cursor` for the next. */
export interface TenantPage {
  readonly items: TenantRecord[];
  readonly nextCursor: string | null;
}

const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
const HOSTNAME_PATTERN =
  '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
/** The form the kernel.tenant locale check accepts. */
const STORED_LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const profileProperties = {
  name: {
    type: 'string',
    minLength: 1,
    maxLength: 200,
    pattern: '\\S',
    description: 'Display name of the ISP, e.g. Lagos Fibre.',
  },
  hostnames: {
    type: 'array',
    maxItems: 20,
    uniqueItems: true,
    description: 'Hostnames its portals answer on, e.g. portal.lagosfibre.ng; stored lowercase, unique across tenants.',
    items: { type: 'string', minLength: 1, maxLength: 253, pattern: HOSTNAME_PATTERN, description: 'A DNS name.' },
  },
  currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'Default currency, ISO 4217, e.g. NGN.' },
  timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Africa/Lagos, or UTC.' },
  locale: { type: 'string', minLength: 2, maxLength: 35, description: 'BCP 47 language tag, e.g. en or fr-CA.' },
  branding: {
    type: 'object',
    additionalProperties: false,
    description: 'How its portals look; absent fields use the defaults.',
    properties: {
      logoUrl: {
        type: ['string', 'null'],
        maxLength: 2000,
        pattern: '^(https://|/)[^\\s"\'<>]*$',
        description: 'Logo shown in its portals: an https URL or a path on this host.',
      },
      primaryColor: {
        type: ['string', 'null'],
        pattern: '^#[0-9a-fA-F]{6}$',
        description: 'Main colour of its portals, #rrggbb.',
      },
      accentColor: { type: ['string', 'null'], pattern: '^#[0-9a-fA-F]{6}$', description: 'Accent colour, #rrggbb.' },
    },
  },
  planId: {
    type: ['string', 'null'],
    pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
    description: 'The SaaS plan: which modules the tenant may switch on. Null or absent: every installed module.',
  },
} as const;

/** The body of POST /api/v1/platform/tenants. */
export const newTenantSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'slug', 'hostnames', 'currency', 'timeZone', 'locale', 'admin'],
  description: 'A new tenant (an ISP hosted on this installation) and its first administrator.',
  properties: {
    slug: { type: 'string', pattern: SLUG_PATTERN, description: 'URL-safe short name, unique, e.g. lagos-fibre.' },
    ...profileProperties,
    admin: {
      type: 'object',
      additionalProperties: false,
      required: ['email'],
      description: 'The first administrator, who is invited by email.',
      properties: {
        email: { type: 'string', format: 'email', maxLength: 254, description: 'Where the invitation goes.' },
        displayName: { type: 'string', minLength: 1, maxLength: 200, description: 'How the admin is named.' },
      },
    },
  },
} as const;

/** The body of PATCH /api/v1/platform/tenants/:tenantId. */
export const tenantPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'The tenant fields to change; absent fields stay as they are.',
  properties: profileProperties,
} as const;

/** Why a tenant is suspended. */
export const suspendReasonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 500,
  pattern: '\\S',
  description: 'Why the tenant is suspended; its users are told this, e.g. "Invoice 2025-03 is unpaid".',
} as const;

const newTenantValidator = compileSchema<NewTenant>(newTenantSchema);
const patchValidator = compileSchema<TenantPatch>(tenantPatchSchema);
const reasonValidator = compileSchema<string>(suspendReasonSchema);

interface TenantRow {
  id: string;
  slug: string;
  name: string;
  hostnames: string[];
  currency: string;
  time_zone: string;
  locale: string;
  branding: Partial<TenantBranding> | null;
  plan_id: string | null;
  status: TenantStatus;
  suspended_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  closed_at: Date | string | null;
}

const SELECT_TENANT = `select t.id, t.slug, t.name, t.currency, t.time_zone, t.locale, t.branding, t.plan_id, t.status,
       t.suspended_reason, t.created_at, t.updated_at, t.closed_at,
       array(select h.hostname from kernel.tenant_hostname h where h.tenant_id = t.id order by h.hostname) as hostnames
  from kernel.tenant t`;

export class Tenants {
  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly plans: Plans,
    private readonly hooks: TenantHooks,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates a tenant in one transaction: the tenant and its hostnames, the identity layer's
   * `onCreated` (roles, first admin), the modules its plan allows switched on (those the hook
   * did not), the tenant.created event and the audit row. Any failure leaves nothing behind.
   */
  async create(input: NewTenant, actor: AuditActor): Promise<TenantRecord> {
    const valid = validateOrThrow(newTenantValidator, structuredClone(input), 'invalid tenant');
    const profile = normalizeProfile(valid);
    const now = this.clock.now();
    return this.writing(() =>
      this.db.transaction(async (tx) => {
        const [taken] = await tx.query('select 1 from kernel.tenant where slug = $1', [valid.slug]);
        if (taken) throw new ConflictError(`slug ${valid.slug} is taken by another tenant; choose another slug`);
        await checkHostnamesFree(tx, profile.hostnames ?? [], undefined);
        const modules = profile.planId ? await this.plans.modulesToEnable(tx, profile.planId) : [];
        const [row] = await tx.query<{ id: string }>(
          `insert into kernel.tenant (slug, name, currency, time_zone, locale, branding, plan_id, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id`,
          [
            valid.slug,
            profile.name,
            profile.currency,
            profile.timeZone,
            profile.locale,
            JSON.stringify(brandingOf(profile.branding)),
            profile.planId ?? null,
            now,
          ],
        );
        if (!row) throw new Error(`tenant ${valid.slug} was not written`);
        await addHostnames(tx, row.id, profile.hostnames ?? []);
        const tenant = await readTenant(tx, row.id);
        await this.hooks.onCreated(tx, tenant, valid.admin);
        await this.enableModules(tx, tenant.id, modules, actor);
        await this.bus.publish(tx, {
          name: 'tenant.created',
          tenantId: tenant.id,
          payload: { tenantId: tenant.id, slug: tenant.slug, name: tenant.name },
        });
        await auditTenant(tx, tenant.id, actor, 'tenant.create', { after: tenant });
        return tenant;
      }),
    );
  }

  /** Changes the given fields; a patch that changes nothing writes nothing. Closed tenants cannot change. */
  async update(id: string, patch: TenantPatch, actor: AuditActor): Promise<TenantRecord> {
    const valid = validateOrThrow(patchValidator, structuredClone(patch), 'invalid tenant change');
    const wanted = normalizeProfile(valid);
    const now = this.clock.now();
    return this.writing(() =>
      this.db.transaction(async (tx) => {
        const before = await lockTenant(tx, id);
        if (before.status === 'closed') throw new ConflictError(`tenant ${before.slug} is closed and cannot change`);
        const changed = changedFields(before, wanted);
        if (changed.length === 0) return before;
        if (changed.includes('planId') && wanted.planId) await this.plans.require(tx, wanted.planId);
        if (changed.includes('hostnames')) {
          const hostnames = wanted.hostnames ?? [];
          await checkHostnamesFree(tx, hostnames, id);
          await tx.query(
            'delete from kernel.tenant_hostname where tenant_id = $1 and not (hostname = any($2::text[]))',
            [id, hostnames],
          );
          await addHostnames(tx, id, hostnames);
        }
        await tx.query(
          `update kernel.tenant set name = $2, currency = $3, time_zone = $4, locale = $5, plan_id = $6, updated_at = $7,
                  branding = $8 where id = $1`,
          [
            id,
            wanted.name ?? before.name,
            wanted.currency ?? before.currency,
            wanted.timeZone ?? before.timeZone,
            wanted.locale ?? before.locale,
            wanted.planId === undefined ? before.planId : wanted.planId,
            now,
            JSON.stringify(wanted.branding === undefined ? before.branding : brandingOf(wanted.branding)),
          ],
        );
        const after = await readTenant(tx, id);
        await this.bus.publish(tx, {
          name: 'tenant.updated',
          tenantId: id,
          payload: {
            tenantId: id,
            changed,
            name: after.name,
            hostnames: [...after.hostnames],
            currency: after.currency,
            timeZone: after.timeZone,
            locale: after.locale,
            planId: after.planId,
          },
        });
        await auditTenant(tx, id, actor, 'tenant.update', { before, after });
        return after;
      }),
    );
  }

  /**
   * Suspends the tenant: its users are refused (403, with `reason`) until it is reactivated;
   * nothing of its data is touched. Suspending again with another reason changes the reason.
   */
  async suspend(id: string, reason: string, actor: AuditActor): Promise<TenantRecord> {
    const why = validateOrThrow(reasonValidator, reason, 'invalid suspension', '/reason').trim();
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const before = await lockTenant(tx, id);
      if (before.status === 'closed')
        throw new ConflictError(`tenant ${before.slug} is closed; it cannot be suspended`);
      if (before.status === 'suspended' && before.suspendedReason === why) return before;
      await tx.query(
        `update kernel.tenant set status = 'suspended', suspended_reason = $2, updated_at = $3 where id = $1`,
        [id, why, now],
      );
      const after = await readTenant(tx, id);
      await this.bus.publish(tx, { name: 'tenant.suspended', tenantId: id, payload: { tenantId: id, reason: why } });
      await auditTenant(tx, id, actor, 'tenant.suspend', { before, after });
      return after;
    });
  }

  /** Lets a suspended tenant's users in again. Reactivating an active tenant changes nothing. */
  async reactivate(id: string, actor: AuditActor): Promise<TenantRecord> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const before = await lockTenant(tx, id);
      if (before.status === 'closed') {
        throw new ConflictError(`tenant ${before.slug} is closed; a closed tenant cannot be reactivated`);
      }
      if (before.status === 'active') return before;
      await tx.query(
        `update kernel.tenant set status = 'active', suspended_reason = null, updated_at = $2 where id = $1`,
        [id, now],
      );
      const after = await readTenant(tx, id);
      await this.bus.publish(tx, { name: 'tenant.reactivated', tenantId: id, payload: { tenantId: id } });
      await auditTenant(tx, id, actor, 'tenant.reactivate', { before, after });
      return after;
    });
  }

  /** The tenant `id`; NotFoundError when there is none. */
  async get(id: string): Promise<TenantRecord> {
    if (!UUID.test(id)) throw new NotFoundError(`no tenant ${id}`);
    const [row] = await this.db.query<TenantRow>(`${SELECT_TENANT} where t.id = $1`, [id]);
    if (!row) throw new NotFoundError(`no tenant ${id}`);
    return toRecord(row);
  }

  /** Tenants by slug, `limit` at a time, optionally of one status. */
  async list(options: { status?: TenantStatus; limit?: number; cursor?: string } = {}): Promise<TenantPage> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 200);
    const rows = await this.db.query<TenantRow>(
      `${SELECT_TENANT} where ($1::text is null or t.status = $1) and ($2::text is null or t.slug > $2)
        order by t.slug limit $3`,
      [options.status ?? null, options.cursor ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(toRecord);
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.slug ?? null) : null };
  }

  /**
   * The tenant whose portals answer on `host` (a Host header: any case, port and trailing dot
   * ignored), or undefined. Not cached, so a suspension or closing shows on the next request.
   */
  async byHostname(host: string): Promise<TenantRecord | undefined> {
    const hostname = normalizeHostname(host);
    if (!hostname) return undefined;
    const [row] = await this.db.query<TenantRow>(
      `${SELECT_TENANT} where t.id = (select h.tenant_id from kernel.tenant_hostname h where h.hostname = $1)
          and t.status <> 'closed'`,
      [hostname],
    );
    return row ? toRecord(row) : undefined;
  }

  /** The tenant with this slug unless it is closed. */
  async bySlug(slug: string): Promise<TenantRecord | undefined> {
    const [row] = await this.db.query<TenantRow>(`${SELECT_TENANT} where t.slug = $1 and t.status <> 'closed'`, [slug]);
    return row ? toRecord(row) : undefined;
  }

  /** Whether the tenant may be served, for the auth layer; undefined for an unknown tenant. */
  async status(tenantId: string): Promise<TenantStanding | undefined> {
    if (!UUID.test(tenantId)) return undefined;
    const [row] = await this.db.query<{ slug: string; status: TenantStatus; suspended_reason: string | null }>(
      'select slug, status, suspended_reason from kernel.tenant where id = $1',
      [tenantId],
    );
    return row ? { slug: row.slug, status: row.status, suspendedReason: row.suspended_reason } : undefined;
  }

  /** Throws the 403 that tells a suspended or closed tenant's user why; NotFoundError for an unknown tenant. */
  async requireActive(tenantId: string): Promise<void> {
    const standing = await this.status(tenantId);
    if (!standing) throw new NotFoundError(`no tenant ${tenantId}`);
    const refusal = inactiveTenantError(standing);
    if (refusal) throw refusal;
  }

  /**
   * Writes an archive of the tenant's data under `exportsDir` (see tenant-export.ts) and
   * records it in the audit log, which is what lets the tenant be closed.
   */
  async exportData(id: string, exportsDir: string, actor: AuditActor): Promise<TenantArchive> {
    await this.get(id);
    const archive = await exportTenant(this.db, id, exportsDir, { clock: this.clock });
    await this.db.transaction((tx) =>
      auditTenant(tx, id, actor, 'tenant.export', {
        data: { name: archive.name, bytes: archive.bytes, sha256: archive.sha256 },
      }),
    );
    return archive;
  }

  /**
   * Closes (soft-deletes) the tenant: refused until its data has been exported. It then serves
   * nobody, its hostnames are free for other tenants, its slug stays taken and its rows stay.
   * Closing a closed tenant changes nothing.
   */
  async close(id: string, actor: AuditActor): Promise<TenantRecord> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const before = await lockTenant(tx, id);
      if (before.status === 'closed') return before;
      const [exported] = await tx.query<{ data: { name: string; sha256: string } }>(
        `select data from kernel.audit_log where tenant_id = $1 and action = 'tenant.export' order by id desc limit 1`,
        [id],
      );
      if (!exported) {
        throw new ConflictError(
          `tenant ${before.slug} has no export of its data; export it first (POST /api/v1/platform/tenants/${id}/exports), then close it`,
        );
      }
      await tx.query('delete from kernel.tenant_hostname where tenant_id = $1', [id]);
      await tx.query(`update kernel.tenant set status = 'closed', closed_at = $2, updated_at = $2 where id = $1`, [
        id,
        now,
      ]);
      const after = await readTenant(tx, id);
      await this.bus.publish(tx, {
        name: 'tenant.closed',
        tenantId: id,
        payload: {
          tenantId: id,
          slug: before.slug,
          archive: { name: exported.data.name, sha256: exported.data.sha256 },
        },
      });
      await auditTenant(tx, id, actor, 'tenant.close', { before, after });
      return after;
    });
  }

  /**
   * Switches on, for a new tenant, the modules its plan allows (dependencies first), each with
   * its plugin.enabled event and audit row; modules the onCreated hook already switched on are left as they are.
   */
  private async enableModules(
    tx: Tx,
    tenantId: string,
    modules: readonly InstalledModule[],
    actor: AuditActor,
  ): Promise<void> {
    const on = await tx.query<{ plugin_id: string }>(
      'select plugin_id from kernel.plugin_installation where tenant_id = $1 and enabled',
      [tenantId],
    );
    const already = new Set(on.map((r) => r.plugin_id));
    const missing = modules.filter((m) => !already.has(m.id));
    for (const m of missing) {
      await tx.query(
        `insert into kernel.plugin_installation (tenant_id, plugin_id, enabled, updated_at) values ($1, $2, true, now())
         on conflict (tenant_id, plugin_id) do update set enabled = true, updated_at = now()`,
        [tenantId, m.id],
      );
      await this.bus.publish(tx, {
        name: 'plugin.enabled',
        tenantId,
        payload: { tenantId, pluginId: m.id, version: m.version },
      });
      await audit(tx, tenantId, actor, 'plugin.enable', m.id);
    }
    // Other processes forget anything they cached for this id (PluginEnablement listens).
    if (missing.length && this.db.kind === 'postgresql') {
      await tx.query('select pg_notify($1, $2)', [ENABLEMENT_CHANNEL, tenantId]);
    }
  }

  /** Turns the database's unique violations (a concurrent writer won) into the conflicts they are. */
  private async writing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      const constraint = uniqueViolation(e);
      if (constraint === 'tenant_slug_key')
        throw new ConflictError('that slug is taken by another tenant', { cause: e });
      if (constraint === 'tenant_hostname_pkey') {
        throw new ConflictError('one of the hostnames is taken by another tenant; hostnames are unique', { cause: e });
      }
      throw e;
    }
  }
}

/** The 403 a suspended or closed tenant's users get, naming why; undefined for an active tenant. */
export function inactiveTenantError(standing: TenantStanding): ForbiddenError | undefined {
  if (standing.status === 'suspended') {
    return new ForbiddenError(
      `${standing.slug} is suspended by the platform operator: ${standing.suspendedReason ?? 'no reason given'}. Its data is kept; access returns when it is reactivated.`,
    );
  }
  if (standing.status === 'closed') {
    return new ForbiddenError(`${standing.slug} is closed; it no longer serves anyone`);
  }
  return undefined;
}

/** The lowercase hostname of a Host header value, without port or trailing dot. */
export function normalizeHostname(host: string): string {
  const name = host.trim().toLowerCase();
  // An IPv6 literal keeps its brackets (and is never a tenant's hostname); its port goes.
  if (name.startsWith('[')) return name.replace(/^(\[[^\]]*\]).*$/, '$1');
  return name.replace(/:\d*$/, '').replace(/\.$/, '');
}

/** The audit row of a change to tenant `tenantId`, with the state before and after. */
function auditTenant(
  tx: Tx,
  tenantId: string,
  actor: AuditActor,
  action: string,
  change: { readonly before?: TenantRecord; readonly after?: TenantRecord; readonly data?: Record<string, unknown> },
): Promise<void> {
  return appendAudit(tx, {
    tenantId,
    actorType: actor.type,
    actorId: actor.id ?? null,
    action,
    target: `tenant:${tenantId}`,
    ...change,
    requestId: actor.requestId ?? null,
    ip: actor.ip ?? null,
  });
}

/** Checks what JSON Schema cannot (real currencies, time zones, locales) and brings values to their stored form. */
function normalizeProfile(input: TenantPatch): TenantPatch {
  const problems: { pointer: string; detail: string }[] = [];
  let locale = input.locale;
  if (input.currency !== undefined && !CURRENCIES().has(input.currency)) {
    problems.push({
      pointer: '/currency',
      detail: `${input.currency} is not an ISO 4217 currency code (e.g. NGN, USD)`,
    });
  }
  if (input.timeZone !== undefined && !TIME_ZONES().has(input.timeZone)) {
    problems.push({
      pointer: '/timeZone',
      detail: `${input.timeZone} is not an IANA time zone (e.g. Africa/Lagos, UTC)`,
    });
  }
  if (locale !== undefined) {
    try {
      locale = Intl.getCanonicalLocales(locale)[0];
    } catch {
      locale = undefined;
    }
    if (!locale || !STORED_LOCALE.test(locale)) {
      problems.push({ pointer: '/locale', detail: `${input.locale} is not a language tag like en or fr-CA` });
    }
  }
  if (problems.length) {
    throw new ValidationError(
      `invalid tenant: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`,
      problems,
    );
  }
  return {
    ...input,
    ...(input.locale !== undefined ? { locale } : {}),
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.hostnames ? { hostnames: [...new Set(input.hostnames.map(normalizeHostname))].sort() } : {}),
  };
}

let currencies: ReadonlySet<string> | undefined;
const CURRENCIES = () => {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies;
};
let timeZones: ReadonlySet<string> | undefined;
const TIME_ZONES = () => {
  timeZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return timeZones;
};

function changedFields(before: TenantRecord, wanted: TenantPatch): string[] {
  const changed: string[] = [];
  if (wanted.name !== undefined && wanted.name !== before.name) changed.push('name');
  if (wanted.hostnames !== undefined && wanted.hostnames.join(' ') !== before.hostnames.join(' ')) {
    changed.push('hostnames');
  }
  if (wanted.currency !== undefined && wanted.currency !== before.currency) changed.push('currency');
  if (wanted.timeZone !== undefined && wanted.timeZone !== before.timeZone) changed.push('timeZone');
  if (wanted.locale !== undefined && wanted.locale !== before.locale) changed.push('locale');
  if (wanted.planId !== undefined && wanted.planId !== before.planId) changed.push('planId');
  if (
    wanted.branding !== undefined &&
    JSON.stringify(brandingOf(wanted.branding)) !== JSON.stringify(brandingOf(before.branding))
  ) {
    changed.push('branding');
  }
  return changed;
}

async function checkHostnamesFree(tx: Tx, hostnames: readonly string[], tenantId: string | undefined): Promise<void> {
  if (hostnames.length === 0) return;
  const taken = await tx.query<{ hostname: string; slug: string }>(
    `select h.hostname, t.slug from kernel.tenant_hostname h join kernel.tenant t on t.id = h.tenant_id
      where h.hostname = any($1::text[]) and ($2::uuid is null or h.tenant_id <> $2) order by h.hostname`,
    [hostnames, tenantId ?? null],
  );
  if (taken.length) {
    throw new ConflictError(
      `hostnames already used by another tenant: ${taken.map((h) => `${h.hostname} (${h.slug})`).join(', ')}`,
    );
  }
}

async function addHostnames(tx: Tx, tenantId: string, hostnames: readonly string[]): Promise<void> {
  if (hostnames.length === 0) return;
  await tx.query(
    `insert into kernel.tenant_hostname (hostname, tenant_id) select h, $2 from unnest($1::text[]) h
     on conflict (hostname) do nothing`,
    [hostnames, tenantId],
  );
  // A hostname another transaction claimed between the check and the insert is not silently lost.
  const [lost] = await tx.query<{ hostname: string }>(
    `select h.hostname from kernel.tenant_hostname h where h.hostname = any($1::text[]) and h.tenant_id <> $2 limit 1`,
    [hostnames, tenantId],
  );
  if (lost) throw new ConflictError(`hostnames already used by another tenant: ${lost.hostname}`);
}

async function lockTenant(tx: Tx, id: string): Promise<TenantRecord> {
  if (!UUID.test(id)) throw new NotFoundError(`no tenant ${id}`);
  const rows = await tx.query('select 1 from kernel.tenant where id = $1 for update', [id]);
  if (rows.length === 0) throw new NotFoundError(`no tenant ${id}`);
  return readTenant(tx, id);
}

async function readTenant(tx: Tx, id: string): Promise<TenantRecord> {
  const [row] = await tx.query<TenantRow>(`${SELECT_TENANT} where t.id = $1`, [id]);
  if (!row) throw new NotFoundError(`no tenant ${id}`);
  return toRecord(row);
}

function toRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    hostnames: row.hostnames ?? [],
    currency: row.currency,
    timeZone: row.time_zone,
    locale: row.locale,
    branding: brandingOf(row.branding ?? {}),
    planId: row.plan_id,
    status: row.status,
    suspendedReason: row.suspended_reason,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    closedAt: row.closed_at === null ? null : new Date(row.closed_at).toISOString(),
  };
}

function uniqueViolation(e: unknown): string | undefined {
  for (let err = e as { code?: string; constraint?: string; cause?: unknown } | undefined; err; ) {
    if (err.code === '23505') return err.constraint;
    err = err.cause as typeof err;
  }
  return undefined;
}

/** Every branding field, null where not given, in one key order (stored and compared as JSON). */
function brandingOf(given: Partial<TenantBranding> | undefined): TenantBranding {
  return {
    logoUrl: given?.logoUrl ?? null,
    primaryColor: given?.primaryColor?.toLowerCase() ?? null,
    accentColor: given?.accentColor?.toLowerCase() ?? null,
  };
}

// API keys for a tenant's integrations: `dmk_<prefix>_<secret>`, shown once. The prefix finds
// the row; only a SHA-256 of the secret is kept (32 random bytes need no slow hash: there is
// nothing to guess). A key carries the permissions it was given, and nothing else.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import manifestSchema from '@dotmac/schemas/plugin-manifest.schema.json' with { type: 'json' };
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

/** A key as a tenant admin sees it after creation: never its secret. */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  /** The public part of the key (`dmk_<prefix>_…`), to tell keys apart. */
  readonly prefix: string;
  readonly permissions: string[];
  readonly createdBy: string | null;
  /** ISO 8601 timestamps; lastUsedAt is recorded at most once a minute. */
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** Who a valid key speaks for. */
export interface VerifiedApiKey {
  readonly id: string;
  readonly tenantId: string;
  readonly permissions: string[];
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_by: string | null;
  created_at: Date | string;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
}

const KEY = /^dmk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERMISSION = new RegExp(manifestSchema.$defs.permissionName.pattern);
const LAST_USED_EVERY_MS = 60_000;
// Compared against when no key has the prefix, so an unknown prefix costs what a wrong secret does.
const NO_SECRET_HASH = createHash('sha256').update('no api key has this prefix').digest();

export class ApiKeys {
  // When this process last recorded each key's use: a busy key does not write on every request.
  private readonly recorded = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Creates a key for the tenant with `permissions`; `key` is returned this once and never again. */
  async create(
    tenantId: string,
    { name, permissions }: { name: string; permissions: string[] },
    createdBy: string | null,
  ): Promise<{ id: string; key: string; prefix: string }> {
    checkNewKey(name, permissions);
    if (!UUID.test(tenantId)) throw new NotFoundError(`no tenant ${tenantId}`);
    const [tenant] = await this.db.query('select 1 from kernel.tenant where id = $1', [tenantId]);
    if (!tenant) throw new NotFoundError(`no tenant ${tenantId}`);
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const [row] = await this.db.query<{ id: string }>(
      `insert into kernel.api_key (tenant_id, name, prefix, secret_hash, scopes, created_by, created_at)
       values ($1, $2, $3, $4, $5, $6, $7) returning id`,
      [tenantId, name, prefix, hashOf(secret), [...new Set(permissions)], createdBy, this.clock.now()],
    );
    if (!row) throw new Error(`API key ${prefix} was not stored`);
    return { id: row.id, key: `dmk_${prefix}_${secret}`, prefix };
  }

  /** The tenant's keys, revoked ones included, oldest first; no secret in them. */
  async list(tenantId: string): Promise<ApiKeyView[]> {
    if (!UUID.test(tenantId)) return [];
    const rows = await this.db.query<KeyRow>(
      `select id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at
       from kernel.api_key where tenant_id = $1 order by created_at, id`,
      [tenantId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      permissions: r.scopes,
      createdBy: r.created_by,
      createdAt: iso(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : iso(r.last_used_at),
      revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
    }));
  }

  /** Revokes one of the tenant's keys at once (revoking it again changes nothing); another tenant's key is a 404. */
  async revoke(tenantId: string, id: string): Promise<void> {
    if (!UUID.test(tenantId) || !UUID.test(id)) throw new NotFoundError(`no API key ${id} in tenant ${tenantId}`);
    const [row] = await this.db.query<{ id: string }>(
      `update kernel.api_key set revoked_at = coalesce(revoked_at, $3) where tenant_id = $1 and id = $2 returning id`,
      [tenantId, id, this.clock.now()],
    );
    if (!row) throw new NotFoundError(`no API key ${id} in tenant ${tenantId}`);
  }

  /** Who `key` speaks for, or undefined when it is malformed, unknown, wrong or revoked. Records its use. */
  async verify(key: string): Promise<VerifiedApiKey | undefined> {
    const parts = typeof key === 'string' ? KEY.exec(key) : null;
    if (!parts) return undefined;
    const [, prefix = '', secret = ''] = parts;
    const [row] = await this.db.query<{ id: string; tenant_id: string; secret_hash: Buffer; scopes: string[] }>(
      `select id, tenant_id, secret_hash, scopes from kernel.api_key where prefix = $1 and revoked_at is null`,
      [prefix],
    );
    const matches = timingSafeEqual(hashOf(secret), row?.secret_hash ?? NO_SECRET_HASH);
    if (!row || !matches) return undefined;
    await this.recordUse(row.id);
    return { id: row.id, tenantId: row.tenant_id, permissions: row.scopes };
  }

  /** Sets last_used_at at most once a minute per key, across processes too. */
  private async recordUse(id: string): Promise<void> {
    const now = this.clock.now();
    const last = this.recorded.get(id);
    if (last !== undefined && now.getTime() - last < LAST_USED_EVERY_MS) return;
    this.recorded.set(id, now.getTime());
    await this.db.query(
      `update kernel.api_key set last_used_at = $2
       where id = $1 and (last_used_at is null or last_used_at <= $3)`,
      [id, now, new Date(now.getTime() - LAST_USED_EVERY_MS)],
    );
  }
}

/** Refuses a name or permission list the table would refuse, naming each field. */
function checkNewKey(name: string, permissions: string[]): void {
  const problems: { pointer: string; detail: string }[] = [];
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200) {
    problems.push({ pointer: '/name', detail: 'must be 1 to 200 characters, not only spaces' });
  }
  if (!Array.isArray(permissions)) {
    problems.push({ pointer: '/permissions', detail: 'must be a list of permissions' });
  } else {
    permissions.forEach((p, i) => {
      if (typeof p !== 'string' || !PERMISSION.test(p)) {
        problems.push({
          pointer: `/permissions/${i}`,
          detail: `must be ${manifestSchema.$defs.permissionName['x-expected']}`,
        });
      }
    });
  }
  if (problems.length) throw new ValidationError('invalid API key', problems);
}

function hashOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

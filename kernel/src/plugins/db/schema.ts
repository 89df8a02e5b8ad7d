// Creates a plugin's schema and roles, and records which plugin owns them.
import type { Database, Tx } from '../../db/database.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { type PluginDbNames, pluginDbNames, quoteIdent } from './names.ts';

/** Serialises everything the kernel does to one plugin's database objects. */
export async function lockPluginDb(tx: Tx, pluginId: string): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtext('dotmac.plugin-db:' || $1))`, [pluginId]);
}

/**
 * Creates (or checks) the plugin's two roles and its schema, grants the runtime role DML on
 * every table the owner creates there, and registers the plugin as the schema's owner.
 */
export async function ensurePluginDb(db: Database, pluginId: string): Promise<PluginDbNames> {
  const names = pluginDbNames(pluginId);
  const schema = quoteIdent(names.schema);
  const owner = quoteIdent(names.ownerRole);
  const runtime = quoteIdent(names.runtimeRole);
  await db.transaction(async (tx) => {
    await lockPluginDb(tx, pluginId);
    const [taken] = await tx.query<{ plugin_id: string }>(
      `select plugin_id from kernel.plugin_database
        where plugin_id <> $1 and (schema_name = $2 or owner_role = $3 or runtime_role = $4)`,
      [pluginId, names.schema, names.ownerRole, names.runtimeRole],
    );
    if (taken) {
      throw new ConflictError(
        `plugin ${pluginId} maps to schema ${names.schema}, which plugin ${taken.plugin_id} already owns; rename one of them`,
      );
    }
    await ensureRole(tx, names.ownerRole);
    await ensureRole(tx, names.runtimeRole);

    const [existing] = await tx.query<{ owner: string }>(
      `select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = $1`,
      [names.schema],
    );
    if (existing && existing.owner !== names.ownerRole) {
      throw new ConflictError(
        `schema ${names.schema} exists and belongs to ${existing.owner}, not to plugin ${pluginId}`,
      );
    }
    if (!existing) await tx.query(`create schema ${schema} authorization ${owner}`);
    await tx.query(`revoke all on schema ${schema} from public`);
    await tx.query(`grant usage on schema ${schema} to ${runtime}`);
    await tx.query(
      `alter default privileges for role ${owner} in schema ${schema} grant select, insert, update, delete on tables to ${runtime}`,
    );
    await tx.query(
      `alter default privileges for role ${owner} in schema ${schema} grant usage, select on sequences to ${runtime}`,
    );
    await tx.query(
      `insert into kernel.plugin_database (plugin_id, schema_name, owner_role, runtime_role)
       values ($1, $2, $3, $4) on conflict (plugin_id) do nothing`,
      [pluginId, names.schema, names.ownerRole, names.runtimeRole],
    );
  });
  return names;
}

const ROLE_ATTRIBUTES = 'nologin nosuperuser nobypassrls nocreatedb nocreaterole noreplication';

/**
 * Creates the role if missing. Roles are cluster-wide, so it may already exist (another
 * database on the same server, an earlier install): then its attributes are forced back to
 * ours, and a role that was made a member of other roles is refused.
 */
async function ensureRole(tx: Tx, role: string): Promise<void> {
  const name = quoteIdent(role);
  const [row] = await tx.query<{ weak: boolean; member_of: number }>(
    `select not (rolsuper or rolbypassrls or rolcanlogin or rolcreatedb or rolcreaterole or rolreplication) as weak,
            (select count(*)::int from pg_auth_members m where m.member = r.oid) as member_of
       from pg_roles r where rolname = $1`,
    [role],
  );
  if (!row) {
    // Another database on the same server may be creating it right now.
    await tx.query('savepoint dotmac_create_role');
    try {
      await tx.query(`create role ${name} ${ROLE_ATTRIBUTES}`);
      await tx.query('release savepoint dotmac_create_role');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== '42710' && code !== '23505') throw e;
      await tx.query('rollback to savepoint dotmac_create_role');
    }
  } else {
    if (!row.weak) await tx.query(`alter role ${name} ${ROLE_ATTRIBUTES}`);
    if (row.member_of > 0) {
      throw new ConflictError(`role ${role} is a member of other roles; a plugin role must hold only its own grants`);
    }
  }
  // A kernel that is not a superuser needs membership to SET ROLE to it.
  const [me] = await tx.query<{ superuser: boolean; member: boolean }>(
    `select rolsuper as superuser, pg_has_role(current_user, $1, 'MEMBER') as member from pg_roles where rolname = current_user`,
    [role],
  );
  if (me && !me.superuser && !me.member) await tx.query(`grant ${name} to current_user`);
}

const registered = new WeakMap<Database, Map<string, PluginDbNames>>();

/** The registered names of a plugin's database; NotFoundError until its migrations have run. */
export async function registeredPluginDb(db: Database, pluginId: string): Promise<PluginDbNames> {
  let cache = registered.get(db);
  if (!cache) {
    cache = new Map();
    registered.set(db, cache);
  }
  const known = cache.get(pluginId);
  if (known) return known;
  pluginDbNames(pluginId); // validates the id
  const [row] = await db.query<{ schema_name: string; owner_role: string; runtime_role: string }>(
    'select schema_name, owner_role, runtime_role from kernel.plugin_database where plugin_id = $1',
    [pluginId],
  );
  if (!row) throw new NotFoundError(`plugin ${pluginId} has no database yet; run its migrations first`);
  const names: PluginDbNames = {
    pluginId,
    schema: row.schema_name,
    ownerRole: row.owner_role,
    runtimeRole: row.runtime_role,
  };
  cache.set(pluginId, names);
  return names;
}

/**
 * Drops a plugin's schema with every table in it and forgets its migrations (an uninstall the
 * operator chose to drop the data of). Its roles stay: they own nothing left, and a reinstall
 * takes them up again.
 */
export async function dropPluginDb(db: Database, pluginId: string): Promise<void> {
  const names = pluginDbNames(pluginId);
  await db.transaction(async (tx) => {
    await lockPluginDb(tx, pluginId);
    await tx.query(`drop schema if exists ${quoteIdent(names.schema)} cascade`);
    await tx.query('delete from kernel.plugin_migration where plugin_id = $1', [pluginId]);
    await tx.query('delete from kernel.plugin_database where plugin_id = $1', [pluginId]);
  });
}

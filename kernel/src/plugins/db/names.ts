// The database names a plugin id maps to: its schema and its two roles.
import { createHash } from 'node:crypto';
import { ValidationError } from '../../errors.ts';

/** The same pattern as `$defs.pluginId` in schemas/plugin-manifest.schema.json. */
const PLUGIN_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$/;
const MAX_PLUGIN_ID = 56;
/** PostgreSQL truncates identifiers longer than this (in bytes); ours are ASCII. */
const MAX_IDENTIFIER = 63;

/** Where a plugin's data lives and which roles act on it. */
export interface PluginDbNames {
  readonly pluginId: string;
  /** `plugin_<id with . and - as _>`. */
  readonly schema: string;
  /** Owns the schema and its objects; the plugin's migrations run as it. */
  readonly ownerRole: string;
  /** What the plugin's runtime queries run as: DML on the schema's tables, nothing else. */
  readonly runtimeRole: string;
}

/** The schema and role names of a plugin; refuses an id that is not a plugin id. */
export function pluginDbNames(pluginId: string): PluginDbNames {
  if (pluginId.length > MAX_PLUGIN_ID || !PLUGIN_ID.test(pluginId)) {
    throw new ValidationError(`"${pluginId}" is not a plugin id (a reverse-DNS id like dotmac.billing)`, [
      { pointer: '/pluginId', detail: 'must be a reverse-DNS id like dotmac.billing, at most 56 characters' },
    ]);
  }
  const sanitized = pluginId.replace(/[.-]/g, '_');
  const prefix = 'dotmac_p_';
  const ownerSuffix = '_owner';
  let base = sanitized;
  if (prefix.length + base.length + ownerSuffix.length > MAX_IDENTIFIER) {
    // Keep the readable start, and a hash of the whole id so two long ids never collide.
    const hash = createHash('sha256').update(pluginId).digest('hex').slice(0, 8);
    base = `${sanitized.slice(0, MAX_IDENTIFIER - prefix.length - ownerSuffix.length - hash.length - 1)}_${hash}`;
  }
  return {
    pluginId,
    schema: `plugin_${sanitized}`,
    ownerRole: `${prefix}${base}${ownerSuffix}`,
    runtimeRole: `${prefix}${base}`,
  };
}

/** Quotes a name we built ourselves (lowercase letters, digits, underscores) as an identifier. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`refusing to quote unexpected identifier ${name}`);
  return `"${name}"`;
}

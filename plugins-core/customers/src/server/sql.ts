// Small pieces every store of this plugin uses: a guard statement for transactions, reading
// the database's refusals, and cutting many rows into statements the bridge carries.
import type { SqlStatement } from '@dotmac/sdk';
import { utf8Length } from './utf8.ts';

/**
 * A statement that fails its transaction, and so drops the transaction's writes and events,
 * unless `condition` (SQL, over `params`) holds after the statements before it. How a
 * transaction built ahead of time refuses to commit when a concurrent change beat it.
 */
export function ensure(condition: string, params: readonly unknown[] = []): SqlStatement {
  return { sql: `select 1 / (case when ${condition} then 1 else 0 end) as ensured`, params };
}

/** SQLSTATE of the guard failing: something changed between reading and writing. */
export const ENSURE_FAILED = '22012';

/** The SQLSTATE of a database refusal (the kernel puts it in the message), or undefined. */
export function sqlState(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /\(SQLSTATE ([0-9A-Z]{5})\)/.exec(message)?.[1];
}

/** The constraint a refusal names, if it names one. */
export function violatedConstraint(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /constraint "([^"]+)"/.exec(message)?.[1];
}

/** Most bytes of JSON one statement's rows may take: one bridge message is at most 1 MiB. */
export const MAX_CHUNK_BYTES = 600 * 1024;

/**
 * Cuts `items` into runs whose JSON, sent as one text parameter (so escaped once more in the
 * bridge message), stays under `maxBytes` each.
 */
export function jsonChunks<T>(items: readonly T[], maxBytes = MAX_CHUNK_BYTES): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 2;
  for (const item of items) {
    const bytes = utf8Length(JSON.stringify(JSON.stringify(item))) - 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 2;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

// One unit of work: the statements and events of one business fact, committed in one transaction
// (one bridge crossing). Rows go in as one JSON parameter each statement, so a chunk of a
// thousand invoices is still a handful of statements.
import type { OutgoingEvent, PluginContext, SqlStatement } from '@dotmac/sdk';

/** A column of a bulk insert: its name and its SQL type in jsonb_to_recordset. */
export type Column = readonly [name: string, type: string];

export class Work {
  readonly statements: SqlStatement[] = [];
  readonly events: OutgoingEvent[] = [];

  /** Adds one statement. */
  add(sql: string, params: readonly unknown[] = []): this {
    this.statements.push({ sql, params });
    return this;
  }

  /** Adds `insert into table (columns) …` of `rows` (objects keyed by column name); none: nothing. */
  insert(table: string, columns: readonly Column[], rows: readonly Record<string, unknown>[], suffix = ''): this {
    if (rows.length === 0) return this;
    const names = columns.map(([name]) => name).join(', ');
    const types = columns.map(([name, type]) => `${name} ${type}`).join(', ');
    return this.add(
      `insert into ${table} (${names}) select ${names} from jsonb_to_recordset($1::jsonb) as r(${types}) ${suffix}`,
      [JSON.stringify(rows)],
    );
  }

  /** Publishes `name` with the transaction. */
  publish(name: string, payload: Record<string, unknown>): this {
    this.events.push({ name, payload });
    return this;
  }

  /** Characters of JSON the work sends across the bridge. */
  size(): number {
    return JSON.stringify(this.statements).length + JSON.stringify(this.events).length;
  }

  /** Commits the statements and events in one transaction; answers each statement's rows. */
  async commit(ctx: PluginContext): Promise<Record<string, unknown>[][]> {
    if (this.statements.length === 0 && this.events.length === 0) return [];
    return ctx.db.transaction(this.statements, this.events.length > 0 ? { events: this.events } : undefined);
  }
}

/** `count` new uuids from the database (the sandbox has no crypto). */
export async function newIds(ctx: PluginContext, count: number): Promise<string[]> {
  if (count === 0) return [];
  const rows = await ctx.db.query<{ id: string }>('select gen_random_uuid()::text as id from generate_series(1, $1)', [
    count,
  ]);
  return rows.map((r) => r.id);
}

/** Whether a failed transaction broke the unique constraint `constraint` (a lost race, a repeat). */
export function brokeConstraint(error: unknown, constraint: string): boolean {
  const message = (error as Error)?.message ?? '';
  return message.includes(constraint);
}

// Staff notes on an account ("dog on the premises", "prefers calls after 5 pm"): internal, so
// refused to customer-portal users whatever their permissions; pinned notes come first.
import { type PluginContext, RouteError, type RouteRequest } from '@dotmac/sdk';
import { notFound } from './accounts.ts';
import { actorOf, requireStaff } from './caller.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { iso } from './views.ts';

type Caller = RouteRequest['caller'];

interface NoteRow {
  readonly id: string;
  readonly account_id: string;
  readonly body: string;
  readonly pinned: boolean;
  readonly author: string;
  readonly created_at: string;
}

const COLUMNS = 'id, account_id, body, pinned, author, created_at';
const noteNotFound = (noteId: string) => new RouteError(404, `no note ${noteId} on this account`);

/** schemas/note.json */
function toNote(row: NoteRow) {
  return {
    id: row.id,
    accountId: row.account_id,
    body: row.body,
    pinned: row.pinned,
    author: row.author,
    createdAt: iso(row.created_at) as string,
  };
}

/** GET /accounts/:accountId/notes: pinned first, then newest first. */
export async function listNotes(
  ctx: PluginContext,
  accountId: string,
  page: { cursor?: string; limit: number },
  caller: Caller,
) {
  requireStaff(caller, 'reading notes');
  const params: unknown[] = [accountId, page.limit + 1];
  let after = '';
  if (page.cursor) {
    const key = decodeCursor(page.cursor, 'notes');
    const [pinned, createdAt] = (key.value ?? '').split('|');
    params.push(pinned === '1', createdAt, key.id);
    after = 'and (pinned, created_at, id) < ($3::boolean, $4::timestamptz, $5::uuid)';
  }
  const [account, rows] = (await ctx.db.transaction([
    { sql: 'select id from accounts where id = $1', params: [accountId] },
    {
      sql: `select ${COLUMNS} from notes where account_id = $1 ${after}
             order by pinned desc, created_at desc, id desc limit $2`,
      params,
    },
  ])) as [unknown[], NoteRow[]];
  if (account.length === 0) throw notFound(accountId);
  const items = rows.slice(0, page.limit).map(toNote);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > page.limit && last
        ? encodeCursor({ sort: 'notes', value: `${last.pinned ? 1 : 0}|${last.createdAt}`, id: last.id })
        : null,
  };
}

/** POST /accounts/:accountId/notes. */
export async function addNote(
  ctx: PluginContext,
  accountId: string,
  input: { body: string; pinned?: boolean },
  caller: Caller,
) {
  requireStaff(caller, 'writing notes');
  const [row] = await ctx.db.query<NoteRow>(
    `insert into notes (tenant_id, customer_id, account_id, body, pinned, author, created_at)
     select $2, customer_id, id, $3, $4, $5, $6 from accounts where id = $1 returning ${COLUMNS}`,
    [
      accountId,
      ctx.tenantId,
      input.body,
      input.pinned ?? false,
      actorOf(caller),
      (await ctx.clock.now()).toISOString(),
    ],
  );
  if (!row) throw notFound(accountId);
  return toNote(row);
}

/** PATCH /accounts/:accountId/notes/:noteId. */
export async function updateNote(
  ctx: PluginContext,
  accountId: string,
  noteId: string,
  changes: { body?: string; pinned?: boolean },
  caller: Caller,
) {
  requireStaff(caller, 'changing notes');
  const [row] = await ctx.db.query<NoteRow>(
    `update notes set body = coalesce($3, body), pinned = coalesce($4, pinned)
      where id = $2 and account_id = $1 returning ${COLUMNS}`,
    [accountId, noteId, changes.body ?? null, changes.pinned ?? null],
  );
  if (!row) throw noteNotFound(noteId);
  return toNote(row);
}

/** DELETE /accounts/:accountId/notes/:noteId. */
export async function removeNote(ctx: PluginContext, accountId: string, noteId: string, caller: Caller) {
  requireStaff(caller, 'removing notes');
  const rows = await ctx.db.query('delete from notes where id = $2 and account_id = $1 returning id', [
    accountId,
    noteId,
  ]);
  if (rows.length === 0) throw noteNotFound(noteId);
  return { id: noteId, deleted: true as const };
}

// CSV imports, as an ISP leaving another system exports its customers. The file arrives in
// parts (each under the bridge's 1 MiB); the dry run (job validate-import, one part per run)
// reads every row into import_rows and every fault into import_problems, writing no account;
// the commit (job commit-import) creates every account, contact, address and history row of the
// import in one SQL statement, so that an import is all done or not done at all.
import { type PluginContext, RouteError, type RouteRequest, type SqlStatement } from '@dotmac/sdk';
import { actorOf, requireStaff } from './caller.ts';
import { type Delimiter, detectDelimiter, readCsvPiece } from './csv.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { loadCustomFields } from './custom-fields.ts';
import {
  type ImportHeader,
  type ImportProblem,
  labelOf,
  readHeader,
  readRow,
  type StagedRow,
  WHOLE_ROW,
} from './import-rows.ts';
import { addressWordsSql, contactWordsSql } from './search.ts';
import { accountNumberSql, counterValueSql, loadSettings } from './settings.ts';
import { ENSURE_FAILED, ensure, jsonChunks, sqlState, violatedConstraint } from './sql.ts';
import { utf8Length } from './utf8.ts';
import { iso } from './views.ts';

type Caller = RouteRequest['caller'];
type ImportStatus = 'receiving' | 'validating' | 'validated' | 'invalid' | 'committing' | 'committed';

/** The most a part may hold, in UTF-8 bytes. */
export const MAX_PART_BYTES = 512 * 1024;
/** Characters of a stored part read per query: even at 4 bytes each, well under one bridge message. */
const SLICE_CHARS = 128 * 1024;
/** Problems the report lists; GET /imports/:importId/problems pages through the rest. */
const REPORT_PROBLEMS = 100;

/** Data of the validate-import job: the part to read, in dry run `run` of the import. */
interface ValidateJob {
  readonly importId: string;
  readonly run: number;
  readonly part: number;
}

interface ImportRow {
  readonly id: string;
  readonly file_name: string | null;
  readonly status: ImportStatus;
  readonly run: number;
  readonly next_part: number;
  readonly bytes_done: string;
  readonly rows_read: number;
  readonly accounts_created: number | null;
  readonly error: string | null;
  readonly created_at: string;
  readonly validated_at: string | null;
  readonly committed_at: string | null;
  readonly parts: number;
  readonly bytes: string;
  readonly problem_count: number;
}

const IMPORT_COLUMNS = `i.id, i.file_name, i.status, i.run, i.next_part, i.bytes_done::text, i.rows_read, i.accounts_created,
  i.error, i.created_at, i.validated_at, i.committed_at,
  (select count(*)::int from import_parts p where p.import_id = i.id) as parts,
  (select coalesce(sum(p.bytes), 0)::text from import_parts p where p.import_id = i.id) as bytes,
  (select count(*)::int from import_problems q where q.import_id = i.id) as problem_count`;

const importNotFound = (importId: string) => new RouteError(404, `no import ${importId}`);

/** schemas/import.json */
function toImport(row: ImportRow, problems: readonly { line: number; column_name: string; reason: string }[]) {
  const bytes = Number(row.bytes);
  const bytesDone = Number(row.bytes_done);
  const phase =
    row.status === 'receiving' || row.status === 'validating' || row.status === 'committing' ? row.status : 'done';
  return {
    id: row.id,
    fileName: row.file_name,
    status: row.status,
    parts: row.parts,
    bytes,
    rows: row.rows_read,
    problemCount: row.problem_count,
    problems: problems.map((p) => ({ line: p.line, column: p.column_name, reason: p.reason })),
    progress: {
      phase,
      partsDone: row.status === 'validating' ? row.next_part - 1 : phase === 'receiving' ? 0 : row.parts,
      partsTotal: row.parts,
      bytesDone: phase === 'receiving' ? 0 : bytesDone,
      percent:
        phase === 'done'
          ? 100
          : phase === 'validating' && bytes > 0
            ? Math.min(99, Math.floor((bytesDone * 100) / bytes))
            : 0,
    },
    accountsCreated: row.accounts_created,
    error: row.error,
    createdAt: iso(row.created_at) as string,
    validatedAt: iso(row.validated_at),
    committedAt: iso(row.committed_at),
  };
}

/** The statements that read import `importId`'s report (see `reportFrom`). */
function readReport(importId: string): SqlStatement[] {
  return [
    { sql: `select ${IMPORT_COLUMNS} from imports i where i.id = $1`, params: [importId] },
    {
      sql: `select line, column_name, reason from import_problems where import_id = $1
             order by line, column_name limit ${REPORT_PROBLEMS}`,
      params: [importId],
    },
  ];
}

function reportFrom(results: readonly Record<string, unknown>[][], importId: string) {
  const [imports, problems] = results.slice(-2) as [
    ImportRow[],
    { line: number; column_name: string; reason: string }[],
  ];
  const row = imports?.[0];
  if (!row) throw importNotFound(importId);
  return toImport(row, problems ?? []);
}

/** GET /imports/:importId. */
export async function importReport(ctx: PluginContext, importId: string, caller: Caller) {
  requireStaff(caller, 'importing');
  return reportFrom(await ctx.db.transaction(readReport(importId)), importId);
}

/** GET /imports: newest first. */
export async function listImports(ctx: PluginContext, page: { cursor?: string; limit: number }, caller: Caller) {
  requireStaff(caller, 'importing');
  const params: unknown[] = [page.limit + 1];
  let after = '';
  if (page.cursor) {
    const key = decodeCursor(page.cursor, 'imports');
    params.push(key.value, key.id);
    after = 'where (i.created_at, i.id) < ($2::timestamptz, $3::uuid)';
  }
  const rows = await ctx.db.query<ImportRow>(
    `select ${IMPORT_COLUMNS} from imports i ${after} order by i.created_at desc, i.id desc limit $1`,
    params,
  );
  const items = rows.slice(0, page.limit).map((row) => toImport(row, []));
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > page.limit && last ? encodeCursor({ sort: 'imports', value: last.createdAt, id: last.id }) : null,
  };
}

/** POST /imports. */
export async function createImport(ctx: PluginContext, input: { fileName?: string }, caller: Caller) {
  requireStaff(caller, 'importing');
  const [created] = await ctx.db.query<{ id: string }>(
    `insert into imports (id, tenant_id, file_name, status, created_by, created_at, updated_at)
     values (gen_random_uuid(), $1, $2, 'receiving', $3, $4, $4) returning id`,
    [ctx.tenantId, input.fileName ?? null, actorOf(caller), (await ctx.clock.now()).toISOString()],
  );
  return importReport(ctx, (created as { id: string }).id, caller);
}

/** Why an import in `status` cannot take parts or be validated, or undefined when it can. */
function busy(status: ImportStatus): string | undefined {
  if (status === 'committing' || status === 'committed') return `the import is ${status}`;
  return undefined;
}

/** The import's status, or RouteError 404. */
async function statusOf(ctx: PluginContext, importId: string): Promise<ImportStatus> {
  const [row] = await ctx.db.query<{ status: ImportStatus }>('select status from imports where id = $1', [importId]);
  if (!row) throw importNotFound(importId);
  return row.status;
}

/**
 * The statements that void an import's dry run (its rows and problems), put it in `status` and
 * bump its run, so that a job of the old run stops. Guarded: the transaction fails unless the
 * import was in one of `from`.
 */
function restart(importId: string, status: 'receiving' | 'validating', from: readonly ImportStatus[], at: string) {
  return [
    {
      sql: `update imports set status = $2, run = run + 1, next_part = 1, carry = '', carry_line = 1, delimiter = null,
                    header = null, bytes_done = 0, rows_read = 0, problem_count = 0, error = null, validated_at = null,
                    updated_at = $3
             where id = $1 and status = any($4::text[])`,
      params: [importId, status, at, from],
    },
    ensure('exists (select 1 from imports where id = $1 and status = $2)', [importId, status]),
    { sql: 'delete from import_rows where import_id = $1', params: [importId] },
    { sql: 'delete from import_problems where import_id = $1', params: [importId] },
  ];
}

/** PUT /imports/:importId/parts/:part: stores the part; a dry run done before is void. */
export async function putPart(ctx: PluginContext, importId: string, part: number, text: string, caller: Caller) {
  requireStaff(caller, 'importing');
  const bytes = utf8Length(text);
  if (bytes > MAX_PART_BYTES) {
    throw new RouteError(413, `a part holds at most ${MAX_PART_BYTES} bytes; this one has ${bytes}`, [
      {
        pointer: '/body/text',
        detail: `is ${bytes} bytes of UTF-8; at most ${MAX_PART_BYTES}: send the file in more parts`,
      },
    ]);
  }
  const refusal = busy(await statusOf(ctx, importId));
  if (refusal) throw new RouteError(409, `${refusal}: it takes no more parts`);
  const at = (await ctx.clock.now()).toISOString();
  try {
    const results = await ctx.db.transaction([
      ...restart(importId, 'receiving', ['receiving', 'validating', 'validated', 'invalid'], at),
      {
        sql: `insert into import_parts (tenant_id, import_id, n, body, bytes) values ($1, $2, $3, $4, $5)
              on conflict (import_id, n) do update set body = excluded.body, bytes = excluded.bytes`,
        params: [ctx.tenantId, importId, part, text, bytes],
      },
      ...readReport(importId),
    ]);
    return reportFrom(results, importId);
  } catch (e) {
    if (sqlState(e) === ENSURE_FAILED) throw new RouteError(409, 'the import changed meanwhile: try again');
    throw e;
  }
}

/** POST /imports/:importId/validate: starts the dry run (a new one, if one ran or runs). */
export async function startValidation(ctx: PluginContext, importId: string, caller: Caller) {
  requireStaff(caller, 'importing');
  const refusal = busy(await statusOf(ctx, importId));
  if (refusal) throw new RouteError(409, refusal);
  const [parts] = await ctx.db.query<{ count: number; last: number | null }>(
    'select count(*)::int as count, max(n) as last from import_parts where import_id = $1',
    [importId],
  );
  if (!parts || parts.count === 0) throw new RouteError(409, 'the import has no parts yet: send the file first');
  if (parts.last !== parts.count) {
    const [gap] = await ctx.db.query<{ n: number }>(
      `select min(s.n) as n from generate_series(1, $2::int) s(n)
        where not exists (select 1 from import_parts p where p.import_id = $1 and p.n = s.n)`,
      [importId, parts.last],
    );
    throw new RouteError(409, `part ${gap?.n} is missing: parts are numbered 1, 2, 3… without gaps`);
  }
  const at = (await ctx.clock.now()).toISOString();
  let results: Record<string, unknown>[][];
  try {
    results = await ctx.db.transaction([
      ...restart(importId, 'validating', ['receiving', 'validating', 'validated', 'invalid'], at),
      // The commit bumps the counter with a plain update: the tenant's counter row must exist.
      {
        sql: 'insert into account_counter (tenant_id, last) values ($1, 0) on conflict (tenant_id) do nothing',
        params: [ctx.tenantId],
      },
      { sql: 'select run from imports where id = $1', params: [importId] },
      ...readReport(importId),
    ]);
  } catch (e) {
    if (sqlState(e) === ENSURE_FAILED) throw new RouteError(409, 'the import changed meanwhile: try again');
    throw e;
  }
  const [started] = (results[5] ?? []) as { run: number }[];
  if (!started) throw importNotFound(importId);
  await enqueueValidation(ctx, { importId, run: started.run, part: 1 });
  return reportFrom(results, importId);
}

const enqueueValidation = (ctx: PluginContext, job: ValidateJob) =>
  ctx.jobs.enqueue('validate-import', job, { key: `validate-import:${job.importId}:${job.run}:${job.part}` });

/** Where the dry run of an import is, as the validate-import job reads it. */
interface DryRunState {
  readonly status: ImportStatus;
  readonly run: number;
  readonly next_part: number;
  readonly carry: string;
  readonly carry_line: number;
  readonly delimiter: Delimiter | null;
  readonly header: ImportHeader | null;
  readonly parts: number;
  readonly part_chars: number | null;
  readonly part_bytes: number | null;
}

/**
 * Job validate-import: reads part `part` of the file (after what the previous part left
 * unfinished), stores its rows and problems, and enqueues the next part; after the last, checks
 * what only the whole file shows (account numbers repeated, or already taken) and ends the dry
 * run. A job of an older run, or one run again after it did its work, changes nothing.
 */
export async function validatePart(ctx: PluginContext, job: ValidateJob): Promise<void> {
  const [state] = await ctx.db.query<DryRunState>(
    `select i.status, i.run, i.next_part, i.carry, i.carry_line, i.delimiter, i.header,
            (select count(*)::int from import_parts p where p.import_id = i.id) as parts,
            (select length(p.body) from import_parts p where p.import_id = i.id and p.n = $2) as part_chars,
            (select p.bytes from import_parts p where p.import_id = i.id and p.n = $2) as part_bytes
       from imports i where i.id = $1`,
    [job.importId, job.part],
  );
  if (state?.status !== 'validating' || state.run !== job.run) return;
  if (state.next_part > job.part) {
    // This part was read by an earlier attempt: go on from where that one left.
    if (state.next_part <= state.parts) await enqueueValidation(ctx, { ...job, part: state.next_part });
    else await finishValidation(ctx, job, state.header);
    return;
  }
  if (state.next_part < job.part || state.part_chars === null) return;

  let text = state.carry;
  for (let from = 1; from <= state.part_chars; from += SLICE_CHARS) {
    const [slice] = await ctx.db.query<{ text: string }>(
      'select substr(body, $3, $4) as text from import_parts where import_id = $1 and n = $2',
      [job.importId, job.part, from, SLICE_CHARS],
    );
    text += slice?.text ?? '';
  }
  if (job.part === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
  const final = job.part === state.parts;
  const delimiter = state.delimiter ?? detectDelimiter(text, final);
  const piece = delimiter
    ? readCsvPiece(text, { startLine: state.carry_line, final, delimiter })
    : { records: [], rest: text, restLine: state.carry_line, unclosedQuoteLine: undefined };

  const [settings, customFields] = await Promise.all([loadSettings(ctx), loadCustomFields(ctx)]);
  const context = { customFields, defaultCountry: settings.defaultCountry };
  const rows: StagedRow[] = [];
  const problems: ImportProblem[] = [];
  let header = state.header;
  let records = piece.records;
  if (header === null && records[0]) {
    const read = readHeader(records[0], context);
    header = read.header;
    problems.push(...read.problems);
    records = records.slice(1);
  }
  for (const record of records) {
    const read = readRow(header as ImportHeader, record, context);
    if (read.row) rows.push(read.row);
    problems.push(...read.problems);
  }
  if (piece.unclosedQuoteLine !== undefined) {
    problems.push({ line: piece.unclosedQuoteLine, column: WHOLE_ROW, reason: 'a quoted field is never closed' });
  }
  if (final && header === null)
    problems.push({ line: 1, column: 'name', reason: 'the file is empty: it has no header' });

  const guard = 'exists (select 1 from imports where id = $1 and run = $2 and status = $3 for share)';
  for (const chunk of jsonChunks(rows)) {
    await ctx.db.query(
      `insert into import_rows (tenant_id, import_id, line, account_number, name, kind, email, phone, street, city,
                                postal_code, country, lat, lon, status, tags, plan, custom)
       select $4, $1, r.line, r.account_number, r.name, r.kind, r.email, r.phone, r.street, r.city, r.postal_code,
              r.country, r.lat, r.lon, r.status, array(select jsonb_array_elements_text(r.tags)), r.plan, r.custom
         from jsonb_to_recordset($5::jsonb) as r(line int, account_number text, name text, kind text, email text,
              phone text, street text, city text, postal_code text, country text, lat double precision,
              lon double precision, status text, tags jsonb, plan text, custom jsonb)
        where ${guard}
       on conflict (import_id, line) do nothing`,
      [job.importId, job.run, 'validating', ctx.tenantId, JSON.stringify(chunk)],
    );
  }
  for (const chunk of jsonChunks(problems)) await storeProblems(ctx, job, chunk, guard);

  const advanced = await ctx.db.query(
    `update imports set next_part = $4, carry = $5, carry_line = $6, delimiter = $7, header = $8::jsonb,
                        bytes_done = bytes_done + $9, rows_read = rows_read + $10, updated_at = $11
      where id = $1 and run = $2 and status = 'validating' and next_part = $3 returning id`,
    [
      job.importId,
      job.run,
      job.part,
      job.part + 1,
      piece.rest,
      piece.restLine,
      delimiter ?? null,
      header === null ? null : JSON.stringify(header),
      state.part_bytes ?? 0,
      records.length,
      (await ctx.clock.now()).toISOString(),
    ],
  );
  if (advanced.length === 0) return;
  if (final) await finishValidation(ctx, job, header);
  else await enqueueValidation(ctx, { ...job, part: job.part + 1 });
}

async function storeProblems(ctx: PluginContext, job: ValidateJob, problems: readonly ImportProblem[], guard: string) {
  await ctx.db.query(
    `insert into import_problems (tenant_id, import_id, line, column_name, reason)
     select $4, $1, p.line, p."column", p.reason from jsonb_to_recordset($5::jsonb) as p(line int, "column" text, reason text)
      where ${guard}
     on conflict (import_id, line, column_name) do nothing`,
    [job.importId, job.run, 'validating', ctx.tenantId, JSON.stringify(problems)],
  );
}

/** The end of a dry run: the problems only the whole file shows, then validated or invalid. */
async function finishValidation(ctx: PluginContext, job: ValidateJob, header: ImportHeader | null): Promise<void> {
  const column = header ? labelOf(header, 'account_number') : 'account_number';
  const guard = `exists (select 1 from imports where id = $1 and run = $2 and status = 'validating' for share)`;
  await ctx.db.transaction([
    {
      sql: `insert into import_problems (tenant_id, import_id, line, column_name, reason)
            select $3, $1, r.line, $4,
                   'account number ' || r.account_number || ' is also on line ' || r.first_line
              from (select line, account_number, min(line) over (partition by account_number) as first_line
                      from import_rows where import_id = $1 and account_number is not null) r
             where r.line <> r.first_line and ${guard}
            on conflict (import_id, line, column_name) do nothing`,
      params: [job.importId, job.run, ctx.tenantId, column],
    },
    {
      sql: `insert into import_problems (tenant_id, import_id, line, column_name, reason)
            select $3, $1, r.line, $4,
                   'account number ' || r.account_number || ' belongs to an existing account (' || a.name || ')'
              from import_rows r join accounts a on a.number = r.account_number
             where r.import_id = $1 and ${guard}
            on conflict (import_id, line, column_name) do nothing`,
      params: [job.importId, job.run, ctx.tenantId, column],
    },
    {
      sql: `update imports set carry = '',
                    status = case when exists (select 1 from import_problems where import_id = $1) then 'invalid' else 'validated' end,
                    problem_count = (select count(*) from import_problems where import_id = $1),
                    validated_at = $3, updated_at = $3
             where id = $1 and run = $2 and status = 'validating'`,
      params: [job.importId, job.run, (await ctx.clock.now()).toISOString()],
    },
  ]);
}

/** GET /imports/:importId/problems: by line, then column. */
export async function listProblems(
  ctx: PluginContext,
  importId: string,
  page: { cursor?: string; limit: number },
  caller: Caller,
) {
  requireStaff(caller, 'importing');
  await statusOf(ctx, importId);
  const params: unknown[] = [importId, page.limit + 1];
  let after = '';
  if (page.cursor) {
    const key = decodeCursor(page.cursor, 'problems');
    params.push(Number(key.value), key.id);
    after = 'and (line, column_name) > ($3::int, $4::text)';
  }
  const rows = await ctx.db.query<{ line: number; column_name: string; reason: string }>(
    `select line, column_name, reason from import_problems where import_id = $1 ${after}
      order by line, column_name limit $2`,
    params,
  );
  const items = rows.slice(0, page.limit).map((p) => ({ line: p.line, column: p.column_name, reason: p.reason }));
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > page.limit && last
        ? encodeCursor({ sort: 'problems', value: String(last.line), id: last.column })
        : null,
  };
}

/** POST /imports/:importId/commit: refused unless the dry run found nothing wrong. */
export async function startCommit(ctx: PluginContext, importId: string, caller: Caller) {
  requireStaff(caller, 'importing');
  const status = await statusOf(ctx, importId);
  const refusals: Partial<Record<ImportStatus, string>> = {
    receiving: 'the import has not been validated: POST /imports/{importId}/validate first',
    validating: 'the dry run is still running: wait until the report says validated',
    invalid: 'the dry run found problems (see the report): fix the file, send it again and validate',
    committed: 'the import is committed already',
  };
  const refusal = refusals[status];
  if (refusal) throw new RouteError(409, refusal);
  const at = (await ctx.clock.now()).toISOString();
  let results: Record<string, unknown>[][];
  try {
    results = await ctx.db.transaction([
      {
        sql: `update imports set status = 'committing', error = null, updated_at = $2
               where id = $1 and status in ('validated', 'committing')`,
        params: [importId, at],
      },
      ensure(`exists (select 1 from imports where id = $1 and status = 'committing')`, [importId]),
      ...readReport(importId),
    ]);
  } catch (e) {
    if (sqlState(e) === ENSURE_FAILED) throw new RouteError(409, 'the import changed meanwhile: read its report');
    throw e;
  }
  await ctx.jobs.enqueue('commit-import', { importId }, { key: `commit-import:${importId}:${at}` });
  return reportFrom(results, importId);
}

/**
 * Job commit-import: ONE statement creates the accounts of every row (numbered from the
 * counter where the file gave no number), their primary contacts, service addresses, first
 * history rows and search tokens, and marks the import committed; the transaction publishes
 * customer.import-committed. A number another account took since the dry run fails the
 * statement, and so the whole import: its rows are then listed as problems.
 */
export async function commitImport(ctx: PluginContext, job: { readonly importId: string }): Promise<void> {
  const [state] = await ctx.db.query<{ status: ImportStatus; rows: number; token: string; header: ImportHeader }>(
    `select status, header, (select count(*)::int from import_rows r where r.import_id = i.id) as rows,
            gen_random_uuid()::text as token
       from imports i where id = $1`,
    [job.importId],
  );
  if (state?.status !== 'committing') return;
  const settings = await loadSettings(ctx);
  const at = (await ctx.clock.now()).toISOString();
  try {
    await ctx.db.transaction(
      [
        {
          sql: 'insert into account_counter (tenant_id, last) values ($1, 0) on conflict (tenant_id) do nothing',
          params: [ctx.tenantId],
        },
        {
          sql: COMMIT_SQL,
          params: [
            job.importId,
            at,
            state.token,
            ctx.tenantId,
            settings.accountNumberPrefix,
            settings.accountNumberDigits,
            settings.defaultCurrency,
          ],
        },
        ensure(`exists (select 1 from imports where id = $1 and status = 'committed' and commit_token = $2)`, [
          job.importId,
          state.token,
        ]),
      ],
      { events: [{ name: 'customer.import-committed', payload: { importId: job.importId, accounts: state.rows } }] },
    );
    await ctx.log.info('import committed', { importId: job.importId, accounts: state.rows });
  } catch (e) {
    if (sqlState(e) === ENSURE_FAILED) return; // another run committed it, or it changed
    if (sqlState(e) !== '23505' || violatedConstraint(e) !== 'accounts_tenant_id_number_key') throw e;
    await refuseTakenNumbers(ctx, job.importId, labelOf(state.header, 'account_number'), at);
  }
}

/** After a commit failed on account numbers taken since the dry run: those rows become problems. */
async function refuseTakenNumbers(ctx: PluginContext, importId: string, column: string, at: string) {
  await ctx.db.transaction([
    {
      sql: `insert into import_problems (tenant_id, import_id, line, column_name, reason)
            select $2, $1, r.line, $3,
                   'account number ' || r.account_number || ' was given to another account (' || a.name || ') after the dry run'
              from import_rows r join accounts a on a.number = r.account_number
             where r.import_id = $1
            on conflict (import_id, line, column_name) do nothing`,
      params: [importId, ctx.tenantId, column],
    },
    {
      sql: `update imports set error = $3, updated_at = $2,
                    problem_count = (select count(*) from import_problems where import_id = $1),
                    status = case when exists (select 1 from import_problems where import_id = $1) then 'invalid' else 'validated' end
             where id = $1 and status = 'committing'`,
      params: [
        importId,
        at,
        'the commit failed: account numbers of the file were taken after the dry run; nothing was imported',
      ],
    },
  ]);
  await ctx.log.warn('import commit refused: account numbers taken', { importId });
}

/**
 * The commit, as one statement. $1 import, $2 now, $3 commit token, $4 tenant, $5 number
 * prefix, $6 number digits, $7 currency. Claims the import (committing → committed); numbers
 * rows without one from the counter, after any imported number of the same form.
 */
const COMMIT_SQL = `
with claimed as (
  update imports set status = 'committed', committed_at = $2, updated_at = $2, commit_token = $3, error = null,
         accounts_created = (select count(*) from import_rows where import_id = $1)
   where id = $1 and status = 'committing'
  returning id
),
staged as (
  select r.*, row_number() over (partition by r.account_number is null order by r.line) as seq
    from import_rows r join claimed c on c.id = r.import_id
),
sizes as (
  select count(*) filter (where account_number is null) as generated,
         coalesce(max(${counterValueSql('account_number', '$5')}), 0) as highest
    from staged
),
counter as (
  update account_counter set last = greatest(last, s.highest) + s.generated from sizes s
  returning last, s.generated
),
inserted as (
  insert into accounts (id, tenant_id, customer_id, number, kind, name, status, currency, tags, custom, search_terms,
                        import_id, created_at, updated_at)
  select s.account_id, $4, s.account_id::text,
         coalesce(s.account_number, ${accountNumberSql('(k.last - k.generated + s.seq)', '$5', '$6')}),
         s.kind, s.name, s.status, $7, s.tags, s.custom,
         ${contactWordsSql('s.name', 's.email', 's.phone')} || ' '
           || ${addressWordsSql('s.street', 's.city', 'null', 's.postal_code', 's.country')},
         s.import_id, $2, $2
    from staged s cross join counter k
  returning id, customer_id, search
),
contacts_in as (
  insert into contacts (tenant_id, customer_id, account_id, name, email, phone, is_primary, created_at, updated_at)
  select $4, s.account_id::text, s.account_id, s.name, s.email, s.phone, true, $2, $2
    from staged s where s.email is not null or s.phone is not null
),
addresses_in as (
  insert into addresses (tenant_id, customer_id, account_id, kind, street, city, postal_code, country, lat, lon,
                         created_at, updated_at)
  select $4, s.account_id::text, s.account_id, 'service', s.street, s.city, s.postal_code, s.country, s.lat, s.lon, $2, $2
    from staged s where s.street is not null
),
history_in as (
  insert into status_history (tenant_id, customer_id, account_id, from_status, to_status, reason, changed_at, changed_by)
  select $4, s.account_id::text, s.account_id, null, s.status, 'imported', $2, 'import:' || $1::uuid::text
    from staged s
),
tokens_in as (
  insert into search_tokens (tenant_id, customer_id, account_id, token)
  select $4, i.customer_id, i.id, unnest(tsvector_to_array(i.search)) from inserted i
)
select count(*)::int as accounts from inserted`;

/** DELETE /imports/:importId: an import not committed (nor committing) goes, with its parts, rows and problems. */
export async function discardImport(ctx: PluginContext, importId: string, caller: Caller) {
  requireStaff(caller, 'importing');
  const status = await statusOf(ctx, importId);
  if (status === 'committing' || status === 'committed') throw new RouteError(409, `the import is ${status}`);
  const rows = await ctx.db.query(
    `delete from imports where id = $1 and status not in ('committing', 'committed') returning id`,
    [importId],
  );
  if (rows.length === 0) throw new RouteError(409, 'the import changed meanwhile: read its report');
  return { id: importId, deleted: true as const };
}

/** The listImportedAccounts service: a committed import's accounts by line, with the plan each row named. */
export async function importedAccounts(
  ctx: PluginContext,
  input: { importId: string; afterLine?: number; limit?: number },
) {
  const limit = input.limit ?? 500;
  const rows = await ctx.db.query<{ line: number; account_id: string; number: string; plan: string | null }>(
    `select r.line, r.account_id, a.number, r.plan from import_rows r join accounts a on a.id = r.account_id
      where r.import_id = $1 and r.line > $2 order by r.line limit $3`,
    [input.importId, input.afterLine ?? 0, limit + 1],
  );
  const items = rows
    .slice(0, limit)
    .map((r) => ({ line: r.line, accountId: r.account_id, number: r.number, plan: r.plan }));
  return { items, nextAfterLine: rows.length > limit ? (items[items.length - 1]?.line ?? null) : null };
}

/** Job purge-imports (daily): the raw file of committed imports, and imports left uncommitted for 30 days. */
export async function purgeImports(ctx: PluginContext): Promise<void> {
  const now = await ctx.clock.now();
  const monthAgo = new Date(now.getTime() - 30 * 24 * 3600_000).toISOString();
  const [parts, stale] = await ctx.db.transaction([
    {
      sql: `delete from import_parts p using imports i where i.id = p.import_id and i.status = 'committed' returning p.n`,
    },
    { sql: `delete from imports where status <> 'committed' and updated_at < $1 returning id`, params: [monthAgo] },
  ]);
  if ((parts?.length ?? 0) + (stale?.length ?? 0) > 0) {
    await ctx.log.info('imports purged', { parts: parts?.length ?? 0, imports: stale?.length ?? 0 });
  }
}

// The first wall around plugin SQL: every statement is parsed by the real PostgreSQL parser
// (libpg-query, compiled to WASM) and its whole tree is checked before it reaches the database.
// Roles, privileges and row-level security are the second wall; this one exists because the
// kernel's session user is a superuser, so anything that changes the role or the tenant setting
// (RESET ROLE, set_config, pg_settings) would otherwise succeed.
import { loadModule, parseSync } from 'libpg-query';
import { ValidationError } from '../../errors.ts';

/** Runtime queries may only read and write rows; migrations may also shape the schema. */
export type StatementContext = 'runtime' | 'migration';

/** One checked statement and its text. */
export interface CheckedStatement {
  readonly kind: string;
  readonly sql: string;
}

const RUNTIME_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt']);
const MIGRATION_STATEMENTS = new Set([
  ...RUNTIME_STATEMENTS,
  'CreateStmt',
  'IndexStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'ViewStmt',
  'AlterTableStmt',
  'RenameStmt',
  'CommentStmt',
  'DropStmt',
]);

/** ALTER TABLE subcommands a migration may use: columns and constraints, never RLS, owner or triggers. */
const ALTER_TABLE_COMMANDS = new Set([
  'AT_AddColumn',
  'AT_ColumnDefault',
  'AT_DropNotNull',
  'AT_SetNotNull',
  'AT_DropColumn',
  'AT_AlterColumnType',
  'AT_AddConstraint',
  'AT_DropConstraint',
  'AT_ValidateConstraint',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_DropIdentity',
]);
const OWN_OBJECT_TYPES = new Set(['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_VIEW']);
const RENAMABLE = new Set([...OWN_OBJECT_TYPES, 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT']);
const COMMENTABLE = new Set([...OWN_OBJECT_TYPES, 'OBJECT_COLUMN']);

/**
 * Functions a plugin may not call anywhere: they change settings (the role, the tenant), run
 * SQL text the parser never sees, take session-level locks that outlive the transaction on a
 * pooled connection, or signal the kernel's listeners.
 */
const REFUSED_FUNCTIONS: ReadonlyArray<[RegExp, string]> = [
  [/^set_config$/, 'changes settings such as the role or the tenant'],
  [/^(query|cursor|table|schema|database)_to_xml/, 'runs SQL the checker cannot see'],
  [/^ts_(stat|rewrite)$/, 'runs SQL the checker cannot see'],
  [/^pg_(try_)?advisory_/, 'takes locks that outlive the transaction'],
  [/^pg_notify$/, 'signals the kernel'],
  [/^(lo_|dblink)/, 'reaches outside the plugin schema'],
];

let loaded: Promise<void> | undefined;

/** Loads the parser (WASM) once; call before `checkPluginSql`. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

const verdicts = new Map<string, CheckedStatement[] | ValidationError>();
const MAX_VERDICTS = 2000;

/**
 * Parses `sql` and refuses it, with a ValidationError naming the reason, unless every statement
 * is allowed in `context` for a plugin whose schema is `schema`. Runtime SQL must be exactly one
 * statement. Verdicts are cached by text (parameters are separate, so the text repeats).
 */
export function checkPluginSql(sql: string, schema: string, context: StatementContext): CheckedStatement[] {
  const key = `${context}\u0000${schema}\u0000${sql}`;
  let verdict = verdicts.get(key);
  if (!verdict) {
    try {
      verdict = check(sql, schema, context);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      verdict = e;
    }
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(key, verdict);
  }
  if (verdict instanceof ValidationError) throw verdict;
  return verdict;
}

function refuse(reason: string): never {
  throw new ValidationError(`plugin SQL refused: ${reason}`, [{ pointer: '/sql', detail: reason }]);
}

type AstNode = Record<string, unknown>;

function check(sql: string, schema: string, context: StatementContext): CheckedStatement[] {
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(sql);
  } catch (e) {
    if (loaded === undefined) throw new Error('the SQL parser is not loaded; await loadSqlParser() first');
    refuse(`it does not parse: ${(e as Error).message}`);
  }
  const stmts = parsed.stmts ?? [];
  if (stmts.length === 0) refuse('it holds no statement');
  if (context === 'runtime' && stmts.length > 1) {
    refuse(`it holds ${stmts.length} statements; send one statement per query`);
  }
  const allowed = context === 'runtime' ? RUNTIME_STATEMENTS : MIGRATION_STATEMENTS;
  const checker = new TreeChecker(schema, allowed);
  // The parser's locations count UTF-8 bytes, not UTF-16 units: slice the bytes.
  const bytes = Buffer.from(sql, 'utf8');
  return stmts.map((raw) => {
    const node = raw.stmt as AstNode | undefined;
    const kind = node ? Object.keys(node)[0] : undefined;
    if (!node || !kind) refuse('it holds an empty statement');
    checker.walk(node);
    const start = raw.stmt_location ?? 0;
    const text = (raw.stmt_len ? bytes.subarray(start, start + raw.stmt_len) : bytes.subarray(start)).toString('utf8');
    return { kind, sql: text.trim() };
  });
}

/** Walks every node of a parse tree and refuses what a plugin may not do. */
class TreeChecker {
  constructor(
    private readonly schema: string,
    private readonly allowed: ReadonlySet<string>,
  ) {}

  walk(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.walk(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as AstNode;
    for (const [key, child] of Object.entries(node)) {
      if (/^[A-Z]\w*Stmt$/.test(key) && child !== null && typeof child === 'object' && !Array.isArray(child)) {
        this.statement(key, child as AstNode);
      }
      if (key === 'FuncCall') this.functionCall(child as AstNode);
      if (key === 'TypeName') this.typeName(child as AstNode);
    }
    // Relations and type names also appear unwrapped (e.g. InsertStmt.relation, ColumnDef.typeName).
    if (typeof node.relname === 'string') this.relation(node);
    if (Array.isArray(node.names) && 'typemod' in node) this.typeName(node);
    for (const child of Object.values(node)) this.walk(child);
  }

  private statement(kind: string, node: AstNode): void {
    if (!this.allowed.has(kind)) refuse(`${describe(kind)} is not allowed here`);
    switch (kind) {
      case 'SelectStmt':
        if (node.intoClause) refuse('SELECT INTO creates a table; use CREATE TABLE in a migration');
        break;
      case 'CreateStmt':
        if (node.tablespacename) refuse('tablespaces are not allowed');
        if (node.accessMethod) refuse('table access methods are not allowed');
        break;
      case 'IndexStmt':
        if (node.tableSpace) refuse('tablespaces are not allowed');
        break;
      case 'AlterTableStmt': {
        if (!OWN_OBJECT_TYPES.has(String(node.objtype))) refuse(`ALTER of ${objectName(node.objtype)} is not allowed`);
        for (const cmd of (node.cmds as AstNode[] | undefined) ?? []) {
          const subtype = String((cmd.AlterTableCmd as AstNode | undefined)?.subtype);
          if (!ALTER_TABLE_COMMANDS.has(subtype)) {
            refuse(`ALTER TABLE ${subtype.replace(/^AT_/, '')} is not allowed (the kernel manages row security)`);
          }
        }
        break;
      }
      case 'RenameStmt':
        if (!RENAMABLE.has(String(node.renameType))) refuse(`renaming ${objectName(node.renameType)} is not allowed`);
        break;
      case 'DropStmt':
        if (!OWN_OBJECT_TYPES.has(String(node.removeType))) {
          refuse(`DROP ${objectName(node.removeType)} is not allowed`);
        }
        for (const object of (node.objects as unknown[] | undefined) ?? []) this.qualifiedName(object, 1);
        break;
      case 'CommentStmt':
        if (!COMMENTABLE.has(String(node.objtype))) refuse(`COMMENT ON ${objectName(node.objtype)} is not allowed`);
        this.qualifiedName(node.object, node.objtype === 'OBJECT_COLUMN' ? 2 : 1);
        break;
    }
  }

  /** A table, view, sequence or index reference (RangeVar). */
  private relation(node: AstNode): void {
    const name = `${node.schemaname ? `${node.schemaname}.` : ''}${node.relname}`;
    if (node.catalogname) refuse(`${node.catalogname}.${name} names another database`);
    if (node.relpersistence === 't') refuse(`temporary relation ${name} is not allowed`);
    if (node.schemaname !== undefined && node.schemaname !== this.schema) {
      refuse(`${name} is outside the plugin's schema ${this.schema}`);
    }
    if (String(node.relname).toLowerCase().startsWith('pg_')) refuse(`${name} is a system catalog`);
  }

  private functionCall(node: AstNode): void {
    const parts = names(node.funcname);
    const name = parts[parts.length - 1]?.toLowerCase() ?? '';
    if (parts.length > 2) refuse(`function ${parts.join('.')} names another database`);
    if (parts.length === 2 && parts[0] !== 'pg_catalog' && parts[0] !== this.schema) {
      refuse(`function ${parts.join('.')} is outside the plugin's schema ${this.schema}`);
    }
    for (const [pattern, why] of REFUSED_FUNCTIONS) {
      if (pattern.test(name)) refuse(`function ${name} is not allowed (it ${why})`);
    }
  }

  private typeName(node: AstNode): void {
    const parts = names(node.names);
    if (parts.length > 2) refuse(`type ${parts.join('.')} names another database`);
    if (parts.length === 2 && parts[0] !== 'pg_catalog' && parts[0] !== this.schema) {
      refuse(`type ${parts.join('.')} is outside the plugin's schema ${this.schema}`);
    }
  }

  /** A dotted name list in DROP/COMMENT: anything before the last `own` parts is a schema. */
  private qualifiedName(value: unknown, own: number): void {
    const parts = names((value as AstNode | undefined)?.List ? ((value as AstNode).List as AstNode).items : value);
    if (parts.length > own + 1) refuse(`${parts.join('.')} names another database`);
    if (parts.length === own + 1 && parts[0] !== this.schema) {
      refuse(`${parts.join('.')} is outside the plugin's schema ${this.schema}`);
    }
  }
}

function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => String(((item as AstNode).String as AstNode | undefined)?.sval ?? ''));
}

function objectName(objtype: unknown): string {
  return String(objtype ?? 'this object')
    .replace(/^OBJECT_/, '')
    .toLowerCase();
}

function describe(kind: string): string {
  const words = kind
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
  return `${words} (${kind})`;
}

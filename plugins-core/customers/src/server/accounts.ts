// Customer accounts: create (numbered from the tenant's counter, in the same transaction),
// read, find, change, move through their statuses with a history, and parent accounts that pay
// for their children.
import { type PluginContext, RouteError, type RouteRequest, type SqlStatement } from '@dotmac/sdk';
import { actorOf, isReseller, requireStaff, resellerOf } from './caller.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { type CustomField, customValueProblems, type FieldProblem, loadCustomFields } from './custom-fields.ts';
import { matchingAccountsSql, reindexAccount, retokenizeAccount, searchTerms } from './search.ts';
import { counterValueOf, formatAccountNumber, loadSettings } from './settings.ts';
import { ENSURE_FAILED, ensure, sqlState, violatedConstraint } from './sql.ts';
import { type AccountStatus, transitionRefusal } from './status.ts';
import {
  ACCOUNT_COLUMNS,
  ACCOUNT_JOIN,
  type AccountKind,
  type AccountRow,
  type AccountView,
  ADDRESS_COLUMNS,
  type AddressRow,
  CONTACT_COLUMNS,
  type ContactRow,
  iso,
  toAccount,
  toAccountSummary,
} from './views.ts';

type Caller = RouteRequest['caller'];

/** A contact as POST bodies carry it (schemas/contact-input.json). */
export interface NewContact {
  readonly name: string;
  readonly email?: string;
  readonly phone?: string;
  readonly role?: string;
  readonly isPrimary?: boolean;
  readonly portalAccess?: boolean;
}

/** An address as POST bodies carry it (schemas/address-input.json). */
export interface NewAddress {
  readonly kind: 'service' | 'billing';
  readonly label?: string;
  readonly street: string;
  readonly city: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly country: string;
  readonly lat?: number;
  readonly lon?: number;
}

/** POST /accounts body (schemas/account-input.json). */
export interface NewAccount {
  readonly kind: AccountKind;
  readonly name: string;
  readonly status?: 'lead' | 'active';
  readonly number?: string;
  readonly parentId?: string;
  /** The reseller the account belongs to; a reseller's own accounts are theirs whatever it says. */
  readonly resellerId?: string;
  readonly currency?: string;
  readonly tags?: readonly string[];
  readonly custom?: Readonly<Record<string, string | number | boolean>>;
  readonly contacts?: readonly NewContact[];
  readonly addresses?: readonly NewAddress[];
}

/** PATCH /accounts/:accountId body (schemas/account-patch.json). */
export interface AccountChanges {
  readonly kind?: AccountKind;
  readonly name?: string;
  readonly parentId?: string | null;
  /** null: the account belongs to no reseller. */
  readonly resellerId?: string | null;
  readonly currency?: string;
  readonly tags?: readonly string[];
  readonly custom?: Readonly<Record<string, string | number | boolean | null>>;
}

/** GET /accounts query, validated (defaults filled in). */
export interface AccountQuery {
  readonly q?: string;
  readonly status?: AccountStatus;
  readonly kind?: AccountKind;
  readonly tag?: string;
  readonly parentId?: string;
  readonly resellerId?: string;
  readonly sort: string;
  readonly cursor?: string;
  readonly limit: number;
}

/** Times a write built ahead of time is tried again when a concurrent one beat it. */
const ATTEMPTS = 5;
const NUMBER_TAKEN = 'accounts_tenant_id_number_key';

export const notFound = (accountId: string) => new RouteError(404, `no account ${accountId}`);

// ---- reading ---------------------------------------------------------------------------------

/** The statements that read account `accountId` with its contacts and addresses (see `accountFrom`). */
export function readAccount(accountId: string): SqlStatement[] {
  return [
    { sql: `select ${ACCOUNT_COLUMNS} from accounts a ${ACCOUNT_JOIN} where a.id = $1`, params: [accountId] },
    {
      sql: `select ${CONTACT_COLUMNS} from contacts where account_id = $1 order by is_primary desc, created_at, id`,
      params: [accountId],
    },
    {
      sql: `select ${ADDRESS_COLUMNS} from addresses where account_id = $1 order by kind = 'billing' desc, created_at, id`,
      params: [accountId],
    },
  ];
}

/** The account the last three results (of `readAccount`'s statements) hold, or undefined. */
export function accountFrom(results: readonly Record<string, unknown>[][]): AccountView | undefined {
  const [account, contacts, addresses] = results.slice(-3) as unknown as [AccountRow[], ContactRow[], AddressRow[]];
  return account?.[0] ? toAccount(account[0], contacts, addresses) : undefined;
}

/** Account `accountId` (RouteError 404 when the caller cannot see it). */
export async function getAccount(ctx: PluginContext, accountId: string): Promise<AccountView> {
  const account = accountFrom(await ctx.db.transaction(readAccount(accountId)));
  if (!account) throw notFound(accountId);
  return account;
}

const SORT_COLUMNS: Readonly<Record<string, { column: string; type: string }>> = {
  name: { column: 'a.name', type: 'text' },
  number: { column: 'a.number', type: 'text' },
  createdAt: { column: 'a.created_at', type: 'timestamptz' },
};

/** GET /accounts: one page of the accounts matching the search and filters, in the sort asked. */
export async function listAccounts(ctx: PluginContext, query: AccountQuery) {
  const descending = query.sort.startsWith('-');
  const key = query.sort.replace(/^-/, '');
  const sort = SORT_COLUMNS[key] as { column: string; type: string };
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (query.status) where.push(`a.status = ${param(query.status)}`);
  if (query.kind) where.push(`a.kind = ${param(query.kind)}`);
  if (query.tag) where.push(`${param(query.tag)} = any(a.tags)`);
  if (query.parentId) where.push(`a.parent_id = ${param(query.parentId)}::uuid`);
  if (query.resellerId) where.push(`a.reseller_id = ${param(query.resellerId)}`);
  if (query.q !== undefined) {
    const terms = searchTerms(query.q);
    if (terms.length === 0) {
      throw new RouteError(400, 'the search has nothing to look for', [
        { pointer: '/query/q', detail: 'must hold a letter or a digit' },
      ]);
    }
    where.push(matchingAccountsSql(terms, param));
  }
  if (query.cursor) {
    const after = decodeCursor(query.cursor, query.sort);
    where.push(
      `(${sort.column}, a.id) ${descending ? '<' : '>'} (${param(after.value)}::${sort.type}, ${param(after.id)}::uuid)`,
    );
  }
  const order = `order by ${sort.column} ${descending ? 'desc' : 'asc'}, a.id ${descending ? 'desc' : 'asc'}`;
  // The page first, then its primary contacts: a search matching thousands joins only the page's.
  const rows = await ctx.db.query<AccountRow>(
    `select ${ACCOUNT_COLUMNS}
       from (select a.* from accounts a ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
              ${order} limit ${param(query.limit + 1)}) a
       ${ACCOUNT_JOIN} ${order}`,
    params,
  );
  const items = rows.slice(0, query.limit).map(toAccountSummary);
  const last = items[items.length - 1];
  const value = (a: typeof last) => (key === 'name' ? a?.name : key === 'number' ? a?.number : a?.createdAt) ?? null;
  return {
    items,
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ sort: query.sort, value: value(last), id: last.id }) : null,
  };
}

/** GET /me: the account a customer-portal user acts as. */
export async function myAccount(ctx: PluginContext, caller: Caller): Promise<AccountView> {
  if (caller.kind !== 'user' || caller.portal !== 'customer' || !caller.subjectId) {
    throw new RouteError(404, 'no account: this is for users signed in to the customer portal');
  }
  return getAccount(ctx, caller.subjectId);
}

/** The `getAccount` service: what other plugins (subscriptions, billing) need of an account. */
export async function accountForService(ctx: PluginContext, accountId: string) {
  const [row] = await ctx.db.query<{
    id: string;
    number: string;
    name: string;
    status: AccountStatus;
    currency: string;
    payer_id: string;
    reseller_id: string | null;
  }>(
    'select id, number, name, status, currency, coalesce(parent_id, id) as payer_id, reseller_id from accounts where id = $1',
    [accountId],
  );
  // A refusal, not a fault: the calling plugin gets a 404 it can pass on.
  if (!row) throw new RouteError(404, `no account ${accountId} in this tenant`);
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    status: row.status,
    currency: row.currency,
    payerId: row.payer_id,
    resellerId: row.reseller_id,
  };
}

/**
 * Refuses (404) a reseller-portal user's request about an account that is not theirs. Reads find
 * nothing of such an account anyway (its row is hidden from them); changes to its contacts,
 * addresses and notes, which carry no reseller_id, need this check first.
 */
export async function requireVisibleAccount(ctx: PluginContext, accountId: string, caller: Caller): Promise<void> {
  if (!isReseller(caller)) return;
  const [row] = await ctx.db.query('select id from accounts where id = $1', [accountId]);
  if (!row) throw notFound(accountId);
}

// ---- payers ----------------------------------------------------------------------------------

/** What the payer rules need to know of an account that would pay. */
interface PayerFacts {
  readonly id: string;
  readonly number: string;
  readonly parentId: string | null;
  readonly status: AccountStatus;
  readonly currency: string;
}

async function loadPayer(ctx: PluginContext, parentId: string | null | undefined): Promise<PayerFacts | undefined> {
  if (!parentId) return undefined;
  const [row] = await ctx.db.query<PayerFacts>(
    'select id, number, parent_id as "parentId", status, currency from accounts where id = $1',
    [parentId],
  );
  return row;
}

/**
 * Why account `account` cannot be paid for by `parentId` (as `payer` holds it), as problems of
 * the request: one level only (a payer has no payer, a child pays for nobody), a live payer,
 * and one currency.
 */
function payerProblems(
  account: { readonly id: string | null; readonly children: number; readonly currency: string },
  parentId: string,
  payer: PayerFacts | undefined,
): FieldProblem[] {
  const at = '/body/parentId';
  if (!payer) return [{ pointer: at, detail: `no account ${parentId} in this tenant` }];
  if (payer.id === account.id) return [{ pointer: at, detail: 'an account cannot pay for itself' }];
  if (payer.parentId !== null) {
    return [
      { pointer: at, detail: `account ${payer.number} is paid for by another account; a payer cannot have a payer` },
    ];
  }
  if (account.children > 0) {
    return [
      {
        pointer: at,
        detail: `this account pays for ${account.children} other account(s); a payer cannot have a payer`,
      },
    ];
  }
  if (payer.status === 'terminated') return [{ pointer: at, detail: `account ${payer.number} is terminated` }];
  if (payer.currency !== account.currency) {
    return [
      {
        pointer: '/body/currency',
        detail: `must be ${payer.currency}, the currency of the paying account ${payer.number}`,
      },
    ];
  }
  return [];
}

// ---- creating ----------------------------------------------------------------------------------

/** POST /accounts: the account, its contacts and addresses and its first history row, in one transaction with customer.created. */
export async function createAccount(ctx: PluginContext, input: NewAccount, caller: Caller): Promise<AccountView> {
  requireStaff(caller, 'creating accounts');
  const reseller = resellerOf(caller);
  if (reseller !== undefined && input.resellerId !== undefined && input.resellerId !== reseller) {
    throw new RouteError(403, 'a reseller creates accounts of their own only', [
      { pointer: '/body/resellerId', detail: 'is not the reseller you act as' },
    ]);
  }
  const resellerId = reseller ?? input.resellerId ?? null;
  const [settings, fields, payer] = await Promise.all([
    loadSettings(ctx),
    loadCustomFields(ctx),
    loadPayer(ctx, input.parentId),
  ]);
  const currency = input.currency ?? payer?.currency ?? settings.defaultCurrency;
  const problems = [
    ...customValueProblems(fields, input.custom ?? {}, '/body/custom', true),
    ...(input.parentId ? payerProblems({ id: null, children: 0, currency }, input.parentId, payer) : []),
    ...contactProblems(input.contacts ?? []),
    ...addressProblems(input.addresses ?? []),
  ];
  if (problems.length > 0) throw new RouteError(400, 'the account cannot be created as it is', problems);

  // The number comes from the counter in the account's own transaction, so that numbers have no
  // gaps. Losing a race for it, the next try takes its number outside (as a sequence does: a
  // gap only if that transaction then fails), so that busy tenants still make progress.
  let reserved: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const [fresh] = await ctx.db.query<{ id: string; counter: string }>(
      `select gen_random_uuid()::text as id, coalesce((select last from account_counter), 0)::text as counter`,
    );
    if (!fresh) throw new Error('the database answered no id');
    const counter = Number(fresh.counter);
    const number = input.number ?? formatAccountNumber(settings, reserved ?? counter + 1);
    const numbering =
      input.number !== undefined
        ? keepNumber(ctx, counterValueOf(settings, number))
        : reserved === undefined
          ? takeNextNumber(ctx, counter)
          : [];
    const at = await now(ctx);
    try {
      const results = await ctx.db.transaction(
        [
          ...numbering,
          ...insertAccountStatements(ctx, fresh.id, number, { ...input, currency, resellerId }, caller, at),
          ...readAccount(fresh.id),
        ],
        {
          events: [
            { name: 'customer.created', payload: { accountId: fresh.id, number, name: input.name, kind: input.kind } },
          ],
        },
      );
      return accountFrom(results) as AccountView;
    } catch (e) {
      const state = sqlState(e);
      const taken = state === '23505' && violatedConstraint(e) === NUMBER_TAKEN;
      if (taken && input.number !== undefined) {
        throw new RouteError(409, `account number ${number} is taken`, [
          { pointer: '/body/number', detail: `${number} is the number of another account` },
        ]);
      }
      if (!taken && state !== ENSURE_FAILED) throw e;
      if (attempt >= ATTEMPTS) throw new RouteError(409, 'the account could not be numbered: try again');
      reserved = await reserveNumber(ctx);
    }
  }
}

const now = async (ctx: PluginContext) => (await ctx.clock.now()).toISOString();

/** The statements that take the counter's next value, `from` + 1; the transaction fails if another took it meanwhile. */
function takeNextNumber(ctx: PluginContext, from: number): SqlStatement[] {
  return [
    {
      sql: `insert into account_counter as c (tenant_id, last) values ($1, $2)
            on conflict (tenant_id) do update set last = excluded.last where c.last = $3`,
      params: [ctx.tenantId, from + 1, from],
    },
    ensure('(select last from account_counter) = $1', [from + 1]),
  ];
}

/** The statements that keep a number given by hand: the counter moves past it when it has the form of ours. */
function keepNumber(ctx: PluginContext, counterValue: number | undefined): SqlStatement[] {
  if (counterValue === undefined) return [];
  return [
    {
      sql: `insert into account_counter as c (tenant_id, last) values ($1, $2)
            on conflict (tenant_id) do update set last = greatest(c.last, excluded.last)`,
      params: [ctx.tenantId, counterValue],
    },
  ];
}

/** Takes the counter's next value in a transaction of its own. */
async function reserveNumber(ctx: PluginContext): Promise<number> {
  const [row] = await ctx.db.query<{ last: string }>(
    `insert into account_counter as c (tenant_id, last) values ($1, 1)
     on conflict (tenant_id) do update set last = c.last + 1 returning last::text`,
    [ctx.tenantId],
  );
  return Number(row?.last);
}

function insertAccountStatements(
  ctx: PluginContext,
  id: string,
  number: string,
  input: Omit<NewAccount, 'resellerId'> & { readonly currency: string; readonly resellerId: string | null },
  caller: Caller,
  at: string,
): SqlStatement[] {
  const statements: SqlStatement[] = [
    {
      sql: `insert into accounts (id, tenant_id, customer_id, number, kind, name, status, parent_id, currency, tags, custom, created_at, updated_at, reseller_id)
            values ($1, $2, $1::uuid::text, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $11, $12)`,
      params: [
        id,
        ctx.tenantId,
        number,
        input.kind,
        input.name,
        input.status ?? 'active',
        input.parentId ?? null,
        input.currency,
        input.tags ?? [],
        JSON.stringify(input.custom ?? {}),
        at,
        input.resellerId,
      ],
    },
    {
      sql: `insert into status_history (tenant_id, customer_id, account_id, from_status, to_status, reason, changed_at, changed_by)
            values ($1, $2::uuid::text, $2, null, $3, 'created', $4, $5)`,
      params: [ctx.tenantId, id, input.status ?? 'active', at, actorOf(caller)],
    },
  ];
  const contacts = input.contacts ?? [];
  const primary = Math.max(
    0,
    contacts.findIndex((c) => c.isPrimary),
  );
  if (contacts.length > 0) {
    statements.push({
      sql: `insert into contacts (tenant_id, customer_id, account_id, name, email, phone, role, is_primary, portal_access, created_at, updated_at)
            select $1, $2::uuid::text, $2, c.name, c.email, c.phone, c.role, c.n = $4, coalesce(c."portalAccess", false), $3, $3
              from jsonb_to_recordset($5::jsonb) as c(n int, name text, email text, phone text, role text, "portalAccess" boolean)`,
      params: [ctx.tenantId, id, at, primary, JSON.stringify(contacts.map((c, n) => ({ ...c, n })))],
    });
  }
  const addresses = input.addresses ?? [];
  if (addresses.length > 0) {
    statements.push({
      sql: `insert into addresses (tenant_id, customer_id, account_id, kind, label, street, city, region, postal_code, country, lat, lon, created_at, updated_at)
            select $1, $2::uuid::text, $2, d.kind, d.label, d.street, d.city, d.region, d."postalCode", d.country, d.lat, d.lon, $3, $3
              from jsonb_to_recordset($4::jsonb) as d(kind text, label text, street text, city text, region text, "postalCode" text,
                                                     country text, lat double precision, lon double precision)`,
      params: [ctx.tenantId, id, at, JSON.stringify(addresses)],
    });
  }
  statements.push(...reindexAccount(id, at));
  return statements;
}

/** Rules on contacts a schema cannot state: one primary, an email for portal access. */
export function contactProblems(contacts: readonly NewContact[], at = '/body/contacts'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const primaries = contacts.flatMap((c, i) => (c.isPrimary ? [i] : []));
  for (const i of primaries.slice(1)) {
    problems.push({
      pointer: `${at}/${i}/isPrimary`,
      detail: `only one contact can be primary (${at}/${primaries[0]} is)`,
    });
  }
  contacts.forEach((c, i) => {
    if (c.portalAccess && !c.email) {
      problems.push({ pointer: `${at}/${i}/email`, detail: 'is required for portal access' });
    }
  });
  return problems;
}

/** Rules on addresses a schema cannot state: one billing address, coordinates in pairs. */
export function addressProblems(addresses: readonly NewAddress[], at = '/body/addresses'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const billing = addresses.flatMap((a, i) => (a.kind === 'billing' ? [i] : []));
  for (const i of billing.slice(1)) {
    problems.push({
      pointer: `${at}/${i}/kind`,
      detail: `an account has one billing address (${at}/${billing[0]} is)`,
    });
  }
  addresses.forEach((a, i) => {
    if ((a.lat === undefined) !== (a.lon === undefined)) {
      problems.push({
        pointer: `${at}/${i}/${a.lat === undefined ? 'lat' : 'lon'}`,
        detail: 'lat and lon come together',
      });
    }
  });
  return problems;
}

// ---- changing ----------------------------------------------------------------------------------

/** PATCH /accounts/:accountId. */
export async function updateAccount(
  ctx: PluginContext,
  accountId: string,
  changes: AccountChanges,
  caller: Caller,
): Promise<AccountView> {
  requireStaff(caller, 'changing an account');
  if (isReseller(caller) && changes.resellerId !== undefined) {
    throw new RouteError(403, 'assigning accounts to resellers is for staff', [
      { pointer: '/body/resellerId', detail: 'cannot be changed from the reseller portal' },
    ]);
  }
  const [current] = await ctx.db.query<{ currency: string; custom: Record<string, unknown>; children: number }>(
    `select currency, custom, (select count(*)::int from accounts c where c.parent_id = a.id) as children
       from accounts a where id = $1`,
    [accountId],
  );
  if (!current) throw notFound(accountId);
  const [fields, payer] = await Promise.all([
    changes.custom ? loadCustomFields(ctx) : Promise.resolve([] as CustomField[]),
    loadPayer(ctx, changes.parentId),
  ]);
  const currency = changes.currency ?? current.currency;
  const problems: FieldProblem[] = [];
  if (changes.custom) {
    problems.push(...customValueProblems(fields, changes.custom, '/body/custom', false));
    const merged = Object.fromEntries(
      Object.entries({ ...current.custom, ...changes.custom }).filter(([, v]) => v !== null && v !== undefined),
    );
    const missing = customValueProblems(fields, merged, '/body/custom', true).filter((p) =>
      p.detail.startsWith('is required'),
    );
    problems.push(...missing.filter((m) => !problems.some((p) => p.pointer === m.pointer)));
  }
  if (changes.parentId) {
    problems.push(...payerProblems({ id: accountId, children: current.children, currency }, changes.parentId, payer));
  }
  if (changes.currency && changes.currency !== current.currency && current.children > 0) {
    problems.push({
      pointer: '/body/currency',
      detail: `this account pays for ${current.children} account(s) in ${current.currency}`,
    });
  }
  if (problems.length > 0) throw new RouteError(400, 'the account cannot be changed so', problems);

  const set: string[] = [];
  const params: unknown[] = [accountId];
  const assign = (column: string, value: unknown, cast = '') => {
    params.push(value);
    set.push(`${column} = $${params.length}${cast}`);
  };
  if (changes.kind !== undefined) assign('kind', changes.kind);
  if (changes.name !== undefined) assign('name', changes.name);
  if (changes.parentId !== undefined) assign('parent_id', changes.parentId, '::uuid');
  if (changes.resellerId !== undefined) assign('reseller_id', changes.resellerId);
  if (changes.currency !== undefined) assign('currency', changes.currency);
  if (changes.tags !== undefined) assign('tags', changes.tags);
  if (changes.custom !== undefined) {
    params.push(JSON.stringify(changes.custom));
    set.push(`custom = jsonb_strip_nulls(custom || $${params.length}::jsonb)`);
  }
  assign('updated_at', await now(ctx));
  const results = await ctx.db.transaction([
    { sql: `update accounts set ${set.join(', ')} where id = $1`, params },
    ...retokenizeAccount(accountId),
    ...readAccount(accountId),
  ]);
  return accountFrom(results) ?? (await getAccount(ctx, accountId));
}

/** POST /accounts/:accountId/status: the change, its history row and customer.status-changed, in one transaction. */
export async function changeStatus(
  ctx: PluginContext,
  accountId: string,
  change: { readonly status: AccountStatus; readonly reason: string },
  caller: Caller,
): Promise<AccountView> {
  requireStaff(caller, 'changing an account’s status');
  for (let attempt = 1; ; attempt++) {
    const [current] = await ctx.db.query<{
      status: AccountStatus;
      history_id: string;
      live_children: number;
      payer: { number: string; status: AccountStatus } | null;
    }>(
      `select a.status, gen_random_uuid()::text as history_id,
              (select count(*)::int from accounts c where c.parent_id = a.id and c.status <> 'terminated') as live_children,
              (select json_build_object('number', p.number, 'status', p.status) from accounts p where p.id = a.parent_id) as payer
         from accounts a where a.id = $1`,
      [accountId],
    );
    if (!current) throw notFound(accountId);
    const refusal = transitionRefusal(current.status, change.status);
    if (refusal) throw new RouteError(409, refusal, [{ pointer: '/body/status', detail: refusal }]);
    if (change.status === 'terminated' && current.live_children > 0) {
      const detail = `the account pays for ${current.live_children} account(s) that are not terminated; terminate them or give them another payer first`;
      throw new RouteError(409, detail, [{ pointer: '/body/status', detail }]);
    }
    if (change.status === 'active' && current.payer?.status === 'terminated') {
      const detail = `the paying account ${current.payer.number} is terminated; give this account another payer first`;
      throw new RouteError(409, detail, [{ pointer: '/body/status', detail }]);
    }
    const at = await now(ctx);
    try {
      const results = await ctx.db.transaction(
        [
          {
            sql: `with changed as (
                    update accounts set status = $3, updated_at = $5 where id = $1 and status = $2 returning id, customer_id)
                  insert into status_history (id, tenant_id, customer_id, account_id, from_status, to_status, reason, changed_at, changed_by)
                  select $4, $6, customer_id, id, $2, $3, $7, $5, $8 from changed`,
            params: [
              accountId,
              current.status,
              change.status,
              current.history_id,
              at,
              ctx.tenantId,
              change.reason,
              actorOf(caller),
            ],
          },
          ensure('exists (select 1 from status_history where id = $1)', [current.history_id]),
          ...readAccount(accountId),
        ],
        {
          events: [
            {
              name: 'customer.status-changed',
              payload: { accountId, from: current.status, to: change.status, reason: change.reason },
            },
          ],
        },
      );
      return accountFrom(results) as AccountView;
    } catch (e) {
      // Another change came between reading and writing: read again and judge again.
      if (sqlState(e) !== ENSURE_FAILED || attempt >= ATTEMPTS) throw e;
    }
  }
}

/** GET /accounts/:accountId/history: newest first. */
export async function statusHistory(ctx: PluginContext, accountId: string, page: { cursor?: string; limit: number }) {
  const params: unknown[] = [accountId, page.limit + 1];
  let after = '';
  if (page.cursor) {
    const key = decodeCursor(page.cursor, 'history');
    params.push(key.id);
    after = 'and seq < $3::bigint';
  }
  const results = await ctx.db.transaction([
    { sql: 'select id from accounts where id = $1', params: [accountId] },
    {
      sql: `select id, seq::text, account_id, from_status, to_status, reason, changed_at, changed_by from status_history
             where account_id = $1 ${after} order by seq desc limit $2`,
      params,
    },
  ]);
  if (results[0]?.length === 0) throw notFound(accountId);
  const rows = (results[1] ?? []) as {
    id: string;
    seq: string;
    account_id: string;
    from_status: AccountStatus | null;
    to_status: AccountStatus;
    reason: string | null;
    changed_at: string;
    changed_by: string;
  }[];
  const shown = rows.slice(0, page.limit);
  const items = shown.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    from: r.from_status,
    to: r.to_status,
    reason: r.reason,
    changedAt: iso(r.changed_at) as string,
    changedBy: r.changed_by,
  }));
  const last = shown[shown.length - 1];
  return {
    items,
    // The cursor's key is the change's place in the order (seq), not its id.
    nextCursor: rows.length > page.limit && last ? encodeCursor({ sort: 'history', value: null, id: last.seq }) : null,
  };
}

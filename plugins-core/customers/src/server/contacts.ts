// An account's contacts: several per account, exactly one primary once there is any, each
// optionally allowed into the customer portal. Every change refreshes the account's search
// document in the same transaction, so that search finds the new email or phone at once.
import { type PluginContext, RouteError, type SqlStatement } from '@dotmac/sdk';
import { type NewContact, notFound } from './accounts.ts';
import { reindexAccount } from './search.ts';
import { sqlState, violatedConstraint } from './sql.ts';
import { CONTACT_COLUMNS, type ContactRow, toContact } from './views.ts';

/** PATCH body (schemas/contact-patch.json). */
export interface ContactChanges {
  readonly name?: string;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly role?: string | null;
  readonly isPrimary?: true;
  readonly portalAccess?: boolean;
}

const contactNotFound = (contactId: string) => new RouteError(404, `no contact ${contactId} on this account`);

/** Runs the statements, then the account's reindex; maps the database's refusals to the request's fields. */
async function write(ctx: PluginContext, accountId: string, statements: SqlStatement[], at: string) {
  try {
    return await ctx.db.transaction([...statements, ...reindexAccount(accountId, at)]);
  } catch (e) {
    if (sqlState(e) === '23514' && violatedConstraint(e) === 'contacts_portal_needs_email') {
      throw new RouteError(400, 'a contact with portal access needs an email', [
        { pointer: '/body/email', detail: 'is required for portal access' },
      ]);
    }
    throw e;
  }
}

export async function listContacts(ctx: PluginContext, accountId: string) {
  const [account, contacts] = await ctx.db.transaction([
    { sql: 'select id from accounts where id = $1', params: [accountId] },
    {
      sql: `select ${CONTACT_COLUMNS} from contacts where account_id = $1 order by is_primary desc, created_at, id`,
      params: [accountId],
    },
  ]);
  if (account?.length === 0) throw notFound(accountId);
  return { items: (contacts as unknown as ContactRow[]).map(toContact) };
}

/** POST /accounts/:accountId/contacts: the first contact of an account, or one marked isPrimary, becomes primary. */
export async function addContact(ctx: PluginContext, accountId: string, input: NewContact) {
  if (input.portalAccess && !input.email) {
    throw new RouteError(400, 'a contact with portal access needs an email', [
      { pointer: '/body/email', detail: 'is required for portal access' },
    ]);
  }
  const at = (await ctx.clock.now()).toISOString();
  const statements: SqlStatement[] = [];
  if (input.isPrimary) {
    statements.push({
      sql: 'update contacts set is_primary = false, updated_at = $2 where account_id = $1 and is_primary',
      params: [accountId, at],
    });
  }
  statements.push({
    sql: `insert into contacts (tenant_id, customer_id, account_id, name, email, phone, role, is_primary, portal_access, created_at, updated_at)
          select $2, a.customer_id, a.id, $3, $4, $5, $6,
                 $7 or not exists (select 1 from contacts c where c.account_id = a.id and c.is_primary), $8, $9, $9
            from accounts a where a.id = $1
          returning ${CONTACT_COLUMNS}`,
    params: [
      accountId,
      ctx.tenantId,
      input.name,
      input.email ?? null,
      input.phone ?? null,
      input.role ?? null,
      input.isPrimary ?? false,
      input.portalAccess ?? false,
      at,
    ],
  });
  const results = await write(ctx, accountId, statements, at);
  const [row] = (results[statements.length - 1] ?? []) as unknown as ContactRow[];
  if (!row) throw notFound(accountId);
  return toContact(row);
}

/** PATCH /accounts/:accountId/contacts/:contactId. */
export async function updateContact(ctx: PluginContext, accountId: string, contactId: string, changes: ContactChanges) {
  const at = (await ctx.clock.now()).toISOString();
  const params: unknown[] = [accountId, contactId, at];
  const set = ['updated_at = $3'];
  const columns: Record<string, keyof ContactChanges> = {
    name: 'name',
    email: 'email',
    phone: 'phone',
    role: 'role',
    portal_access: 'portalAccess',
  };
  for (const [column, key] of Object.entries(columns)) {
    if (changes[key] === undefined) continue;
    params.push(changes[key]);
    set.push(`${column} = $${params.length}`);
  }
  const statements: SqlStatement[] = [];
  if (changes.isPrimary) {
    statements.push({
      sql: `update contacts set is_primary = false, updated_at = $3
             where account_id = $1 and is_primary and id <> $2
               and exists (select 1 from contacts where id = $2 and account_id = $1)`,
      params: [accountId, contactId, at],
    });
    set.push('is_primary = true');
  }
  statements.push({
    sql: `update contacts set ${set.join(', ')} where id = $2 and account_id = $1 returning ${CONTACT_COLUMNS}`,
    params,
  });
  const results = await write(ctx, accountId, statements, at);
  const [row] = (results[statements.length - 1] ?? []) as unknown as ContactRow[];
  if (!row) throw contactNotFound(contactId);
  return toContact(row);
}

/** DELETE /accounts/:accountId/contacts/:contactId: not the primary contact while others remain. */
export async function removeContact(ctx: PluginContext, accountId: string, contactId: string) {
  const [contact] = await ctx.db.query<{ is_primary: boolean; others: number }>(
    `select is_primary, (select count(*)::int from contacts o where o.account_id = $1 and o.id <> $2) as others
       from contacts where id = $2 and account_id = $1`,
    [accountId, contactId],
  );
  if (!contact) throw contactNotFound(contactId);
  if (contact.is_primary && contact.others > 0) {
    throw new RouteError(
      409,
      'the primary contact cannot be removed while the account has others: make another one primary first',
    );
  }
  const at = (await ctx.clock.now()).toISOString();
  const [deleted] = await write(
    ctx,
    accountId,
    [
      {
        sql: `delete from contacts where id = $2 and account_id = $1
                and (not is_primary or not exists (select 1 from contacts o where o.account_id = $1 and o.id <> $2))
              returning id`,
        params: [accountId, contactId],
      },
    ],
    at,
  );
  if (deleted?.length === 0) throw new RouteError(409, 'the contact changed meanwhile: try again');
  return { id: contactId, deleted: true as const };
}

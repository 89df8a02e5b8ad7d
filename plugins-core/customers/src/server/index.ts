// dotmac.customers: customer accounts and everything a customer-care team keeps about them.
// Each route, job and service of plugin.json maps to one function of the modules beside this
// one; requests arrive validated against the manifest's schemas.
import { definePlugin } from '@dotmac/sdk';
import {
  type AccountChanges,
  type AccountQuery,
  accountForService,
  changeStatus,
  createAccount,
  getAccount,
  listAccounts,
  myAccount,
  type NewAccount,
  type NewAddress,
  type NewContact,
  requireVisibleAccount,
  statusHistory,
  updateAccount,
} from './accounts.ts';
import { type AddressChanges, addAddress, listAddresses, removeAddress, updateAddress } from './addresses.ts';
import { requireStaff } from './caller.ts';
import { addContact, type ContactChanges, listContacts, removeContact, updateContact } from './contacts.ts';
import { type CustomField, loadCustomFields, saveCustomFields } from './custom-fields.ts';
import {
  commitImport,
  createImport,
  discardImport,
  importedAccounts,
  importReport,
  listImports,
  listProblems,
  purgeImports,
  putPart,
  startCommit,
  startValidation,
  validatePart,
} from './imports.ts';
import { addNote, listNotes, removeNote, updateNote } from './notes.ts';
import { accountStats } from './stats.ts';
import type { AccountStatus } from './status.ts';

/** A page query (cursor, limit), as the manifest's schemas validated it (limit has a default). */
const pageOf = (query: Readonly<Record<string, unknown>>) => ({
  ...(typeof query.cursor === 'string' ? { cursor: query.cursor } : {}),
  limit: query.limit as number,
});

export default definePlugin({
  routes: {
    'GET /accounts': (ctx, { query }) => listAccounts(ctx, query as unknown as AccountQuery),
    'POST /accounts': (ctx, { body, caller }) => createAccount(ctx, body as NewAccount, caller),
    'GET /accounts/:accountId': (ctx, { params }) => getAccount(ctx, params.accountId),
    'PATCH /accounts/:accountId': (ctx, { params, body, caller }) =>
      updateAccount(ctx, params.accountId, body as AccountChanges, caller),
    'POST /accounts/:accountId/status': (ctx, { params, body, caller }) =>
      changeStatus(ctx, params.accountId, body as { status: AccountStatus; reason: string }, caller),
    'GET /accounts/:accountId/history': (ctx, { params, query }) => statusHistory(ctx, params.accountId, pageOf(query)),

    'GET /accounts/:accountId/contacts': (ctx, { params }) => listContacts(ctx, params.accountId),
    'POST /accounts/:accountId/contacts': (ctx, { params, body }) =>
      addContact(ctx, params.accountId, body as NewContact),
    'PATCH /accounts/:accountId/contacts/:contactId': async (ctx, { params, body, caller }) => {
      await requireVisibleAccount(ctx, params.accountId, caller);
      return updateContact(ctx, params.accountId, params.contactId, body as ContactChanges);
    },
    'DELETE /accounts/:accountId/contacts/:contactId': async (ctx, { params, caller }) => {
      await requireVisibleAccount(ctx, params.accountId, caller);
      return removeContact(ctx, params.accountId, params.contactId);
    },

    'GET /accounts/:accountId/addresses': (ctx, { params }) => listAddresses(ctx, params.accountId),
    'POST /accounts/:accountId/addresses': (ctx, { params, body }) =>
      addAddress(ctx, params.accountId, body as NewAddress),
    'PATCH /accounts/:accountId/addresses/:addressId': async (ctx, { params, body, caller }) => {
      await requireVisibleAccount(ctx, params.accountId, caller);
      return updateAddress(ctx, params.accountId, params.addressId, body as AddressChanges);
    },
    'DELETE /accounts/:accountId/addresses/:addressId': async (ctx, { params, caller }) => {
      await requireVisibleAccount(ctx, params.accountId, caller);
      return removeAddress(ctx, params.accountId, params.addressId);
    },

    'GET /accounts/:accountId/notes': (ctx, { params, query, caller }) =>
      listNotes(ctx, params.accountId, pageOf(query), caller),
    'POST /accounts/:accountId/notes': (ctx, { params, body, caller }) =>
      addNote(ctx, params.accountId, body as { body: string; pinned?: boolean }, caller),
    'PATCH /accounts/:accountId/notes/:noteId': async (ctx, { params, body, caller }) => {
      await requireVisibleAccount(ctx, params.accountId, caller);
      return updateNote(ctx, params.accountId, params.noteId, body as { body?: string; pinned?: boolean }, caller);
    },
    'DELETE /accounts/:accountId/notes/:noteId': async (ctx, { params, caller }) => {
      await requireVisibleAccount(ctx, params.accountId, caller);
      return removeNote(ctx, params.accountId, params.noteId, caller);
    },

    'GET /custom-fields': async (ctx) => ({ fields: await loadCustomFields(ctx) }),
    'PUT /custom-fields': async (ctx, { body, caller }) => {
      requireStaff(caller, 'defining custom fields');
      return { fields: await saveCustomFields(ctx, (body as { fields: CustomField[] }).fields) };
    },

    'GET /me': (ctx, { caller }) => myAccount(ctx, caller),
    'GET /stats': (ctx, { query }) => accountStats(ctx, query as { since?: string }),

    'POST /imports': (ctx, { body, caller }) => createImport(ctx, (body ?? {}) as { fileName?: string }, caller),
    'GET /imports': (ctx, { query, caller }) => listImports(ctx, pageOf(query), caller),
    'GET /imports/:importId': (ctx, { params, caller }) => importReport(ctx, params.importId, caller),
    'PUT /imports/:importId/parts/:part': (ctx, { params, body, caller }) =>
      putPart(ctx, params.importId, Number(params.part), (body as { text: string }).text, caller),
    'POST /imports/:importId/validate': (ctx, { params, caller }) => startValidation(ctx, params.importId, caller),
    'GET /imports/:importId/problems': (ctx, { params, query, caller }) =>
      listProblems(ctx, params.importId, pageOf(query), caller),
    'POST /imports/:importId/commit': (ctx, { params, caller }) => startCommit(ctx, params.importId, caller),
    'DELETE /imports/:importId': (ctx, { params, caller }) => discardImport(ctx, params.importId, caller),
  },

  jobs: {
    'validate-import': (ctx, data) => validatePart(ctx, data as { importId: string; run: number; part: number }),
    'commit-import': (ctx, data) => commitImport(ctx, data as { importId: string }),
    'purge-imports': (ctx) => purgeImports(ctx),
  },

  services: {
    getAccount: (ctx, input) => accountForService(ctx, (input as { accountId: string }).accountId),
    listImportedAccounts: (ctx, input) =>
      importedAccounts(ctx, input as { importId: string; afterLine?: number; limit?: number }),
  },
});

// The tenants and people browser tests sign in as, set up through the HTTP API as an operator and
// a tenant's staff would: a tenant with its owner, customer accounts, a customer-portal login,
// resellers, a technician and a platform operator, each invited by mail and signed up.
import { expect } from 'vitest';
import { call, type HttpAnswer } from '../../support/http.ts';
import {
  createTenantWithOwner,
  grantPortalRole,
  type Installation,
  type SignedIn,
  signUpPortalUser,
} from '../../support/portal-users.ts';

/** The password test/support/portal-users.ts sets when it accepts an invitation. */
export const PASSWORD = 'a long enough passphrase for tests';

/** What the shell's sign-in form needs. */
export interface Login {
  readonly email: string;
  readonly password: string;
  /** The tenant's slug; none for the platform portal. */
  readonly tenant?: string;
}

export interface SeededTenant {
  readonly id: string;
  readonly slug: string;
  readonly host: string;
  /** The owner, signed in through the API (staff calls during seeding). */
  readonly staff: SignedIn;
  /** The owner's sign-in to the admin portal. */
  readonly owner: Login;
}

/** The core plugins a tenant of these tests runs (billing with what it needs; no network or AAA). */
export const BILLING_MODULES = ['dotmac.customers', 'dotmac.catalog', 'dotmac.subscriptions', 'dotmac.billing'];

export function expectStatus(answer: HttpAnswer, status: number): HttpAnswer {
  expect(answer.status, `${status} expected: ${answer.text.slice(0, 800)}`).toBe(status);
  return answer;
}

/** Calls the API as `who` (on their tenant's host name). */
export function as(at: Installation, who: SignedIn, path: string, init: { method?: string; body?: unknown } = {}) {
  return call(at.url, path, { ...init, host: who.host, token: who.token });
}

/** Polls `done` every 100 ms until it holds, failing after `timeoutMs` with `what`. */
export async function until(what: string, done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A tenant on `<slug>.isp.test` (USD, en, UTC) whose plan switches on `modules`, and its owner. */
export async function seedTenant(at: Installation, slug: string, modules: readonly string[]): Promise<SeededTenant> {
  const host = `${slug}.isp.test`;
  const { id, owner } = await createTenantWithOwner(at, slug, host, modules);
  return { id, slug, host, staff: owner, owner: { email: `owner@${host}`, password: PASSWORD, tenant: slug } };
}

/** Opens an active residential customer account (of reseller `resellerId`, when given); answers its id. */
export async function openAccount(
  at: Installation,
  tenant: SeededTenant,
  name: string,
  resellerId?: string,
): Promise<string> {
  const opened = await as(at, tenant.staff, '/api/v1/p/dotmac.customers/accounts', {
    method: 'POST',
    body: { kind: 'residential', name, currency: 'USD', status: 'active', ...(resellerId ? { resellerId } : {}) },
  });
  const id = expectStatus(opened, 201).body.id as string;
  // Billing keeps its own copy of whose account it is (its reseller-portal lists and balances).
  if (resellerId) await patchBillingProfile(at, tenant, id, { resellerId });
  return id;
}

/**
 * Changes the account's billing profile (`{}` changes nothing): billing learns an account from
 * dotmac.customers when staff first touch its profile (or a subscription's event).
 */
export async function patchBillingProfile(
  at: Installation,
  tenant: SeededTenant,
  accountId: string,
  patch: Record<string, unknown> = {},
): Promise<void> {
  let last: HttpAnswer | undefined;
  await until(`billing takes the profile of account ${accountId}`, async () => {
    last = await as(at, tenant.staff, `/api/v1/p/dotmac.billing/accounts/${accountId}`, {
      method: 'PATCH',
      body: patch,
    });
    return last.status === 200;
  }).catch((e) => {
    throw new Error(`${(e as Error).message}: ${last?.text.slice(0, 500)}`);
  });
}

/** Grants the built-in role of `portal` every `.read` permission of the installation; answers its id. */
export async function grantReading(
  at: Installation,
  tenant: SeededTenant,
  portal: 'customer' | 'reseller' | 'technician',
): Promise<string> {
  const all = expectStatus(await as(at, tenant.staff, '/api/v1/permissions'), 200).body.items as { name: string }[];
  const reads = all.map((p) => p.name).filter((name) => name.endsWith('.read'));
  if (portal !== 'technician') return grantPortalRole(at, tenant.staff, portal, reads);
  const roles = expectStatus(await as(at, tenant.staff, '/api/v1/roles'), 200).body.items as {
    id: string;
    portal: string;
    name: string;
  }[];
  const role = roles.find((r) => r.portal === 'technician' && r.name === 'technician');
  if (!role) throw new Error('the tenant has no built-in technician role');
  expectStatus(
    await as(at, tenant.staff, `/api/v1/roles/${role.id}/permissions`, { method: 'PUT', body: { permissions: reads } }),
    200,
  );
  return role.id;
}

/** A customer- or reseller-portal login acting as `subjectId`, invited by staff and signed up. */
export async function signUp(
  at: Installation,
  tenant: SeededTenant,
  user: { email: string; portal: 'customer' | 'reseller'; subjectId: string; roleId: string },
): Promise<Login> {
  await signUpPortalUser(at, tenant.staff, user);
  return { email: user.email, password: PASSWORD, tenant: tenant.slug };
}

/** Accepts the invitation last mailed to `email`, choosing PASSWORD. */
async function acceptInvitation(at: Installation, email: string): Promise<void> {
  const accepted = await call(at.url, '/api/v1/auth/invitations/accept', {
    method: 'POST',
    body: { token: at.mailbox.linkTokenFor(email), password: PASSWORD },
  });
  expectStatus(accepted, 200);
}

/** A technician-portal login acting as technician `subjectId`. */
export async function signUpTechnician(
  at: Installation,
  tenant: SeededTenant,
  email: string,
  subjectId: string,
  roleId: string,
): Promise<Login> {
  expectStatus(
    await as(at, tenant.staff, '/api/v1/users', {
      method: 'POST',
      body: { email, portal: 'technician', subjectId, roleIds: [roleId] },
    }),
    201,
  );
  await acceptInvitation(at, email);
  return { email, password: PASSWORD, tenant: tenant.slug };
}

/** A platform operator's account, invited with ADMIN_TOKEN and signed up. */
export async function signUpPlatformOperator(at: Installation, email: string): Promise<Login> {
  expectStatus(
    await call(at.url, '/api/v1/platform/users', { method: 'POST', token: at.adminToken, body: { email } }),
    201,
  );
  await acceptInvitation(at, email);
  return { email, password: PASSWORD };
}

/** A one-off invoice drafted and issued by staff (once billing knows the account); answers its id and number. */
export async function issueInvoice(
  at: Installation,
  tenant: SeededTenant,
  accountId: string,
  lines: readonly { description: string; unitPrice: string }[],
): Promise<{ id: string; number: string }> {
  await patchBillingProfile(at, tenant, accountId);
  let draft: HttpAnswer | undefined;
  await until(`billing drafts an invoice for account ${accountId}`, async () => {
    draft = await as(at, tenant.staff, '/api/v1/p/dotmac.billing/invoices', {
      method: 'POST',
      body: { accountId, lines },
    });
    return draft.status === 201;
  }).catch((e) => {
    throw new Error(`${(e as Error).message}: ${draft?.text.slice(0, 500)}`);
  });
  const id = draft?.body.id as string;
  const issued = expectStatus(
    await as(at, tenant.staff, `/api/v1/p/dotmac.billing/invoices/${id}/issue`, { method: 'POST' }),
    200,
  );
  return { id, number: issued.body.number as string };
}

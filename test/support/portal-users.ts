// People signing in to a tenant's portals, as the tests need them: a tenant created by the
// operator with its owner, and users of the customer or reseller portal, each invited by staff,
// their invitation mail read from a mailbox the test kernel sends to, accepted, and signed in.
import type { KernelOptions } from '@dotmac/kernel';
import { expect } from 'vitest';
import { call } from './http.ts';

type Mailer = NonNullable<KernelOptions['mailer']>;
type Mail = Parameters<Mailer['send']>[0];

/** Every mail a test kernel sends; pass `mailer` to bootTestKernel. */
export interface Mailbox {
  readonly mailer: Mailer;
  /** The token in the link of the last mail to `email`. */
  linkTokenFor(email: string): string;
}

export function createMailbox(): Mailbox {
  const mails: Mail[] = [];
  return {
    mailer: { send: async (mail) => void mails.push(mail) },
    linkTokenFor(email) {
      const mail = mails.findLast((m) => m.to === email);
      const token = /token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
      if (!token) throw new Error(`no mail with a link was sent to ${email}`);
      return token;
    },
  };
}

/** A kernel's base URL, its operator token and its mailbox: what signing people up needs. */
export interface Installation {
  readonly url: string;
  readonly adminToken: string;
  readonly mailbox: Mailbox;
}

/** A user of a tenant, signed in: where they call (the tenant's host name) and with what. */
export interface SignedIn {
  readonly host: string;
  readonly token: string;
}

const PASSWORD = 'a long enough passphrase for tests';

async function acceptAndSignIn(
  at: Installation,
  host: string,
  email: string,
  portal: 'admin' | 'customer' | 'reseller',
): Promise<SignedIn> {
  const accepted = await call(at.url, '/api/v1/auth/invitations/accept', {
    method: 'POST',
    body: { token: at.mailbox.linkTokenFor(email), password: PASSWORD },
  });
  expect(accepted.status, accepted.text).toBe(200);
  const signedIn = await call(at.url, '/api/v1/auth/login', {
    method: 'POST',
    host,
    body: { email, password: PASSWORD, portal },
  });
  expect(signedIn.status, signedIn.text).toBe(200);
  return { host, token: signedIn.body.accessToken };
}

/**
 * A tenant on `host` whose plan switches on `modules` (the kernel enables them dependencies
 * first), created by the operator; answers its id and its owner, signed in to the admin portal.
 */
export async function createTenantWithOwner(
  at: Installation,
  slug: string,
  host: string,
  modules: readonly string[],
): Promise<{ id: string; owner: SignedIn }> {
  const plan = await call(at.url, `/api/v1/platform/plans/${slug}-plan`, {
    method: 'PUT',
    token: at.adminToken,
    body: { name: `${slug} plan`, modules },
  });
  expect(plan.status, plan.text).toBeLessThan(300);
  const email = `owner@${host}`;
  const created = await call(at.url, '/api/v1/platform/tenants', {
    method: 'POST',
    token: at.adminToken,
    body: {
      name: slug,
      slug,
      hostnames: [host],
      currency: 'USD',
      timeZone: 'UTC',
      locale: 'en',
      planId: `${slug}-plan`,
      admin: { email },
    },
  });
  expect(created.status, created.text).toBe(201);
  return { id: created.body.id, owner: await acceptAndSignIn(at, host, email, 'admin') };
}

/** Sets what the tenant's built-in role of `portal` (customer, reseller) may do; answers its id. */
export async function grantPortalRole(
  at: Installation,
  staff: SignedIn,
  portal: 'customer' | 'reseller',
  permissions: readonly string[],
): Promise<string> {
  const roles = await call(at.url, '/api/v1/roles', { host: staff.host, token: staff.token });
  expect(roles.status, roles.text).toBe(200);
  const role = (roles.body.items as { id: string; portal: string; name: string }[]).find(
    (r) => r.portal === portal && r.name === portal,
  );
  if (!role) throw new Error(`the tenant has no built-in ${portal} role`);
  const granted = await call(at.url, `/api/v1/roles/${role.id}/permissions`, {
    method: 'PUT',
    host: staff.host,
    token: staff.token,
    body: { permissions },
  });
  expect(granted.status, granted.text).toBe(200);
  return role.id;
}

/**
 * Staff invite `email` to `portal` acting as `subjectId` (the customer account, the reseller)
 * with `roleId`; the invitee accepts the mailed link and signs in to that portal.
 */
export async function signUpPortalUser(
  at: Installation,
  staff: SignedIn,
  user: { email: string; portal: 'customer' | 'reseller'; subjectId: string; roleId: string },
): Promise<SignedIn> {
  const invited = await call(at.url, '/api/v1/users', {
    method: 'POST',
    host: staff.host,
    token: staff.token,
    body: { email: user.email, portal: user.portal, subjectId: user.subjectId, roleIds: [user.roleId] },
  });
  expect(invited.status, invited.text).toBe(201);
  return acceptAndSignIn(at, staff.host, user.email, user.portal);
}

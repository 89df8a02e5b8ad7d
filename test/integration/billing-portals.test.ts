// Billing seen from the portals, through the HTTP API of a kernel running the core plugins: a
// customer sees their own account's invoices, documents and balance and nothing of their
// neighbours' in the same tenant; a reseller sees the invoices of the accounts assigned to them;
// staff see everyone's. Row-level security does the scoping: billing's queries do not filter.
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pluginDbNames } from '@dotmac/kernel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, type HttpAnswer } from '../support/http.ts';
import { bootTestKernel, type TestKernel } from '../support/kernel.ts';
import {
  createMailbox,
  createTenantWithOwner,
  grantPortalRole,
  type Installation,
  type SignedIn,
  signUpPortalUser,
} from '../support/portal-users.ts';

const CORE = fileURLToPath(new URL('../../plugins-core/', import.meta.url));
const ADMIN_TOKEN = randomUUID();
const HOST = 'portals.isp.test';
const BILLING = '/api/v1/p/dotmac.billing';
const BILLING_SCHEMA = `"${pluginDbNames('dotmac.billing').schema}"`;

interface Invoice {
  readonly id: string;
  readonly accountId: string;
  readonly number: string | null;
  readonly status: string;
  readonly total: string;
  readonly runId: string | null;
  readonly lines: readonly { description: string; total: string }[];
}

let t: TestKernel;
let at: Installation;
let staff: SignedIn;
/** The customer signed in to the customer portal, who is account `ada`. */
let adaLogin: SignedIn;
/** Resellers signed in to the reseller portal: north has ada and carol, south has bob. */
let north: SignedIn;
let south: SignedIn;
const accounts = { ada: '', bob: '', carol: '' };
/** Invoices by account, issued by staff (ada, bob) and by a billing run (carol). */
const invoices = { ada: '', bob: '', carol: '' };

const as = (who: SignedIn, path: string, init: { method?: string; body?: unknown } = {}) =>
  call(at.url, path, { ...init, host: who.host, token: who.token });

function expectStatus(answer: HttpAnswer, status: number): HttpAnswer {
  expect(answer.status, `${status} expected: ${answer.text.slice(0, 500)}`).toBe(status);
  return answer;
}

/** The accounts whose invoices `who` sees in the list. */
async function accountsInList(who: SignedIn): Promise<string[]> {
  const page = expectStatus(await as(who, `${BILLING}/invoices?limit=200`), 200).body as { items: Invoice[] };
  return [...new Set(page.items.map((i) => i.accountId))].sort();
}

async function openAccount(name: string): Promise<string> {
  const opened = await as(staff, '/api/v1/p/dotmac.customers/accounts', {
    method: 'POST',
    body: { kind: 'residential', name, currency: 'USD', status: 'active' },
  });
  return expectStatus(opened, 201).body.id;
}

/** Staff set the account's reseller (null: none); billing learns the account from dotmac.customers. */
async function assignReseller(accountId: string, resellerId: string | null): Promise<void> {
  const patched = await as(staff, `${BILLING}/accounts/${accountId}`, { method: 'PATCH', body: { resellerId } });
  expect(expectStatus(patched, 200).body.resellerId).toBe(resellerId);
}

/** A one-off invoice drafted and issued by staff; answers its id. */
async function issueInvoice(accountId: string, lines: { description: string; unitPrice: string }[]): Promise<string> {
  const draft = expectStatus(
    await as(staff, `${BILLING}/invoices`, { method: 'POST', body: { accountId, lines } }),
    201,
  ).body as Invoice;
  const issued = expectStatus(await as(staff, `${BILLING}/invoices/${draft.id}/issue`, { method: 'POST' }), 200);
  expect(issued.body.status).toBe('issued');
  return draft.id;
}

/** Waits until `done` holds (beforeAll cannot use expect.poll), failing after 60 s with `what`. */
async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Carol's fibre ordered and activated, then billed by a billing run; answers her invoice's id. */
async function billBySubscription(accountId: string): Promise<string> {
  const plan = await as(staff, '/api/v1/p/dotmac.catalog/plans', {
    method: 'POST',
    body: {
      code: 'FIBRE-30',
      name: 'Fibre 30',
      kind: 'internet',
      prices: { USD: '30.00' },
      billingCycle: 'monthly',
      payment: 'prepaid',
      contractMonths: 0,
      internet: { downloadKbps: 30_000, uploadKbps: 10_000 },
    },
  });
  const ordered = await as(staff, '/api/v1/p/dotmac.subscriptions/subscriptions', {
    method: 'POST',
    body: { accountId, planId: expectStatus(plan, 201).body.id },
  });
  const subscriptionId = expectStatus(ordered, 201).body.id as string;
  const activated = await as(staff, `/api/v1/p/dotmac.subscriptions/subscriptions/${subscriptionId}/activate`, {
    method: 'POST',
    body: {},
  });
  const day = (expectStatus(activated, 200).body.activatedAt as string).slice(0, 10);
  // Billing learns of the subscription from its event, delivered after the answer.
  await until('billing knows the active subscription', async () => {
    const [row] = await t.kernel.db.query<{ n: number }>(
      `select count(*)::int as n from ${BILLING_SCHEMA}.services where id = $1 and status = 'active'`,
      [subscriptionId],
    );
    return row?.n === 1;
  });
  const started = expectStatus(await as(staff, `${BILLING}/runs`, { method: 'POST', body: { day } }), 202);
  await until(
    'the billing run is done',
    async () => (await as(staff, `${BILLING}/runs/${started.body.id}`)).body.status === 'done',
  );
  const page = expectStatus(await as(staff, `${BILLING}/invoices?accountId=${accountId}`), 200);
  const billed = page.body.items as Invoice[];
  expect(billed.map((i) => i.runId)).toEqual([started.body.id]);
  return billed[0]?.id as string;
}

beforeAll(async () => {
  const mailbox = createMailbox();
  t = await bootTestKernel({
    env: { ADMIN_TOKEN, SECRETS_KEY: randomBytes(32).toString('base64') },
    pluginRoots: [CORE],
    mailer: mailbox.mailer,
  });
  await t.kernel.start();
  at = { url: t.kernel.url as string, adminToken: ADMIN_TOKEN, mailbox };
  ({ owner: staff } = await createTenantWithOwner(at, 'portals-isp', HOST, [
    'dotmac.customers',
    'dotmac.catalog',
    'dotmac.subscriptions',
    'dotmac.billing',
  ]));

  accounts.ada = await openAccount('Ada Lovelace');
  accounts.bob = await openAccount('Bob Kahn');
  accounts.carol = await openAccount('Carol Shaw');
  const northId = randomUUID();
  const southId = randomUUID();
  await assignReseller(accounts.ada, northId);
  await assignReseller(accounts.bob, southId);
  await assignReseller(accounts.carol, northId);

  invoices.ada = await issueInvoice(accounts.ada, [
    { description: 'Wi-Fi router', unitPrice: '89.00' },
    { description: 'Installation', unitPrice: '50.00' },
  ]);
  invoices.bob = await issueInvoice(accounts.bob, [{ description: 'Static IP setup', unitPrice: '25.00' }]);
  invoices.carol = await billBySubscription(accounts.carol);

  const customerRole = await grantPortalRole(at, staff, 'customer', ['dotmac.billing.read']);
  const resellerRole = await grantPortalRole(at, staff, 'reseller', ['dotmac.billing.read']);
  adaLogin = await signUpPortalUser(at, staff, {
    email: `ada@${HOST}`,
    portal: 'customer',
    subjectId: accounts.ada,
    roleId: customerRole,
  });
  north = await signUpPortalUser(at, staff, {
    email: `north@${HOST}`,
    portal: 'reseller',
    subjectId: northId,
    roleId: resellerRole,
  });
  south = await signUpPortalUser(at, staff, {
    email: `south@${HOST}`,
    portal: 'reseller',
    subjectId: southId,
    roleId: resellerRole,
  });
}, 180_000);

afterAll(async () => {
  await t?.dispose();
});

describe('billing in the customer portal', () => {
  test("a customer's invoice list holds their own account's invoices only, even when they ask for another account's", async () => {
    expect(await accountsInList(adaLogin)).toEqual([accounts.ada]);
    const mine = expectStatus(await as(adaLogin, `${BILLING}/invoices`), 200).body.items as Invoice[];
    expect(mine.map((i) => i.id)).toEqual([invoices.ada]);
    const asked = await as(adaLogin, `${BILLING}/invoices?accountId=${accounts.bob}`);
    expect(expectStatus(asked, 200).body.items).toEqual([]);
  });

  test('a customer reads their own invoice with its lines and downloads it as a PDF', async () => {
    const invoice = expectStatus(await as(adaLogin, `${BILLING}/invoices/${invoices.ada}`), 200).body as Invoice;
    expect(invoice).toMatchObject({ accountId: accounts.ada, status: 'issued', total: '139.00' });
    expect(invoice.lines.map((l) => [l.description, l.total])).toEqual([
      ['Wi-Fi router', '89.00'],
      ['Installation', '50.00'],
    ]);
    const pdf = expectStatus(await as(adaLogin, `${BILLING}/invoices/${invoices.ada}/pdf`), 200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toContain(`${invoice.number}.pdf`);
    expect(pdf.text.startsWith('%PDF-')).toBe(true);
  });

  test('a customer reads their own balance: what their open invoice leaves owing', async () => {
    const account = expectStatus(await as(adaLogin, `${BILLING}/accounts/${accounts.ada}`), 200).body;
    expect(account).toMatchObject({ id: accounts.ada, currency: 'USD', openInvoices: '139.00', balance: '139.00' });
  });

  test("another customer's invoice, its PDF and their account are 404 to a customer of the same tenant", async () => {
    for (const path of [
      `${BILLING}/invoices/${invoices.bob}`,
      `${BILLING}/invoices/${invoices.bob}/pdf`,
      `${BILLING}/invoices/${invoices.carol}`,
      `${BILLING}/accounts/${accounts.bob}`,
    ]) {
      const refused = await as(adaLogin, path);
      expect(refused.status, `${path}: ${refused.text}`).toBe(404);
      expect(refused.text).not.toContain('Bob Kahn');
      expect(refused.text).not.toContain('Static IP setup');
    }
  });
});

describe('billing in the reseller portal', () => {
  test('a reseller sees the invoices of the accounts assigned to them, from staff and from billing runs, and no others', async () => {
    expect(await accountsInList(north)).toEqual([accounts.ada, accounts.carol].sort());
    expect(await accountsInList(south)).toEqual([accounts.bob]);
    const carols = expectStatus(await as(north, `${BILLING}/invoices/${invoices.carol}`), 200).body as Invoice;
    expect(carols.accountId).toBe(accounts.carol);
    expect(carols.lines.length).toBeGreaterThan(0);
  });

  test("another reseller's customer's invoice and account are 404 to a reseller", async () => {
    for (const path of [
      `${BILLING}/invoices/${invoices.bob}`,
      `${BILLING}/invoices/${invoices.bob}/pdf`,
      `${BILLING}/accounts/${accounts.bob}`,
    ]) {
      expect((await as(north, path)).status, path).toBe(404);
    }
    expect((await as(south, `${BILLING}/accounts/${accounts.ada}`)).status).toBe(404);
  });
});

describe('billing when staff change things', () => {
  test('a draft invoice is not shown to its customer until it is issued', async () => {
    const draft = expectStatus(
      await as(staff, `${BILLING}/invoices`, {
        method: 'POST',
        body: { accountId: accounts.ada, lines: [{ description: 'Mesh extender', unitPrice: '40.00' }] },
      }),
      201,
    ).body as Invoice;
    expect((await as(adaLogin, `${BILLING}/invoices/${draft.id}`)).status).toBe(404);
    expect(await accountsInList(adaLogin)).toEqual([accounts.ada]);
    const listed = expectStatus(await as(adaLogin, `${BILLING}/invoices`), 200).body.items as Invoice[];
    expect(listed.map((i) => i.id)).toEqual([invoices.ada]);
    expect((await as(staff, `${BILLING}/invoices/${draft.id}`)).status).toBe(200);
  });

  test('moving an account to another reseller moves its past invoices: the new reseller sees them, the former one no longer does', async () => {
    const southId = (await as(staff, `${BILLING}/accounts/${accounts.bob}`)).body.resellerId as string;
    const northId = (await as(staff, `${BILLING}/accounts/${accounts.ada}`)).body.resellerId as string;
    await assignReseller(accounts.ada, southId);
    expect((await as(south, `${BILLING}/invoices/${invoices.ada}`)).status).toBe(200);
    expect((await as(north, `${BILLING}/invoices/${invoices.ada}`)).status).toBe(404);
    expect((await as(north, `${BILLING}/invoices/${invoices.ada}/pdf`)).status).toBe(404);
    await assignReseller(accounts.ada, northId);
    expect((await as(north, `${BILLING}/invoices/${invoices.ada}`)).status).toBe(200);
    expect((await as(south, `${BILLING}/invoices/${invoices.ada}`)).status).toBe(404);
  });
});

describe('billing in the admin portal', () => {
  test("staff see every account's invoices", async () => {
    expect(await accountsInList(staff)).toEqual([accounts.ada, accounts.bob, accounts.carol].sort());
    for (const id of Object.values(invoices)) expect((await as(staff, `${BILLING}/invoices/${id}`)).status).toBe(200);
  });
});

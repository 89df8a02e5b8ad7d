// Switching a plugin off for a tenant takes its screens out of the portals at the next page load,
// with no rebuild of anything: staff switch billing off in the admin portal's Modules screen, and
// billing's navigation entries, pages, dashboard widgets and customer tabs are gone from the admin
// and the customer portals after a reload; switching it on brings them all back.
import { statSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SignedIn } from '../support/portal-users.ts';
import { signUpPortalUser } from '../support/portal-users.ts';
import { screenshot } from './support/artifacts.ts';
import { launchChromium, newContext } from './support/chromium.ts';
import { CORE_PLUGINS, type E2eInstallation, SHELL_INDEX, startInstallation } from './support/installation.ts';
import {
  BILLING_MODULES,
  grantReading,
  issueInvoice,
  type Login,
  openAccount,
  PASSWORD,
  type SeededTenant,
  seedTenant,
} from './support/people.ts';
import { mainArea, mainNav, navTitles, open, type PortalName, settled, signIn, visit } from './support/shell.ts';
import { type PortalManifest, plainRoutesOf, titlesOf, uiManifest } from './support/ui-manifest.ts';

const BILLING = 'dotmac.billing';

let at: E2eInstallation;
let browser: Browser;
let tenant: SeededTenant;
let accountId: string;
let customer: Login;
let customerApi: SignedIn;
let staffContext: BrowserContext;
let customerContext: BrowserContext;
let staff: Page;
let ada: Page;
/** Billing's contributions as the kernel listed them while billing was on. */
let adminManifest: PortalManifest;
let customerManifest: PortalManifest;
/** Files whose change would mean a rebuild: the shell's page and billing's remote entry. */
const BUILT = [SHELL_INDEX, `${CORE_PLUGINS}billing/dist/ui/remoteEntry.js`];
let builtAt: number[];
/** Paths of every request each page made, to see which remotes it loaded. */
const requests = new Map<Page, string[]>();

const billingRequests = (page: Page, from: number) =>
  (requests.get(page) ?? []).slice(from).filter((path) => path.startsWith(`/plugins/${BILLING}/`));

function record(page: Page): Page {
  const paths: string[] = [];
  requests.set(page, paths);
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  return page;
}

/** Switches billing on or off in the Modules screen, confirms, and waits for the page to reload. */
async function switchBilling(to: 'on' | 'off'): Promise<void> {
  await visit(staff, 'admin', '/settings/modules');
  const toggle = mainArea(staff).getByRole('switch', { name: 'Billing' });
  await toggle.waitFor();
  expect(await toggle.isChecked()).toBe(to === 'off');
  await toggle.click();
  const dialog = staff.getByRole('dialog', { name: `Switch Billing ${to}?` });
  await dialog.waitFor();
  const reloaded = staff.waitForEvent('load');
  await dialog.getByRole('button', { name: `Switch ${to}` }).click();
  await staff
    .getByRole('status')
    .filter({ hasText: `Billing is now ${to}` })
    .waitFor();
  await reloaded;
  await mainNav(staff).waitFor();
}

/** Goes to a page of billing's: it shows (its heading is its title), or the portal answers "Page not found". */
async function expectPage(page: Page, portal: PortalName, path: string, title: string, shown: boolean): Promise<void> {
  await visit(page, portal, path);
  const main = mainArea(page);
  if (shown) await main.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  else {
    // The not-found page names the path it was asked for: this one, not the previous one.
    await main.getByText(path, { exact: true }).waitFor();
    await main.getByRole('heading', { level: 1, name: 'Page not found', exact: true }).waitFor();
  }
}

/** What the admin portal shows of billing: nav entries, its tab on a customer, its dashboard widget. */
async function expectAdminBilling(shown: boolean): Promise<void> {
  const from = requests.get(staff)?.length ?? 0;
  // The staff page was loaded afresh (sign-in, or the reload after a switch): its manifest is current.
  await visit(staff, 'admin', '/');
  // The customers widget renders either way; billing's "Overdue" figure only with billing on.
  await mainArea(staff).getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await settled(staff);
  await mainArea(staff).getByText('Active customers', { exact: true }).waitFor();
  expect((await mainArea(staff).getByText('Overdue', { exact: true }).count()) > 0, 'the Overdue widget').toBe(shown);
  const nav = await navTitles(staff);
  for (const title of titlesOf(adminManifest, BILLING, 'nav')) expect(nav.includes(title), `nav ${title}`).toBe(shown);
  expect(nav).toContain('Customers');

  await visit(staff, 'admin', `/customers/${accountId}`);
  const tabs = mainArea(staff).getByRole('tablist', { name: 'Details' });
  await tabs.waitFor();
  const tabTitles = (await tabs.getByRole('tab').allTextContents()).map((t) => t.trim());
  for (const title of titlesOf(adminManifest, BILLING, 'detail-tab')) {
    expect(tabTitles.includes(title), `tab ${title} among ${tabTitles.join(', ')}`).toBe(shown);
  }
  expect(tabTitles).toContain('Services');

  for (const { path, title } of plainRoutesOf(adminManifest, BILLING))
    await expectPage(staff, 'admin', path, title, shown);
  if (!shown) expect(billingRequests(staff, from)).toEqual([]);
}

/** What the customer portal shows of billing: nav entries, pages, the balance on the home page. */
async function expectCustomerBilling(shown: boolean): Promise<void> {
  const from = requests.get(ada)?.length ?? 0;
  // A full load: the customer's page learns the portal's modules only when it loads.
  await open(ada, 'customer', '/');
  await mainArea(ada).getByRole('heading', { level: 1, name: 'My account' }).waitFor();
  await settled(ada);
  expect((await mainArea(ada).getByText('Balance', { exact: true }).count()) > 0, 'the Balance widget').toBe(shown);
  const nav = await navTitles(ada);
  for (const title of titlesOf(customerManifest, BILLING, 'nav'))
    expect(nav.includes(title), `nav ${title}`).toBe(shown);
  for (const { path, title } of plainRoutesOf(customerManifest, BILLING))
    await expectPage(ada, 'customer', path, title, shown);
  if (!shown) expect(billingRequests(ada, from)).toEqual([]);
}

beforeAll(async () => {
  const launched = launchChromium();
  at = await startInstallation();
  tenant = await seedTenant(at, 'toggle-isp', [...BILLING_MODULES, 'dotmac.portal-admin']);
  accountId = await openAccount(at, tenant, 'Ada Toggle');
  await issueInvoice(at, tenant, accountId, [{ description: 'Router', unitPrice: '80.00' }]);
  const customerRole = await grantReading(at, tenant, 'customer');
  customerApi = await signUpPortalUser(at, tenant.staff, {
    email: `ada@${tenant.host}`,
    portal: 'customer',
    subjectId: accountId,
    roleId: customerRole,
  });
  customer = { email: `ada@${tenant.host}`, password: PASSWORD, tenant: tenant.slug };
  adminManifest = await uiManifest(at, tenant.staff, 'admin');
  customerManifest = await uiManifest(at, customerApi, 'customer');
  browser = await launched;
  staffContext = await newContext(browser, at.url);
  customerContext = await newContext(browser, at.url);
  staff = record(await staffContext.newPage());
  ada = record(await customerContext.newPage());
  await Promise.all([signIn(staff, 'admin', tenant.owner), signIn(ada, 'customer', customer)]);
  builtAt = BUILT.map((file) => statSync(file).mtimeMs);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await at?.dispose();
});

describe('switching the billing plugin off and on for a tenant', () => {
  test('while billing is on, both portals show its navigation, pages, widgets and customer tab', async () => {
    expect(titlesOf(adminManifest, BILLING, 'nav').length).toBeGreaterThan(0);
    expect(titlesOf(adminManifest, BILLING, 'detail-tab').length).toBeGreaterThan(0);
    expect(titlesOf(customerManifest, BILLING, 'nav').length).toBeGreaterThan(0);
    await expectAdminBilling(true);
    await expectCustomerBilling(true);
  });

  test('switching billing off in the Modules screen removes its screens, navigation and tabs from the admin and customer portals after a reload', async () => {
    await switchBilling('off');
    await screenshot(staff, 'admin', 'modules-billing-off');
    await expectAdminBilling(false);
    await expectCustomerBilling(false);
    await screenshot(ada, 'customer', 'home-billing-off');
  });

  test('switching billing on again brings them all back, and nothing was rebuilt', async () => {
    await switchBilling('on');
    await expectAdminBilling(true);
    await expectCustomerBilling(true);
    expect(BUILT.map((file) => statSync(file).mtimeMs)).toEqual(builtAt);
  });
});

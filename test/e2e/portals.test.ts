// The portals end to end in Chromium, on a kernel running every core plugin and the built shell:
// staff sign in, create a customer and a subscription and run billing; the customer signs in to
// the customer portal, finds the invoice and downloads its PDF; a reseller sees only their own
// customers; the platform operator sees the tenants; sign-in and navigation work with the
// keyboard, and axe-core finds nothing serious on the main screens of the five portals.
// Screenshots of each portal are kept in test/e2e/artifacts/.
import { readFile } from 'node:fs/promises';
import { pluginDbNames } from '@dotmac/kernel';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signUpPortalUser } from '../support/portal-users.ts';
import { screenshot } from './support/artifacts.ts';
import { expectAccessible } from './support/axe.ts';
import { launchChromium, newContext } from './support/chromium.ts';
import { type E2eInstallation, startInstallation, undeliveredEvents } from './support/installation.ts';
import { pdfText } from './support/pdf-text.ts';
import { as, expectStatus, type Login, PASSWORD, until } from './support/people.ts';
import {
  focused,
  mainArea,
  mainNav,
  open,
  type PortalName,
  portalUrl,
  settled,
  signIn,
  tabUntil,
  visit,
} from './support/shell.ts';
import { type PortalsWorld, seedPortalsWorld } from './support/world.ts';

const BILLING_SCHEMA = `"${pluginDbNames('dotmac.billing').schema}"`;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let at: E2eInstallation;
let world: PortalsWorld;
let browser: Browser;

/** A page in a browser context of its own (nobody signed in). */
async function freshPage(): Promise<Page> {
  return (await newContext(browser, at.url)).newPage();
}

beforeAll(async () => {
  const launched = launchChromium();
  at = await startInstallation();
  world = await seedPortalsWorld(at);
  browser = await launched;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await at?.dispose();
});

describe('an ISP runs its business in the admin portal and its customer sees the result', () => {
  const customerName = 'Grace Hopper';
  const customerEmail = 'grace@journey-isp.isp.test';
  let accountId: string;

  test('staff sign in, create a customer, put them on a plan and run billing', async () => {
    const page = await freshPage();
    await signIn(page, 'admin', world.isp.owner);
    await mainArea(page).getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await settled(page);
    await screenshot(page, 'admin', 'dashboard');

    await mainNav(page).getByRole('link', { name: 'Customers' }).click();
    await mainArea(page).getByRole('link', { name: 'New customer' }).click();
    const form = mainArea(page).locator('form#new-customer');
    await form.getByLabel(/^Name/).fill(customerName);
    await form.getByLabel(/^Kind/).selectOption('residential');
    await form.getByLabel('Email', { exact: true }).fill(customerEmail);
    await form.getByRole('button', { name: 'Create customer' }).click();
    await mainArea(page).getByRole('heading', { level: 1, name: customerName }).waitFor();
    accountId = UUID.exec(page.url())?.[0] ?? '';
    expect(accountId, page.url()).not.toBe('');

    const tabs = mainArea(page).getByRole('tablist', { name: 'Details' });
    await tabs.getByRole('tab', { name: 'Services' }).click();
    const order = mainArea(page).locator('form#new-subscription');
    await order.getByLabel('Plan').selectOption({ label: await planOption(order) });
    await order.getByRole('button', { name: 'Create subscription' }).click();
    const services = mainArea(page).getByRole('list', { name: 'Services' });
    await services.getByRole('heading', { name: world.planName }).waitFor();
    await services.getByText('Active', { exact: true }).first().waitFor();
    await screenshot(page, 'admin', 'customer-detail');

    // Billing learns of the activated subscription from its event, delivered after the answer.
    await until(
      'billing knows the active subscription',
      async () => {
        const [row] = await at.kernel.db.query<{ n: number }>(
          `select count(*)::int as n from ${BILLING_SCHEMA}.services where account_id = $1 and status = 'active'`,
          [accountId],
        );
        return row?.n === 1;
      },
      60_000,
    ).catch(async (e) => {
      throw new Error(`${(e as Error).message}; deliveries not done:\n${await undeliveredEvents(at)}`);
    });
    await mainNav(page).getByRole('link', { name: 'Billing runs' }).click();
    await mainArea(page).getByRole('button', { name: 'Start billing run' }).click();
    await mainArea(page)
      .getByRole('status')
      .filter({ hasText: /Billing run for \S+ finished: 1 invoice issued\./ })
      .waitFor({ timeout: 60_000 });
    await screenshot(page, 'admin', 'billing-run');

    await mainNav(page).getByRole('link', { name: 'Invoices' }).click();
    await mainArea(page).getByRole('link', { name: customerName }).first().waitFor();
    await screenshot(page, 'admin', 'invoices');
  });

  test('the customer signs in to the customer portal, sees the invoice and downloads its PDF', async () => {
    expect(accountId, 'the staff test created the customer').toBeTruthy();
    const invoices = expectStatus(
      await as(at, world.isp.staff, `/api/v1/p/dotmac.billing/invoices?accountId=${accountId}`),
      200,
    ).body.items as { id: string; number: string; total: string }[];
    expect(invoices).toHaveLength(1);
    const invoice = invoices[0] as { number: string };
    await signUpPortalUser(at, world.isp.staff, {
      email: customerEmail,
      portal: 'customer',
      subjectId: accountId,
      roleId: world.customerRoleId,
    });

    const page = await freshPage();
    await signIn(page, 'customer', { email: customerEmail, password: PASSWORD, tenant: world.isp.slug });
    await mainArea(page).getByText('Balance', { exact: true }).waitFor();
    await settled(page);
    await screenshot(page, 'customer', 'home');

    await mainNav(page).getByRole('link', { name: 'Invoices' }).click();
    const table = mainArea(page).getByRole('table', { name: 'My invoices' });
    const row = table.getByRole('row').filter({ hasText: invoice.number });
    await row.waitFor();
    await expect(table.getByRole('row').count()).resolves.toBe(2);
    await screenshot(page, 'customer', 'invoices');

    const downloading = page.waitForEvent('download');
    await row.getByRole('button', { name: /Download PDF/ }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`${invoice.number}.pdf`);
    const bytes = await readFile(await download.path());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(bytes);
    expect(text).toContain(invoice.number);
    expect(text).toContain(customerName);
  });
});

/** The label of the world's plan in the order form's plan list ("Fibre 30 — $30.00 a month"). */
async function planOption(form: ReturnType<Page['locator']>): Promise<string> {
  const select = form.getByLabel('Plan');
  await select.locator('option', { hasText: 'Fibre 30' }).waitFor({ state: 'attached' });
  return ((await select.locator('option', { hasText: 'Fibre 30' }).textContent()) ?? '').trim();
}

describe('a reseller in the reseller portal', () => {
  test("sees only their own customers: not another reseller's, not another tenant's", async () => {
    const page = await freshPage();
    await signIn(page, 'reseller', world.logins.north);
    await mainNav(page).getByRole('link', { name: 'My customers' }).click();
    const table = mainArea(page).getByRole('table', { name: 'My customers' });
    await table.getByRole('link', { name: world.names.ada }).waitFor();
    await settled(page);
    const rows = await table.getByRole('row').allTextContents();
    const listed = rows.slice(1).join('\n');
    expect(listed).toContain(world.names.ada);
    expect(listed).toContain(world.names.carol);
    expect(listed).not.toContain(world.names.bob);
    expect(listed).not.toContain(world.names.zed);
    expect(rows).toHaveLength(3);
    await screenshot(page, 'reseller', 'customers');

    // Nor by going to their page directly.
    await open(page, 'reseller', `/customers/${world.accounts.bob}`);
    await mainArea(page).getByRole('alert').first().waitFor();
    await settled(page);
    expect(await mainArea(page).textContent()).not.toContain(world.names.bob);
  });
});

describe('the platform operator in the platform portal', () => {
  test('signs in and sees the tenants', async () => {
    const page = await freshPage();
    await signIn(page, 'platform', world.logins.operator);
    await mainNav(page).getByRole('link', { name: 'Tenants' }).click();
    const table = mainArea(page).getByRole('table', { name: 'Tenants' });
    await table.getByRole('row').filter({ hasText: world.isp.slug }).waitFor();
    await table.getByRole('row').filter({ hasText: world.otherIsp.slug }).waitFor();
    await screenshot(page, 'platform', 'tenants');
  });
});

describe('keyboard and accessibility', () => {
  /** One signed-in page per portal, shared by the screens of that portal. */
  const pages = new Map<string, Promise<Page>>();
  const signedInPage = (portal: PortalName, login: () => Login) => {
    let page = pages.get(portal);
    if (!page) {
      page = freshPage().then(async (p) => {
        await signIn(p, portal, login());
        return p;
      });
      pages.set(portal, page);
    }
    return page;
  };

  test('the sign-in form works with the keyboard alone: Tab to each field, Enter signs in', async () => {
    const page = await freshPage();
    await page.goto(portalUrl('admin', '/', world.isp.slug));
    await page.getByLabel('Email').waitFor();
    await tabUntil(page, (f) => f.id === 'signin-email');
    await page.keyboard.type(world.isp.owner.email);
    await page.keyboard.press('Tab');
    expect((await focused(page))?.id).toBe('signin-password');
    await page.keyboard.type(world.isp.owner.password);
    await page.keyboard.press('Enter');
    await mainNav(page).waitFor();
  });

  test('the main navigation is reachable with Tab and opens pages with Enter; the skip link reaches the content', async () => {
    const page = await signedInPage('admin', () => world.isp.owner);
    await open(page, 'admin', '/');
    const skip = await tabUntil(page, (f) => f.text === 'Skip to content');
    expect(skip).toHaveLength(1);
    await page.keyboard.press('Enter');
    expect((await focused(page))?.id).toBe('main');

    await open(page, 'admin', '/');
    const passed = await tabUntil(page, (f) => f.inMainNav && f.text === 'Customers');
    const navLinks = passed.filter((f) => f.inMainNav).map((f) => f.text);
    expect(navLinks[0]).toBe('Dashboard');
    await page.keyboard.press('Enter');
    await mainArea(page).getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/customers');
  });

  /** The main screens of each portal: where they are, who signs in, the heading that says it is there. */
  const screens: readonly {
    readonly portal: PortalName;
    readonly screen: string;
    readonly path: () => string;
    readonly login: () => Login;
    readonly heading: () => string;
  }[] = [
    { portal: 'admin', screen: 'dashboard', path: () => '/', login: () => world.isp.owner, heading: () => 'Dashboard' },
    {
      portal: 'admin',
      screen: 'customers',
      path: () => '/customers',
      login: () => world.isp.owner,
      heading: () => 'Customers',
    },
    {
      portal: 'admin',
      screen: 'customer',
      path: () => `/customers/${world.accounts.ada}`,
      login: () => world.isp.owner,
      heading: () => world.names.ada,
    },
    {
      portal: 'admin',
      screen: 'invoices',
      path: () => '/billing/invoices',
      login: () => world.isp.owner,
      heading: () => 'Invoices',
    },
    { portal: 'customer', screen: 'home', path: () => '/', login: () => world.logins.ada, heading: () => 'My account' },
    {
      portal: 'customer',
      screen: 'invoices',
      path: () => '/invoices',
      login: () => world.logins.ada,
      heading: () => 'Invoices',
    },
    {
      portal: 'reseller',
      screen: 'customers',
      path: () => '/customers',
      login: () => world.logins.north,
      heading: () => 'My customers',
    },
    {
      portal: 'technician',
      screen: 'home',
      path: () => '/',
      login: () => world.logins.technician,
      heading: () => 'Dashboard',
    },
    {
      portal: 'platform',
      screen: 'tenants',
      path: () => '/tenants',
      login: () => world.logins.operator,
      heading: () => 'Tenants',
    },
    {
      portal: 'platform',
      screen: 'marketplace',
      path: () => '/marketplace',
      login: () => world.logins.operator,
      heading: () => 'Marketplace',
    },
  ];

  test('axe finds no serious or critical violation on the sign-in page', async () => {
    const page = await freshPage();
    await page.goto(portalUrl('admin', '/', world.isp.slug));
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'the admin sign-in page');
    await screenshot(page, 'admin', 'sign-in');
  });

  test.each(screens)('axe finds no serious or critical violation on the $portal portal: $screen', async (s) => {
    const page = await signedInPage(s.portal, s.login);
    await visit(page, s.portal, s.path());
    await mainArea(page).getByRole('heading', { level: 1, name: s.heading() }).waitFor();
    await settled(page);
    await expectAccessible(page, `${s.portal} ${s.screen} (${s.path()})`);
    await screenshot(page, s.portal, s.screen);
  });
});

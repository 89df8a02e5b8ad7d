// A broken plugin never blanks a page: fixture plugins (test/e2e/fixtures/) next to the core ones
// — one whose remote entry answers 404, one whose component throws, one built without the SDK's
// shared config (it bundles a React of its own) — each show an inline error (role=alert) in their
// own slot, while the dashboard's other widgets, the navigation and the other pages keep working.
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { screenshot } from './support/artifacts.ts';
import { launchChromium, newContext } from './support/chromium.ts';
import { buildFixturePlugins, FIXTURE } from './support/fixture-plugins.ts';
import { type E2eInstallation, startInstallation } from './support/installation.ts';
import { type SeededTenant, seedTenant } from './support/people.ts';
import { mainArea, mainNav, open, signIn } from './support/shell.ts';

let at: E2eInstallation;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let tenant: SeededTenant;
/** Every URL the page asked for, in order. */
const requested: string[] = [];

const alertIn = (scope: Page, text: string) => scope.getByRole('alert').filter({ hasText: text });

/** The built files of a remote (relative to its dist/ui) that contain React itself. */
function filesHoldingReact(uiDir: string): string[] {
  return readdirSync(`${uiDir}/assets`)
    .filter((name) => name.endsWith('.js'))
    .filter((name) => readFileSync(`${uiDir}/assets/${name}`, 'utf8').includes('react.transitional.element'))
    .map((name) => `assets/${name}`);
}

beforeAll(async () => {
  const [fixtures, launched] = await Promise.all([buildFixturePlugins(), launchChromium()]);
  browser = launched;
  at = await startInstallation([fixtures]);
  tenant = await seedTenant(at, 'broken-isp', [
    'dotmac.customers',
    'dotmac.portal-admin',
    FIXTURE.throwing.id,
    FIXTURE.missing.id,
    FIXTURE.unshared.id,
  ]);
  context = await newContext(browser, at.url);
  // The missing remote's entry is gone: every request for it answers 404 (answered in the browser,
  // since the kernel lists only remotes whose entry it has).
  await context.route(`**/plugins/${FIXTURE.missing.id}/*/ui/remoteEntry.js`, (route) =>
    route.fulfill({ status: 404, contentType: 'application/problem+json', body: '{"title":"Not Found","status":404}' }),
  );
  page = await context.newPage();
  page.on('request', (request: Request) => requested.push(new URL(request.url()).pathname));
  await signIn(page, 'admin', tenant.owner);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await at?.dispose();
});

describe('a broken plugin screen shows an inline error in its slot and the rest of the page works', () => {
  test('a dashboard widget that throws while rendering shows an inline error, and the widgets beside it render', async () => {
    await open(page, 'admin', '/');
    await alertIn(page, `${FIXTURE.throwing.id} ./Boom could not be shown`).waitFor();
    await expect(alertIn(page, 'this component throws while it renders').count()).resolves.toBe(1);
    // The same plugin's other widget, and a core plugin's widget, render.
    await page.getByTestId('fixture-working-widget').waitFor();
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' }).count()).resolves.toBe(1);
    await screenshot(page, 'admin', 'dashboard-broken-widgets');
  });

  test('a plugin whose remote entry answers 404 shows an inline error in its widget, and the navigation still works', async () => {
    await open(page, 'admin', '/');
    const missing = alertIn(page, FIXTURE.missing.id);
    await missing.waitFor();
    expect(await missing.textContent()).toMatch(/could not be shown/);
    expect(
      requested.some((path) => path.startsWith(`/plugins/${FIXTURE.missing.id}/`) && path.endsWith('/remoteEntry.js')),
    ).toBe(true);
    await page.getByTestId('fixture-working-widget').waitFor();
    // Another plugin's page opens from the navigation.
    await mainNav(page).getByRole('link', { name: 'Customers' }).click();
    await mainArea(page).getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    // And the broken plugin's own page shows the inline error in the main area, inside the shell.
    await mainNav(page).getByRole('link', { name: 'Missing page' }).click();
    await alertIn(page, FIXTURE.missing.id).waitFor();
    await expect(mainNav(page).getByRole('link', { name: 'Customers' }).isVisible()).resolves.toBe(true);
  });

  test('a page whose component throws shows an inline error in the main area; the navigation and other pages keep working', async () => {
    await open(page, 'admin', '/');
    await mainNav(page).getByRole('link', { name: 'Throwing page' }).click();
    await mainArea(page)
      .getByRole('alert')
      .filter({ hasText: `${FIXTURE.throwing.id} ./Boom could not be shown` })
      .waitFor();
    await expect(mainNav(page).getByRole('link').count()).resolves.toBeGreaterThan(3);
    await screenshot(page, 'admin', 'throwing-page');
    await mainNav(page).getByRole('link', { name: 'Customers' }).click();
    await mainArea(page).getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await expect(mainArea(page).getByRole('alert').count()).resolves.toBe(0);
  });
});

describe('a remote built without the SDK shared config cannot bring a second React', () => {
  test('the shell refuses it from its mf-manifest.json and never loads its component or its React: an inline error, and the page works', async () => {
    const from = requested.length;
    await open(page, 'admin', '/');
    const refusal = alertIn(page, FIXTURE.unshared.id);
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /without DotMac's shared React.*react is not shared.*react-dom is not shared/s,
    );
    await page.getByTestId('fixture-working-widget').waitFor();
    const fromRemote = requested.slice(from).filter((path) => path.startsWith(`/plugins/${FIXTURE.unshared.id}/`));
    // Its manifest was read; the files holding its own React (and its component) never were.
    expect(fromRemote.some((path) => path.endsWith('/mf-manifest.json'))).toBe(true);
    const ownReact = filesHoldingReact(`${FIXTURE.unshared.dir}/dist/ui`);
    expect(ownReact.length, 'the fixture bundles a React of its own').toBeGreaterThan(0);
    expect(fromRemote.filter((path) => ownReact.some((file) => path.endsWith(`/ui/${file}`)))).toEqual([]);
    // The widget, were it loaded, would render a button from its own React; there is none.
    await expect(page.getByRole('button', { name: /^Own React/ }).count()).resolves.toBe(0);
    await screenshot(page, 'admin', 'dashboard-refused-remote');
  });
});

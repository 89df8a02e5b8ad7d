// Driving the shell as a person does: open a portal, sign in through its form, use its main
// navigation. Labels are the shell's (shell-ui/src/session/sign-in-page.tsx, layout/side-nav.tsx).
import type { Locator, Page } from 'playwright-core';
import type { Login } from './people.ts';

export type PortalName = 'admin' | 'customer' | 'reseller' | 'technician' | 'platform';

/** The portal's URL for `path` (a portal path like /customers), for the tenant of `login` when it has one. */
export function portalUrl(portal: PortalName, path = '/', tenant?: string): string {
  const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : '';
  return `/${portal}${path === '/' ? '/' : path}${query}`;
}

/** The sidebar: the dashboard, the plugins' nav entries, settings. */
export function mainNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Main' });
}

/** The page's main area (where routes render). */
export function mainArea(page: Page): Locator {
  return page.locator('main#main');
}

/** Opens the portal's sign-in page and fills the form (the organisation too, when the page asks for it). */
export async function fillSignIn(page: Page, portal: PortalName, login: Login): Promise<void> {
  await page.goto(portalUrl(portal, '/', login.tenant));
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  const organisation = page.getByLabel('Organisation');
  if (login.tenant && (await organisation.count()) > 0) await organisation.fill(login.tenant);
}

/** Signs in through the portal's form and waits for the portal's navigation. */
export async function signIn(page: Page, portal: PortalName, login: Login): Promise<void> {
  await fillSignIn(page, portal, login);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signedIn(page);
}

/** Waits until the portal is shown (its main navigation), failing with what the page says instead. */
export async function signedIn(page: Page, timeoutMs = 30_000): Promise<void> {
  try {
    await mainNav(page).waitFor({ timeout: timeoutMs });
  } catch (e) {
    const said =
      (await page
        .locator('body')
        .textContent()
        .catch(() => '')) ?? '';
    throw new Error(`the portal did not open at ${page.url()}; the page says:\n${said.slice(0, 1500)}`, { cause: e });
  }
}

/** Goes to a portal path in the page (a full load: the shell restores the session). */
export async function open(page: Page, portal: PortalName, path: string): Promise<void> {
  await page.goto(portalUrl(portal, path));
  await signedIn(page);
}

/**
 * Goes to a portal path the way a link in the portal does (history.pushState, no page load)
 * when the page already shows that portal; loads it otherwise.
 */
export async function visit(page: Page, portal: PortalName, path: string): Promise<void> {
  const here = new URL(page.url()).pathname;
  const inPortal = here === `/${portal}` || here.startsWith(`/${portal}/`);
  if (!inPortal || (await mainNav(page).count()) === 0) return open(page, portal, path);
  const to = `/${portal}${path === '/' ? '/' : path}`;
  await page.evaluate(
    `history.pushState(null, '', ${JSON.stringify(to)}); dispatchEvent(new PopStateEvent('popstate'));`,
  );
}

/** The text of the main navigation's links, in order. */
export async function navTitles(page: Page): Promise<string[]> {
  return (await mainNav(page).getByRole('link').allTextContents()).map((t) => t.trim());
}

/** Waits until nothing in the main area is loading any more (Loading indicators, busy tables and forms). */
export async function settled(page: Page): Promise<void> {
  // A function, not a string: the shell's CSP forbids the eval a string predicate needs.
  await page.waitForFunction(
    (selector) =>
      !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(selector),
    'main#main .dm-loading, main#main [aria-busy="true"]',
  );
}

/** What has the keyboard focus: its tag, id and text, and whether it is in the main navigation. */
export interface Focused {
  readonly tag: string;
  readonly id: string;
  readonly text: string;
  readonly inMainNav: boolean;
}

export async function focused(page: Page): Promise<Focused | null> {
  return (await page.evaluate(`(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id,
      text: (e.textContent || '').trim(),
      inMainNav: Boolean(e.closest('nav[aria-label="Main"]')),
    };
  })()`)) as Focused | null;
}

/** Presses Tab until `wanted` holds for the focused element (at most `limit` times); answers every element passed. */
export async function tabUntil(page: Page, wanted: (f: Focused) => boolean, limit = 15): Promise<Focused[]> {
  const passed: Focused[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (now) passed.push(now);
    if (now && wanted(now)) return passed;
  }
  throw new Error(
    `${limit} presses of Tab never reached the element; focus went through:\n${passed.map((f) => `${f.tag}#${f.id} ${f.text}`).join('\n')}`,
  );
}

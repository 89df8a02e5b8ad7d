// Debian's Chromium driven by playwright-core, launched once per test file and shared by its tests.
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Where .ci/run installs Chromium (the Debian package). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, no sandbox (containers), nothing that phones home or updates itself while tests run. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
}

/**
 * A fresh context (no cookies, no storage: nobody signed in) on the installation at `baseURL`.
 * Downloads are accepted. The shell's Content-Security-Policy stays in force, as for people.
 */
export function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
  });
}

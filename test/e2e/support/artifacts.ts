// Screenshots of the portals, kept as test artifacts: test/e2e/artifacts/<portal>-<screen>.png.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** Saves the whole page as `<portal>-<screen>.png` and answers the file's path. */
export async function screenshot(page: Page, portal: string, screen: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = `${ARTIFACTS_DIR}${portal}-${screen}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Accessibility check of the page as it is: axe-core run inside the page; serious and critical
// violations fail the test, each listed with the elements it concerns.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One axe violation, as much of it as a failure message needs. */
interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[]; readonly failureSummary?: string }[];
}

/** The impacts that fail a test. */
const FAILING = new Set(['serious', 'critical']);

/** axe's serious and critical violations on the page, one readable line per element. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate('typeof globalThis.axe === "object"');
  // Evaluated through the DevTools protocol rather than added as a <script>: the shell's CSP
  // (scripts from its own origin only) stays in force, and does not apply to what the test evaluates.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    'globalThis.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as Violation[];
  return violations
    .filter((v) => v.impact !== null && FAILING.has(v.impact))
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${v.impact} ${v.id} (${v.help}) at ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`,
      ),
    );
}

/** Throws, listing them, when axe finds serious or critical violations on `screen`. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const found = await seriousViolations(page);
  if (found.length > 0) {
    throw new Error(
      `axe found ${found.length} serious or critical violation(s) on ${screen}:\n  ${found.join('\n  ')}`,
    );
  }
}

// The shell in Chromium on localhost: how much JavaScript the shell makes a browser load before
// any plugin remote, and how long a cold page load takes to show a plugin's screen, against the
// shell's own sign-in page loaded the same way in the same run.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Response } from 'playwright-core';
import { launchChromium } from '../e2e/support/chromium.ts';
import { call } from '../support/http.ts';
import type { Installation, SignedIn } from '../support/portal-users.ts';
import { type SmtpMailbox, startSmtpMailbox } from '../support/smtp-mailbox.ts';
import { type Baseline, type BenchResult, defineBench, figure } from './report.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const SLUG = 'bench-ui';
const HOST = 'bench-ui.isp.test';
const MODULES = ['dotmac.customers', 'dotmac.catalog', 'dotmac.subscriptions', 'dotmac.billing', 'dotmac.portal-admin'];
const OWNER_EMAIL = `owner@${HOST}`;
const PASSWORD = 'a long enough passphrase for the bench';
const ACCOUNTS = 25;
/** Cold loads measured of each page, taking turns; and rounds before them that do not count. */
const LOADS = 15;
const WARMUP_ROUNDS = 2;
const LOAD_TIMEOUT_MS = 30_000;

/** What each measured page waits for, as CSS selectors (the page's own, not the shell's loading state). */
const MARKS = {
  /** The sign-in form: the shell alone, no remote. */
  signIn: '#signin-email',
  /** dotmac.customers' ./Customers screen with its first rows (a link to a customer in its table). */
  customers: 'main#main table[aria-busy="false"] tbody a[href^="/admin/customers/"]',
  /** Every dashboard widget rendered: the shell's dashboard with no loading indicator left. */
  dashboard: 'main#main .dm-slot-grid',
} as const;

/**
 * Runs in the page before its own scripts: notes performance.now() (ms since the navigation
 * started) when each selector first matches, watching every DOM change.
 */
const MARKER = `(() => {
  const wanted = ${JSON.stringify(MARKS)};
  const marks = {};
  globalThis.__dmMarks = marks;
  const check = () => {
    for (const [name, selector] of Object.entries(wanted)) {
      if (marks[name] === undefined && document.querySelector(selector)) marks[name] = performance.now();
    }
    if (marks.dashboardDone === undefined && document.querySelector(wanted.dashboard)
        && !document.querySelector('main#main .dm-loading, main#main [aria-busy="true"]')) {
      marks.dashboardDone = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
})();`;

interface Load {
  readonly ms: number;
  /** When (ms from the navigation's start) the shell's entry script, the UI manifest and the last plugin file arrived. */
  readonly phases: Phases;
  /** Remote entries fetched (/plugins/<id>/<version>/ui/remoteEntry.js). */
  readonly remotes: number;
  /** Bytes (raw and gzip) of the shell's JavaScript fetched before the first request for a remote file. */
  readonly shellJs: { readonly raw: number; readonly gzip: number; readonly files: readonly string[] };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** A fresh refresh token of the owner, for a new browser context to restore (the shell keeps it in localStorage). */
async function ownerSession(at: Installation, email: string, password: string): Promise<string> {
  const answer = await call(at.url, '/api/v1/auth/login', {
    method: 'POST',
    body: { email, password, portal: 'admin', tenant: SLUG },
  });
  if (answer.status !== 200) throw new Error(`the bench's owner cannot sign in: ${answer.text}`);
  return answer.body.refreshToken as string;
}

/**
 * One cold load of `path` in a new browser context (empty cache, no cookies): signed in through
 * a stored session when `refreshToken` is given, as someone returning to the portal. Measures
 * from the navigation's start until `mark` is set.
 */
async function coldLoad(
  browser: Browser,
  baseURL: string,
  path: string,
  mark: string,
  refreshToken?: string,
): Promise<Load> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  try {
    if (refreshToken) {
      const session = JSON.stringify({ refreshToken, tenant: SLUG });
      await context.addInitScript(
        `localStorage.setItem('dotmac.session.admin', ${JSON.stringify(session)}); localStorage.setItem('dotmac.tenant', '${SLUG}');`,
      );
    }
    await context.addInitScript(MARKER);
    const page = await context.newPage();
    const responses: Response[] = [];
    page.on('response', (r) => responses.push(r));
    await page.goto(path, { waitUntil: 'commit' });
    // Functions, not strings: the shell's CSP forbids eval, and this context keeps the CSP.
    const markOf = (name: string) => (globalThis as { __dmMarks?: Record<string, number> }).__dmMarks?.[name];
    await page.waitForFunction(markOf, mark, { timeout: LOAD_TIMEOUT_MS, polling: 50 });
    const ms = (await page.evaluate(markOf, mark)) as number;
    const phases = (await page.evaluate(PHASES_OF_LOAD)) as Phases;
    return { ms, phases, remotes: remotesIn(responses), shellJs: await shellJsBeforeRemotes(responses) };
  } finally {
    await context.close();
  }
}

/** Where a load's time went, from the page's resource timings (each: the response's end). */
interface Phases {
  readonly shellScript: number;
  readonly uiManifest: number;
  readonly pluginFiles: number;
}

/**
 * Evaluated in the page: the latest responseEnd of the resources of each kind. A string, not a
 * function: tsx would wrap a function's inner closures in a helper the page does not have.
 */
const PHASES_OF_LOAD = `(() => {
  const entries = performance.getEntriesByType('resource');
  const lastEnd = (test) => Math.max(0, ...entries.filter((e) => test(new URL(e.name).pathname)).map((e) => e.responseEnd));
  return {
    shellScript: lastEnd((p) => p.startsWith('/shell/assets/index-') && p.endsWith('.js')),
    uiManifest: lastEnd((p) => p === '/api/v1/ui/manifest'),
    pluginFiles: lastEnd((p) => p.startsWith('/plugins/')),
  };
})()`;

function remotesIn(responses: readonly Response[]): number {
  return responses.filter((r) => /^\/plugins\/[^/]+\/[^/]+\/ui\/remoteEntry\.js$/.test(new URL(r.url()).pathname))
    .length;
}

/** The shell's scripts (/shell/…js) answered before the first request for a plugin's UI file, with their gzip sizes. */
async function shellJsBeforeRemotes(responses: readonly Response[]): Promise<Load['shellJs']> {
  const firstRemote = responses.findIndex((r) => new URL(r.url()).pathname.startsWith('/plugins/'));
  const before = firstRemote === -1 ? responses : responses.slice(0, firstRemote);
  let raw = 0;
  let gzip = 0;
  const files: string[] = [];
  for (const r of before) {
    const path = new URL(r.url()).pathname;
    if (!path.startsWith('/shell/') || !path.endsWith('.js')) continue;
    const body = await r.body();
    raw += body.length;
    gzip += gzipSync(body).length;
    files.push(path);
  }
  return { raw, gzip, files };
}

export default defineBench(async (ctx) => {
  for (const built of ['shell-ui/dist/index.html', 'plugins-core/customers/dist/ui/remoteEntry.js']) {
    if (!existsSync(`${REPOSITORY}${built}`)) {
      throw new Error(`${built} is missing: npm run bench builds the shell and the plugins first (npm run prebench)`);
    }
  }
  const mailbox = await startSmtpMailbox();
  try {
    const adminToken = randomBytes(16).toString('hex');
    const kernel = await ctx.bootKernel({
      env: { ADMIN_TOKEN: adminToken, SECRETS_KEY: randomBytes(32).toString('base64'), SMTP_URL: mailbox.url },
    });
    await kernel.start();
    if (!kernel.url) throw new Error('the kernel has no HTTP server');
    const at: Installation = { url: kernel.url, adminToken, mailbox };
    ctx.progress(`kernel at ${kernel.url}; creating tenant ${SLUG} and ${ACCOUNTS} customers`);
    const owner = await createBenchTenant(at, mailbox);
    await seedAccounts(at, owner);

    const browser = await launchChromium();
    try {
      const email = OWNER_EMAIL;
      const password = PASSWORD;
      const loads = { signIn: [] as Load[], customers: [] as Load[], dashboard: [] as Load[] };
      for (let round = 0; round < WARMUP_ROUNDS + LOADS; round++) {
        const counted = round >= WARMUP_ROUNDS;
        const signIn = await coldLoad(browser, at.url, `/admin/?tenant=${SLUG}`, 'signIn');
        const customers = await coldLoad(
          browser,
          at.url,
          '/admin/customers',
          'customers',
          await ownerSession(at, email, password),
        );
        const dashboard = await coldLoad(
          browser,
          at.url,
          '/admin/',
          'dashboardDone',
          await ownerSession(at, email, password),
        );
        if (counted) {
          loads.signIn.push(signIn);
          loads.customers.push(customers);
          loads.dashboard.push(dashboard);
        }
        if (round === WARMUP_ROUNDS - 1) ctx.progress(`warmed up; measuring ${LOADS} cold loads of each page`);
      }
      return results(loads);
    } finally {
      await browser.close();
    }
  } finally {
    await mailbox.close();
  }
});

/** The tenant (its plan switching on MODULES) and its owner, invited by mail, signed up and signed in. */
async function createBenchTenant(at: Installation, mailbox: SmtpMailbox): Promise<SignedIn> {
  const asOperator = (method: string, path: string, body: unknown) =>
    call(at.url, path, { method, token: at.adminToken, body });
  const expectOk = (what: string, answer: { status: number; text: string }) => {
    if (answer.status >= 300) throw new Error(`${what} failed (${answer.status}): ${answer.text}`);
  };
  expectOk(
    'the plan',
    await asOperator('PUT', `/api/v1/platform/plans/${SLUG}-plan`, { name: SLUG, modules: MODULES }),
  );
  expectOk(
    'the tenant',
    await asOperator('POST', '/api/v1/platform/tenants', {
      name: 'Bench ISP',
      slug: SLUG,
      hostnames: [HOST],
      currency: 'USD',
      timeZone: 'UTC',
      locale: 'en',
      planId: `${SLUG}-plan`,
      admin: { email: OWNER_EMAIL },
    }),
  );
  const token = await mailbox.waitForLinkToken(OWNER_EMAIL);
  expectOk(
    'accepting the invitation',
    await call(at.url, '/api/v1/auth/invitations/accept', { method: 'POST', body: { token, password: PASSWORD } }),
  );
  const signedIn = await call(at.url, '/api/v1/auth/login', {
    method: 'POST',
    host: HOST,
    body: { email: OWNER_EMAIL, password: PASSWORD, portal: 'admin' },
  });
  expectOk('signing in', signedIn);
  return { host: HOST, token: signedIn.body.accessToken as string };
}

/** Customers to list, through the API as staff would add them. */
async function seedAccounts(at: Installation, owner: SignedIn): Promise<void> {
  for (let i = 1; i <= ACCOUNTS; i++) {
    const answer = await call(at.url, '/api/v1/p/dotmac.customers/accounts', {
      method: 'POST',
      host: owner.host,
      token: owner.token,
      body: { kind: 'residential', name: `Bench Customer ${String(i).padStart(2, '0')}`, status: 'active' },
    });
    if (answer.status !== 201) throw new Error(`customer ${i} was not created: ${answer.text}`);
  }
}

function results(loads: { signIn: Load[]; customers: Load[]; dashboard: Load[] }): BenchResult[] {
  const signInMs = median(loads.signIn.map((l) => l.ms));
  const baseline: Baseline = {
    name: `cold load of the shell's sign-in page to its form (no remote), median of ${LOADS}, same run`,
    value: signInMs,
  };
  const customers = loads.customers;
  const shellJs = customers[0]?.shellJs ?? { raw: 0, gzip: 0, files: [] };
  for (const load of customers) {
    if (load.shellJs.gzip !== shellJs.gzip) {
      throw new Error(`the shell's JavaScript differed between loads: ${load.shellJs.files} against ${shellJs.files}`);
    }
  }
  const signInJs = loads.signIn[0]?.shellJs ?? { raw: 0, gzip: 0, files: [] };
  return [
    figure('shell_initial_js_kb_gzip', shellJs.gzip / 1024, 'KiB'),
    figure('shell_initial_js_kb', shellJs.raw / 1024, 'KiB'),
    figure('shell_sign_in_js_kb_gzip', signInJs.gzip / 1024, 'KiB'),
    figure('first_plugin_screen_ms_median', median(customers.map((l) => l.ms)), 'ms', baseline),
    figure('first_plugin_screen_ms_max', Math.max(...customers.map((l) => l.ms)), 'ms', baseline),
    figure('first_plugin_screen_shell_script_ms_median', median(customers.map((l) => l.phases.shellScript)), 'ms'),
    figure('first_plugin_screen_ui_manifest_ms_median', median(customers.map((l) => l.phases.uiManifest)), 'ms'),
    figure('first_plugin_screen_remote_files_ms_median', median(customers.map((l) => l.phases.pluginFiles)), 'ms'),
    figure('first_plugin_screen_remotes_loaded', median(customers.map((l) => l.remotes)), 'remotes'),
    figure('dashboard_widgets_ms_median', median(loads.dashboard.map((l) => l.ms)), 'ms', baseline),
    figure('dashboard_remotes_loaded', median(loads.dashboard.map((l) => l.remotes)), 'remotes'),
    figure('sign_in_page_ms_median', signInMs, 'ms'),
  ];
}

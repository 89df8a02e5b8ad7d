// `npm run billing:run -- --tenant <id> [--day YYYY-MM-DD] [--dry-run]`: starts a billing run
// through the API and draws its progress until it is done. The kernel's URL and a token come from
// --url/--token or DOTMAC_URL/DOTMAC_TOKEN (an operator's admin token, or a tenant API key with
// dotmac.billing.runs).
import { parseArgs } from 'node:util';

interface Run {
  readonly id: string;
  readonly status: string;
  readonly dryRun: boolean;
  readonly billingDay: string;
  readonly payersDue: number;
  readonly payersDone: number;
  readonly invoices: number;
  readonly totals: Record<string, string>;
  readonly problems: readonly { accountId: string; detail: string }[];
}

const USAGE = 'usage: billing-run --tenant <tenant id> [--day YYYY-MM-DD] [--dry-run] [--url URL] [--token TOKEN]';
const BAR = 30;

function fail(message: string): never {
  process.stderr.write(`billing-run: ${message}\n`);
  process.exit(1);
}

async function api(
  url: string,
  token: string,
  tenant: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Run> {
  const response = await fetch(`${url}/api/v1/p/dotmac.billing${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'x-dotmac-tenant': tenant,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
    } catch {}
    fail(`${method} ${path} answered ${response.status}: ${detail}`);
  }
  return JSON.parse(text) as Run;
}

/** One line of progress: a bar, the share done, accounts and invoices. */
function progressLine(run: Run): string {
  const share = run.payersDue === 0 ? 1 : Math.min(1, run.payersDone / run.payersDue);
  const filled = Math.round(share * BAR);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${run.payersDone}/${run.payersDue} accounts  ${run.invoices} invoices`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      day: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      url: { type: 'string', default: process.env.DOTMAC_URL ?? 'http://127.0.0.1:3000' },
      token: { type: 'string', default: process.env.DOTMAC_TOKEN },
      'poll-ms': { type: 'string', default: '500' },
    },
  });
  if (!values.tenant) fail(`--tenant is required\n${USAGE}`);
  if (!values.token) fail(`a token is required (--token or DOTMAC_TOKEN)\n${USAGE}`);
  if (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day))
    fail(`--day ${values.day} is not a date like 2026-04-01`);
  const call = (method: string, path: string, body?: unknown) =>
    api(values.url, values.token as string, values.tenant as string, method, path, body);
  let run = await call('POST', '/runs', { ...(values.day && { day: values.day }), dryRun: values['dry-run'] });
  process.stdout.write(`${run.dryRun ? 'dry run' : 'billing run'} ${run.id} for ${run.billingDay}\n`);
  const tty = process.stdout.isTTY;
  let last = '';
  for (;;) {
    const line = progressLine(run);
    if (line !== last) process.stdout.write(tty ? `\r${line}` : `${line}\n`);
    last = line;
    if (run.status === 'done') break;
    await new Promise((resolve) => setTimeout(resolve, Number(values['poll-ms'])));
    run = await call('GET', `/runs/${run.id}`);
  }
  if (tty) process.stdout.write('\n');
  const totals = Object.entries(run.totals).map(([currency, amount]) => `${amount} ${currency}`);
  process.stdout.write(
    `done: ${run.invoices} invoices${totals.length ? `, ${totals.join(', ')}` : ''}${run.dryRun ? ' (would be invoiced)' : ''}\n`,
  );
  for (const p of run.problems) process.stdout.write(`problem: account ${p.accountId}: ${p.detail}\n`);
  if (run.problems.length > 0) process.exitCode = 2;
}

await main();

// The apply-service job: converges one service in `provisioning` to its target. For a running
// service: an IPv4 address (and an IPv6 prefix when the tenant asks) from dotmac.network, then
// the AAA account with the plan's speeds and the access state from dotmac.radius; for an ended
// one: the AAA account removed, then the addresses released. Each step goes into the history.
// A step that fails after this attempt allocated the first addresses of a service that never ran
// gives them back (compensation). A failed run is retried by enqueueing the next attempt with a
// growing delay; after MAX_APPLY_ATTEMPTS the service is failed. Dependency failures are recorded,
// never thrown: a throw is a fault of this plugin, and five in a minute would stop it.
import type { PluginContext, SqlStatement } from '@dotmac/sdk';
import {
  accessStateOf,
  desiredOf,
  type Input,
  MAX_APPLY_ATTEMPTS,
  type Outcome,
  type Service,
  step,
} from './machine.ts';
import { type NetworkAndAaa, networkAndAaa } from './network-and-aaa.ts';
import { readSettings, type Settings } from './settings.ts';
import {
  findService,
  type HistoryStep,
  historyEntry,
  type Identity,
  isLostRace,
  type ServiceRow,
  type ServiceWrite,
  toService,
  writeService,
} from './store.ts';

export const APPLY_JOB = 'apply-service';
/** Longest wait between two attempts. */
const MAX_RETRY_DELAY_MS = 3_600_000;
/** Writes tried again after losing to a concurrent one. */
const WRITE_TRIES = 3;

export const identityOf = (row: ServiceRow): Identity => ({
  subscriptionId: row.subscription_id,
  accountId: row.customer_id,
  payerId: row.payer_id,
});

/**
 * Enqueues attempt `attempt` of the service's revision. The key makes it once per attempt: an
 * event delivered again, or a second enqueue of the same attempt, adds nothing.
 */
export async function enqueueApply(
  ctx: PluginContext,
  subscriptionId: string,
  revision: number,
  attempt: number,
  delayMs = 0,
): Promise<void> {
  await ctx.jobs.enqueue(
    APPLY_JOB,
    { subscriptionId },
    { key: `apply-${subscriptionId}-r${revision}-a${attempt}`, ...(delayMs > 0 && { delayMs }) },
  );
}

/** The delay before attempt `attempt` + 1 after attempt `attempt` failed. */
export const retryDelayMs = (settings: Settings, attempt: number) =>
  Math.min(MAX_RETRY_DELAY_MS, settings.retryDelaySeconds * 1000 * 2 ** Math.max(0, attempt - 1));

/**
 * Feeds `input` to the machine and stores the outcome (with `entry` and the rest of `write`),
 * computed again from a fresh row when a concurrent write got there first. Answers the row as
 * stored and the outcome, or undefined when the service is gone or the input no longer applies.
 */
export async function storeInput(
  ctx: PluginContext,
  row: ServiceRow,
  input: Input,
  now: string,
  entry: (outcome: Outcome) => HistoryStep,
  write: (row: ServiceRow) => Partial<ServiceWrite> = () => ({}),
): Promise<{ row: ServiceRow; outcome: Outcome } | undefined> {
  let current: ServiceRow | undefined = row;
  for (let i = 0; current && i < WRITE_TRIES; i++) {
    const outcome = step(toService(current), input);
    if (!outcome.changed || outcome.service === null) return undefined;
    try {
      const stored = await writeService(ctx, {
        identity: identityOf(current),
        previous: current,
        service: outcome.service,
        entry: entry(outcome),
        now,
        ...write(current),
      });
      return { row: stored, outcome };
    } catch (e) {
      if (!isLostRace(e)) throw e;
      current = await findService(ctx, row.subscription_id);
    }
  }
  if (current) throw new Error(`service ${row.subscription_id} kept changing while ${input.kind} was stored`);
  return undefined;
}

/** What one run did. */
interface RunResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly steps: readonly HistoryStep[];
  readonly addresses: { readonly ipv4: string | null; readonly ipv6Prefix: string | null };
}

/** The credentials the AAA account needs, password included. */
async function credentialsOf(ctx: PluginContext, subscriptionId: string) {
  const [row] = await ctx.db.query<{ access: 'pppoe' | 'ipoe'; username: string; password: string | null }>(
    'select access, username, password from access_credentials where subscription_id = $1',
    [subscriptionId],
  );
  return row;
}

const messageOf = (e: unknown) => (e as Error)?.message ?? String(e);

/** Runs the steps that take the network to `service`'s target. */
async function converge(
  ctx: PluginContext,
  deps: NetworkAndAaa,
  row: ServiceRow,
  service: Service,
  settings: Settings,
  attempt: number,
): Promise<RunResult> {
  const id = row.subscription_id;
  const steps: HistoryStep[] = [];
  let addresses = { ipv4: row.ipv4_address, ipv6Prefix: row.ipv6_prefix };
  const ok = (name: string, detail: string) => steps.push({ step: name, outcome: 'ok', detail, attempt });
  const failed = (name: string, e: unknown): RunResult => {
    steps.push({ step: name, outcome: 'failed', detail: messageOf(e), attempt });
    return { ok: false, error: `${name}: ${messageOf(e)}`, steps, addresses };
  };

  if (desiredOf(service) === 'deprovisioned') {
    // The account first: an address goes back to the pool only once nobody can sign in with it.
    try {
      const removed = await deps.removeAccount(id);
      ok(
        'remove-account',
        removed.removed
          ? `AAA account removed; ${removed.sessions} session(s) disconnected`
          : 'there was no AAA account to remove',
      );
    } catch (e) {
      return failed('remove-account', e);
    }
    try {
      const released = await deps.releaseAddresses(id);
      ok('release-addresses', `${released.released} address(es) released`);
      addresses = { ipv4: null, ipv6Prefix: null };
    } catch (e) {
      return failed('release-addresses', e);
    }
    return { ok: true, steps, addresses };
  }

  // Addresses this attempt took for a service that never ran: given back if a later step fails.
  const fresh = row.provisioned_at === null;
  const taken: string[] = [];
  const compensate = async () => {
    if (!fresh || taken.length === 0) return;
    try {
      const released = await deps.releaseAddresses(id);
      steps.push({
        step: 'release-addresses',
        outcome: 'compensated',
        detail: `${released.released} address(es) released: this attempt allocated ${taken.join(' and ')} for a service that never ran`,
        attempt,
      });
      addresses = { ipv4: null, ipv6Prefix: null };
    } catch (e) {
      steps.push({ step: 'release-addresses', outcome: 'failed', detail: `compensation: ${messageOf(e)}`, attempt });
    }
  };

  const credentials = await credentialsOf(ctx, id);
  if (!credentials) return failed('upsert-account', new Error('the service has no access credentials'));
  try {
    const v4 = await deps.allocateAddress({ subscriptionId: id, family: 'ipv4', planId: service.plan.planId });
    ok('allocate-ipv4', `${v4.address}/${v4.prefixLength} from pool ${v4.poolId}`);
    if (row.ipv4_address === null) taken.push(v4.address);
    addresses = { ...addresses, ipv4: v4.address };
  } catch (e) {
    return failed('allocate-ipv4', e);
  }
  if (settings.ipv6) {
    try {
      const v6 = await deps.allocateAddress({ subscriptionId: id, family: 'ipv6', planId: service.plan.planId });
      const prefix = `${v6.address}/${v6.prefixLength}`;
      ok('allocate-ipv6', `${prefix} from pool ${v6.poolId}`);
      if (row.ipv6_prefix === null) taken.push(prefix);
      addresses = { ...addresses, ipv6Prefix: prefix };
    } catch (e) {
      const result = failed('allocate-ipv6', e);
      await compensate();
      return { ...result, addresses };
    }
  }
  const state = accessStateOf(service);
  const { plan } = service;
  try {
    const answer = await deps.upsertAccount({
      subscriptionId: id,
      accountId: row.customer_id,
      access: credentials.access,
      username: credentials.username,
      password: credentials.password,
      downloadKbps: plan.downloadKbps,
      uploadKbps: plan.uploadKbps,
      burstKbps: plan.burstKbps,
      burstThresholdKbps: plan.burstThresholdKbps,
      burstTimeSeconds: plan.burstTimeSeconds,
      framedIp: addresses.ipv4,
      framedIpv6Prefix: addresses.ipv6Prefix,
      state,
      dataCapGb: plan.dataCapGb,
      throttleKbps: plan.throttleKbps,
    });
    const actions = answer.actions.length > 0 ? `; ${answer.actions.join(' and ')} queued` : '';
    ok(
      'upsert-account',
      `${answer.username} ${state} at ${plan.downloadKbps}/${plan.uploadKbps} kbit/s; ${answer.sessions} session(s) online${actions}`,
    );
  } catch (e) {
    const result = failed('upsert-account', e);
    await compensate();
    return { ...result, addresses };
  }
  return { ok: true, steps, addresses };
}

/** Counts a new attempt on the service; answers the row as stored, or undefined when there is nothing to run. */
async function startAttempt(ctx: PluginContext, row: ServiceRow, now: string): Promise<ServiceRow | undefined> {
  const started = await storeInput(ctx, row, { kind: 'attempt-started', revision: row.revision }, now, (outcome) => ({
    step: 'attempt',
    outcome: outcome.service?.state === 'failed' ? 'failed' : 'ok',
    detail: outcome.note,
    attempt: outcome.service?.attempts ?? row.attempts,
  }));
  return started?.row.state === 'provisioning' ? started.row : undefined;
}

/** One run of apply-service for `subscriptionId`. */
export async function applyService(ctx: PluginContext, subscriptionId: string): Promise<void> {
  const found = await findService(ctx, subscriptionId);
  if (found?.state !== 'provisioning') return;
  const settings = await readSettings(ctx);
  const now = (await ctx.clock.now()).toISOString();
  const row = await startAttempt(ctx, found, now);
  if (!row) return;
  const attempt = row.attempts;
  const result = await converge(ctx, networkAndAaa(ctx), row, toService(row), settings, attempt);
  const done = (await ctx.clock.now()).toISOString();
  const input: Input = result.ok
    ? { kind: 'applied', revision: row.revision }
    : { kind: 'apply-failed', revision: row.revision, error: result.error ?? 'failed' };
  const steps = (current: ServiceRow): SqlStatement[] =>
    result.steps.map((s) => historyEntry(ctx, identityOf(current), s, 'provisioning', done));
  const stored = await storeInput(
    ctx,
    row,
    input,
    done,
    (outcome) => ({ step: 'apply', outcome: result.ok ? 'ok' : 'failed', detail: outcome.note, attempt }),
    (current) => ({ before: steps(current), addresses: result.addresses, converged: result.ok }),
  );
  if (!stored) {
    // The target moved on while this run worked (a newer revision has its own run): keep the
    // record of what was done, and what the network gave.
    const current = (await findService(ctx, subscriptionId)) ?? row;
    await ctx.db.transaction([
      ...steps(current),
      {
        sql: 'update services set ipv4_address = $2, ipv6_prefix = $3 where subscription_id = $1',
        params: [subscriptionId, result.addresses.ipv4, result.addresses.ipv6Prefix],
      },
    ]);
    return;
  }
  if (stored.outcome.apply) {
    await enqueueApply(ctx, subscriptionId, row.revision, attempt + 1, retryDelayMs(settings, attempt));
  } else if (stored.row.state === 'failed') {
    await ctx.log.warn(`service ${subscriptionId} failed after ${MAX_APPLY_ATTEMPTS} attempts`, {
      error: stored.row.last_error,
    });
  }
}

// Live changes to NASes (RFC 5176): a CoA-Request carrying a session's new speed, or a
// Disconnect-Request ending it. A change is a row written in the same transaction as the account
// change that needs it, then a job that sends the packet, retransmits it until the NAS answers or
// the attempts run out, and records the answer (ACK, NAK with its Error-Cause, or timeout).
import type { OutgoingEvent, PluginContext, SqlStatement } from '@dotmac/sdk';
import { decodeAnswer, encodeRequest, type RequestAttribute } from './packet.ts';
import { settingsOf } from './settings.ts';

export interface QueuedChange {
  readonly subscriptionId: string;
  readonly customerId: string;
  readonly kind: 'coa' | 'disconnect';
  readonly reason: 'speed' | 'throttle' | 'unthrottle' | 'suspend' | 'remove' | 'staff';
  readonly nasAddress: string;
  readonly acctSessionId: string;
  readonly username: string;
  readonly framedIp: string | null;
  /** What a CoA sets (the NAS's speed attributes); none for a Disconnect-Request. */
  readonly attributes: readonly RequestAttribute[];
}

/** Runs `statements`, inserts `changes` and publishes `events` in one transaction, then enqueues a job per change. */
export async function queueChanges(
  ctx: PluginContext,
  statements: readonly SqlStatement[],
  changes: readonly QueuedChange[],
  now: string,
  events: readonly OutgoingEvent[] = [],
): Promise<void> {
  const inserts: SqlStatement[] = changes.map((c) => ({
    sql: `insert into changes (id, tenant_id, subscription_id, customer_id, kind, reason, nas_address, acct_session_id,
            username, framed_ip, attributes, status, created_at)
          values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 'pending', $11)
          returning id::text`,
    params: [
      ctx.tenantId,
      c.subscriptionId,
      c.customerId,
      c.kind,
      c.reason,
      c.nasAddress,
      c.acctSessionId,
      c.username,
      c.framedIp,
      JSON.stringify(c.attributes),
      now,
    ],
  }));
  if (statements.length + inserts.length === 0) return;
  const results = await ctx.db.transaction([...statements, ...inserts], events.length > 0 ? { events } : undefined);
  const ids = results.slice(statements.length).map((rows) => String(rows[0]?.id));
  await Promise.all(ids.map((id) => enqueueChange(ctx, id)));
}

/** Enqueues the job sending change `id`; the key makes a second enqueue of a waiting job a no-op. */
export const enqueueChange = (ctx: PluginContext, id: string) =>
  ctx.jobs.enqueue('apply-change', { changeId: id }, { key: `change-${id}` });

interface ChangeRow {
  id: string;
  subscription_id: string;
  kind: 'coa' | 'disconnect';
  reason: QueuedChange['reason'];
  nas_address: string;
  acct_session_id: string;
  username: string;
  framed_ip: string | null;
  attributes: RequestAttribute[];
  status: string;
  attempts: number;
}

/** The identifier of a change's packet: from its id, so a retransmission is the same packet. */
const identifierOf = (id: string) => Number.parseInt(id.slice(0, 2), 16);

/** The apply-change job: sends one change to its NAS and records the answer. */
export async function applyChange(ctx: PluginContext, changeId: string): Promise<void> {
  const [change] = await ctx.db.query<ChangeRow>(
    `select id::text, subscription_id::text, kind, reason, nas_address, acct_session_id, username, framed_ip,
            attributes, status, attempts
       from changes where id = $1`,
    [changeId],
  );
  if (change?.status !== 'pending') return;
  const [nas] = await ctx.db.query<{ secret: string; coa_port: number }>(
    'select secret, coa_port from nas where nasname = $1',
    [change.nas_address],
  );
  const now = async () => (await ctx.clock.now()).toISOString();
  if (!nas) {
    await finish(ctx, change, 'failed', 0, `no NAS ${change.nas_address} in the nas table`, await now());
    return;
  }
  const settings = await settingsOf(ctx);
  const attributes: RequestAttribute[] = [
    { name: 'User-Name', value: change.username },
    { name: 'Acct-Session-Id', value: change.acct_session_id },
    ...(change.framed_ip ? [{ name: 'Framed-IP-Address' as const, value: change.framed_ip }] : []),
    { name: 'Event-Timestamp', value: Math.floor((await ctx.clock.now()).getTime() / 1000) },
    ...change.attributes,
  ];
  const request = encodeRequest({
    code: change.kind === 'coa' ? 'CoA-Request' : 'Disconnect-Request',
    identifier: identifierOf(change.id),
    secret: nas.secret,
    attributes,
  });
  let attempts = 0;
  while (attempts < settings.coaAttempts) {
    attempts += 1;
    let answer: Uint8Array | null;
    try {
      answer = await ctx.datagram.request(change.nas_address, nas.coa_port, request, {
        timeoutMs: settings.coaTimeoutMs,
      });
    } catch (e) {
      // The kernel refused the datagram (a CoA port or a NAS network the operator has not
      // allowed): no retry can help, and the NAS's row says why.
      await finish(ctx, change, 'failed', attempts, (e as Error).message.slice(0, 500), await now());
      return;
    }
    if (answer === null) continue;
    let decoded: ReturnType<typeof decodeAnswer>;
    try {
      decoded = decodeAnswer(answer, request, nas.secret);
    } catch (e) {
      // A forged or garbled answer is not an answer: log it and keep waiting for the real one.
      await ctx.log.warn('ignored an answer that failed verification', {
        changeId,
        nas: change.nas_address,
        error: (e as Error).message,
      });
      continue;
    }
    const cause = decoded.errorCause ? `${decoded.errorCause.code} ${decoded.errorCause.name}` : null;
    await finish(ctx, change, decoded.ack ? 'ack' : 'nak', attempts, cause, await now());
    return;
  }
  await finish(ctx, change, 'timeout', attempts, `no answer after ${attempts} packets`, await now());
}

async function finish(
  ctx: PluginContext,
  change: ChangeRow,
  status: 'ack' | 'nak' | 'timeout' | 'failed',
  attempts: number,
  cause: string | null,
  now: string,
): Promise<void> {
  await ctx.db.transaction(
    [
      {
        sql: `update changes set status = $2, attempts = attempts + $3, error_cause = $4, finished_at = $5
               where id = $1 and status = 'pending'`,
        params: [change.id, status, attempts, cause, now],
      },
    ],
    {
      events: [
        {
          name: 'radius.change-applied',
          payload: {
            changeId: change.id,
            subscriptionId: change.subscription_id,
            kind: change.kind,
            reason: change.reason,
            result: status,
            nasAddress: change.nas_address,
            attempts,
          },
        },
      ],
    },
  );
}

/** Re-enqueues changes still pending a minute after they were queued (their enqueue was lost). */
export async function requeueStale(ctx: PluginContext, now: string): Promise<void> {
  const stale = await ctx.db.query<{ id: string }>(
    `select id::text from changes where status = 'pending' and created_at < $1::timestamptz - interval '1 minute' limit 500`,
    [now],
  );
  await Promise.all(stale.map((c) => enqueueChange(ctx, c.id)));
}

export function changeResource(
  row: ChangeRow & { error_cause: string | null; created_at: string | Date; finished_at: string | Date | null },
) {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    kind: row.kind,
    reason: row.reason,
    nasAddress: row.nas_address,
    acctSessionId: row.acct_session_id,
    status: row.status,
    attempts: row.attempts,
    errorCause: row.error_cause,
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
  };
}

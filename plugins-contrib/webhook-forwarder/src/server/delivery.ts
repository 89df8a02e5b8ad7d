// One delivery attempt: the signed POST of an envelope to the tenant's URL, and its record in
// the deliveries table.
import type { PluginContext } from '@dotmac/sdk';
import { signatureHeader } from './signature.ts';

/** The tenant's settings, as the manifest's config schema validated them (`{}` until the operator sets them). */
export interface ForwarderConfig {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly enabled?: boolean;
}

/** The JSON body of every delivery. */
export interface Envelope {
  /** The event id; also the x-dotmac-delivery header, the same on every retry. */
  readonly id: string;
  /** The event name (invoice.issued), also the x-dotmac-event header. */
  readonly type: string;
  readonly occurredAt: string;
  readonly tenant: string;
  /** The event's payload, exactly as the kernel delivered it. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** How one attempt went, as GET /deliveries lists it. */
export interface Attempt {
  readonly deliveryId: string;
  readonly event: string;
  /** Where it was sent, without the query string. */
  readonly url: string;
  readonly delivered: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly attemptedAt: string;
}

/** The secret each delivery is signed with, set per tenant by the operator. */
export const SIGNING_SECRET = 'SIGNING_SECRET';

const USER_AGENT = 'DotMac-Webhook-Forwarder/0.1.0';

/**
 * After a receiver gave no answer, the next deliveries to it within this time fail without
 * trying: the kernel hands over events in batches within one call, and a receiver that never
 * answers would otherwise spend the egress timeout on each of them.
 */
const UNREACHABLE_PAUSE_MS = 30_000;

/** How much of a refusing receiver's answer is kept in the error. */
const ANSWER_PREVIEW_CHARS = 200;

/** Receivers that gave no answer, by URL (module state lives in this tenant's sandbox context). */
const unreachable = new Map<string, { readonly at: number; readonly reason: string }>();

type Outcome = Pick<Attempt, 'delivered' | 'statusCode' | 'error'>;

const failed = (statusCode: number | null, error: string): Outcome => ({ delivered: false, statusCode, error });

/** `url` without query string or fragment, which may carry a receiver's token (the sandbox has no URL class). */
export function withoutQuery(url: string): string {
  return url.split(/[?#]/, 1)[0] ?? url;
}

/**
 * POSTs `envelope` to `url`, signed with the tenant's SIGNING_SECRET, and records the attempt.
 * `evenIfUnreachable`: try even if the receiver gave no answer a moment ago (a test delivery).
 */
export async function deliver(
  ctx: PluginContext,
  url: string,
  envelope: Envelope,
  options: { readonly evenIfUnreachable?: boolean } = {},
): Promise<Attempt> {
  const now = await ctx.clock.now();
  const outcome = await post(ctx, url, envelope, now.getTime(), options.evenIfUnreachable ?? false);
  const attempt: Attempt = {
    deliveryId: envelope.id,
    event: envelope.type,
    url: withoutQuery(url),
    attemptedAt: now.toISOString(),
    ...outcome,
  };
  await ctx.db.query(
    `insert into deliveries (tenant_id, delivery_id, event, url, delivered, status_code, error, attempted_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      ctx.tenantId,
      attempt.deliveryId,
      attempt.event,
      attempt.url,
      attempt.delivered,
      attempt.statusCode,
      attempt.error,
      attempt.attemptedAt,
    ],
  );
  return attempt;
}

async function post(
  ctx: PluginContext,
  url: string,
  envelope: Envelope,
  now: number,
  evenIfUnreachable: boolean,
): Promise<Outcome> {
  const secret = await ctx.secrets.get(SIGNING_SECRET);
  if (secret === null) return failed(null, `not sent: the operator has not set the secret ${SIGNING_SECRET}`);
  const silent = unreachable.get(url);
  if (silent && now - silent.at < UNREACHABLE_PAUSE_MS && !evenIfUnreachable) {
    const retry = new Date(silent.at + UNREACHABLE_PAUSE_MS).toISOString();
    return failed(
      null,
      `not sent: the receiver gave no answer a moment ago, trying again from ${retry} (${silent.reason})`,
    );
  }
  const body = JSON.stringify(envelope);
  let answer: Awaited<ReturnType<PluginContext['fetch']>>;
  try {
    answer = await ctx.fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'x-dotmac-event': envelope.type,
        'x-dotmac-delivery': envelope.id,
        'x-dotmac-signature': signatureHeader(secret, body),
      },
      body,
    });
  } catch (e) {
    const reason = (e as Error).message;
    unreachable.set(url, { at: now, reason });
    return failed(null, `no answer: ${reason}`);
  }
  unreachable.delete(url);
  if (answer.ok) return { delivered: true, statusCode: answer.status, error: null };
  const preview = answer.body.slice(0, ANSWER_PREVIEW_CHARS).trim();
  return failed(answer.status, `the receiver answered ${answer.status}${preview ? `: ${preview}` : ''}`);
}

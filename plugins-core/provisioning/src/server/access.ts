// Access credentials (PUT /services/:subscriptionId/access): how a subscriber signs in, by PPPoE
// (username and password) or IPoE (a username, and the DHCP option 82 circuit and remote ids; no
// password: the relay's option 82 is the identity).
// They may be set before the subscription is activated; once the service is known, new
// credentials send it back to provisioning so the AAA account gets them. A username signs in one
// service of the tenant: the unique index refuses a second, and the whole write with it.
import { type PluginContext, RouteError, type SqlStatement } from '@dotmac/sdk';
import { enqueueApply, identityOf } from './apply.ts';
import { step } from './machine.ts';
import type { Settings } from './settings.ts';
import { findService, isLostRace, toService, writeService } from './store.ts';

/** PUT /services/:subscriptionId/access's body, as validated against plugin.json's schema. */
export interface AccessBody {
  readonly access?: 'pppoe' | 'ipoe';
  readonly username: string;
  readonly password?: string;
  readonly circuitId?: string;
  readonly remoteId?: string;
}

/** The credentials as the API answers them (schemas/access.json): never the password. */
export interface AccessResource {
  readonly subscriptionId: string;
  readonly access: 'pppoe' | 'ipoe';
  readonly username: string;
  readonly hasPassword: boolean;
  readonly circuitId: string | null;
  readonly remoteId: string | null;
  readonly updatedAt: string;
  /** The service's state; null while provisioning has not seen the subscription activated. */
  readonly state: string | null;
}

interface CredentialsRow {
  readonly updated_at?: string;
  readonly access: 'pppoe' | 'ipoe';
  readonly username: string;
  readonly password: string | null;
  readonly circuit_id: string | null;
  readonly remote_id: string | null;
}

const USERNAME_TAKEN = 'access_credentials_username';

function usernameTaken(username: string): RouteError {
  return new RouteError(409, `username ${username} is already used by another service of this tenant`, [
    { pointer: '/body/username', detail: 'is used by another service' },
  ]);
}

/** The credentials `body` asks for, or a refusal naming the field at fault. */
function credentialsOf(body: AccessBody, settings: Settings): CredentialsRow {
  const access = body.access ?? settings.accessDefault;
  if (access === 'pppoe') {
    if (body.password === undefined) {
      throw new RouteError(400, 'PPPoE access needs a password', [
        { pointer: '/body/password', detail: 'is required for PPPoE (6 to 128 characters)' },
      ]);
    }
    const option82 = body.circuitId !== undefined ? 'circuitId' : body.remoteId !== undefined ? 'remoteId' : undefined;
    if (option82) {
      throw new RouteError(400, `${option82} is DHCP option 82, for IPoE access only`, [
        { pointer: `/body/${option82}`, detail: 'is for IPoE access only' },
      ]);
    }
  }
  if (access === 'ipoe' && body.password !== undefined) {
    throw new RouteError(400, 'IPoE access signs in by DHCP option 82, without a password', [
      { pointer: '/body/password', detail: 'is for PPPoE access only' },
    ]);
  }
  return {
    access,
    username: body.username,
    password: body.password ?? null,
    circuit_id: body.circuitId ?? null,
    remote_id: body.remoteId ?? null,
  };
}

const sameCredentials = (a: CredentialsRow, b: CredentialsRow) =>
  a.access === b.access &&
  a.username === b.username &&
  a.password === b.password &&
  a.circuit_id === b.circuit_id &&
  a.remote_id === b.remote_id;

/** Sets the service's access credentials; answers them. */
export async function setAccess(
  ctx: PluginContext,
  subscriptionId: string,
  body: AccessBody,
  settings: Settings,
): Promise<AccessResource> {
  const wanted = credentialsOf(body, settings);
  const now = (await ctx.clock.now()).toISOString();
  const row = await findService(ctx, subscriptionId);
  if (row?.ended) {
    throw new RouteError(409, `service ${subscriptionId} was ${row.ended}: its access no longer changes`);
  }
  const [taken] = await ctx.db.query('select 1 from access_credentials where username = $1 and subscription_id <> $2', [
    wanted.username,
    subscriptionId,
  ]);
  if (taken) throw usernameTaken(wanted.username);
  const [existing] = await ctx.db.query<CredentialsRow>(
    `select access, username, password, circuit_id, remote_id, updated_at from access_credentials
      where subscription_id = $1`,
    [subscriptionId],
  );
  const upsert: SqlStatement = {
    sql: `insert into access_credentials (tenant_id, subscription_id, customer_id, access, username, password,
            circuit_id, remote_id, created_at, updated_at)
          values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
          on conflict (tenant_id, subscription_id) do update set customer_id = coalesce(excluded.customer_id,
            access_credentials.customer_id), access = excluded.access, username = excluded.username,
            password = excluded.password, circuit_id = excluded.circuit_id, remote_id = excluded.remote_id,
            updated_at = excluded.updated_at`,
    params: [
      ctx.tenantId,
      subscriptionId,
      row?.customer_id ?? null,
      wanted.access,
      wanted.username,
      wanted.password,
      wanted.circuit_id,
      wanted.remote_id,
      now,
    ],
  };
  const unchanged = existing !== undefined && sameCredentials(existing, wanted);
  let state = row?.state ?? null;
  try {
    if (row && !unchanged) {
      // The credentials and the service's transition in one transaction: both or neither.
      const outcome = step(toService(row), { kind: 'credentials-set' });
      if (outcome.service === null) throw new Error('the machine lost the service');
      const stored = await writeService(ctx, {
        identity: identityOf(row),
        previous: row,
        service: outcome.service,
        entry: {
          step: 'access',
          outcome: 'ok',
          detail: `${wanted.access} access for ${wanted.username}: ${outcome.note}`,
        },
        now,
        before: [upsert],
      });
      state = stored.state;
      if (outcome.apply) await enqueueApply(ctx, subscriptionId, stored.revision, 1);
    } else if (!unchanged) {
      await ctx.db.query(upsert.sql, upsert.params);
    }
  } catch (e) {
    const message = (e as Error)?.message ?? '';
    if (message.includes('23505') && message.includes(USERNAME_TAKEN)) throw usernameTaken(wanted.username);
    if (isLostRace(e)) {
      throw new RouteError(409, `service ${subscriptionId} changed while this request ran; read it again and retry`);
    }
    throw e;
  }
  return {
    subscriptionId,
    access: wanted.access,
    username: wanted.username,
    hasPassword: wanted.password !== null,
    circuitId: wanted.circuit_id,
    remoteId: wanted.remote_id,
    updatedAt: unchanged && existing.updated_at ? new Date(existing.updated_at).toISOString() : now,
    state,
  };
}

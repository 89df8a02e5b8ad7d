// The host side of plugin capabilities: every call a plugin makes through the bridge lands
// here, is checked against what its manifest declared, and runs for the tenant of the call's
// envelope (never a tenant named in the arguments).
import { CAPABILITY_METHODS, type CapabilityCall, type DatagramRequest } from '@dotmac/schemas/contract/capabilities';
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { DotmacError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { EventSchemas } from '../events/schemas.ts';
import { compileSchema, type JsonSchema, validateOrThrow } from '../validation.ts';
import { createDatagramRequest, type DatagramPolicy } from './datagram.ts';
import { pluginBatch, pluginTransaction } from './db/index.ts';
import { createEgressFetch, type EgressPolicy } from './egress.ts';
import type { PluginEnablement } from './enablement.ts';
import type { PluginJobs } from './jobs.ts';
import type { CallEnvelope, HostRouter } from './sandbox/index.ts';
import type { PluginSecrets } from './secrets.ts';
import type { PluginServices } from './services.ts';

/** A plugin asked for something its manifest does not grant. */
export class CapabilityDeniedError extends DotmacError {
  override readonly status = 403;
  override readonly type = 'capability-denied';
  override readonly title = 'Capability not granted';
}

/** The database refused a plugin's statement; the plugin gets PostgreSQL's reason and SQLSTATE. */
export class PluginQueryError extends DotmacError {
  override readonly status = 422;
  override readonly type = 'plugin-query';
  override readonly title = 'Query failed';
  constructor(
    message: string,
    readonly sqlState: string,
  ) {
    super(message);
  }
}

/** Runs a plugin's database work, turning PostgreSQL's errors into ones the plugin may read. */
async function asPluginQuery<T>(label: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof Error && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      throw new PluginQueryError(`${label}: the database refused the statement: ${e.message} (SQLSTATE ${code})`, code);
    }
    throw e;
  }
}

/** The kernel services capability calls are served by. */
export interface CapabilityServices {
  readonly db: Database;
  readonly bus: EventBus;
  readonly enablement: PluginEnablement;
  readonly clock: Clock;
  readonly jobs: PluginJobs;
  readonly secrets: Pick<PluginSecrets, 'get'>;
  readonly services: Pick<PluginServices, 'call'>;
  /** What the operator allows plugins' egress beyond their declared hosts (private networks, http). */
  readonly egress: EgressPolicy;
  /** The networks the operator allows plugins' datagrams to; absent: none. */
  readonly datagram?: DatagramPolicy;
}

interface Statement {
  sql: string;
  params?: unknown[];
}
interface NewPluginEvent {
  name: string;
  payload: Record<string, unknown>;
}

const statementSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sql'],
  properties: { sql: { type: 'string', minLength: 1, maxLength: 100_000 }, params: { type: 'array', maxItems: 1000 } },
};
const eventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'payload'],
  properties: { name: { type: 'string' }, payload: { type: 'object' } },
};
const validateQuery = compileSchema<Statement>(statementSchema);
const validateBatch = compileSchema<{ statements: Statement[]; events?: NewPluginEvent[] }>({
  type: 'object',
  additionalProperties: false,
  required: ['statements'],
  properties: {
    statements: { type: 'array', minItems: 1, maxItems: 100, items: statementSchema },
    events: { type: 'array', maxItems: 1000, items: eventSchema },
  },
});
const validatePublish = compileSchema<NewPluginEvent>(eventSchema);
const validateEnqueue = compileSchema<{ name: string; data?: unknown; delayMs?: number; key?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string' },
    data: {},
    delayMs: { type: 'integer', minimum: 0 },
    key: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
});
const validateSecretName = compileSchema<{ name: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string' } },
});
const validateServiceCall = compileSchema<{ target: string; input?: unknown }>({
  type: 'object',
  additionalProperties: false,
  required: ['target'],
  properties: { target: { type: 'string' }, input: {} },
});
const validateFetch = compileSchema<{
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}>({
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 8192 },
    method: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { type: 'string' },
  },
});

const validateDatagram = compileSchema<DatagramRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port', 'payload'],
  properties: {
    host: { type: 'string', minLength: 1, maxLength: 100 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    // Checked as base64, and for size, by the datagram policy.
    payload: { type: 'string' },
    timeoutMs: { type: 'integer', minimum: 50, maximum: 10_000 },
  },
});

/** Adds the event types a plugin publishes to the kernel's catalogue (once per kernel). */
export function registerPublishedEvents(schemas: EventSchemas, manifest: PluginManifest): void {
  for (const event of manifest.capabilities?.events?.publish ?? []) {
    schemas.registerOwned({ ...(event.schema as JsonSchema), $id: event.name }, manifest.id);
  }
}

/** The router that serves `manifest`'s plugin: grants exactly what the manifest declares. */
export function createHostRouter(manifest: PluginManifest, services: CapabilityServices): HostRouter {
  const label = `plugin ${manifest.id}@${manifest.version}`;
  const publishes = new Set((manifest.capabilities?.events?.publish ?? []).map((e) => e.name));
  const hasDb = Boolean(manifest.capabilities?.db);
  const jobs = new Set((manifest.capabilities?.jobs ?? []).map((j) => j.name));
  const secrets = new Set((manifest.capabilities?.secrets ?? []).map((s) => s.name));
  const calls = new Set(manifest.capabilities?.services?.calls ?? []);
  const egressRules = manifest.capabilities?.egress ?? [];
  const egress = egressRules.length ? createEgressFetch(label, egressRules, services.egress) : undefined;
  // Config rules: the URL each tenant set in these config properties may be fetched too.
  const egressConfig = egressRules.flatMap((rule) => (rule.config === undefined ? [] : [rule.config]));
  const datagramPorts = manifest.capabilities?.datagram?.ports;
  const datagram = datagramPorts ? createDatagramRequest(label, datagramPorts, services.datagram) : undefined;

  const deny = (what: string) => new CapabilityDeniedError(`${label} ${what}`);
  const checkPublish = (events: readonly NewPluginEvent[]) => {
    for (const e of events) {
      if (!publishes.has(e.name)) throw deny(`may not publish ${e.name}: its manifest does not declare it`);
    }
  };
  const requireDb = () => {
    if (!hasDb) throw deny('has no db capability: its manifest does not declare one');
  };

  return async (envelope: CallEnvelope, capability: string, method: string, args: unknown, signal: AbortSignal) => {
    if (envelope.pluginId !== manifest.id) throw deny(`cannot act as ${envelope.pluginId}`);
    const tenantId = envelope.tenantId;
    switch (`${capability}.${method}` as CapabilityCall) {
      case 'db.query': {
        requireDb();
        const s = validateOrThrow(validateQuery, args, `${label}: db.query`, '/args');
        const [rows] = await asPluginQuery(label, () =>
          pluginBatch(services.db, manifest.id, tenantId, [s], { caller: envelope.caller }),
        );
        return rows;
      }
      case 'db.batch': {
        requireDb();
        const batch = validateOrThrow(validateBatch, args, `${label}: db.batch`, '/args');
        const events = batch.events ?? [];
        checkPublish(events);
        for (const e of events) services.bus.schemas.validate(e.name, e.payload);
        return asPluginQuery(label, () =>
          pluginTransaction(
            services.db,
            manifest.id,
            tenantId,
            async (q) => {
              const results: unknown[] = [];
              for (const s of batch.statements) results.push(await q(s.sql, s.params ?? []));
              return results;
            },
            {
              caller: envelope.caller,
              asKernel: async (tx) => {
                await services.bus.publishAll(
                  tx,
                  events.map((e) => ({ name: e.name, payload: e.payload, tenantId })),
                );
              },
            },
          ),
        );
      }
      case 'events.publish': {
        const e = validateOrThrow(validatePublish, args, `${label}: events.publish`, '/args');
        checkPublish([e]);
        const published = await services.db.transaction((tx) =>
          services.bus.publish(tx, { name: e.name, payload: e.payload, tenantId }),
        );
        return { id: published.id };
      }
      case 'jobs.enqueue': {
        const job = validateOrThrow(validateEnqueue, args, `${label}: jobs.enqueue`, '/args');
        if (!jobs.has(job.name)) throw deny(`may not enqueue job ${job.name}: its manifest does not declare it`);
        const options = { delayMs: job.delayMs, key: job.key };
        return { id: await services.jobs.enqueue(manifest.id, tenantId, job.name, job.data ?? null, options) };
      }
      case 'config.get':
        return services.enablement.config(tenantId, manifest.id);
      case 'secrets.get': {
        const { name } = validateOrThrow(validateSecretName, args, `${label}: secrets.get`, '/args');
        if (!secrets.has(name)) throw deny(`may not read secret ${name}: its manifest does not declare it`);
        return services.secrets.get(tenantId, manifest.id, name);
      }
      case 'egress.fetch': {
        const request = validateOrThrow(validateFetch, args, `${label}: egress.fetch`, '/args');
        if (!egress) throw deny('has no egress capability: its manifest declares no hosts');
        if (egressConfig.length === 0) return egress(request);
        const config = await services.enablement.config(tenantId, manifest.id);
        const configured = egressConfig.flatMap((name) => (typeof config[name] === 'string' ? [config[name]] : []));
        return egress(request, configured);
      }
      case 'egress.datagram': {
        const request = validateOrThrow(validateDatagram, args, `${label}: egress.datagram`, '/args');
        if (!datagram) throw deny('has no datagram capability: its manifest declares no datagram ports');
        return datagram(request, signal);
      }
      case 'services.call': {
        const { target, input } = validateOrThrow(validateServiceCall, args, `${label}: services.call`, '/args');
        if (!calls.has(target)) throw deny(`may not call ${target}: its manifest does not declare the call`);
        return services.services.call(manifest, target, tenantId, input ?? null, envelope.caller);
      }
      case 'clock.now':
        return services.clock.now().toISOString();
      default:
        if (!Object.hasOwn(CAPABILITY_METHODS, capability)) throw deny(`called unknown capability ${capability}`);
        throw new ValidationError(`${label} called ${capability}.${method}, which does not exist`, [
          {
            pointer: '/method',
            detail: `must be one of ${CAPABILITY_METHODS[capability as keyof typeof CAPABILITY_METHODS].join(', ')}`,
          },
        ]);
    }
  };
}

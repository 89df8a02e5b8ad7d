// Kernel configuration: environment plus an optional JSON file, validated at boot.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import configSchema from '@dotmac/schemas/kernel-config.schema.json' with { type: 'json' };
import type { KernelConfig } from '@dotmac/schemas/types/kernel-config';
import type { ErrorObject } from 'ajv';
import { ConfigError } from './errors.ts';
import { compileSchema, type JsonSchema } from './validation.ts';

/** Configuration after defaults: only the service URLs and the secrets may be absent. */
export type Config = Readonly<
  KernelConfig &
    Required<
      Omit<
        KernelConfig,
        | 'DATABASE_URL'
        | 'REDIS_URL'
        | 'ADMIN_TOKEN'
        | 'SECRETS_KEY'
        | 'PLUGIN_EGRESS_ALLOW_NETWORKS'
        | 'DATAGRAM_ALLOW_NETWORKS'
        | 'PLUGIN_REGISTRIES'
        | 'PLUGIN_TRUSTED_KEYS'
        | 'PUBLIC_URL'
        | 'SMTP_URL'
      >
    >
>;

const FILE_KEY = 'DOTMAC_CONFIG_FILE';
const properties = configSchema.properties as Record<string, JsonSchema>;
const validate = compileSchema<KernelConfig>(configSchema as JsonSchema, { coerce: true });

/**
 * Reads the configuration. Environment keys win over the file named by DOTMAC_CONFIG_FILE;
 * unknown environment variables are ignored (the environment holds much else), unknown
 * file keys are errors. Throws ConfigError with one line per bad key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = { ...readConfigFile(env[FILE_KEY]) };
  for (const key of Object.keys(properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const original = { ...raw };
  const valid = validate(raw);
  const problems = valid ? [] : describeProblems(validate.errors ?? [], original);
  // Checked even when other keys are bad, so that one run reports every problem.
  if (raw.RUN_WORKERS === false && !raw.REDIS_URL) {
    problems.push(
      'RUN_WORKERS: false needs REDIS_URL, so that jobs reach a worker process (the in-process queue has no other worker)',
    );
  }
  for (const key of ['PLUGIN_EGRESS_ALLOW_NETWORKS', 'DATAGRAM_ALLOW_NETWORKS'] as const) {
    // One line per key: a value the schema already refused is not judged range by range too.
    if (problems.some((line) => line.startsWith(`${key}:`))) continue;
    const badNetworks = invalidNetworks(raw[key]);
    if (badNetworks.length) {
      problems.push(
        `${key}: ${badNetworks.join(', ')} ${badNetworks.length > 1 ? 'are not' : 'is not a'} CIDR range${badNetworks.length > 1 ? 's' : ''}`,
      );
    }
  }
  for (const key of JSON_KEYS) {
    if (problems.some((line) => line.startsWith(`${key}:`)) || typeof raw[key] !== 'string') continue;
    const problem = jsonProblem(key, raw[key]);
    if (problem) problems.push(`${key}: ${problem}`);
  }
  if (!valid || problems.length) throw new ConfigError(problems);
  const config = raw as Config;
  return Object.freeze(config);
}

/** Settings whose text is JSON, checked against the schema's `x-json` definition. */
const JSON_KEYS = ['PLUGIN_REGISTRIES', 'PLUGIN_TRUSTED_KEYS'] as const;
const jsonValidators = new Map(
  JSON_KEYS.map((key) => {
    const ref = String(properties[key]?.['x-json']).replace('#/$defs/', '');
    return [
      key,
      compileSchema({ ...(configSchema.$defs as Record<string, JsonSchema>)[ref], $defs: configSchema.$defs }),
    ];
  }),
);

function jsonProblem(key: (typeof JSON_KEYS)[number], text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return `is not JSON (${(e as Error).message})`;
  }
  const validate = jsonValidators.get(key) as ReturnType<typeof compileSchema>;
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  return `must be ${properties[key]?.['x-expected']}: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`;
}

/** The registries the operator installs plugins from (PLUGIN_REGISTRIES, checked by loadConfig). */
export function pluginRegistries(config: Config): PluginRegistry[] {
  return config.PLUGIN_REGISTRIES ? (JSON.parse(config.PLUGIN_REGISTRIES) as PluginRegistry[]) : [];
}

/** Publisher keys trusted for every registry and for package files (PLUGIN_TRUSTED_KEYS). */
export function trustedPluginKeys(config: Config): TrustedPublisherKey[] {
  return config.PLUGIN_TRUSTED_KEYS ? (JSON.parse(config.PLUGIN_TRUSTED_KEYS) as TrustedPublisherKey[]) : [];
}

/** A publisher's key an operator trusts. */
export interface TrustedPublisherKey {
  readonly publisher: string;
  readonly publicKey: string;
}

/** A registry and the publisher keys trusted for its packages. */
export interface PluginRegistry {
  readonly url: string;
  readonly trustedKeys: readonly TrustedPublisherKey[];
}

/** The CIDR ranges of a comma-separated list (PLUGIN_EGRESS_ALLOW_NETWORKS, DATAGRAM_ALLOW_NETWORKS). */
export function networkList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

function invalidNetworks(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return networkList(value).filter((cidr) => {
    const [address = '', bits = ''] = cidr.split('/');
    const family = isIP(address);
    const prefix = Number(bits);
    return !family || !/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128);
  });
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([`${FILE_KEY}: cannot read ${path} (${(e as Error).message})`]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError([`${FILE_KEY}: ${path} is not a JSON object of settings (${(e as Error).message})`]);
  }
}

/** One line per key: what it is, what was expected, and what was given. */
function describeProblems(errors: readonly ErrorObject[], given: Record<string, unknown>): string[] {
  const lines = new Map<string, string>();
  for (const e of errors) {
    const key =
      e.keyword === 'additionalProperties'
        ? (e.params as { additionalProperty: string }).additionalProperty
        : e.instancePath.replace(/^\//, '');
    if (lines.has(key)) continue;
    const expected =
      e.keyword === 'additionalProperties'
        ? 'is not a known setting'
        : typeof properties[key]?.['x-expected'] === 'string'
          ? `must be ${properties[key]?.['x-expected']}`
          : e.keyword === 'enum'
            ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
            : (e.message ?? 'is invalid');
    const got = key in given ? ` (got ${shown(key, given[key])})` : '';
    lines.set(key, `${key}: ${expected}${got}`);
  }
  return [...lines.values()];
}

/** Secrets are never echoed back: problems end up in logs. */
const SECRET_KEYS = new Set(['ADMIN_TOKEN', 'SECRETS_KEY']);

/** How a problem line shows the value given: secrets by length only, URL passwords masked. */
function shown(key: string, value: unknown): string {
  if (SECRET_KEYS.has(key)) return typeof value === 'string' ? `${value.length} characters` : typeof value;
  const text = JSON.stringify(value);
  return typeof value === 'string' ? text.replace(/^("[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/i, '$1***@') : text;
}

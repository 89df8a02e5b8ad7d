// Plugin manifests (plugin.json): the schema check, then the rules a JSON Schema cannot state.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import manifestSchema from '@dotmac/schemas/plugin-manifest.schema.json' with { type: 'json' };
import type { EgressRule, PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { ErrorObject } from 'ajv';
import { Cron } from 'croner';
import semver from 'semver';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors.ts';
import { KERNEL_PERMISSIONS } from '../identity/rbac.ts';
import { compileSchema, type JsonSchema, toFieldProblems } from '../validation.ts';

export type {
  EgressRule,
  HttpRoute,
  JobDeclaration,
  PermissionDeclaration,
  PluginManifest,
  PublishedEvent,
  SecretDeclaration,
  ServiceExport,
  UiContribution,
} from '@dotmac/schemas/types/plugin-manifest';

/** The manifest's file name inside a plugin folder. */
export const MANIFEST_FILE = 'plugin.json';

/** Plugin ids: reverse-DNS, lowercase (`dotmac.billing`, `acme.mikrotik-sync`). Taken from the schema. */
export const PLUGIN_ID = new RegExp(manifestSchema.$defs.pluginId.pattern);

const META_SCHEMA = 'https://json-schema.org/draft/2020-12/schema';
const validateManifest = compileSchema<PluginManifest>(manifestSchema as JsonSchema);
const validateJsonSchema = compileSchema<JsonSchema>({ $ref: META_SCHEMA });

/**
 * Validates a parsed plugin.json. Throws a ValidationError naming `source` and listing every
 * failing field as a JSON pointer and a reason. Defaults (limits) are filled in on a copy:
 * `json` itself is not changed.
 */
export function parseManifest(json: unknown, source: string): PluginManifest {
  const manifest = structuredClone(json);
  if (!validateManifest(manifest)) throw manifestError(source, schemaProblems(validateManifest.errors, manifestSchema));
  const problems = semanticProblems(manifest);
  if (problems.length) throw manifestError(source, problems);
  return manifest;
}

/**
 * Reads and validates `<dir>/plugin.json`. Schemas the manifest names by file are read, checked
 * and put in place, so the manifest returned holds every schema inline.
 */
export async function readManifest(dir: string): Promise<PluginManifest> {
  const source = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no ${MANIFEST_FILE} in ${dir}`);
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw manifestError(source, [{ pointer: '/', detail: `is not valid JSON (${(e as Error).message})` }]);
  }
  const manifest = parseManifest(json, source);
  const problems: FieldProblem[] = [];
  for (const slot of schemaSlots(manifest)) {
    if (typeof slot.value !== 'string') continue;
    const file = slot.value;
    const loaded = await readSchemaFile(join(dir, file));
    if (typeof loaded === 'string') {
      problems.push({ pointer: slot.pointer, detail: `${file} ${loaded}` });
      continue;
    }
    slot.set(loaded);
    problems.push(...embeddedSchemaProblems({ ...slot, value: loaded }, ` (in ${file})`));
  }
  if (problems.length) throw manifestError(source, problems);
  return manifest;
}

/**
 * The major version every version admitted by `range` shares, or undefined when the range is
 * invalid or admits versions of more than one major (`>=1.2.0`, `1.x || 2.x`, `*`).
 */
export function pinnedMajor(range: string): number | undefined {
  let parsed: semver.Range;
  try {
    parsed = new semver.Range(range);
  } catch {
    return undefined;
  }
  if (semver.minVersion(parsed) === null) return undefined;
  const majors = new Set(parsed.set.map(comparatorSetMajor));
  const [major] = majors;
  return majors.size === 1 ? major : undefined;
}

/** The major of one `a b c` comparator set (they are ANDed), or undefined if it spans several. */
function comparatorSetMajor(comparators: readonly semver.Comparator[]): number | undefined {
  let lower = new semver.SemVer('0.0.0');
  let upper: { version: semver.SemVer; inclusive: boolean } | undefined;
  for (const { operator, semver: version, value } of comparators) {
    if (value === '') continue; // `*`: bounds nothing
    if (operator === '>=' || operator === '>' || operator === '' || operator === '=') {
      if (version.compare(lower) > 0) lower = version;
    }
    if (operator === '<' || operator === '<=' || operator === '' || operator === '=') {
      if (!upper || version.compare(upper.version) < 0) upper = { version, inclusive: operator !== '<' };
    }
  }
  if (!upper) return undefined;
  const major = lower.major;
  const { version, inclusive } = upper;
  if (version.major === major) return major;
  // `<2.0.0` and `<2.0.0-0` end major 1; `<2.0.0-beta` would still admit 2.0.0-alpha.
  const endsMajor =
    !inclusive &&
    version.major === major + 1 &&
    version.minor === 0 &&
    version.patch === 0 &&
    (version.prerelease.length === 0 || (version.prerelease.length === 1 && version.prerelease[0] === 0));
  return endsMajor ? major : undefined;
}

// --- schema problems -------------------------------------------------------------------------

/**
 * Field problems from ajv errors. With the manifest schema as `schema`, a failed pattern states
 * what it expects (`x-expected`), and so does a failed anyOf, in place of its branches' failures.
 */
function schemaProblems(errors: readonly ErrorObject[] | null | undefined, schema?: object): FieldProblem[] {
  const all = errors ?? [];
  const wordings = new Map<ErrorObject, string>();
  if (schema) {
    for (const e of all) {
      const wording = e.keyword === 'pattern' ? expectedAt(schema, e.schemaPath) : undefined;
      if (wording) wordings.set(e, wording);
    }
    for (const anyOf of all.filter((e) => e.keyword === 'anyOf')) {
      const branches = all.filter((e) => e !== anyOf && e.instancePath === anyOf.instancePath);
      const wording = expectedAt(schema, anyOf.schemaPath) ?? branchWording(schema, branches);
      if (wording) wordings.set(anyOf, wording);
    }
  }
  // A worded anyOf speaks for the failures of its branches at the same place.
  const worded = new Set([...wordings.keys()].filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const kept = all.filter((e) => e.keyword === 'anyOf' || !worded.has(e.instancePath));
  return toFieldProblems(kept).map((problem, i) => {
    const wording = wordings.get(kept[i] as ErrorObject);
    return wording ? { pointer: problem.pointer, detail: `must be ${wording}` } : problem;
  });
}

/**
 * "A or B" from the `x-expected` of the subschemas whose failures an anyOf collected. Needed
 * because ajv reports an anyOf reached through `$ref` at `#/anyOf`, with no trace of the ref.
 */
function branchWording(schema: object, branches: readonly ErrorObject[]): string | undefined {
  const wordings = branches.map((e) => expectedAt(schema, e.schemaPath));
  if (wordings.length === 0 || wordings.some((w) => w === undefined)) return undefined;
  return [...new Set(wordings)].join(' or ');
}

/** The `x-expected` wording of the subschema holding the keyword at `schemaPath` (`#/$defs/x/pattern`). */
function expectedAt(schema: object, schemaPath: string): string | undefined {
  if (!schemaPath.startsWith('#/')) return undefined;
  const segments = schemaPath.split('/').slice(1, -1);
  let node: unknown = schema;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  const expected = (node as Record<string, unknown> | undefined)?.['x-expected'];
  return typeof expected === 'string' ? expected : undefined;
}

function manifestError(source: string, problems: readonly FieldProblem[]): ValidationError {
  return new ValidationError(
    `invalid plugin manifest ${source}: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`,
    problems,
  );
}

// --- semantic problems -----------------------------------------------------------------------

/** Everything the schema cannot say, each as a problem at its pointer. */
function semanticProblems(m: PluginManifest): FieldProblem[] {
  return [
    ...engineProblems(m),
    ...dependencyProblems(m),
    ...permissionProblems(m),
    ...routeProblems(m),
    ...eventProblems(m),
    ...jobProblems(m),
    ...serviceProblems(m),
    ...secretProblems(m),
    ...egressProblems(m),
    ...uiProblems(m),
    ...schemaSlots(m).flatMap((slot) => (isInline(slot) ? embeddedSchemaProblems(slot) : [])),
  ];
}

function engineProblems(m: PluginManifest): FieldProblem[] {
  const range = m.engines.kernel;
  if (!isRange(range)) return [{ pointer: '/engines/kernel', detail: `${range} is not a semver range` }];
  if (pinnedMajor(range) === undefined) {
    return [
      {
        pointer: '/engines/kernel',
        detail: `${range} must pin one major version of the kernel (like ^1.2.0, ~1.2.0, 1.x or >=1.2.0 <2.0.0)`,
      },
    ];
  }
  return [];
}

function dependencyProblems(m: PluginManifest): FieldProblem[] {
  return Object.entries(m.dependencies ?? {}).flatMap(([id, range]) => {
    const pointer = `/dependencies/${id}`;
    if (id === m.id) return [{ pointer, detail: 'a plugin cannot depend on itself' }];
    return isRange(range) ? [] : [{ pointer, detail: `${range} is not a semver range that admits some version` }];
  });
}

function isRange(range: string): boolean {
  try {
    return semver.minVersion(range) !== null;
  } catch {
    return false;
  }
}

/** Permission names start with the plugin's own id: they are unique across plugins by construction. */
function permissionProblems(m: PluginManifest): FieldProblem[] {
  const permissions = m.permissions ?? [];
  const prefixed = permissions.flatMap((p, i) =>
    p.name.startsWith(`${m.id}.`)
      ? []
      : [{ pointer: `/permissions/${i}/name`, detail: `must start with the plugin id: ${m.id}.<resource>.<action>` }],
  );
  return [
    ...prefixed,
    ...duplicates(
      permissions,
      (p) => p.name,
      (i) => `/permissions/${i}/name`,
    ),
  ];
}

/**
 * Why `m` may not require `permission`, or undefined: it must be one `m` defines, or be named
 * after a plugin `m` depends on (the resolver checks that plugin defines it).
 */
function permissionReferenceProblem(m: PluginManifest, permission: string): string | undefined {
  if (permission.startsWith(`${m.id}.`)) {
    const defined = (m.permissions ?? []).some((p) => p.name === permission);
    return defined ? undefined : `${permission} is not defined in /permissions`;
  }
  const owner = Object.keys(m.dependencies ?? {}).some((dependency) => permission.startsWith(`${dependency}.`));
  return owner
    ? undefined
    : `${permission} must be a permission of this plugin (${m.id}.…) or of a plugin in /dependencies`;
}

/** Routes differing only in parameter names (`/a/:id`, `/a/:key`) are the same route. */
function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path.replace(/:[^/]+/g, ':')}`;
}

function routeProblems(m: PluginManifest): FieldProblem[] {
  const routes = m.capabilities?.http?.routes ?? [];
  const access = routes.flatMap((route, i): FieldProblem[] => {
    const at = `/capabilities/http/routes/${i}`;
    if (route.public === true && route.permission !== undefined) {
      return [{ pointer: `${at}/permission`, detail: 'a public route requires no permission: remove one of the two' }];
    }
    if (route.public === true) return [];
    if (route.permission === undefined) {
      return [{ pointer: `${at}/permission`, detail: 'is required unless the route is public: true' }];
    }
    const problem = permissionReferenceProblem(m, route.permission);
    return problem ? [{ pointer: `${at}/permission`, detail: problem }] : [];
  });
  const at = (i: number) => `/capabilities/http/routes/${i}`;
  return [...access, ...duplicates(routes, routeKey, at, (route) => `${route.method} ${route.path}`)];
}

function eventProblems(m: PluginManifest): FieldProblem[] {
  const published = m.capabilities?.events?.publish ?? [];
  return duplicates(
    published,
    (e) => e.name,
    (i) => `/capabilities/events/publish/${i}/name`,
  );
}

function jobProblems(m: PluginManifest): FieldProblem[] {
  const jobs = m.capabilities?.jobs ?? [];
  const crons = jobs.flatMap((job, i) => {
    if (job.cron === undefined) return [];
    const problem = cronProblem(job.cron);
    return problem ? [{ pointer: `/capabilities/jobs/${i}/cron`, detail: problem }] : [];
  });
  return [
    ...crons,
    ...duplicates(
      jobs,
      (j) => j.name,
      (i) => `/capabilities/jobs/${i}/name`,
    ),
  ];
}

function cronProblem(pattern: string): string | undefined {
  try {
    const cron = new Cron(pattern);
    const next = cron.nextRun();
    cron.stop();
    return next ? undefined : `${pattern} never runs`;
  } catch (e) {
    return `is not a cron pattern (${(e as Error).message})`;
  }
}

function serviceProblems(m: PluginManifest): FieldProblem[] {
  const services = m.capabilities?.services;
  const dependencies = m.dependencies ?? {};
  const calls = (services?.calls ?? []).flatMap((call, i) => {
    const plugin = call.slice(0, call.lastIndexOf('.'));
    return plugin in dependencies
      ? []
      : [{ pointer: `/capabilities/services/calls/${i}`, detail: `calls ${plugin}, which is not in /dependencies` }];
  });
  return [
    ...calls,
    ...duplicates(
      services?.exports ?? [],
      (s) => s.name,
      (i) => `/capabilities/services/exports/${i}/name`,
    ),
  ];
}

function secretProblems(m: PluginManifest): FieldProblem[] {
  return duplicates(
    m.capabilities?.secrets ?? [],
    (s) => s.name,
    (i) => `/capabilities/secrets/${i}/name`,
  );
}

/** A rule names a host or a config property, never both (the schema cannot say so and stay closed). */
function egressProblems(m: PluginManifest): FieldProblem[] {
  const hasConfig = m.capabilities?.config !== undefined;
  return (m.capabilities?.egress ?? []).flatMap((rule, i) => {
    const at = `/capabilities/egress/${i}`;
    if (rule.host !== undefined && rule.config !== undefined) {
      return [{ pointer: at, detail: 'names both host and config; a rule names one of them' }];
    }
    if (rule.host === undefined && rule.config === undefined) {
      return [{ pointer: at, detail: 'needs host (api.stripe.com) or config (a config property holding a URL)' }];
    }
    if (rule.config !== undefined && rule.ports !== undefined) {
      return [{ pointer: `${at}/ports`, detail: 'is for host rules: a config rule allows the configured URL’s port' }];
    }
    if (rule.config !== undefined && !hasConfig) {
      return [{ pointer: `${at}/config`, detail: `names config property ${rule.config}, but there is no config` }];
    }
    return [];
  });
}

/** The first config rule of `egress` whose property `config` does not declare as a string. */
function egressConfigProblem(config: JsonSchema, egress: readonly EgressRule[]): FieldProblem | undefined {
  const properties = (config.properties ?? {}) as Record<string, JsonSchema | undefined>;
  const i = egress.findIndex((rule) => rule.config !== undefined && properties[rule.config]?.type !== 'string');
  const name = egress[i]?.config;
  return name === undefined
    ? undefined
    : {
        pointer: `/capabilities/egress/${i}/config`,
        detail: `${name} is not a string property of /capabilities/config`,
      };
}

function uiProblems(m: PluginManifest): FieldProblem[] {
  const ui = m.ui ?? [];
  // Every slot but a nav entry renders a module (the schema cannot say so and stay closed).
  const modules = ui.flatMap((contribution, i) =>
    contribution.slot !== 'nav' && contribution.module === undefined
      ? [{ pointer: `/ui/${i}/module`, detail: `is required: a ${contribution.slot} renders a module` }]
      : [],
  );
  const permissions = ui.flatMap((contribution, i) => {
    if (contribution.permission === undefined) return [];
    // Showing a screen only to holders of a kernel permission grants nothing: the kernel's routes check it again.
    if (KERNEL_PERMISSIONS.some((p) => p.name === contribution.permission)) return [];
    const problem = permissionReferenceProblem(m, contribution.permission);
    return problem ? [{ pointer: `/ui/${i}/permission`, detail: problem }] : [];
  });
  const key = (c: (typeof ui)[number]) => `${c.portal} ${c.slot} ${c.path} ${c.module}`;
  return [...modules, ...permissions, ...duplicates(ui, key, (i) => `/ui/${i}`)];
}

/** A problem at each item whose key an earlier item already has. */
function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  at: (i: number) => string,
  label: (item: T) => string = key,
): FieldProblem[] {
  const first = new Map<string, number>();
  return items.flatMap((item, i) => {
    const k = key(item);
    const earlier = first.get(k);
    if (earlier === undefined) {
      first.set(k, i);
      return [];
    }
    return [{ pointer: at(i), detail: `${label(item)} repeats ${at(earlier)}` }];
  });
}

// --- embedded JSON Schemas -------------------------------------------------------------------

/** A place in the manifest that holds a JSON Schema, inline or as a file name. */
interface SchemaSlot {
  readonly pointer: string;
  readonly value: JsonSchema | string;
  /** A rule this slot adds to "is a JSON Schema". */
  readonly rule?: (schema: JsonSchema) => FieldProblem | undefined;
  set(schema: JsonSchema): void;
}

/** Every schema the manifest holds: config, event payloads, route parts and responses, services. */
function schemaSlots(m: PluginManifest): SchemaSlot[] {
  const slots: SchemaSlot[] = [];
  const add = <K extends string>(
    owner: { [key in K]?: JsonSchema | string } | undefined,
    key: K,
    pointer: string,
    rule?: SchemaSlot['rule'],
  ) => {
    const value = owner?.[key];
    if (owner && value !== undefined) {
      slots.push({
        pointer,
        value,
        ...(rule && { rule }),
        set: (schema) => {
          owner[key] = schema;
        },
      });
    }
  };
  const capabilities = m.capabilities;
  add(capabilities, 'config', '/capabilities/config', (schema) =>
    schema.type === 'object'
      ? egressConfigProblem(schema, capabilities?.egress ?? [])
      : { pointer: '/capabilities/config/type', detail: 'must be "object": config is an object of settings' },
  );
  (capabilities?.events?.publish ?? []).forEach((event, i) => {
    const pointer = `/capabilities/events/publish/${i}/schema`;
    add(event, 'schema', pointer, (schema) =>
      schema.$id === undefined || schema.$id === event.name
        ? undefined
        : { pointer: `${pointer}/$id`, detail: `must be the event name ${event.name}, or absent` },
    );
  });
  (capabilities?.http?.routes ?? []).forEach((route, i) => {
    const at = `/capabilities/http/routes/${i}`;
    for (const part of ['body', 'query', 'params'] as const) add(route.request, part, `${at}/request/${part}`);
    for (const [status, response] of Object.entries(route.responses)) {
      add(response, 'schema', `${at}/responses/${status}/schema`);
    }
  });
  (capabilities?.services?.exports ?? []).forEach((service, i) => {
    add(service, 'input', `/capabilities/services/exports/${i}/input`);
    add(service, 'output', `/capabilities/services/exports/${i}/output`);
  });
  return slots;
}

function isInline(slot: SchemaSlot): slot is SchemaSlot & { value: JsonSchema } {
  return typeof slot.value !== 'string';
}

/** Problems of one inline schema: checked against the JSON Schema meta-schema, then its slot's rule. */
function embeddedSchemaProblems(slot: SchemaSlot & { value: JsonSchema }, where = ''): FieldProblem[] {
  // The validator fills defaults in: check a copy.
  if (!validateJsonSchema(structuredClone(slot.value))) {
    return schemaProblems(validateJsonSchema.errors).map((p) => ({
      pointer: `${slot.pointer}${p.pointer === '/' ? '' : p.pointer}`,
      detail: `${p.detail}${where}`,
    }));
  }
  const problem = slot.rule?.(slot.value);
  return problem ? [{ pointer: problem.pointer, detail: `${problem.detail}${where}` }] : [];
}

/** A schema file's content, or why it cannot be used. */
async function readSchemaFile(path: string): Promise<JsonSchema | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  try {
    const schema: unknown = JSON.parse(text);
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return 'does not hold a JSON object';
    return schema as JsonSchema;
  } catch (e) {
    return `is not valid JSON (${(e as Error).message})`;
  }
}

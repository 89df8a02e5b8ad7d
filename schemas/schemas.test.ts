// The schemas are the source of truth: each must be valid JSON Schema 2020-12, explain every
// property, refuse unknown ones, and have its generated TypeScript type committed and current.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import { generate, schemaFiles } from './generate-types.ts';

// ajv-formats is CommonJS: under NodeNext its plugin function is the `default` property.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

type Schema = Record<string, unknown>;

const here = dirname(fileURLToPath(import.meta.url));
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
/** Event names are dotted lowercase words, as the kernel's EventSchemas requires of `$id`. */
const EVENT_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** Every `.json` schema under schemas/, however deep (package.json is not a schema). */
function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : jsonFiles(path);
    return entry.name.endsWith('.json') && entry.name !== 'package.json' ? [path] : [];
  });
}

const files = jsonFiles(here).sort();
const schemas = files.map((file) => ({
  name: relative(here, file),
  file,
  schema: JSON.parse(readFileSync(file, 'utf8')) as Schema,
}));
const eventSchemas = schemas.filter((s) => s.name.startsWith(`events/`));
const describedSchemas = schemas.filter((s) => s.name === 'kernel-config.schema.json' || s.name.startsWith('events/'));

/** JSON pointers of every property, at any depth, that has no `description`. */
function undescribedProperties(schema: unknown, pointer = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => undescribedProperties(s, `${pointer}/${i}`));
  if (schema === null || typeof schema !== 'object') return [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, property] of Object.entries(value as Schema)) {
        const at = `${pointer}/properties/${name}`;
        const p = property as Schema;
        if (typeof p.description !== 'string' || p.description.trim() === '') missing.push(at);
        missing.push(...undescribedProperties(p, at));
      }
    } else if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'examples') {
      missing.push(...undescribedProperties(value, `${pointer}/${key}`));
    }
  }
  return missing;
}

test('schemas/ holds the kernel config schema and at least one event schema', () => {
  expect(schemas.map((s) => s.name)).toContain('kernel-config.schema.json');
  expect(eventSchemas.length).toBeGreaterThan(0);
});

describe.each(schemas)('$name', ({ schema }) => {
  test('is valid JSON Schema 2020-12 and compiles', () => {
    expect(schema.$schema).toBe(DIALECT);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });
});

describe.each(describedSchemas)('$name', ({ schema }) => {
  test('describes itself and every property at every level', () => {
    expect(schema.description).toEqual(expect.any(String));
    expect(undescribedProperties(schema)).toEqual([]);
  });

  test('is an object that refuses unknown properties', () => {
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
  });
});

describe.each(eventSchemas)('event $name', ({ file, schema }) => {
  test('has the event name as $id, and the file is named after it', () => {
    expect(schema.$id).toBe(basename(file).replace(/\.json$/, ''));
    expect(schema.$id).toMatch(EVENT_NAME);
  });

  test('has a title, which names its generated type', () => {
    expect(schema.title).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });
});

test('undescribedProperties finds a nested property without a description', () => {
  const schema = {
    properties: {
      a: { description: 'A.', type: 'object', properties: { b: { type: 'string' } } },
      c: { type: 'array', items: { properties: { d: { description: 'D.' }, e: {} } } },
    },
  };
  expect(undescribedProperties(schema)).toEqual([
    '/properties/a/properties/b',
    '/properties/c',
    '/properties/c/items/properties/e',
  ]);
});

const generated = await schemaFiles();

describe('generated types in schemas/types/', () => {
  test('are generated from every schema file found here', () => {
    expect(generated).toEqual(files);
  });

  test.each(generated.map((file) => relative(here, file)))('the committed type of %s is current', async (name) => {
    const { out, source } = await generate(join(here, name));
    let committed: string;
    try {
      committed = readFileSync(out, 'utf8');
    } catch {
      throw new Error(`${relative(here, out)} is missing: run npm run schemas:types`);
    }
    expect(committed, `${relative(here, out)} is stale: run npm run schemas:types`).toBe(source);
  });

  test('holds no type whose schema is gone', async () => {
    const expected = await Promise.all(generated.map(async (file) => basename((await generate(file)).out)));
    expect(readdirSync(join(here, 'types')).sort()).toEqual(expected.sort());
  });
});

/** JSON pointers of every object schema, at any depth, that does not refuse unknown properties. */
function openObjects(schema: unknown, pointer = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => openObjects(s, `${pointer}/${i}`));
  if (schema === null || typeof schema !== 'object') return [];
  const s = schema as Schema;
  const isObject =
    s.type === 'object' ||
    (Array.isArray(s.type) && s.type.includes('object')) ||
    'properties' in s ||
    'patternProperties' in s;
  const open = isObject && s.additionalProperties !== false ? [pointer] : [];
  const nested = Object.entries(s).flatMap(([key, value]) => {
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') return [];
    if (
      (key === 'properties' || key === 'patternProperties' || key === '$defs') &&
      value &&
      typeof value === 'object'
    ) {
      return Object.entries(value as Schema).flatMap(([name, sub]) => openObjects(sub, `${pointer}/${key}/${name}`));
    }
    return openObjects(value, `${pointer}/${key}`);
  });
  return [...open, ...nested];
}

test('openObjects finds nested objects that accept unknown properties', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      a: { type: 'object', properties: { b: { type: 'string' } } },
      c: { type: 'array', items: { type: 'object', additionalProperties: false } },
      d: { anyOf: [{ type: 'boolean' }, { properties: {} }] },
    },
    $defs: { e: { type: ['object', 'null'], additionalProperties: true } },
  };
  expect(openObjects(schema)).toEqual(['/properties/a', '/properties/d/anyOf/1', '/$defs/e']);
});

describe('plugin-manifest.schema.json, which plugin authors read in their editors', () => {
  const manifest = schemas.find((s) => s.name === 'plugin-manifest.schema.json');

  test('describes itself and every property at every level', () => {
    expect(manifest?.schema.description).toEqual(expect.any(String));
    expect(undescribedProperties(manifest?.schema)).toEqual([]);
  });

  test('refuses unknown properties in every object but the inline JSON Schema, which is open by nature', () => {
    expect(manifest?.schema.type).toBe('object');
    expect(openObjects(manifest?.schema)).toEqual(['/$defs/jsonSchema']);
  });
});

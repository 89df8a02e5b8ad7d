// The one JSON Schema validator of the kernel: config, events and HTTP bodies all use it.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { type FieldProblem, ValidationError } from './errors.ts';

// ajv-formats is CommonJS: under NodeNext its plugin function is the `default` property.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

/** A JSON Schema object (draft 2020-12). */
export type JsonSchema = Record<string, unknown>;

function createAjv(coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes, useDefaults: true });
  addFormats(ajv);
  return ajv;
}

const strictAjv = createAjv(false);
const coercingAjv = createAjv(true);

/** Compiles a schema once; `coerce` turns strings into numbers/booleans (env vars, query strings). */
export function compileSchema<T>(schema: JsonSchema, options: { coerce?: boolean } = {}): ValidateFunction<T> {
  const ajv = options.coerce ? coercingAjv : strictAjv;
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  if (!id) return ajv.compile<T>(schema);
  // ajv holds one schema per $id: reuse it only when it is this schema, so that a schema
  // changed under the same $id (a kernel rebooted with a plugin upgrade) is not validated
  // against its stale version.
  const known = ajv.getSchema<T>(id);
  if (known && JSON.stringify(known.schema) === JSON.stringify(schema)) return known;
  if (known) ajv.removeSchema(id);
  return ajv.compile<T>(schema);
}

/** A property name as one JSON Pointer segment (RFC 6901: `~` and `/` escaped). */
function pointerSegment(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Turns ajv errors into field problems whose pointers start at `root` (e.g. `/body`). */
export function toFieldProblems(errors: readonly ErrorObject[] | null | undefined, root = ''): FieldProblem[] {
  // An `if` failure only says that its then/else branch failed; that branch's own errors name the field.
  return (errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      let pointer = `${root}${e.instancePath}`;
      let detail = e.message ?? 'is invalid';
      if (e.keyword === 'required') {
        pointer = `${pointer}/${pointerSegment((e.params as { missingProperty: string }).missingProperty)}`;
        detail = 'is required';
      } else if (e.keyword === 'additionalProperties') {
        pointer = `${pointer}/${pointerSegment((e.params as { additionalProperty: string }).additionalProperty)}`;
        detail = 'is not an allowed property';
      } else if (e.keyword === 'enum') {
        detail = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return { pointer: pointer || '/', detail };
    });
}

/** Validates `value` and returns it typed, or throws a ValidationError naming every failing field. */
export function validateOrThrow<T>(validate: ValidateFunction<T>, value: unknown, what: string, root = ''): T {
  if (validate(value)) return value;
  const errors = toFieldProblems(validate.errors, root);
  throw new ValidationError(`${what}: ${errors.map((e) => `${e.pointer} ${e.detail}`).join('; ')}`, errors);
}

// Custom fields a tenant defines for its accounts (a contract number, a VAT id, a router
// serial…): their definitions, and the check of an account's values against them, whether
// the values come as JSON (the API) or as text (a CSV import).
import { type PluginContext, RouteError } from '@dotmac/sdk';

export type CustomFieldType = 'text' | 'number' | 'boolean' | 'date' | 'select';

/** One custom field, as GET and PUT /custom-fields carry it. */
export interface CustomField {
  readonly key: string;
  readonly label: string;
  readonly type: CustomFieldType;
  readonly options: readonly string[];
  readonly required: boolean;
}

/** A value an account holds for a custom field. */
export type CustomValue = string | number | boolean;

/** A problem with a request field: JSON pointer and what is wrong. */
export interface FieldProblem {
  readonly pointer: string;
  readonly detail: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MAX_TEXT = 1000;

/** The tenant's custom fields, in their order. */
export async function loadCustomFields(ctx: PluginContext): Promise<CustomField[]> {
  return ctx.db.query<CustomField>(
    'select key, label, type, options, required from custom_fields order by position, key',
  );
}

/** Replaces the tenant's custom fields with `fields` (PUT /custom-fields), refusing inconsistent ones. */
export async function saveCustomFields(ctx: PluginContext, fields: readonly CustomField[]): Promise<CustomField[]> {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  fields.forEach((field, i) => {
    const at = `/body/fields/${i}`;
    const earlier = seen.get(field.key);
    if (earlier !== undefined) problems.push({ pointer: `${at}/key`, detail: `repeats /body/fields/${earlier}/key` });
    seen.set(field.key, i);
    const options = field.options ?? [];
    if (field.type === 'select' && options.length === 0) {
      problems.push({ pointer: `${at}/options`, detail: 'a select field needs at least one option' });
    }
    if (field.type !== 'select' && options.length > 0) {
      problems.push({ pointer: `${at}/options`, detail: `only a select field has options, not a ${field.type} field` });
    }
  });
  if (problems.length > 0) throw new RouteError(400, 'the custom fields are inconsistent', problems);
  const rows = fields.map((f, position) => ({
    ...f,
    options: f.options ?? [],
    required: f.required ?? false,
    position,
  }));
  await ctx.db.transaction([
    { sql: 'delete from custom_fields' },
    {
      sql: `insert into custom_fields (tenant_id, key, label, type, options, required, position)
            select $1, key, label, type, array(select jsonb_array_elements_text(options)), required, position
              from jsonb_to_recordset($2::jsonb) as f(key text, label text, type text, options jsonb, required boolean, position int)`,
      params: [ctx.tenantId, JSON.stringify(rows)],
    },
  ]);
  return loadCustomFields(ctx);
}

/**
 * Checks `values` (an account's custom object, or the changes a PATCH makes to it) against
 * the definitions; answers the problems, pointing under `at`. With `complete`, the values are
 * all the account will hold, so every required field must be there; null removes a value.
 */
export function customValueProblems(
  fields: readonly CustomField[],
  values: Readonly<Record<string, unknown>>,
  at: string,
  complete: boolean,
): FieldProblem[] {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(values)) {
    const field = byKey.get(key);
    if (!field) {
      problems.push({
        pointer: `${at}/${key}`,
        detail: 'is not a custom field of this tenant (see GET /custom-fields)',
      });
      continue;
    }
    if (value === null) {
      if (field.required) problems.push({ pointer: `${at}/${key}`, detail: `is required (${field.label})` });
      continue;
    }
    const wrong = valueProblem(field, value);
    if (wrong) problems.push({ pointer: `${at}/${key}`, detail: wrong });
  }
  if (complete) {
    for (const field of fields) {
      if (field.required && (values[field.key] === undefined || values[field.key] === null)) {
        problems.push({ pointer: `${at}/${field.key}`, detail: `is required (${field.label})` });
      }
    }
  }
  return problems;
}

/** Why `value` does not fit `field`, or undefined when it does. */
function valueProblem(field: CustomField, value: unknown): string | undefined {
  switch (field.type) {
    case 'text':
      return typeof value === 'string' && value.length <= MAX_TEXT
        ? undefined
        : `must be text of at most ${MAX_TEXT} characters`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && isDate(value) ? undefined : 'must be a date like 2026-03-01';
    case 'select':
      return typeof value === 'string' && field.options.includes(value)
        ? undefined
        : `must be one of ${field.options.map((o) => JSON.stringify(o)).join(', ')}`;
  }
}

/** A CSV cell as the value of `field`: the value, or why the text is not one. Empty text is no value. */
export function customValueFromText(field: CustomField, text: string): { value?: CustomValue; problem?: string } {
  if (text === '') return {};
  let value: CustomValue = text;
  if (field.type === 'number') {
    value = Number(text);
    if (!/^-?\d+(\.\d+)?$/.test(text)) return { problem: `"${text}" is not a number` };
  } else if (field.type === 'boolean') {
    const lower = text.toLowerCase();
    if (!['true', 'false', 'yes', 'no', '1', '0'].includes(lower)) return { problem: `"${text}" is not true or false` };
    value = ['true', 'yes', '1'].includes(lower);
  }
  const problem = valueProblem(field, value);
  return problem ? { problem } : { value };
}

function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// The pure side of SchemaForm: which controls a JSON Schema asks for, the text each control
// holds, the client-side checks, and the typed value sent (numbers as numbers, empty optional
// fields left out, money as the decimal string typed).
import type { JsonSchema } from '../types.ts';

/** What each control holds, by dotted path (`address.city`): text, or a checkbox's state. */
export type FormState = Readonly<Record<string, string | boolean>>;

/** Dotted path → what is wrong there ("is required"). */
export type FormProblems = Readonly<Record<string, string>>;

/** The kind of control a property gets. */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The property's type, the first one besides null (`['string', 'null']` → string). */
export function kindOf(schema: JsonSchema): FieldKind {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t && t !== 'null');
  if (type === 'number' || type === 'integer' || type === 'boolean' || type === 'object' || type === 'array') {
    return type;
  }
  if (!type && schema.properties) return 'object';
  return 'string';
}

/** The properties of an object schema in display order: `order` first, then the schema's. */
export function orderedProperties(schema: JsonSchema, order: readonly string[] = []): [string, JsonSchema][] {
  const properties = schema.properties ?? {};
  const names = [
    ...order.filter((name) => name in properties),
    ...Object.keys(properties).filter((n) => !order.includes(n)),
  ];
  return names.map((name) => [name, properties[name] as JsonSchema]);
}

/** The label of a property: `x-label`, its title, or its name in words (postalCode → Postal code). */
export function labelOf(name: string, schema: JsonSchema): string {
  if (schema['x-label']) return schema['x-label'];
  if (schema.title) return schema.title;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function joinPath(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/** What the controls hold at first, from `initial` and the schema's defaults. */
export function initialState(schema: JsonSchema, initial: unknown, prefix = ''): Record<string, string | boolean> {
  const state: Record<string, string | boolean> = {};
  const values = (initial && typeof initial === 'object' ? initial : {}) as Record<string, unknown>;
  for (const [name, property] of orderedProperties(schema)) {
    const path = joinPath(prefix, name);
    const value = values[name] ?? property.default;
    const kind = kindOf(property);
    if (kind === 'object') Object.assign(state, initialState(property, value, path));
    else if (kind === 'boolean') state[path] = value === true;
    else if (kind === 'array') state[path] = Array.isArray(value) ? value.join(', ') : '';
    else state[path] = value === undefined || value === null ? '' : String(value);
  }
  return state;
}

/** Whether the text of a control counts as given (passwords are not trimmed). */
function textOf(schema: JsonSchema, raw: string | boolean | undefined): string {
  if (typeof raw !== 'string') return '';
  return schema['x-widget'] === 'password' || schema.format === 'password' ? raw : raw.trim();
}

/** Whether anything was entered in an object's controls (a checked box counts). */
function anythingEntered(schema: JsonSchema, state: FormState, prefix: string): boolean {
  return orderedProperties(schema).some(([name, property]) => {
    const path = joinPath(prefix, name);
    const kind = kindOf(property);
    if (kind === 'object') return anythingEntered(property, state, path);
    if (kind === 'boolean') return state[path] === true;
    return textOf(property, state[path]) !== '';
  });
}

/** The client-side problems: required fields left empty, numbers that are not, bounds, patterns. */
export function checkForm(schema: JsonSchema, state: FormState, prefix = ''): FormProblems {
  const problems: Record<string, string> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, property] of orderedProperties(schema)) {
    const path = joinPath(prefix, name);
    const kind = kindOf(property);
    if (kind === 'object') {
      if (required.has(name) || anythingEntered(property, state, path)) {
        Object.assign(problems, checkForm(property, state, path));
      }
      continue;
    }
    if (kind === 'boolean') continue;
    const text = textOf(property, state[path]);
    if (text === '') {
      if (required.has(name)) problems[path] = 'is required';
      continue;
    }
    const problem = kind === 'array' ? undefined : problemOfText(property, kind, text);
    if (problem) problems[path] = problem;
  }
  return problems;
}

function problemOfText(schema: JsonSchema, kind: FieldKind, text: string): string | undefined {
  if (kind === 'number' || kind === 'integer') {
    const value = Number(text);
    if (!Number.isFinite(value)) return 'must be a number';
    if (kind === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
    if (schema.minimum !== undefined && value < schema.minimum) return `must be at least ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `must be at most ${schema.maximum}`;
    return undefined;
  }
  const length = [...text].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    return `must be at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}`;
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    return `must be at most ${schema.maxLength} character${schema.maxLength === 1 ? '' : 's'}`;
  }
  if (schema.format === 'email' && !EMAIL.test(text)) return 'must be an email address';
  if (schema.pattern && !matches(schema.pattern, text)) return 'is not in the expected format';
  return undefined;
}

function matches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return true; // A pattern the browser cannot compile is left to the server.
  }
}

/** The typed value of the form: numbers as numbers, enums as their members, empty optional fields left out. */
export function formValue(schema: JsonSchema, state: FormState, prefix = ''): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, property] of orderedProperties(schema)) {
    const path = joinPath(prefix, name);
    const kind = kindOf(property);
    if (kind === 'object') {
      if (required.has(name) || anythingEntered(property, state, path)) value[name] = formValue(property, state, path);
      continue;
    }
    if (kind === 'boolean') {
      value[name] = state[path] === true;
      continue;
    }
    const text = textOf(property, state[path]);
    if (text === '') continue;
    value[name] = typedText(property, kind, text);
  }
  return value;
}

function typedText(schema: JsonSchema, kind: FieldKind, text: string): unknown {
  if (schema.enum) return schema.enum.find((member) => String(member) === text) ?? text;
  if (kind === 'number' || kind === 'integer') return Number(text);
  if (kind === 'array') {
    const itemKind = schema.items ? kindOf(schema.items) : 'string';
    return text
      .split(/[,\n]/)
      .map((item) => item.trim())
      .filter(Boolean)
      .map((item) => (itemKind === 'number' || itemKind === 'integer' ? Number(item) : item));
  }
  return text;
}

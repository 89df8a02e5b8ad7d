// One control of a SchemaForm, by the property's schema: text, number, date, email, password,
// text area, select for an enum, checkbox, fieldset for a nested object; labelled, with its
// hint and its problem tied to it (aria-describedby, aria-invalid).
import type { ReactNode } from 'react';
import type { JsonSchema } from '../types.ts';
import { type FormProblems, type FormState, joinPath, kindOf, labelOf, orderedProperties } from './form-values.ts';

export interface FieldProps {
  readonly formId: string;
  readonly name: string;
  readonly path: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
  readonly state: FormState;
  readonly problems: FormProblems;
  readonly onChange: (path: string, value: string | boolean) => void;
}

/** The id of a field's control inside form `formId`. */
export function controlId(formId: string, path: string): string {
  return `${formId}-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export function SchemaField(props: FieldProps): ReactNode {
  const { formId, name, path, schema, required, state, problems, onChange } = props;
  const kind = kindOf(schema);
  const label = labelOf(name, schema);
  if (schema['x-widget'] === 'hidden') return null;

  if (kind === 'object') {
    const inner = new Set(schema.required ?? []);
    return (
      <fieldset className="dm-fieldset">
        <legend>
          {label}
          {required ? <RequiredMark /> : null}
        </legend>
        {schema.description ? <p className="dm-field__hint">{schema.description}</p> : null}
        {orderedProperties(schema).map(([child, property]) => (
          <SchemaField
            key={child}
            {...props}
            name={child}
            path={joinPath(path, child)}
            schema={property}
            required={inner.has(child)}
          />
        ))}
      </fieldset>
    );
  }

  const id = controlId(formId, path);
  const problem = problems[path];
  const hintId = schema.description ? `${id}-hint` : undefined;
  const problemId = problem ? `${id}-problem` : undefined;
  const describedBy = [hintId, problemId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: path,
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': required || undefined,
  } as const;
  const text = typeof state[path] === 'string' ? (state[path] as string) : '';

  let control: ReactNode;
  if (kind === 'boolean') {
    control = (
      <input
        {...common}
        type="checkbox"
        checked={state[path] === true}
        onChange={(event) => onChange(path, event.target.checked)}
      />
    );
  } else if (schema.enum) {
    control = (
      <select {...common} value={text} onChange={(event) => onChange(path, event.target.value)}>
        <option value="">{required ? 'Choose…' : '—'}</option>
        {schema.enum.map((member) => (
          <option key={String(member)} value={String(member)}>
            {String(member)}
          </option>
        ))}
      </select>
    );
  } else if (schema['x-widget'] === 'textarea' || kind === 'array') {
    control = (
      <textarea
        {...common}
        rows={kind === 'array' ? 2 : 4}
        value={text}
        onChange={(e) => onChange(path, e.target.value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        {...inputKind(schema, kind)}
        value={text}
        onChange={(event) => onChange(path, event.target.value)}
      />
    );
  }

  return (
    <div className={`dm-field${kind === 'boolean' ? ' dm-field--checkbox' : ''}`}>
      {kind === 'boolean' ? control : null}
      <label htmlFor={id} className="dm-field__label">
        {label}
        {required && kind !== 'boolean' ? <RequiredMark /> : null}
      </label>
      {kind === 'boolean' ? null : control}
      {hintId ? (
        <p id={hintId} className="dm-field__hint">
          {schema.description}
          {kind === 'array' ? ' (separate with commas)' : ''}
        </p>
      ) : null}
      {problemId ? (
        <p id={problemId} className="dm-field__problem">
          {/^[a-z]/.test(problem ?? '') ? `${label} ${problem}` : problem}
        </p>
      ) : null}
    </div>
  );
}

function RequiredMark() {
  return (
    <span className="dm-required">
      <span aria-hidden="true"> *</span>
      <span className="dm-visually-hidden"> (required)</span>
    </span>
  );
}

/** The input type (and keyboard) for a text-like property. */
function inputKind(
  schema: JsonSchema,
  kind: string,
): { type: string; inputMode?: 'decimal' | 'numeric'; autoComplete?: string } {
  const widget = schema['x-widget'];
  if (widget === 'password' || schema.format === 'password') return { type: 'password', autoComplete: 'new-password' };
  if (widget === 'money') return { type: 'text', inputMode: 'decimal' };
  if (widget === 'date' || schema.format === 'date') return { type: 'date' };
  if (schema.format === 'email') return { type: 'email', autoComplete: 'email' };
  if (schema.format === 'uri') return { type: 'url' };
  if (kind === 'integer') return { type: 'text', inputMode: 'numeric' };
  if (kind === 'number') return { type: 'text', inputMode: 'decimal' };
  return { type: 'text' };
}

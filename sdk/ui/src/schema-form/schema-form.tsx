// A form for a JSON Schema object: checks what it can in the browser, sends the typed value,
// and shows the server's problem+json beside the fields it names (or above the form).
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/api-error.ts';
import { Button } from '../components/button.tsx';
import { ErrorNotice } from '../components/error-notice.tsx';
import type { JsonSchema } from '../types.ts';
import { checkForm, type FormProblems, formValue, initialState, orderedProperties } from './form-values.ts';
import { SchemaField } from './schema-field.tsx';

/**
 * A form for a JSON Schema object: one labelled control per property (string, number, integer,
 * boolean, enum; nested objects as fieldsets), client-side required checks, and the server's
 * problem+json field errors shown beside their fields (an ApiError thrown by `onSubmit`).
 */
export function SchemaForm<T = Record<string, unknown>>(props: {
  readonly schema: JsonSchema;
  readonly onSubmit: (value: T) => Promise<void>;
  readonly submitLabel: string;
  readonly initial?: Partial<T>;
  /** Property order; others follow. */
  readonly order?: readonly string[];
  /** A form id for tests and labels. */
  readonly id?: string;
}): ReactNode {
  const generated = useId();
  const formId = props.id ?? `dm-form-${generated.replace(/[^A-Za-z0-9]/g, '')}`;
  const { schema } = props;
  const [state, setState] = useState(() => initialState(schema, props.initial));
  const [problems, setProblems] = useState<FormProblems>({});
  const [formError, setFormError] = useState<FormError | undefined>(undefined);
  const [submitting, setSubmitting] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (focusRequest === 0) return;
    const target =
      form.current?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form.current?.querySelector<HTMLElement>('.dm-form__error');
    target?.focus();
  }, [focusRequest]);

  const change = (path: string, value: string | boolean) => {
    setState((before) => ({ ...before, [path]: value }));
    if (problems[path]) {
      setProblems(({ [path]: _, ...rest }) => rest);
    }
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (submitting) return;
    const found = checkForm(schema, state);
    setProblems(found);
    setFormError(undefined);
    if (Object.keys(found).length > 0) {
      setFocusRequest((n) => n + 1);
      return;
    }
    setSubmitting(true);
    try {
      await props.onSubmit(formValue(schema, state) as T);
    } catch (error) {
      const { fields, unplaced } = placeProblems(error, state);
      setProblems(fields);
      const placedAll = unplaced.length === 0 && Object.keys(fields).length > 0;
      setFormError({ error: placedAll ? 'Some fields need attention.' : error, unplaced });
      setFocusRequest((n) => n + 1);
    } finally {
      setSubmitting(false);
    }
  };

  const required = new Set(schema.required ?? []);
  return (
    <form ref={form} id={formId} className="dm-form" noValidate onSubmit={submit} aria-busy={submitting || undefined}>
      {formError !== undefined ? (
        <div className="dm-form__error" tabIndex={-1}>
          <ErrorNotice error={formError.error} />
          {formError.unplaced.length > 0 ? (
            <ul className="dm-form__problems">
              {formError.unplaced.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {orderedProperties(schema, props.order).map(([name, property]) => (
        <SchemaField
          key={name}
          formId={formId}
          name={name}
          path={name}
          schema={property}
          required={required.has(name)}
          state={state}
          problems={problems}
          onChange={change}
        />
      ))}
      <div className="dm-form__actions">
        <Button type="submit" variant="primary" disabled={submitting}>
          {props.submitLabel}
        </Button>
      </div>
    </form>
  );
}

/** What the form says above its fields: the error, and the field problems no control shows. */
interface FormError {
  readonly error: unknown;
  readonly unplaced: readonly string[];
}

/** The field problems of a failed submit that belong to a control, and the others as lines. */
function placeProblems(error: unknown, state: Readonly<Record<string, unknown>>) {
  const fields: Record<string, string> = {};
  const unplaced: string[] = [];
  if (!(error instanceof ApiError)) return { fields, unplaced };
  for (const [field, message] of Object.entries(error.fieldErrors())) {
    if (field in state) fields[field] = message;
    else unplaced.push(`${field} ${message}`);
  }
  // A problem pointing at the whole body (`/body`) names no field: the form says it.
  for (const { pointer, detail } of error.problem.errors ?? []) {
    if (pointer.split('/').length <= 2) unplaced.push(detail);
  }
  return { fields, unplaced };
}

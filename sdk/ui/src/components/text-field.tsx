// Labelled text and select controls with their hint and problem tied to them (aria-describedby),
// laid out as SchemaForm lays out its own, for the forms SchemaForm cannot express.
import { type ReactElement, type ReactNode, useId } from 'react';

export interface TextFieldProps {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly type?: 'text' | 'email';
  readonly required?: boolean;
  readonly maxLength?: number;
  readonly placeholder?: string;
  readonly hint?: ReactNode;
  readonly problem?: string;
}

export function TextField(props: TextFieldProps): ReactElement {
  const id = useId();
  const describedBy = [props.hint ? `${id}-hint` : '', props.problem ? `${id}-problem` : ''].filter(Boolean).join(' ');
  return (
    <div className="dm-field">
      <label htmlFor={id} className="dm-field__label">
        {props.label}
        {props.required ? <span className="dm-required"> *</span> : null}
      </label>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        maxLength={props.maxLength}
        placeholder={props.placeholder}
        autoComplete="off"
        aria-required={props.required || undefined}
        aria-invalid={props.problem ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint ? (
        <p id={`${id}-hint`} className="dm-field__hint">
          {props.hint}
        </p>
      ) : null}
      {props.problem ? (
        <p id={`${id}-problem`} className="dm-field__problem">
          {props.label} {props.problem}
        </p>
      ) : null}
    </div>
  );
}

export interface SelectFieldProps<V extends string> {
  readonly label: string;
  readonly value: V;
  readonly options: readonly { readonly value: V; readonly label: string }[];
  readonly onChange: (value: V) => void;
  readonly hint?: ReactNode;
}

export function SelectField<V extends string>(props: SelectFieldProps<V>): ReactElement {
  const id = useId();
  return (
    <div className="dm-field">
      <label htmlFor={id} className="dm-field__label">
        {props.label}
      </label>
      <select
        id={id}
        value={props.value}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(event) => props.onChange(event.target.value as V)}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {props.hint ? (
        <p id={`${id}-hint`} className="dm-field__hint">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

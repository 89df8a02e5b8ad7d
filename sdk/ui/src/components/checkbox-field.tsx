// One labelled checkbox with an optional hint, laid out as @dotmac/ui's SchemaForm lays out its own.
import { type ReactNode, useId } from 'react';

export interface CheckboxFieldProps {
  readonly label: ReactNode;
  readonly hint?: ReactNode;
  readonly checked: boolean;
  readonly disabled?: boolean;
  readonly onChange: (checked: boolean) => void;
}

export function CheckboxField({ label, hint, checked, disabled, onChange }: CheckboxFieldProps) {
  const id = useId();
  return (
    <div className="dm-field dm-field--checkbox">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(event) => onChange(event.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="dm-field__hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

// A labelled figure, as dashboard widgets show them.
import type { ReactNode } from 'react';

/** A labelled figure for dashboard widgets. */
export function Stat(props: {
  readonly label: string;
  readonly value: ReactNode;
  readonly hint?: ReactNode;
}): ReactNode {
  return (
    <div className="dm-stat">
      <p className="dm-stat__label">{props.label}</p>
      <p className="dm-stat__value">{props.value}</p>
      {props.hint ? <p className="dm-stat__hint">{props.hint}</p> : null}
    </div>
  );
}

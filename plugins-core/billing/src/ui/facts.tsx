// A short list of labelled facts (an invoice's status, dates, totals): labels in one column,
// values in the next. Styled inline: a remote ships no stylesheet of its own.
import type { ReactNode } from 'react';

/** One fact: its label and value. */
export type Fact = readonly [label: string, value: ReactNode];

const LIST = {
  display: 'grid',
  gridTemplateColumns: 'max-content auto',
  gap: '0.35rem 1.5rem',
  margin: '1rem 0',
  justifyContent: 'start',
} as const;

export function Facts(props: {
  /** Facts in order; null or false ones are left out. */
  readonly facts: readonly (Fact | null | false)[];
  readonly alignValues?: 'start' | 'end';
}) {
  const shown = props.facts.filter((fact): fact is Fact => Boolean(fact));
  return (
    <dl style={LIST}>
      {shown.map(([label, value]) => (
        <div key={label} style={{ display: 'contents' }}>
          <dt style={{ fontWeight: 600 }}>{label}</dt>
          <dd style={{ margin: 0, textAlign: props.alignValues ?? 'start' }}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

// Layout the shell's stylesheet leaves to screens: figures side by side, facts in two columns,
// a list of cards, a row of actions. Wrapping on narrow screens (the technician's phone).
import type { CSSProperties, ReactNode } from 'react';

const STAT_ROW: CSSProperties = { display: 'flex', flexWrap: 'wrap', gap: '0.75rem 2.5rem', alignItems: 'flex-start' };
const FACTS: CSSProperties = {
  display: 'grid',
  gridTemplateColumns: 'max-content minmax(0, 1fr)',
  gap: '0.35rem 1.25rem',
  margin: '0 0 1rem',
};
const CARDS: CSSProperties = { listStyle: 'none', padding: 0, margin: '0 0 1rem', display: 'grid', gap: '0.75rem' };
const CARD: CSSProperties = {
  border: '1px solid #d0d7e2',
  borderRadius: '0.5rem',
  padding: '0.75rem 1rem',
  background: '#fff',
  overflowWrap: 'anywhere',
};
const ROW: CSSProperties = {
  display: 'flex',
  flexWrap: 'wrap',
  gap: '0.5rem 1rem',
  alignItems: 'flex-end',
  margin: '0.5rem 0',
};

/** Figures side by side. */
export function StatRow(props: { readonly children: ReactNode }): ReactNode {
  return <div style={STAT_ROW}>{props.children}</div>;
}

/** A definition list: terms in the first column, what they are in the second. */
export function Facts(props: { readonly children: ReactNode }): ReactNode {
  return <dl style={FACTS}>{props.children}</dl>;
}

/** A list of cards, one per item. */
export function CardList(props: { readonly children: ReactNode; readonly 'aria-label'?: string }): ReactNode {
  return (
    <ul style={CARDS} aria-label={props['aria-label']}>
      {props.children}
    </ul>
  );
}

/** One card of a CardList. */
export function Card(props: { readonly children: ReactNode }): ReactNode {
  return <li style={CARD}>{props.children}</li>;
}

/** Style for controls and buttons in one wrapping row (a small form, a set of actions). */
export const ROW_STYLE = ROW;

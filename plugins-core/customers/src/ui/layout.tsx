// Layout the shell's stylesheet leaves to screens: figures side by side, facts in two columns,
// a row of search controls, a list of cards. Wrapping on narrow screens (the technician's phone).
import type { CSSProperties, ReactNode } from 'react';

const STAT_ROW: CSSProperties = { display: 'flex', flexWrap: 'wrap', gap: '0.75rem 2.5rem', alignItems: 'flex-start' };
const FACTS: CSSProperties = {
  display: 'grid',
  gridTemplateColumns: 'max-content minmax(0, 1fr)',
  gap: '0.35rem 1.25rem',
  margin: '0 0 1.5rem',
};
const TOOLBAR: CSSProperties = { display: 'flex', flexWrap: 'wrap', gap: '0.5rem 1rem', alignItems: 'flex-end' };
const CARDS: CSSProperties = { listStyle: 'none', padding: 0, margin: '0 0 1rem', display: 'grid', gap: '0.75rem' };
const CARD: CSSProperties = {
  border: '1px solid #d0d7e2',
  borderRadius: '0.5rem',
  padding: '0.75rem 1rem',
  background: '#fff',
  overflowWrap: 'anywhere',
};

/** Style for a section of a page: space above it. */
export const SECTION_STYLE: CSSProperties = { marginTop: '1.75rem' };

/** Figures side by side. */
export function StatRow(props: { readonly children: ReactNode }): ReactNode {
  return <div style={STAT_ROW}>{props.children}</div>;
}

/** A definition list: terms in the first column, what they are in the second. */
export function Facts(props: { readonly children: ReactNode }): ReactNode {
  return (
    <dl className="dm-facts" style={FACTS}>
      {props.children}
    </dl>
  );
}

/** Style for a form whose controls sit in one wrapping row. */
export const TOOLBAR_STYLE = TOOLBAR;

/** A list of cards, one per item. */
export function CardList(props: { readonly children: ReactNode; readonly 'aria-label'?: string }): ReactNode {
  return (
    <ul className="dm-list" style={CARDS} aria-label={props['aria-label']}>
      {props.children}
    </ul>
  );
}

/** One card of a CardList. */
export function Card(props: { readonly children: ReactNode }): ReactNode {
  return <li style={CARD}>{props.children}</li>;
}

// Layout the shell's stylesheet leaves to screens: facts in two columns, a row of controls, an
// inline list.
import type { CSSProperties, ReactNode } from 'react';

const FACTS: CSSProperties = {
  display: 'grid',
  gridTemplateColumns: 'max-content minmax(0, 1fr)',
  gap: '0.35rem 1.25rem',
  margin: '0 0 1.5rem',
};

/** A definition list: terms in the first column, what they are in the second. */
export function Facts(props: { readonly children: ReactNode }): ReactNode {
  return <dl style={FACTS}>{props.children}</dl>;
}

/** Style for controls in one wrapping row (a search form). */
export const ROW_STYLE: CSSProperties = {
  display: 'flex',
  flexWrap: 'wrap',
  gap: '0.5rem 1rem',
  alignItems: 'flex-end',
  margin: '1rem 0',
};

/** Style for a list whose items read as one line ("€29.90 a month, $32.90 a month"). */
export const INLINE_LIST_STYLE: CSSProperties = { listStyle: 'none', padding: 0, margin: 0 };

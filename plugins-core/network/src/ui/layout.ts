// Spacing the shell's stylesheet leaves to pages: between a page's sections, a row of actions
// under a table, and a filter that need not span the page.
import type { CSSProperties } from 'react';

export const SECTION: CSSProperties = { marginBlockEnd: '2rem' };
export const ACTIONS: CSSProperties = { display: 'flex', flexWrap: 'wrap', gap: '0.5rem', marginBlock: '0.75rem' };
export const FILTER: CSSProperties = { maxWidth: '22rem' };

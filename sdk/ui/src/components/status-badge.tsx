// A status word with a colour (active, suspended, overdue, paid …); the word itself carries the meaning.
import type { ReactNode } from 'react';
import { statusLabel, statusTone } from './status-tone.ts';

export function StatusBadge(props: { readonly status: string }): ReactNode {
  return <span className={`dm-badge dm-badge--${statusTone(props.status)}`}>{statusLabel(props.status)}</span>;
}

// A loading indicator announced politely to screen readers.
import type { ReactNode } from 'react';

export function Loading(props: { readonly label?: string }): ReactNode {
  return (
    <p className="dm-loading" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}

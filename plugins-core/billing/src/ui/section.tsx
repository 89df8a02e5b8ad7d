// A titled part of a page: an h2 under the page's h1, spaced from what comes before.
import { type ReactNode, useId } from 'react';

export function Section(props: { readonly title: string; readonly children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} style={{ marginTop: '1.75rem' }}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

// A titled part of a page (h2 under the page's h1), spaced from what comes before it.
import { type ReactNode, useId } from 'react';

export function PageSection({ title, children }: { readonly title: string; readonly children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} style={{ marginTop: '2rem' }}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

// A page: its one heading (h1), actions beside it, then the content.
import type { ReactNode } from 'react';

/** A page: heading, optional actions beside it, content. */
export function PageFrame(props: {
  readonly title: string;
  readonly actions?: ReactNode;
  readonly children: ReactNode;
}): ReactNode {
  return (
    <section className="dm-page" aria-labelledby="dm-page-title">
      <header className="dm-page__header">
        <h1 id="dm-page-title" className="dm-page__title">
          {props.title}
        </h1>
        {props.actions ? <div className="dm-page__actions">{props.actions}</div> : null}
      </header>
      <div className="dm-page__body">{props.children}</div>
    </section>
  );
}

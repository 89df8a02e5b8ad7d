// A portal path no plugin answers (or one the user may not see).
import { Link } from '@dotmac/ui';

export function NotFoundPage({ path }: { readonly path: string }) {
  return (
    <section className="dm-page" aria-labelledby="dm-page-title">
      <h1 id="dm-page-title" className="dm-page__title">
        Page not found
      </h1>
      <p>
        Nothing here answers <code>{path}</code>: the module that shows it may be off, or you may not have access to it.
      </p>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </section>
  );
}

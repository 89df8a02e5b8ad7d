// The portal's home: the dashboard widgets plugins contribute at `/`.
import { SlotView } from '../slots/slot-view.tsx';

export function DashboardPage({ title }: { readonly title: string }) {
  return (
    <section className="dm-page" aria-labelledby="dm-page-title">
      <header className="dm-page__header">
        <h1 id="dm-page-title" className="dm-page__title">
          {title}
        </h1>
      </header>
      <SlotView name="dashboard-widget" path="/" empty="Nothing to show here yet." />
    </section>
  );
}

// The portal's settings: the panels plugins contribute at `/settings`.
import { SlotView } from '../slots/slot-view.tsx';

export function SettingsPage() {
  return (
    <section className="dm-page" aria-labelledby="dm-page-title">
      <header className="dm-page__header">
        <h1 id="dm-page-title" className="dm-page__title">
          Settings
        </h1>
      </header>
      <SlotView name="settings-panel" path="/settings" empty="No settings here yet." />
    </section>
  );
}

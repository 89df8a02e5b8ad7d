// Detail tabs (a customer's Billing, Network …) as an accessible tab list: arrow keys, Home and
// End move between tabs; only the selected tab's screen is loaded and shown.
import type { UiContribution } from '@dotmac/ui';
import { type KeyboardEvent, type ReactNode, useId, useRef, useState } from 'react';
import { ContributionView } from './contribution-view.tsx';

export function ContributionTabs(props: {
  readonly items: readonly UiContribution[];
  readonly params: Readonly<Record<string, string>>;
}) {
  const { items, params } = props;
  const [selected, setSelected] = useState(0);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const base = useId().replace(/[^A-Za-z0-9]/g, '');
  const current = Math.min(selected, items.length - 1);

  const select = (index: number) => {
    const next = (index + items.length) % items.length;
    setSelected(next);
    tabs.current[next]?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowLeft: current - 1,
      Home: 0,
      End: items.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    select(target);
  };

  const item = items[current];
  return (
    <div className="dm-tabs">
      <div role="tablist" aria-label="Details" className="dm-tabs__list">
        {items.map((tab, index) => (
          <button
            key={`${tab.pluginId}${tab.module}`}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${index}`}
            aria-selected={index === current}
            aria-controls={`${base}-panel-${index}`}
            tabIndex={index === current ? 0 : -1}
            className="dm-tabs__tab"
            onClick={() => setSelected(index)}
            onKeyDown={onKeyDown}
          >
            {tab.title ?? tab.pluginId}
          </button>
        ))}
      </div>
      {item ? (
        <TabPanel id={`${base}-panel-${current}`} labelledBy={`${base}-tab-${current}`}>
          <ContributionView key={`${item.pluginId}${item.module}`} contribution={item} params={params} />
        </TabPanel>
      ) : null}
    </div>
  );
}

function TabPanel(props: { readonly id: string; readonly labelledBy: string; readonly children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the WAI-ARIA tabs pattern makes the panel focusable when its content may have nothing focusable.
    <div role="tabpanel" id={props.id} aria-labelledby={props.labelledBy} tabIndex={0} className="dm-tabs__panel">
      {props.children}
    </div>
  );
}

// What <Slot> renders in the shell: the slot's items at its path, detail tabs as a tab list,
// dashboard widgets and settings panels as a grid, each item on its own.
import type { SlotRequest } from '@dotmac/ui';
import { slotItems } from '../manifest/contributions.ts';
import { ContributionTabs } from './contribution-tabs.tsx';
import { ContributionView } from './contribution-view.tsx';
import { usePortalRuntime } from './portal-runtime.ts';

export function SlotView(props: SlotRequest & { readonly empty?: string }) {
  const { manifest } = usePortalRuntime();
  const items = slotItems(manifest, props.name, props.path);
  const params = props.params ?? {};
  if (items.length === 0) return props.empty ? <p className="dm-empty">{props.empty}</p> : null;
  if (props.name === 'detail-tab') return <ContributionTabs items={items} params={params} />;
  return (
    <div className={`dm-slot-grid dm-slot-grid--${props.name}`}>
      {items.map((item) => (
        <div key={`${item.pluginId}${item.module}`} className="dm-slot-item">
          <ContributionView contribution={item} params={params} />
        </div>
      ))}
    </div>
  );
}

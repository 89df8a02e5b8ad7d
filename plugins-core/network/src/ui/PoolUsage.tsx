// A pool's utilisation in a table cell: allocated of total as figures, and a meter for the eye.
import { useTenant } from '@dotmac/ui';
import type { Pool } from './network-types.ts';

export function PoolUsage({ pool }: { readonly pool: Pool }) {
  const locale = useTenant()?.locale;
  const count = new Intl.NumberFormat(locale);
  const { used, reserved, size, percent } = pool.utilisation;
  return (
    <span className="network-pool-usage">
      <meter
        min={0}
        max={100}
        low={70}
        high={90}
        optimum={0}
        value={percent}
        aria-label={`${pool.name}: ${percent}% in use`}
      />{' '}
      {count.format(used)} / {count.format(size)}
      {reserved > 0 ? ` (${count.format(reserved)} reserved)` : ''}
    </span>
  );
}

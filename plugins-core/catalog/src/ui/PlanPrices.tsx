// A version's prices, one per currency, each with its billing cycle: "€29.90 a month, $32.90 a month".
import { Money } from '@dotmac/ui';
import type { ReactNode } from 'react';
import { INLINE_LIST_STYLE } from './layout.tsx';
import { type PlanVersion, perCycle } from './plan.ts';

export function PlanPrices(props: { readonly version: PlanVersion | null }): ReactNode {
  const { version } = props;
  if (!version) return '—';
  const prices = Object.entries(version.prices).sort(([a], [b]) => a.localeCompare(b));
  return (
    <ul style={INLINE_LIST_STYLE}>
      {prices.map(([currency, amount]) => (
        <li key={currency}>
          <Money amount={amount} currency={currency} /> {perCycle(version.billingCycle)}
        </li>
      ))}
    </ul>
  );
}

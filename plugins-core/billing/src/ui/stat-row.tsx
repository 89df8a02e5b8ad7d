// Figures side by side, wrapping on narrow screens (a dashboard widget, a customer's balance).
import type { ReactNode } from 'react';

export function StatRow({ children }: { readonly children: ReactNode }) {
  return (
    <div style={{ display: 'flex', flexWrap: 'wrap', gap: '0.75rem 2.5rem', alignItems: 'flex-start' }}>{children}</div>
  );
}

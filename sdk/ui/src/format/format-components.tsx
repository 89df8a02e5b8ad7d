// Money and dates as elements, in the tenant's locale, currency and time zone.
import type { ReactNode } from 'react';
import { useContext } from 'react';
import { ShellContext } from '../shell/shell-context.ts';
import { formatDate } from './date.ts';
import { formatMoney } from './money.ts';

/** A decimal-string amount, formatted exactly in the tenant's locale (and currency unless given). */
export function Money(props: { readonly amount: string; readonly currency?: string }): ReactNode {
  const tenant = useContext(ShellContext)?.tenant;
  return (
    <span className="dm-money">{formatMoney(props.amount, props.currency ?? tenant?.currency, tenant?.locale)}</span>
  );
}

/** A date or timestamp in a <time> element; a dash for null. */
export function DateText(props: { readonly value: string | null; readonly time?: boolean }): ReactNode {
  if (!props.value) return <span className="dm-date">—</span>;
  return (
    <time className="dm-date" dateTime={props.value}>
      {formatDate(props.value, { time: props.time ?? false })}
    </time>
  );
}

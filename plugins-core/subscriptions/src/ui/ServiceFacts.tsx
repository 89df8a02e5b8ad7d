// What one service is: its plan and price, its status and why, since when it runs, when the next
// billing cycle starts, and what is scheduled for it. Staff and customers see the same facts.
import { DateText, Money, StatusBadge } from '@dotmac/ui';
import type { ReactNode } from 'react';
import { Facts } from './layout.tsx';
import { perCycle, type Subscription } from './subscription.ts';

export function ServiceFacts(props: { readonly subscription: Subscription }): ReactNode {
  const s = props.subscription;
  return (
    <Facts>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={s.status} />
        {s.suspension ? (
          <>
            {' '}
            {s.suspension.reason === 'dunning' ? 'for unpaid invoices' : 'by staff'} since{' '}
            <DateText value={s.suspension.since} />
            {s.suspension.note ? ` (${s.suspension.note})` : ''}
          </>
        ) : null}
      </dd>
      {s.plan.price ? (
        <>
          <dt>Price</dt>
          <dd>
            <Money amount={s.plan.price} currency={s.plan.currency} /> {perCycle(s.plan.billingCycle)}
          </dd>
        </>
      ) : null}
      <dt>Active since</dt>
      <dd>{s.activatedAt ? <DateText value={s.activatedAt} /> : 'Not activated yet'}</dd>
      {s.nextCycleAt ? (
        <>
          <dt>Next billing cycle</dt>
          <dd>
            <DateText value={s.nextCycleAt} />
          </dd>
        </>
      ) : null}
      {s.termEndsAt ? (
        <>
          <dt>Contract ends</dt>
          <dd>
            <DateText value={s.termEndsAt} />
          </dd>
        </>
      ) : null}
      {s.pendingChange ? (
        <>
          <dt>Scheduled</dt>
          <dd>
            {s.pendingChange.reprice ? 'New price' : `Plan ${s.pendingChange.direction}`} on{' '}
            <DateText value={s.pendingChange.effectiveAt} />
          </dd>
        </>
      ) : null}
      {s.cancelAt ? (
        <>
          <dt>Ends</dt>
          <dd>
            <DateText value={s.cancelAt} />
          </dd>
        </>
      ) : null}
      {s.cancelledAt ? (
        <>
          <dt>Cancelled</dt>
          <dd>
            <DateText value={s.cancelledAt} />
          </dd>
        </>
      ) : null}
    </Facts>
  );
}

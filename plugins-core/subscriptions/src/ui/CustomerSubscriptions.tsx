// The admin portal's "Services" tab on a customer's page (plugin.json contributes it as
// ./CustomerSubscriptions on /customers/:id). A stub for now: it renders the subscriptions it is
// given; fetching GET /subscriptions?accountId=… comes with the shell's API client.
import { useState } from 'react';

/** A subscription as GET /subscriptions answers it (the fields this tab shows). */
export interface SubscriptionSummary {
  readonly id: string;
  readonly status: 'pending' | 'active' | 'suspended' | 'cancelled';
  readonly plan: { readonly planId: string; readonly version: number; readonly billingCycle: string };
  readonly activatedAt: string | null;
  readonly nextCycleAt: string | null;
  readonly cancelAt: string | null;
  readonly pendingChange: { readonly planId: string; readonly effectiveAt: string } | null;
}

const day = (iso: string | null) => (iso === null ? '—' : new Date(iso).toLocaleDateString());

export default function CustomerSubscriptions({
  subscriptions = [],
}: {
  readonly subscriptions?: readonly SubscriptionSummary[];
}) {
  const [showCancelled, setShowCancelled] = useState(false);
  const shown = showCancelled ? subscriptions : subscriptions.filter((s) => s.status !== 'cancelled');
  return (
    <section>
      <h2>Services</h2>
      <label>
        <input type="checkbox" checked={showCancelled} onChange={(event) => setShowCancelled(event.target.checked)} />{' '}
        Show cancelled services
      </label>
      {shown.length === 0 ? (
        <p>No services.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Plan</th>
              <th>Status</th>
              <th>Active since</th>
              <th>Next cycle</th>
              <th>Scheduled</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.plan.planId} v{s.plan.version} ({s.plan.billingCycle})
                </td>
                <td>{s.status}</td>
                <td>{day(s.activatedAt)}</td>
                <td>{day(s.nextCycleAt)}</td>
                <td>
                  {s.cancelAt
                    ? `cancels ${day(s.cancelAt)}`
                    : s.pendingChange
                      ? `moves to ${s.pendingChange.planId} ${day(s.pendingChange.effectiveAt)}`
                      : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

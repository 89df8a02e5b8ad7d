// The admin portal's catalog page (plugin.json contributes it as ./Catalog at /catalog). A stub
// for now: it renders the plans it is given, filtered by kind; fetching them through GET /plans
// comes with the shell's API client.
import { useState } from 'react';

/** What a plan sells. */
type PlanKind = 'internet' | 'voice' | 'tv' | 'other' | 'addon' | 'one-off';

/** A plan as GET /plans answers it, the fields this page shows. */
export interface CatalogPlan {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly kind: PlanKind;
  readonly visible: boolean;
  readonly current: {
    readonly version: number;
    readonly prices: Readonly<Record<string, string>>;
    readonly billingCycle: string;
  } | null;
  readonly next: { readonly version: number; readonly effectiveFrom: string } | null;
}

const KINDS: readonly PlanKind[] = ['internet', 'voice', 'tv', 'other', 'addon', 'one-off'];

/** "29.99 USD, 27.50 EUR": amounts as the API gives them, never turned into numbers. */
const priceList = (prices: Readonly<Record<string, string>>) =>
  Object.entries(prices)
    .map(([currency, amount]) => `${amount} ${currency}`)
    .join(', ');

export default function Catalog({ plans = [] }: { readonly plans?: readonly CatalogPlan[] }) {
  const [kind, setKind] = useState<PlanKind | ''>('');
  const shown = kind ? plans.filter((plan) => plan.kind === kind) : plans;
  return (
    <section>
      <h1>Catalog</h1>
      <label>
        Kind{' '}
        <select value={kind} onChange={(event) => setKind(event.target.value as PlanKind | '')}>
          <option value="">All</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      {shown.length === 0 ? (
        <p>No plans.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Code</th>
              <th>Name</th>
              <th>Kind</th>
              <th>Price</th>
              <th>For sale</th>
              <th>Next change</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((plan) => (
              <tr key={plan.id}>
                <td>{plan.code}</td>
                <td>{plan.name}</td>
                <td>{plan.kind}</td>
                <td>
                  {plan.current
                    ? `${priceList(plan.current.prices)} (${plan.current.billingCycle}, v${plan.current.version})`
                    : 'not yet in force'}
                </td>
                <td>{plan.visible ? 'yes' : 'hidden'}</td>
                <td>
                  {plan.next
                    ? `v${plan.next.version} from ${new Date(plan.next.effectiveFrom).toLocaleDateString()}`
                    : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

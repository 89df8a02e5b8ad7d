// The plans a customer can be put on: dotmac.catalog's plans for sale, priced in the account's
// currency (the account's currency from dotmac.customers).
import { type ApiClient, formatMoney, type Page } from '@dotmac/ui';
import { type CatalogPlan, perCycle } from './subscription.ts';

/** A plan to choose, as a select shows it. */
export interface PlanChoice {
  readonly planId: string;
  readonly label: string;
}

/** The plans for sale priced in `currency`, each labelled with its price: "Fibre 100 — €29.90 a month". */
export async function sellablePlans(
  catalog: ApiClient,
  currency: string,
  locale: string | undefined,
  signal: AbortSignal,
): Promise<PlanChoice[]> {
  const page = await catalog.get<Page<CatalogPlan>>('/plans', {
    query: { forSale: true, currency, limit: 200 },
    signal,
  });
  return page.items
    .filter((plan) => plan.kind !== 'addon')
    .map((plan) => {
      const price = plan.current?.prices[currency];
      const cycle = plan.current ? perCycle(plan.current.billingCycle) : '';
      return {
        planId: plan.id,
        label: price ? `${plan.name} — ${formatMoney(price, currency, locale)} ${cycle}` : plan.name,
      };
    });
}

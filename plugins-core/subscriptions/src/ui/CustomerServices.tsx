// The "Services" tab of a customer's page (admin, reseller and technician portals): the
// customer's subscriptions with their plan, price, status and next cycle; with the write
// permission, the actions each allows and a form to order a new one.
import {
  type ContributionProps,
  ErrorNotice,
  Loading,
  type Page,
  useApi,
  useCan,
  useQuery,
  useTenant,
} from '@dotmac/ui';
import { type ReactNode, useId, useState } from 'react';
import { Card, CardList } from './layout.tsx';
import { NewSubscriptionForm } from './NewSubscriptionForm.tsx';
import { ServiceFacts } from './ServiceFacts.tsx';
import { SubscriptionActions } from './SubscriptionActions.tsx';
import { type PlanChoice, sellablePlans } from './sellable-plans.ts';
import { CAN_READ_PLANS, CAN_WRITE, planLabel, type Subscription } from './subscription.ts';

/** The plans this user may put the account on: none without the permissions to order and to read plans. */
function usePlanChoices(accountId: string, enabled: boolean) {
  const customers = useApi('dotmac.customers');
  const catalog = useApi('dotmac.catalog');
  const locale = useTenant()?.locale;
  return useQuery(
    async (signal): Promise<PlanChoice[]> => {
      if (!enabled) return [];
      const account = await customers.get<{ currency: string }>(`/accounts/${encodeURIComponent(accountId)}`, {
        signal,
      });
      return sellablePlans(catalog, account.currency, locale, signal);
    },
    [accountId, enabled, locale],
  );
}

export default function CustomerServices(props: ContributionProps): ReactNode {
  const api = useApi();
  const id = useId();
  const accountId = props.params.id ?? '';
  const canOrder = useCan(CAN_WRITE);
  const canReadPlans = useCan(CAN_READ_PLANS);
  const [showCancelled, setShowCancelled] = useState(false);
  const services = useQuery(
    (signal) => api.get<Page<Subscription>>('/subscriptions', { query: { accountId, limit: 200 }, signal }),
    [accountId],
  );
  const plans = usePlanChoices(accountId, canOrder && canReadPlans);
  const all = services.data?.items ?? [];
  const shown = showCancelled ? all : all.filter((s) => s.status !== 'cancelled');
  const cancelled = all.length - all.filter((s) => s.status !== 'cancelled').length;

  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Services</h2>
      {services.error ? <ErrorNotice error={services.error} /> : null}
      {services.data === undefined && services.loading ? <Loading label="Loading the services" /> : null}
      {services.data && shown.length === 0 ? <p>No services.</p> : null}
      <CardList aria-label="Services">
        {shown.map((subscription) => (
          <Card key={subscription.id}>
            <h3>{planLabel(subscription.plan)}</h3>
            <ServiceFacts subscription={subscription} />
            {canOrder ? (
              <SubscriptionActions subscription={subscription} plans={plans.data ?? []} onChanged={services.reload} />
            ) : null}
          </Card>
        ))}
      </CardList>
      {cancelled > 0 ? (
        <div className="dm-field dm-field--checkbox">
          <input
            id={`${id}-cancelled`}
            type="checkbox"
            checked={showCancelled}
            onChange={(event) => setShowCancelled(event.target.checked)}
          />
          <label htmlFor={`${id}-cancelled`}>Show cancelled services ({cancelled})</label>
        </div>
      ) : null}
      {canOrder ? (
        <section aria-labelledby={`${id}-new-heading`}>
          <h3 id={`${id}-new-heading`}>New subscription</h3>
          {!canReadPlans ? (
            <p>Choosing a plan needs the permission to read the catalog (dotmac.catalog.plans.read).</p>
          ) : plans.error ? (
            <ErrorNotice error={plans.error} />
          ) : plans.data === undefined ? (
            <Loading label="Loading the plans" />
          ) : plans.data.length === 0 ? (
            <p>No plan is for sale in this customer's currency.</p>
          ) : (
            <NewSubscriptionForm accountId={accountId} plans={plans.data} onCreated={services.reload} />
          )}
        </section>
      ) : null}
    </section>
  );
}

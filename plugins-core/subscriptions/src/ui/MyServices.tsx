// The customer portal's "My services" (/services): the customer's own subscriptions (the kernel
// shows them no others), each with its plan, price, status and next billing date.
import { ErrorNotice, Loading, type Page, PageFrame, useApi, useQuery } from '@dotmac/ui';
import type { ReactNode } from 'react';
import { Card, CardList } from './layout.tsx';
import { ServiceFacts } from './ServiceFacts.tsx';
import { planLabel, type Subscription } from './subscription.ts';

export default function MyServices(): ReactNode {
  const api = useApi();
  const services = useQuery(
    (signal) => api.get<Page<Subscription>>('/subscriptions', { query: { limit: 100 }, signal }),
    [],
  );
  const live = (services.data?.items ?? []).filter((s) => s.status !== 'cancelled');
  return (
    <PageFrame title="My services">
      {services.error ? <ErrorNotice error={services.error} /> : null}
      {services.data === undefined && !services.error ? <Loading label="Loading your services" /> : null}
      {services.data && live.length === 0 ? <p>You have no services with us at the moment.</p> : null}
      <CardList aria-label="My services">
        {live.map((subscription) => (
          <Card key={subscription.id}>
            <h2>{planLabel(subscription.plan)}</h2>
            <ServiceFacts subscription={subscription} />
          </Card>
        ))}
      </CardList>
    </PageFrame>
  );
}

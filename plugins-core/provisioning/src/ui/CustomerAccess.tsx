// The "Access" tab of a customer's page (/customers/:id): the PPPoE or IPoE credentials each of
// their services signs in with, and setting them.
import { type ContributionProps, ErrorNotice, Loading, useApi, useQuery } from '@dotmac/ui';
import { customerServices } from './customer-services.ts';
import { ServiceAccess } from './ServiceAccess.tsx';

export default function CustomerAccess({ params }: ContributionProps) {
  const provisioning = useApi();
  const subscriptions = useApi('dotmac.subscriptions');
  const accountId = params.id ?? '';
  const { data, error, loading, reload } = useQuery(
    (signal) => customerServices(provisioning, subscriptions, accountId, signal),
    [provisioning, subscriptions, accountId],
  );

  return (
    <section aria-labelledby="customer-access">
      <h2 id="customer-access">Access credentials</h2>
      {loading && !data ? <Loading label="Loading services" /> : null}
      {error ? <ErrorNotice error={error} /> : null}
      {data && data.length === 0 ? <p>This customer has no internet service yet.</p> : null}
      {data?.map((service) => (
        <ServiceAccess key={service.subscriptionId} service={service} onSaved={reload} />
      ))}
    </section>
  );
}

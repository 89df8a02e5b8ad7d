// The "Network" tab of a customer's page in the admin portal (/customers/:id): the IPv4 addresses
// and delegated IPv6 prefixes their services hold, and the pools they come from.
import { type ContributionProps, DateText, ErrorNotice, Loading, StatusBadge, useApi, useQuery } from '@dotmac/ui';
import { type CustomerAddress, loadCustomerAddresses } from './customer-assignments.ts';
import { wordFor } from './words.ts';

const shortId = (id: string) => id.slice(0, 8);

export default function CustomerNetwork({ params }: ContributionProps) {
  const network = useApi();
  const subscriptions = useApi('dotmac.subscriptions');
  const accountId = params.id ?? '';
  const { data, error, loading } = useQuery(
    (signal) => loadCustomerAddresses(network, subscriptions, accountId, signal),
    [network, subscriptions, accountId],
  );

  return (
    <section aria-labelledby="customer-network">
      <h2 id="customer-network">IP addresses</h2>
      {loading ? <Loading label="Loading addresses" /> : null}
      {error ? <ErrorNotice error={error} /> : null}
      {data && data.length === 0 ? <p>No address is assigned to this customer's services.</p> : null}
      {data && data.length > 0 ? <AddressTable rows={data} /> : null}
    </section>
  );
}

function AddressTable({ rows }: { readonly rows: readonly CustomerAddress[] }) {
  return (
    <div className="dm-table-wrap">
      <table className="dm-table">
        <caption className="dm-table__caption">Addresses held by the customer's services</caption>
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">Family</th>
            <th scope="col">Kind</th>
            <th scope="col">Pool</th>
            <th scope="col">Service</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ assignment, subscription, pool }) => (
            <tr key={assignment.id}>
              <td>
                <code>
                  {assignment.family === 'ipv6'
                    ? `${assignment.address}/${assignment.prefixLength}`
                    : assignment.address}
                </code>
              </td>
              <td>{wordFor(assignment.family)}</td>
              <td>{wordFor(assignment.kind)}</td>
              <td>{pool ? `${pool.name} (${pool.cidr})` : '—'}</td>
              <td>
                {subscription.plan.name ?? `Service ${shortId(subscription.id)}`}{' '}
                <StatusBadge status={subscription.status} />
              </td>
              <td>
                <DateText value={assignment.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

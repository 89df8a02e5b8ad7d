// The "Balance" tab on a customer's page in the reseller portal (/customers/:id): what the
// reseller's customer owes, their invoices and payments.
import type { ContributionProps } from '@dotmac/ui';
import { AccountBilling } from './account-billing.tsx';

export default function AccountBalance({ params }: ContributionProps) {
  return <AccountBilling accountId={params.id ?? ''} invoicesPath="/invoices" recordPayments={false} />;
}

// The "Billing" tab on a customer's page in the admin portal (/customers/:id).
import type { ContributionProps } from '@dotmac/ui';
import { AccountBilling } from './account-billing.tsx';

export default function CustomerBilling({ params }: ContributionProps) {
  return <AccountBilling accountId={params.id ?? ''} invoicesPath="/billing/invoices" recordPayments />;
}

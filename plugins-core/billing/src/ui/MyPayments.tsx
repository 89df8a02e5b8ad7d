// The customer portal's payments page (/payments): the record of what the customer paid (and
// what was refunded to them), with the invoices each payment settled.
import { type ContributionProps, PageFrame } from '@dotmac/ui';
import { PaymentsTable } from './payments-table.tsx';

export default function MyPayments(_: ContributionProps) {
  return (
    <PageFrame title="Payments">
      <PaymentsTable caption="My payments" invoicesPath="/invoices" />
    </PageFrame>
  );
}

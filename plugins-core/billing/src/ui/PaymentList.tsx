// The staff's payments page (/billing/payments): every payment and refund, newest first.
import { type ContributionProps, PageFrame } from '@dotmac/ui';
import { PaymentsTable } from './payments-table.tsx';

export default function PaymentList(_: ContributionProps) {
  return (
    <PageFrame title="Payments">
      <PaymentsTable caption="Payments and refunds" customer invoicesPath="/billing/invoices" />
    </PageFrame>
  );
}

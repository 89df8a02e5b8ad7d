// An account's balance as figures: what it owes (or its credit), what is open on its invoices,
// and its unallocated credit.
import { Money, Stat } from '@dotmac/ui';
import { absolute, isNegative } from './amounts.ts';
import type { Account } from './resources.ts';
import { StatRow } from './stat-row.tsx';

export function AccountFigures({ account }: { readonly account: Account }) {
  const inCredit = isNegative(account.balance);
  return (
    <StatRow>
      <Stat
        label={inCredit ? 'In credit' : 'Balance'}
        value={<Money amount={inCredit ? absolute(account.balance) : account.balance} currency={account.currency} />}
        hint={inCredit ? 'More was paid than invoiced.' : 'Open invoices less credit.'}
      />
      <Stat label="Open on invoices" value={<Money amount={account.openInvoices} currency={account.currency} />} />
      <Stat label="Credit" value={<Money amount={account.credit} currency={account.currency} />} />
    </StatRow>
  );
}

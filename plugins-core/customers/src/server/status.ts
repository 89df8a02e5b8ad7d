// The life of an account: a lead becomes active, an active account may be suspended (unpaid,
// abuse) and reactivated, and any account may be terminated; a terminated account may be
// reactivated (a customer who comes back keeps their number and history).

/** An account's status. */
export type AccountStatus = 'lead' | 'active' | 'suspended' | 'terminated';

export const STATUSES: readonly AccountStatus[] = ['lead', 'active', 'suspended', 'terminated'];

const NEXT: Readonly<Record<AccountStatus, readonly AccountStatus[]>> = {
  lead: ['active', 'terminated'],
  active: ['suspended', 'terminated'],
  suspended: ['active', 'terminated'],
  terminated: ['active'],
};

/** The statuses an account in `from` may move to. */
export function nextStatuses(from: AccountStatus): readonly AccountStatus[] {
  return NEXT[from];
}

/** Why `from` → `to` is not allowed, or undefined when it is. */
export function transitionRefusal(from: AccountStatus, to: AccountStatus): string | undefined {
  if (from === to) return `the account is already ${to}`;
  if (NEXT[from].includes(to)) return undefined;
  return `a ${from} account cannot become ${to}; it can become ${NEXT[from].join(' or ')}`;
}

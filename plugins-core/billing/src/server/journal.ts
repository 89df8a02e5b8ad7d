// The ledger's rows: the journals of core/ledger.ts as journal_entries and journal_lines, and
// the reads an auditor asks for (a customer's balance, the trial balance).
import type { PluginContext } from '@dotmac/sdk';
import { creditNoteIssued, invoiceIssued, isBalanced, type Journal } from './core/ledger.ts';
import { Decimal, formatAmount } from './core/money.ts';
import type { Column, Work } from './work.ts';

/** One journal to store: the fact's journal and where it comes from. */
export interface StoredJournal {
  readonly id: string;
  readonly customerId: string;
  /** The invoice, credit note or payment it records. */
  readonly sourceId: string;
  readonly currency: string;
  readonly at: string;
  readonly journal: Journal;
  readonly reversesId?: string;
  readonly memo?: string;
}

export const JOURNAL_ENTRY_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['customer_id', 'text'],
  ['fact', 'text'],
  ['source_id', 'uuid'],
  ['currency', 'text'],
  ['at', 'timestamptz'],
  ['reverses_id', 'uuid'],
  ['memo', 'text'],
];

export const JOURNAL_LINE_COLUMNS: readonly Column[] = [
  ['tenant_id', 'uuid'],
  ['customer_id', 'text'],
  ['entry_id', 'uuid'],
  ['account', 'text'],
  ['debit', 'numeric'],
  ['credit', 'numeric'],
  ['method', 'text'],
];

/** The rows of `journals`; an unbalanced journal is a bug and is refused here, before anything is stored. */
export function journalRows(
  tenantId: string,
  journals: readonly StoredJournal[],
): { entries: Record<string, unknown>[]; entryLines: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const entryLines: Record<string, unknown>[] = [];
  for (const j of journals) {
    if (!isBalanced(j.journal)) throw new Error(`the ${j.journal.fact} journal of ${j.sourceId} does not balance`);
    if (j.journal.lines.length === 0) continue;
    entries.push({
      id: j.id,
      tenant_id: tenantId,
      customer_id: j.customerId,
      fact: j.journal.fact,
      source_id: j.sourceId,
      currency: j.currency,
      at: j.at,
      reverses_id: j.reversesId ?? null,
      memo: j.memo ?? null,
    });
    for (const line of j.journal.lines) {
      entryLines.push({
        tenant_id: tenantId,
        customer_id: j.customerId,
        entry_id: j.id,
        account: line.account,
        debit: line.debit,
        credit: line.credit,
        method: line.method ?? null,
      });
    }
  }
  return { entries, entryLines };
}

/** Adds the rows of `journals` to `work`: posted in the same transaction as the facts they record. */
export function postJournals(work: Work, tenantId: string, journals: readonly StoredJournal[]): void {
  const { entries, entryLines } = journalRows(tenantId, journals);
  work
    .insert('journal_entries', JOURNAL_ENTRY_COLUMNS, entries)
    .insert('journal_lines', JOURNAL_LINE_COLUMNS, entryLines);
}

/** The figures of a computed invoice or credit note. */
export interface DocumentFigures {
  readonly currency: string;
  readonly subtotal: string;
  readonly discountTotal: string;
  readonly taxTotal: string;
  readonly total: string;
}

const abs = (amount: string, currency: string) => formatAmount(new Decimal(amount).abs(), currency);

/**
 * The journal of issuing a document: an invoice, or, when its total is negative (a credit note,
 * or an invoice of credits), the credit-note journal with `toCustomerCredit` of it owed back.
 */
export function documentJournal(figures: DocumentFigures, toCustomerCredit = '0'): Journal {
  const { currency } = figures;
  const magnitudes = {
    currency,
    netBeforeDiscount: abs(figures.subtotal, currency),
    discount: abs(figures.discountTotal, currency),
    tax: abs(figures.taxTotal, currency),
    total: abs(figures.total, currency),
  };
  if (new Decimal(figures.total).isNegative() || new Decimal(figures.subtotal).isNegative()) {
    return creditNoteIssued({ ...magnitudes, toCustomerCredit: abs(toCustomerCredit, currency) });
  }
  return invoiceIssued(magnitudes);
}

/** A customer's balance from the ledger: what they owe (receivables) less their credit; negative: in credit. */
export async function ledgerBalance(
  ctx: PluginContext,
  customerId: string,
): Promise<{ currency: string; balance: string }[]> {
  return ctx.db.query<{ currency: string; balance: string }>(
    `select e.currency,
            (coalesce(sum(l.debit - l.credit) filter (where l.account = 'receivables'), 0)
              - coalesce(sum(l.credit - l.debit) filter (where l.account = 'customer-credit'), 0))::text as balance
       from journal_lines l join journal_entries e on e.id = l.entry_id
      where l.customer_id = $1 and l.account in ('receivables', 'customer-credit')
      group by e.currency order by e.currency`,
    [customerId],
  );
}

// One billing run as it goes: a progress bar of accounts processed of those due, then what it
// invoiced (or, for a dry run, would invoice) and the accounts it could not bill.
import { DateText, Money } from '@dotmac/ui';
import { Facts } from './facts.tsx';
import type { Run } from './resources.ts';

/** The sentence that says where a run is; the e2e suite waits for "finished". */
export function runSummary(run: Run): string {
  const what = run.dryRun ? 'Dry run' : 'Billing run';
  if (run.status === 'running') {
    return `${what} for ${run.billingDay} in progress: ${run.payersDone} of ${run.payersDue} accounts processed.`;
  }
  if (run.dryRun) {
    // A dry run invoices nothing: every account it handled without a problem would have been invoiced.
    const billable = Math.max(run.payersDone - run.problems.length, 0);
    return `${what} for ${run.billingDay} finished: ${count(billable, 'account')} would be invoiced; nothing was invoiced.`;
  }
  return `${what} for ${run.billingDay} finished: ${count(run.invoices, 'invoice')} issued.`;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function RunProgress({ run }: { readonly run: Run }) {
  const due = Math.max(run.payersDue, 0);
  const done = Math.min(run.payersDone, due);
  // A run with nothing due is all done when it finishes: the bar reads 1 of 1, its text 0 of 0.
  const max = due === 0 ? 1 : due;
  const now = due === 0 ? (run.status === 'done' ? 1 : 0) : done;
  const percent = Math.round((now / max) * 100);
  const totals = Object.entries(run.totals);
  return (
    <div className="billing-run">
      <div
        role="progressbar"
        aria-label={`${run.dryRun ? 'Dry run' : 'Billing run'} progress: accounts processed`}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={now}
        aria-valuetext={`${done} of ${due} accounts`}
        className="billing-progress"
        style={{
          border: '1px solid var(--dm-border, currentColor)',
          borderRadius: 'var(--dm-radius, 4px)',
          height: 12,
          overflow: 'hidden',
          background: 'var(--dm-surface, transparent)',
        }}
      >
        <div style={{ width: `${percent}%`, height: '100%', background: 'var(--dm-primary, currentColor)' }} />
      </div>
      <p role="status" className="billing-run__summary">
        {runSummary(run)}
      </p>
      <Facts
        facts={[
          ['Started', <DateText key="started" value={run.startedAt} time />],
          ['Finished', <DateText key="finished" value={run.finishedAt} time />],
          ['Accounts', `${done} of ${due}`],
          [
            run.dryRun ? 'Would invoice' : 'Invoiced',
            totals.length === 0
              ? 'Nothing'
              : totals.map(([currency, amount], i) => (
                  <span key={currency}>
                    {i > 0 ? ', ' : ''}
                    <Money amount={amount} currency={currency} />
                  </span>
                )),
          ],
        ]}
      />
      {run.dryRun && run.preview.length > 0 ? <RunPreview run={run} /> : null}
      {run.problems.length > 0 ? (
        <div role="alert">
          <p>{run.problems.length === 1 ? '1 account' : `${run.problems.length} accounts`} could not be billed:</p>
          <ul>
            {run.problems.map((p) => (
              <li key={p.accountId}>{p.detail}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function RunPreview({ run }: { readonly run: Run }) {
  return (
    <table className="dm-table">
      <caption className="dm-table__caption">The first invoices the run would issue</caption>
      <thead>
        <tr>
          <th scope="col">Lines</th>
          <th scope="col" className="dm-cell--end">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {run.preview.map((invoice, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a preview is fixed once the run is done; an account may appear in it once per currency.
          <tr key={`${invoice.accountId}-${i}`}>
            <td>{invoice.lines.map((l) => l.description).join('; ')}</td>
            <td className="dm-cell--end">
              <Money amount={invoice.total} currency={invoice.currency} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

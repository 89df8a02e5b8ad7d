// An invoice's content as its PDF shows it: the lines, the tax summary and the totals.
import { Money } from '@dotmac/ui';
import { isZero } from './amounts.ts';
import { Facts } from './facts.tsx';
import { invoiceTitle } from './invoice-label.ts';
import type { Invoice } from './resources.ts';

export function InvoiceLines({ invoice }: { readonly invoice: Invoice }) {
  const money = (amount: string) => <Money amount={amount} currency={invoice.currency} />;
  return (
    <table className="dm-table">
      <caption className="dm-table__caption">The lines of {invoiceTitle(invoice)}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Description</th>
          <th scope="col" className="dm-cell--end">
            Quantity
          </th>
          <th scope="col" className="dm-cell--end">
            Unit price
          </th>
          <th scope="col" className="dm-cell--end">
            Discount
          </th>
          <th scope="col" className="dm-cell--end">
            Net
          </th>
          <th scope="col" className="dm-cell--end">
            Tax
          </th>
          <th scope="col" className="dm-cell--end">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {invoice.lines.map((line) => (
          <tr key={line.position}>
            <td>{line.position}</td>
            <td>{line.description}</td>
            <td className="dm-cell--end">{line.quantity}</td>
            <td className="dm-cell--end">{money(line.unitPrice)}</td>
            <td className="dm-cell--end">{money(line.discount)}</td>
            <td className="dm-cell--end">{money(line.net)}</td>
            <td className="dm-cell--end">{money(line.tax)}</td>
            <td className="dm-cell--end">{money(line.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function InvoiceTaxes({ invoice }: { readonly invoice: Invoice }) {
  if (invoice.taxes.length === 0) {
    return <p>{invoice.taxExemption ? `Untaxed: exemption ${invoice.taxExemption}.` : 'No tax was charged.'}</p>;
  }
  return (
    <table className="dm-table">
      <caption className="dm-table__caption">Taxes</caption>
      <thead>
        <tr>
          <th scope="col">Tax</th>
          <th scope="col" className="dm-cell--end">
            Rate
          </th>
          <th scope="col" className="dm-cell--end">
            Charged on
          </th>
          <th scope="col" className="dm-cell--end">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {invoice.taxes.map((tax) => (
          <tr key={tax.code}>
            <td>
              {tax.name}
              {tax.inclusive ? ' (included in prices)' : ''}
            </td>
            <td className="dm-cell--end">{tax.rate} %</td>
            <td className="dm-cell--end">
              <Money amount={tax.taxable} currency={invoice.currency} />
            </td>
            <td className="dm-cell--end">
              <Money amount={tax.amount} currency={invoice.currency} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function InvoiceTotals({ invoice }: { readonly invoice: Invoice }) {
  const rows: [string, string][] = [
    ['Subtotal', invoice.subtotal],
    ...(isZero(invoice.discountTotal) ? [] : ([['Discounts', invoice.discountTotal]] as [string, string][])),
    ['Tax', invoice.taxTotal],
    ['Total', invoice.total],
    ['Paid', invoice.amountPaid],
    ['Balance due', invoice.amountDue],
  ];
  return (
    <Facts
      alignValues="end"
      facts={rows.map(([label, amount]) => [label, <Money key={label} amount={amount} currency={invoice.currency} />])}
    />
  );
}

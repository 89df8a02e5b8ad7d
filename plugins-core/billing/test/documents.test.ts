// Billing documents: the PDFs are read back with pdf.js, as a customer's reader would; the CSV
// exports are read as a spreadsheet would.
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, test } from 'vitest';
import { invoicesCsv, paymentsCsv } from '../src/server/documents/csv.ts';
import {
  type InvoiceDocument,
  type InvoiceDocumentLine,
  invoicePdf,
  type StatementDocument,
  statementPdf,
} from '../src/server/documents/pdf.ts';
import { pagesOf, readPdf } from './support/pdf.ts';

/** A 2 × 2 red PNG. */
const PNG_2X2 = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEUlEQVR4nGP4z8DwnwGMgRQAH+4D/dJQfRoAAAAASUVORK5CYII=';

function line(n: number, overrides: Partial<InvoiceDocumentLine> = {}): InvoiceDocumentLine {
  return {
    description: `Fibre 100 Mbps, line ${n}`,
    quantity: '1',
    unitPrice: '25000.00',
    amount: '25000.00',
    discount: '0.00',
    tax: '1875.00',
    total: '26875.00',
    period: { from: '2025-03-01', to: '2025-03-31' },
    ...overrides,
  };
}

const invoice: InvoiceDocument = {
  kind: 'invoice',
  seller: {
    name: 'Lagos Fibre Ltd',
    address: ['12 Admiralty Way', 'Lekki Phase 1, Lagos'],
    taxNumbers: [
      { label: 'TIN', value: '12345678-0001' },
      { label: 'RC', value: '1234567' },
    ],
    email: 'billing@lagosfibre.example',
    phone: '+234 1 234 5678',
  },
  customer: { name: 'Chidi Okafor', accountNumber: 'ACC-10023', address: ['4 Awolowo Road', 'Ikoyi, Lagos'] },
  number: 'INV-2025-000042',
  issuedAt: '2025-03-01',
  dueAt: '2025-03-15',
  currency: 'NGN',
  locale: 'en-NG',
  lines: [
    line(1),
    line(2, {
      description: 'Static IPv4 address',
      unitPrice: '5000.00',
      amount: '5000.00',
      discount: '500.00',
      tax: '337.50',
      total: '4837.50',
    }),
  ],
  taxes: [{ name: 'VAT', rate: '7.5', taxable: '29500.00', amount: '2212.50' }],
  subtotal: '30000.00',
  discountTotal: '500.00',
  taxTotal: '2212.50',
  total: '31712.50',
  amountPaid: '10000.00',
  amountDue: '21712.50',
  status: 'partially-paid',
  notes: 'Thank you for your business.',
  paymentInstructions: ['Bank: First Bank of Nigeria', 'Account: 3012345678', 'Reference: INV-2025-000042'],
};

const statement: StatementDocument = {
  seller: invoice.seller,
  customer: invoice.customer,
  issuedAt: '2025-04-01',
  period: { from: '2025-03-01', to: '2025-03-31' },
  currency: 'NGN',
  locale: 'en-NG',
  openingBalance: '1250.00',
  entries: [
    {
      date: '2025-03-01',
      description: 'Invoice INV-2025-000042',
      reference: 'INV-2025-000042',
      debit: '31712.50',
      credit: null,
      balance: '32962.50',
    },
    {
      date: '2025-03-09',
      description: 'Payment, bank transfer',
      reference: 'PAY-0091',
      debit: null,
      credit: '10000.00',
      balance: '22962.50',
    },
  ],
  closingBalance: '22962.50',
};

/** How many images page `page` paints. */
function imagesOn(base64: string, page: number): Promise<number> {
  return readPdf(base64, async (pdf) => {
    const ops = await (await pdf.getPage(page)).getOperatorList();
    return ops.fnArray.filter((op) => op === OPS.paintImageXObject).length;
  });
}

describe('invoicePdf', () => {
  test('an invoice is a PDF that shows its number, its title and its amounts in the locale', async () => {
    const base64 = await invoicePdf(invoice);
    expect(Buffer.from(base64, 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const [text = ''] = await pagesOf(base64);
    expect(text).toContain('INVOICE');
    expect(text).toContain('INV-2025-000042');
    expect(text).toContain('NGN 31,712.50');
    expect(text).toContain('NGN 21,712.50');
    expect(text).toContain('Partially paid');
    expect(text).toContain('1 Mar 2025 – 31 Mar 2025');
    expect(text).toContain('Page 1 of 1');
    expect(text).toContain('Reference: INV-2025-000042');
    expect(text).toContain('Thank you for your business.');
  });

  test('a 120-line invoice runs onto more pages, each with the table header, and loses no line', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => line(i + 1));
    const pages = await pagesOf(await invoicePdf({ ...invoice, lines }));
    expect(pages.length).toBeGreaterThan(1);
    const all = pages.join('\n');
    for (let n = 1; n <= 120; n++) expect(all).toContain(`Fibre 100 Mbps, line ${n}\n`);
    pages.forEach((page, i) => {
      expect(page).toContain('Unit price');
      expect(page).toContain(`Page ${i + 1} of ${pages.length}`);
      if (i > 0) expect(page).toContain('INVOICE INV-2025-000042 (continued)');
    });
    expect(pages.at(-1)).toContain('NGN 21,712.50');
  });

  test('a long description wraps and is cut with an ellipsis instead of running over the amounts', async () => {
    const description = `Dedicated enterprise link ${'with redundant uplinks '.repeat(40)}`;
    const [text = ''] = await pagesOf(await invoicePdf({ ...invoice, lines: [line(1, { description })] }));
    expect(text).toContain('Dedicated enterprise link with redundant uplinks');
    expect(text).toContain('…');
    expect(text).not.toContain(description.trim());
  });

  test('a credit note says CREDIT NOTE and names the invoice it credits', async () => {
    const { dueAt: _due, ...rest } = invoice;
    const text = (
      await pagesOf(
        await invoicePdf({
          ...rest,
          kind: 'credit-note',
          number: 'CN-2025-0007',
          creditedInvoiceNumber: 'INV-2025-000042',
        }),
      )
    ).join('\n');
    expect(text).toContain('CREDIT NOTE');
    expect(text).toContain('CN-2025-0007');
    expect(text).toContain('Credits invoice');
    expect(text).toContain('INV-2025-000042');
    expect(text).toContain('Total credit');
    expect(text).not.toMatch(/^INVOICE$/m);
  });

  test('names in scripts Helvetica cannot draw do not throw: accents are kept where WinAnsi has them', async () => {
    const text = (
      await pagesOf(
        await invoicePdf({
          ...invoice,
          customer: { ...invoice.customer, name: 'Ọlá Adébáyọ̀' },
          lines: [line(1, { description: 'Top-up ₦5,000 — 株式会社 ﬁbre' })],
        }),
      )
    ).join('\n');
    expect(text).toContain('Olá Adébáyò');
    expect(text).toContain('Top-up NGN5,000 — ???? fibre');
  });

  test('the logo is drawn on the first page', async () => {
    const withLogo = await invoicePdf({
      ...invoice,
      seller: { ...invoice.seller, logo: { data: PNG_2X2, type: 'png' } },
    });
    expect(await imagesOn(withLogo, 1)).toBe(1);
    expect(await imagesOn(await invoicePdf(invoice), 1)).toBe(0);
  });

  test('a logo that is not the image its type says is refused with a message that says so', async () => {
    const jpegAsPng = { data: '/9j/4AAQSkZJRgABAQ==', type: 'png' as const };
    await expect(invoicePdf({ ...invoice, seller: { ...invoice.seller, logo: jpegAsPng } })).rejects.toThrow(
      /the seller's logo is not a PNG image/,
    );
  });

  test('a draft is marked DRAFT on every page', async () => {
    const pages = await pagesOf(
      await invoicePdf({ ...invoice, status: 'draft', lines: Array.from({ length: 60 }, (_, i) => line(i)) }),
    );
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page).toContain('DRAFT');
  });

  test('the same document gives the same bytes', async () => {
    expect(await invoicePdf(invoice)).toBe(await invoicePdf(invoice));
  });

  test('numbers follow the locale, exactly, in Latin digits', async () => {
    const [fr = ''] = await pagesOf(await invoicePdf({ ...invoice, locale: 'fr-FR', total: '123456789012345.67' }));
    expect(fr).toContain('NGN 123 456 789 012 345,67');
    const [ar = ''] = await pagesOf(await invoicePdf({ ...invoice, locale: 'ar-EG' }));
    expect(ar).toContain('31,712.50');
  });
});

describe('statementPdf', () => {
  test('a statement shows the period, the opening and closing balances and every entry', async () => {
    const text = (await pagesOf(await statementPdf(statement))).join('\n');
    expect(text).toContain('STATEMENT OF ACCOUNT');
    expect(text).toContain('1 Mar 2025 – 31 Mar 2025');
    expect(text).toContain('Opening balance');
    expect(text).toContain('NGN 1,250.00');
    expect(text).toContain('Closing balance');
    expect(text).toContain('NGN 22,962.50');
    expect(text).toContain('PAY-0091');
    expect(text).toContain('32,962.50');
    expect(text).toContain('10,000.00');
  });
});

describe('invoicesCsv', () => {
  const row = {
    invoiceNumber: 'INV-1',
    issuedAt: '2025-03-01',
    dueAt: '2025-03-15',
    accountNumber: 'ACC-1',
    customerName: 'Okafor, Chidi "Chi"',
    currency: 'NGN',
    net: '100.00',
    tax: '7.50',
    total: '107.50',
    paid: '0.00',
    balance: '107.50',
    status: 'open',
  };

  test('has a header row, ends every record with CRLF, and quotes commas and quotes', () => {
    expect(invoicesCsv([row])).toBe(
      'Invoice number,Issued,Due,Account number,Customer,Currency,Net,Tax,Total,Paid,Balance,Status\r\n' +
        'INV-1,2025-03-01,2025-03-15,ACC-1,"Okafor, Chidi ""Chi""",NGN,100.00,7.50,107.50,0.00,107.50,open\r\n',
    );
  });

  test('quotes line breaks inside a field', () => {
    expect(invoicesCsv([{ ...row, customerName: 'Line 1\nLine 2\r\n3' }])).toContain(
      ',ACC-1,"Line 1\nLine 2\r\n3",NGN,',
    );
  });

  test('neutralises spreadsheet formulas, but leaves negative amounts numeric', () => {
    const csv = invoicesCsv([
      { ...row, customerName: '=HYPERLINK("http://evil","x")', status: '@SUM(A1)', balance: '-12.50', paid: '-3' },
      { ...row, customerName: '+1', status: '\tcmd', balance: '-1+2', paid: '-A1' },
    ]);
    const [, first = '', second = ''] = csv.split('\r\n');
    expect(first).toBe(
      `INV-1,2025-03-01,2025-03-15,ACC-1,"'=HYPERLINK(""http://evil"",""x"")",NGN,100.00,7.50,107.50,-3,-12.50,'@SUM(A1)`,
    );
    expect(second).toBe(`INV-1,2025-03-01,2025-03-15,ACC-1,'+1,NGN,100.00,7.50,107.50,'-A1,'-1+2,'\tcmd`);
  });

  test('a field that starts with a carriage return is neutralised and quoted', () => {
    expect(invoicesCsv([{ ...row, customerName: '\r=1' }])).toContain(`,ACC-1,"'\r=1",NGN,`);
  });

  test('a missing due date is an empty field; no rows is just the header', () => {
    expect(invoicesCsv([{ ...row, dueAt: null }]).split('\r\n')[1]).toMatch(/^INV-1,2025-03-01,,ACC-1,/);
    expect(invoicesCsv([])).toBe(
      'Invoice number,Issued,Due,Account number,Customer,Currency,Net,Tax,Total,Paid,Balance,Status\r\n',
    );
  });
});

describe('paymentsCsv', () => {
  test('writes payments with their allocation, one CRLF record each', () => {
    expect(
      paymentsCsv([
        {
          receivedAt: '2025-03-09',
          reference: 'PAY-0091',
          accountNumber: 'ACC-10023',
          method: 'bank transfer',
          currency: 'NGN',
          amount: '10000.00',
          allocated: '9000.00',
          unallocated: '1000.00',
        },
        {
          receivedAt: '2025-03-10',
          reference: '-REFUND',
          accountNumber: 'ACC-10024',
          method: 'card',
          currency: 'NGN',
          amount: '-500.00',
          allocated: '-500.00',
          unallocated: '0.00',
        },
      ]),
    ).toBe(
      'Date,Reference,Account number,Method,Currency,Amount,Allocated,Unallocated\r\n' +
        '2025-03-09,PAY-0091,ACC-10023,bank transfer,NGN,10000.00,9000.00,1000.00\r\n' +
        "2025-03-10,'-REFUND,ACC-10024,card,NGN,-500.00,-500.00,0.00\r\n",
    );
  });
});

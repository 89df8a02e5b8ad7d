// The PDF documents render inside a bare isolate, as the plugin's server code runs: bundled to
// one classic script the way `dotmac-plugin build` bundles it, with no Node APIs, no
// TextEncoder, no atob/btoa and no timers.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ivm from 'isolated-vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { InvoiceDocument, StatementDocument } from '../src/server/documents/pdf.ts';

const PDF_MODULE = fileURLToPath(new URL('../src/server/documents/pdf.ts', import.meta.url));

/** A 2 × 2 red PNG. */
const PNG_2X2 = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEUlEQVR4nGP4z8DwnwGMgRQAH+4D/dJQfRoAAAAASUVORK5CYII=';

const invoice: InvoiceDocument = {
  kind: 'invoice',
  seller: {
    name: 'Lagos Fibre Ltd',
    address: ['12 Admiralty Way', 'Lekki Phase 1, Lagos'],
    taxNumbers: [{ label: 'TIN', value: '12345678-0001' }],
    logo: { data: PNG_2X2, type: 'png' },
  },
  customer: { name: 'Ọlá Adébáyọ̀ ₦ 株式会社', accountNumber: 'ACC-10023', address: ['4 Awolowo Road'] },
  number: 'INV-2025-000042',
  issuedAt: '2025-03-01',
  dueAt: '2025-03-15',
  currency: 'NGN',
  locale: 'en-NG',
  lines: Array.from({ length: 120 }, (_, i) => ({
    description: `Fibre 100 Mbps, line ${i + 1}`,
    quantity: '1',
    unitPrice: '25000.00',
    amount: '25000.00',
    discount: '0.00',
    tax: '1875.00',
    total: '26875.00',
    period: { from: '2025-03-01', to: '2025-03-31' },
  })),
  taxes: [{ name: 'VAT', rate: '7.5', taxable: '3000000.00', amount: '225000.00' }],
  subtotal: '3000000.00',
  discountTotal: '0.00',
  taxTotal: '225000.00',
  total: '3225000.00',
  amountPaid: '0.00',
  amountDue: '3225000.00',
  status: 'open',
  paymentInstructions: ['Bank: First Bank of Nigeria'],
};

const statement: StatementDocument = {
  seller: invoice.seller,
  customer: invoice.customer,
  issuedAt: '2025-04-01',
  period: { from: '2025-03-01', to: '2025-03-31' },
  currency: 'NGN',
  locale: 'en-NG',
  openingBalance: '0.00',
  entries: [
    { date: '2025-03-01', description: 'Invoice', reference: 'INV-1', debit: '10.00', credit: null, balance: '10.00' },
  ],
  closingBalance: '10.00',
};

let isolate: ivm.Isolate;
let context: ivm.Context;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [PDF_MODULE],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'docs',
    platform: 'neutral',
    target: 'es2023',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  isolate = new ivm.Isolate({ memoryLimit: 128 });
  context = await isolate.createContext();
  await context.eval(bundle.outputFiles[0]?.text ?? '', { filename: 'documents.js' });
});

afterAll(() => {
  isolate?.dispose();
});

/** Calls `docs[name](doc)` in the isolate and answers the PDF's bytes. */
async function renderInIsolate(name: 'invoicePdf' | 'statementPdf', doc: unknown): Promise<Buffer> {
  const base64: string = await context.evalClosure(
    `return docs[${JSON.stringify(name)}](JSON.parse($0));`,
    [JSON.stringify(doc)],
    {
      arguments: { copy: true },
      result: { promise: true, copy: true },
    },
  );
  return Buffer.from(base64, 'base64');
}

describe('documents in the sandbox', () => {
  test('the isolate is as bare as the sandbox: no timers, no TextEncoder, no atob, no Node', async () => {
    const missing = await context.eval(
      `['setTimeout', 'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'crypto', 'process', 'Buffer', 'require'].filter((name) => typeof globalThis[name] !== 'undefined').join(',')`,
    );
    expect(missing).toBe('');
  });

  test('a 120-line invoice with a logo and names WinAnsi lacks renders to a PDF', async () => {
    const pdf = await renderInIsolate('invoicePdf', invoice);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    expect(pdf.length).toBeGreaterThan(5000);
  });

  test('long invoices render too: pdf-lib would wait for a timer every 50 objects it writes', async () => {
    for (let count = 300; count <= 800; count += 50) {
      const lines = Array.from({ length: count }, (_, i) => ({ ...invoice.lines[0], description: `Line ${i + 1}` }));
      const pdf = await renderInIsolate('invoicePdf', { ...invoice, lines });
      expect(pdf.subarray(0, 5).toString('latin1'), `${count} lines`).toBe('%PDF-');
    }
  });

  test('a statement renders to a PDF', async () => {
    const pdf = await renderInIsolate('statementPdf', statement);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  test('the isolate renders the same bytes as Node', async () => {
    const { invoicePdf } = await import('../src/server/documents/pdf.ts');
    const inNode = Buffer.from(await invoicePdf(invoice), 'base64');
    expect((await renderInIsolate('invoicePdf', invoice)).equals(inNode)).toBe(true);
  });
});

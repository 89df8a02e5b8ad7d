// CSV exports for accountants: RFC 4180 (CRLF, quoted fields), safe to open in a spreadsheet.

/** One invoice or credit note of the invoices export. Amounts are decimal strings, dates 'YYYY-MM-DD'. */
export interface InvoiceCsvRow {
  readonly invoiceNumber: string;
  readonly issuedAt: string;
  /** Null for a document with no due date (a credit note). */
  readonly dueAt: string | null;
  readonly accountNumber: string;
  readonly customerName: string;
  readonly currency: string;
  readonly net: string;
  readonly tax: string;
  readonly total: string;
  readonly paid: string;
  readonly balance: string;
  readonly status: string;
}

/** One payment of the payments export, with how much of it is allocated to invoices. */
export interface PaymentCsvRow {
  readonly receivedAt: string;
  readonly reference: string;
  readonly accountNumber: string;
  readonly method: string;
  readonly currency: string;
  readonly amount: string;
  readonly allocated: string;
  readonly unallocated: string;
}

/** The header and the field of each column, in order. */
type Columns<Row> = readonly (readonly [header: string, field: (row: Row) => string | null])[];

const INVOICE_COLUMNS: Columns<InvoiceCsvRow> = [
  ['Invoice number', (r) => r.invoiceNumber],
  ['Issued', (r) => r.issuedAt],
  ['Due', (r) => r.dueAt],
  ['Account number', (r) => r.accountNumber],
  ['Customer', (r) => r.customerName],
  ['Currency', (r) => r.currency],
  ['Net', (r) => r.net],
  ['Tax', (r) => r.tax],
  ['Total', (r) => r.total],
  ['Paid', (r) => r.paid],
  ['Balance', (r) => r.balance],
  ['Status', (r) => r.status],
];

const PAYMENT_COLUMNS: Columns<PaymentCsvRow> = [
  ['Date', (r) => r.receivedAt],
  ['Reference', (r) => r.reference],
  ['Account number', (r) => r.accountNumber],
  ['Method', (r) => r.method],
  ['Currency', (r) => r.currency],
  ['Amount', (r) => r.amount],
  ['Allocated', (r) => r.allocated],
  ['Unallocated', (r) => r.unallocated],
];

/** The invoices export: a header row, then one record per invoice. */
export function invoicesCsv(rows: readonly InvoiceCsvRow[]): string {
  return toCsv(INVOICE_COLUMNS, rows);
}

/** The payments export: a header row, then one record per payment. */
export function paymentsCsv(rows: readonly PaymentCsvRow[]): string {
  return toCsv(PAYMENT_COLUMNS, rows);
}

function toCsv<Row>(columns: Columns<Row>, rows: readonly Row[]): string {
  const records = [
    columns.map(([header]) => header),
    ...rows.map((row) => columns.map(([, field]) => field(row) ?? '')),
  ];
  return records.map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}

/** Spreadsheets run a cell that starts with one of these as a formula (or DDE command). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/**
 * One field: a leading apostrophe stops a spreadsheet from running it as a formula (plain negative
 * numbers stay numbers), then quotes when it holds a comma, a quote or a line break.
 */
function csvField(value: string): string {
  const inert = FORMULA_START.test(value) && !NEGATIVE_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}
